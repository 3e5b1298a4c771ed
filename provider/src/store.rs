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
use crate::errors::AccountsError;
use crate::scopes::Scopes;
use crate::secrets::{new_secret, prefix};

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

/// The lifetimes in force when a token is issued.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub access: Duration,
    pub refresh: Duration,
}

/// Who an access token speaks for.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: Person,
    pub scope: Scopes,
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
        eprintln!(
            "local-spotify: issued code {}… to {} for {}",
            prefix(&code),
            approval.client_id,
            approval.user.id()
        );
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

    /// The `authorization_code` grant, after the client has been identified.
    pub fn redeem_code(
        &mut self,
        code: &str,
        client_id: &str,
        redirect_uri: &str,
        verifier: &str,
        now: Instant,
        lifetimes: Lifetimes,
    ) -> Result<TokenSet, AccountsError> {
        let invalid_code = || AccountsError::invalid_grant("Invalid authorization code");
        let entry = self.codes.get(code).ok_or_else(invalid_code)?;
        if let Some(grant) = entry.redeemed {
            // RFC 6749 §4.1.2: a code used twice revokes what it was exchanged for.
            if let Some(g) = self.grants.get_mut(&grant) {
                g.revoked = true;
            }
            eprintln!(
                "local-spotify: code {}… used twice; its tokens are revoked",
                prefix(code)
            );
            return Err(invalid_code());
        }
        if now >= entry.expires_at || entry.approval.client_id != client_id {
            return Err(invalid_code());
        }
        if entry.approval.redirect_uri != redirect_uri {
            return Err(AccountsError::invalid_grant("Invalid redirect URI"));
        }
        if !is_valid_verifier(verifier) {
            return Err(AccountsError::invalid_request(
                "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
            ));
        }
        if s256(verifier) != entry.approval.code_challenge {
            return Err(AccountsError::invalid_grant("code_verifier was incorrect"));
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
                refresh_expires_at: now + lifetimes.refresh,
                revoked: false,
            },
        );
        if let Some(entry) = self.codes.get_mut(code) {
            entry.redeemed = Some(grant);
        }
        let refresh_token = new_secret();
        self.refresh.insert(
            refresh_token.clone(),
            Refresh {
                grant,
                rotated: false,
            },
        );
        Ok(self.issue_access(grant, now, lifetimes.access, Some(refresh_token)))
    }

    /// The `refresh_token` grant, after the client has been identified.
    pub fn refresh(
        &mut self,
        refresh_token: &str,
        client_id: &str,
        now: Instant,
        access_lifetime: Duration,
        rotation: Rotation,
    ) -> Result<TokenSet, AccountsError> {
        let entry = self
            .refresh
            .get(refresh_token)
            .ok_or_else(|| AccountsError::invalid_grant("Invalid refresh token"))?;
        let grant_id = entry.grant;
        let rotated = entry.rotated;
        let grant = self
            .grants
            .get(&grant_id)
            .ok_or_else(|| AccountsError::invalid_grant("Invalid refresh token"))?;
        if grant.client_id != client_id {
            return Err(AccountsError::invalid_grant("Invalid refresh token"));
        }
        if grant.revoked || rotated {
            return Err(AccountsError::invalid_grant("Refresh token revoked"));
        }
        if now >= grant.refresh_expires_at {
            return Err(AccountsError::invalid_grant("Refresh token expired"));
        }
        let next = match rotation {
            Rotation::Omit => None,
            Rotation::Keep => Some(refresh_token.to_owned()),
            Rotation::Rotate => {
                if let Some(old) = self.refresh.get_mut(refresh_token) {
                    old.rotated = true;
                }
                let new = new_secret();
                self.refresh.insert(
                    new.clone(),
                    Refresh {
                        grant: grant_id,
                        rotated: false,
                    },
                );
                Some(new)
            }
        };
        Ok(self.issue_access(grant_id, now, access_lifetime, next))
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
}
