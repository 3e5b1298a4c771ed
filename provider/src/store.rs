//! Pending authorization requests, codes, grants and tokens, kept in memory.
//!
//! A *grant* is what one approved authorization becomes once its code is exchanged: the user,
//! the client, the scopes, and the absolute end of its refresh tokens. Every token belongs to a
//! grant; revoking the grant (when its code is used a second time) revokes all of them.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::catalog::Person;
use crate::config::Rotation;
use crate::scopes::Scopes;
use crate::secrets::new_secret;

/// How long the consent page's pending request stays usable.
pub const PENDING_LIFETIME: Duration = Duration::from_secs(15 * 60);
const SWEEP_INTERVAL: Duration = Duration::from_secs(5);

/// A validated `/authorize` request waiting for the user's decision.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub scope: Scopes,
    pub code_challenge: String,
}

/// What an approved request turns into.
#[derive(Debug, Clone)]
pub struct Approval {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub scope: Scopes,
    pub user: Person,
}

/// What a successful token request answers.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: String,
    pub expires_in: u64,
    pub scope: String,
    pub refresh_token: Option<String>,
}

/// The settings in force when either grant issues tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSettings {
    /// The lifetime of each access token.
    pub access_lifetime: Duration,
    /// The absolute lifetime of a grant's refresh tokens, from the code exchange.
    pub refresh_lifetime: Duration,
    /// What a refresh answers with.
    pub rotation: Rotation,
    /// With [`Rotation::Rotate`]: a rotated-out refresh token presented again revokes its whole
    /// grant (RFC 9700 §4.14.2), since either the client or an attacker holds a stolen copy.
    pub reuse_detection: bool,
}

/// The `authorization_code` grant's parameters, once the client has been identified.
#[derive(Debug, Clone, Copy)]
pub struct CodeExchange<'a> {
    pub code: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub verifier: &'a str,
}

/// The `refresh_token` grant's parameters, once the client has been identified.
#[derive(Debug, Clone, Copy)]
pub struct RefreshRequest<'a> {
    pub refresh_token: &'a str,
    pub client_id: &'a str,
}

/// What a token is, as RFC 7009's `token_type_hint` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

/// What a revocation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    /// A refresh token: its whole grant, every access and refresh token of it.
    Grant,
    /// An access token, alone.
    AccessToken,
    /// Nothing: the token is unknown (RFC 7009 §2.2 answers 200 all the same).
    Nothing,
}

/// Why a revocation was refused: the token was issued to another client (RFC 7009 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtherClient;

/// Why a grant was refused. Every variant but `MalformedVerifier` is `invalid_grant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantError {
    /// Unknown, expired, or issued to another client.
    InvalidCode,
    /// Already exchanged once: the tokens it was exchanged for are now revoked.
    CodeReused,
    /// Not the redirect URI the code was sent to.
    RedirectMismatch,
    /// Not 43 to 128 characters of the allowed set (`invalid_request`).
    MalformedVerifier,
    /// Does not hash to the challenge.
    WrongVerifier,
    /// Unknown, or issued to another client.
    InvalidRefreshToken,
    /// Rotated out, or its grant was revoked.
    RefreshTokenRevoked,
    /// Rotated out and presented again with reuse detection on: its grant is now revoked.
    RefreshTokenReused,
    /// Past the grant's absolute refresh lifetime.
    RefreshTokenExpired,
}

/// Who an access token speaks for.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: Person,
    pub scope: Scopes,
    /// The client the grant was issued to.
    pub client_id: String,
}

/// Why an access token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessDenied {
    Expired,
    Invalid,
}

struct Pending {
    request: AuthRequest,
    expires_at: Instant,
}

struct Code {
    approval: Approval,
    expires_at: Instant,
    /// The grant it was exchanged for, once it has been.
    redeemed: Option<u64>,
}

struct Grant {
    client_id: String,
    user: Person,
    scope: Scopes,
    refresh_expires_at: Instant,
    revoked: bool,
}

struct Access {
    grant: u64,
    expires_at: Instant,
}

struct Refresh {
    grant: u64,
    rotated: bool,
}

/// All server-side OAuth state.
pub struct Store {
    pending: HashMap<String, Pending>,
    codes: HashMap<String, Code>,
    grants: HashMap<u64, Grant>,
    access: HashMap<String, Access>,
    refresh: HashMap<String, Refresh>,
    next_grant: u64,
    last_sweep: Instant,
}

/// `BASE64URL(SHA256(verifier))`, RFC 7636 §4.2.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// RFC 7636 §4.1: 43 to 128 characters of `[A-Z] [a-z] [0-9] - . _ ~`.
pub fn is_valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// An S256 challenge: exactly 43 base64url characters (a SHA-256 digest without padding).
pub fn is_valid_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

impl Default for Store {
    fn default() -> Self {
        Store {
            pending: HashMap::new(),
            codes: HashMap::new(),
            grants: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            next_grant: 1,
            last_sweep: Instant::now(),
        }
    }
}

impl Store {
    /// Keeps a validated request for the consent page; returns its random id.
    pub fn add_pending(&mut self, request: AuthRequest, now: Instant) -> String {
        self.sweep(now);
        let id = new_secret();
        self.pending.insert(
            id.clone(),
            Pending {
                request,
                expires_at: now + PENDING_LIFETIME,
            },
        );
        id
    }

    /// Takes a pending request out (single use); `None` if unknown or expired.
    pub fn take_pending(&mut self, id: &str, now: Instant) -> Option<AuthRequest> {
        let pending = self.pending.remove(id)?;
        (now < pending.expires_at).then_some(pending.request)
    }

    /// Issues an authorization code for an approved request.
    pub fn issue_code(&mut self, approval: Approval, now: Instant, lifetime: Duration) -> String {
        self.sweep(now);
        let code = new_secret();
        self.codes.insert(
            code.clone(),
            Code {
                approval,
                expires_at: now + lifetime,
                redeemed: None,
            },
        );
        code
    }

    /// The `authorization_code` grant.
    pub fn redeem_code(
        &mut self,
        request: CodeExchange<'_>,
        now: Instant,
        settings: TokenSettings,
    ) -> Result<TokenSet, GrantError> {
        let entry = self
            .codes
            .get(request.code)
            .ok_or(GrantError::InvalidCode)?;
        if let Some(grant) = entry.redeemed {
            // RFC 6749 §4.1.2: a code used twice revokes what it was exchanged for.
            self.revoke_grant(grant);
            return Err(GrantError::CodeReused);
        }
        if now >= entry.expires_at || entry.approval.client_id != request.client_id {
            return Err(GrantError::InvalidCode);
        }
        if entry.approval.redirect_uri != request.redirect_uri {
            return Err(GrantError::RedirectMismatch);
        }
        if !is_valid_verifier(request.verifier) {
            return Err(GrantError::MalformedVerifier);
        }
        if s256(request.verifier) != entry.approval.code_challenge {
            return Err(GrantError::WrongVerifier);
        }
        let approval = entry.approval.clone();
        let grant = self.next_grant;
        self.next_grant += 1;
        self.grants.insert(
            grant,
            Grant {
                client_id: approval.client_id,
                user: approval.user,
                scope: approval.scope,
                refresh_expires_at: now + settings.refresh_lifetime,
                revoked: false,
            },
        );
        if let Some(entry) = self.codes.get_mut(request.code) {
            entry.redeemed = Some(grant);
        }
        let refresh_token = self.new_refresh_token(grant);
        Ok(self.issue_access(grant, now, settings.access_lifetime, Some(refresh_token)))
    }

    /// The `refresh_token` grant. The refresh lifetime in `settings` is not used: a grant's
    /// refresh tokens end when the grant was told they would, at the code exchange.
    pub fn refresh(
        &mut self,
        request: RefreshRequest<'_>,
        now: Instant,
        settings: TokenSettings,
    ) -> Result<TokenSet, GrantError> {
        let entry = self
            .refresh
            .get(request.refresh_token)
            .ok_or(GrantError::InvalidRefreshToken)?;
        let (grant_id, rotated) = (entry.grant, entry.rotated);
        let grant = self
            .grants
            .get(&grant_id)
            .ok_or(GrantError::InvalidRefreshToken)?;
        if grant.client_id != request.client_id {
            return Err(GrantError::InvalidRefreshToken);
        }
        if grant.revoked {
            return Err(GrantError::RefreshTokenRevoked);
        }
        if rotated {
            if settings.reuse_detection {
                self.revoke_grant(grant_id);
                return Err(GrantError::RefreshTokenReused);
            }
            return Err(GrantError::RefreshTokenRevoked);
        }
        if now >= grant.refresh_expires_at {
            return Err(GrantError::RefreshTokenExpired);
        }
        let next = match settings.rotation {
            Rotation::Omit => None,
            Rotation::Keep => Some(request.refresh_token.to_owned()),
            Rotation::Rotate => {
                if let Some(old) = self.refresh.get_mut(request.refresh_token) {
                    old.rotated = true;
                }
                Some(self.new_refresh_token(grant_id))
            }
        };
        Ok(self.issue_access(grant_id, now, settings.access_lifetime, next))
    }

    fn new_refresh_token(&mut self, grant: u64) -> String {
        let token = new_secret();
        self.refresh.insert(
            token.clone(),
            Refresh {
                grant,
                rotated: false,
            },
        );
        token
    }

    /// RFC 7009 revocation of `token` for `client_id`. The hint says where to look first; the
    /// other kind is searched too (§2.1).
    pub fn revoke(
        &mut self,
        token: &str,
        client_id: &str,
        hint: Option<TokenKind>,
    ) -> Result<Revoked, OtherClient> {
        let order = match hint {
            Some(TokenKind::Access) => [TokenKind::Access, TokenKind::Refresh],
            _ => [TokenKind::Refresh, TokenKind::Access],
        };
        for kind in order {
            let grant = match kind {
                TokenKind::Refresh => self.refresh.get(token).map(|r| r.grant),
                TokenKind::Access => self.access.get(token).map(|a| a.grant),
            };
            let Some(grant) = grant else { continue };
            let owner = self.grants.get(&grant).map(|g| g.client_id.as_str());
            if owner.is_some_and(|c| c != client_id) {
                return Err(OtherClient);
            }
            return Ok(match kind {
                TokenKind::Refresh => {
                    self.revoke_grant(grant);
                    Revoked::Grant
                }
                TokenKind::Access => {
                    self.access.remove(token);
                    Revoked::AccessToken
                }
            });
        }
        Ok(Revoked::Nothing)
    }

    /// Revokes a grant: every access and refresh token issued under it stops working.
    fn revoke_grant(&mut self, grant: u64) {
        if let Some(g) = self.grants.get_mut(&grant) {
            g.revoked = true;
        }
    }

    fn issue_access(
        &mut self,
        grant: u64,
        now: Instant,
        lifetime: Duration,
        refresh_token: Option<String>,
    ) -> TokenSet {
        self.sweep(now);
        let access_token = new_secret();
        self.access.insert(
            access_token.clone(),
            Access {
                grant,
                expires_at: now + lifetime,
            },
        );
        let scope = self
            .grants
            .get(&grant)
            .map(|g| g.scope.to_param())
            .unwrap_or_default();
        TokenSet {
            access_token,
            expires_in: lifetime.as_secs(),
            scope,
            refresh_token,
        }
    }

    /// Checks a bearer token.
    pub fn check_access(&self, token: &str, now: Instant) -> Result<Session, AccessDenied> {
        let access = self.access.get(token).ok_or(AccessDenied::Invalid)?;
        let grant = self
            .grants
            .get(&access.grant)
            .ok_or(AccessDenied::Invalid)?;
        if grant.revoked {
            return Err(AccessDenied::Invalid);
        }
        if now >= access.expires_at {
            return Err(AccessDenied::Expired);
        }
        Ok(Session {
            user: grant.user,
            scope: grant.scope.clone(),
            client_id: grant.client_id.clone(),
        })
    }

    /// Drops what can no longer be used, at most every few seconds. Expired access tokens are
    /// kept for an hour so that they still answer "expired" rather than "invalid".
    fn sweep(&mut self, now: Instant) {
        if now.duration_since(self.last_sweep) < SWEEP_INTERVAL {
            return;
        }
        self.last_sweep = now;
        let grace = Duration::from_secs(3600);
        self.pending.retain(|_, p| now < p.expires_at);
        self.codes
            .retain(|_, c| c.redeemed.is_some() || now < c.expires_at + grace);
        self.access.retain(|_, a| now < a.expires_at + grace);
        let dead: Vec<u64> = self
            .grants
            .iter()
            .filter(|(_, g)| now >= g.refresh_expires_at + grace)
            .map(|(id, _)| *id)
            .collect();
        for id in &dead {
            self.grants.remove(id);
        }
        if !dead.is_empty() {
            self.refresh.retain(|_, r| !dead.contains(&r.grant));
            self.access.retain(|_, a| !dead.contains(&a.grant));
            self.codes
                .retain(|_, c| c.redeemed.is_none_or(|g| !dead.contains(&g)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(is_valid_verifier(verifier));
        assert_eq!(
            s256(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(is_valid_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!is_valid_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGKSjMMRB"
        ));
        assert!(!is_valid_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGKSjMMRB="
        ));
        assert!(!is_valid_verifier("short"));
    }

    fn approval() -> Approval {
        Approval {
            client_id: "app".into(),
            redirect_uri: "http://127.0.0.1:1/cb".into(),
            code_challenge: s256(VERIFIER),
            scope: Scopes::default(),
            user: Person::Alice,
        }
    }

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    fn exchange(code: &str) -> CodeExchange<'_> {
        CodeExchange {
            code,
            client_id: "app",
            redirect_uri: "http://127.0.0.1:1/cb",
            verifier: VERIFIER,
        }
    }

    #[test]
    fn both_grants_take_the_same_settings() {
        // Guards against the two grants drifting apart again (one taking lifetimes, the other loose values).
        let mut store = Store::default();
        let now = Instant::now();
        let settings = TokenSettings {
            access_lifetime: Duration::from_secs(60),
            refresh_lifetime: Duration::from_secs(600),
            rotation: Rotation::Rotate,
            reuse_detection: false,
        };
        let code = store.issue_code(approval(), now, Duration::from_secs(60));
        let first = store
            .redeem_code(exchange(&code), now, settings)
            .expect("exchanged");
        assert_eq!(first.expires_in, 60);
        let refresh_token = first.refresh_token.expect("a refresh token");
        let request = RefreshRequest {
            refresh_token: &refresh_token,
            client_id: "app",
        };
        let second = store.refresh(request, now, settings).expect("refreshed");
        assert_eq!(second.expires_in, 60);
        assert!(second.refresh_token.is_some(), "rotated");
        assert_eq!(
            store.refresh(request, now, settings).err(),
            Some(GrantError::RefreshTokenRevoked)
        );
        let later = now + Duration::from_secs(601);
        let newest = second.refresh_token.expect("rotated");
        let request = RefreshRequest {
            refresh_token: &newest,
            client_id: "app",
        };
        assert_eq!(
            store.refresh(request, later, settings).err(),
            Some(GrantError::RefreshTokenExpired)
        );
    }

    #[test]
    fn a_reused_code_is_reported_as_such() {
        // Guards against a replayed code looking like any unknown code to the edge that logs it.
        let mut store = Store::default();
        let now = Instant::now();
        let settings = TokenSettings {
            access_lifetime: Duration::from_secs(60),
            refresh_lifetime: Duration::from_secs(600),
            rotation: Rotation::Omit,
            reuse_detection: false,
        };
        let code = store.issue_code(approval(), now, Duration::from_secs(60));
        let tokens = store
            .redeem_code(exchange(&code), now, settings)
            .expect("exchanged");
        assert_eq!(
            store.redeem_code(exchange(&code), now, settings).err(),
            Some(GrantError::CodeReused)
        );
        assert_eq!(
            store.check_access(&tokens.access_token, now).err(),
            Some(AccessDenied::Invalid)
        );
        assert_eq!(
            store.redeem_code(exchange("made-up"), now, settings).err(),
            Some(GrantError::InvalidCode)
        );
    }

    #[test]
    fn a_reused_rotated_token_revokes_its_grant_only_with_reuse_detection() {
        // Guards against a stolen, already-rotated refresh token leaving the thief's (or the
        // victim's) newer tokens working (RFC 9700 §4.14.2).
        for reuse_detection in [false, true] {
            let mut store = Store::default();
            let now = Instant::now();
            let settings = TokenSettings {
                access_lifetime: Duration::from_secs(60),
                refresh_lifetime: Duration::from_secs(600),
                rotation: Rotation::Rotate,
                reuse_detection,
            };
            let code = store.issue_code(approval(), now, Duration::from_secs(60));
            let first = store
                .redeem_code(exchange(&code), now, settings)
                .expect("exchanged");
            let old = first.refresh_token.expect("a refresh token");
            fn refresh(token: &str) -> RefreshRequest<'_> {
                RefreshRequest {
                    refresh_token: token,
                    client_id: "app",
                }
            }
            let second = store
                .refresh(refresh(&old), now, settings)
                .expect("rotated");
            let new = second.refresh_token.expect("a new refresh token");
            let expected = if reuse_detection {
                GrantError::RefreshTokenReused
            } else {
                GrantError::RefreshTokenRevoked
            };
            assert_eq!(
                store.refresh(refresh(&old), now, settings).err(),
                Some(expected)
            );
            let still = store.check_access(&second.access_token, now).is_ok();
            assert_eq!(still, !reuse_detection);
            assert_eq!(
                store.refresh(refresh(&new), now, settings).is_ok(),
                !reuse_detection
            );
        }
    }
}
