//! Deterministic faults for tests and benchmarks, set with `POST /admin/faults`.

use std::num::NonZeroU32;
use std::time::Duration;

use axum::http::Method;
use serde::{Deserialize, Serialize};

use crate::catalog::{sample_user_list, Person};
use crate::config::{Config, Rotation};
use crate::daily_quota::DailyQuota;
use crate::store::TokenSettings;

/// The fault plan, as posted to `/admin/faults`. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPlan {
    /// Delay before every request but `/admin/*`, CORS preflights included, in milliseconds
    /// (replaces `--latency-ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Requests that fail, counted per rule.
    #[serde(default)]
    pub rules: Vec<FaultRule>,
    /// Seconds; applies to access tokens issued from now on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_lifetime: Option<u64>,
    /// Seconds; applies to grants started (codes exchanged) from now on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_lifetime: Option<u64>,
    /// Seconds; applies to codes issued from now on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_lifetime: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<Rotation>,
    /// With rotation `rotate`: a rotated-out refresh token presented again revokes its grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reuse_detection: Option<bool>,
    /// Strip CORS headers from every 4xx and 5xx answer.
    #[serde(default)]
    pub no_cors_on_errors: bool,
    /// Truncate every JSON body served on this path (exact, or a prefix ending in `*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub malformed_json_on: Option<String>,
    /// Sample users whose Web API calls answer 403 `User not registered in the Developer
    /// Dashboard`, as a Development Mode app's users who are not allow-listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unregistered_users: Vec<String>,
    /// Web API calls every client may make in the quota window (replaces `--daily-quota` and the
    /// config file's per-client ones). The calls already counted stay counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_quota: Option<NonZeroU32>,
    /// Seconds; the daily quota's rolling window (replaces `--quota-window-secs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_window_secs: Option<u64>,
}

/// One rule: the `nth` matching request, and the `times - 1` after it, fail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// An exact path, or a prefix ending in `*`.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only requests whose query string holds one of these `name=value` pairs exactly, e.g.
    /// `"offset=150"`: picks one page of a list whatever order concurrent pages arrive in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// 1-based index of the first matching request that fails.
    #[serde(default = "one")]
    pub nth: u32,
    /// How many requests fail; 0 means every one from `nth` on.
    #[serde(default = "one")]
    pub times: u32,
    /// The status to answer with instead of serving the request (400 to 599).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Seconds, for the `Retry-After` header of a 429 (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// A 429 with the body of Spotify's spent daily quota (`"reason": "QUOTA_EXCEEDED"`); the
    /// status may be left out. Web API paths only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub quota_exceeded: bool,
    /// Serve the request but truncate its JSON body.
    #[serde(default)]
    pub malformed_json: bool,
    /// With a status: answer without any CORS header, as some of Spotify's 429s reach browsers
    /// (the page sees a network error, not the status).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_cors: bool,
    /// Instead of a status: serve the request (a refresh rotates the token), then answer without
    /// any CORS header, so the page never reads the answer: an answer lost on the way back.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lost: bool,
}

fn one() -> u32 {
    1
}

impl FaultRule {
    /// The status the rule answers with, if it answers with one.
    fn status(&self) -> Option<u16> {
        self.status.or(self.quota_exceeded.then_some(429))
    }
}

/// What a rule does to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    Status {
        status: u16,
        retry_after: Option<u64>,
        /// Answer without CORS headers.
        no_cors: bool,
    },
    /// A 429 as a spent daily quota answers it.
    QuotaExceeded {
        retry_after: u64,
        /// Answer without CORS headers.
        no_cors: bool,
    },
    MalformedJson,
    /// Served, and its answer hidden from the page.
    Lost,
}

/// Does `pattern` (exact, or a prefix ending in `*`) match `path`?
pub fn path_matches(pattern: &str, path: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => path.starts_with(prefix),
        None => pattern == path,
    }
}

impl FaultPlan {
    /// Refuses plans that cannot be carried out.
    pub fn validate(&self) -> Result<(), String> {
        if self.reuse_detection == Some(true)
            && self.rotation.is_some_and(|r| r != Rotation::Rotate)
        {
            return Err("reuse_detection needs \"rotation\": \"rotate\"".to_owned());
        }
        for name in &self.unregistered_users {
            if Person::sample_user(name).is_none() {
                return Err(format!(
                    "unregistered_users: unknown user {name:?} (expected {})",
                    sample_user_list()
                ));
            }
        }
        if self.quota_window_secs == Some(0) {
            return Err("quota_window_secs must be at least 1".to_owned());
        }
        for (i, rule) in self.rules.iter().enumerate() {
            if !rule.path.starts_with('/') {
                return Err(format!("rules[{i}].path must start with '/'"));
            }
            if rule.nth == 0 {
                return Err(format!("rules[{i}].nth is 1-based"));
            }
            if rule.quota_exceeded {
                if rule.status.is_some_and(|s| s != 429) {
                    return Err(format!("rules[{i}].quota_exceeded answers 429"));
                }
                if !rule.path.starts_with("/v1") {
                    return Err(format!(
                        "rules[{i}].quota_exceeded is a Web API answer: its path starts with /v1"
                    ));
                }
            }
            match (rule.status(), rule.malformed_json, rule.lost) {
                (Some(s), false, false) if (400..=599).contains(&s) => {}
                (Some(_), false, false) => {
                    return Err(format!("rules[{i}].status must be 400 to 599"))
                }
                (None, true, false) | (None, false, true) => {}
                _ => {
                    return Err(format!(
                        "rules[{i}] needs exactly one of \"status\", \"malformed_json\": true and \
                         \"lost\": true"
                    ))
                }
            }
            if rule.no_cors && rule.status().is_none() {
                return Err(format!("rules[{i}].no_cors needs a \"status\""));
            }
            if let Some(m) = &rule.method {
                if Method::from_bytes(m.as_bytes()).is_err() {
                    return Err(format!("rules[{i}].method is not an HTTP method"));
                }
            }
        }
        Ok(())
    }
}

/// The plan in force and its rule counters.
#[derive(Debug, Default)]
pub struct Faults {
    plan: FaultPlan,
    /// Matching requests seen, per rule.
    seen: Vec<u32>,
}

/// Settings that the plan can override, resolved against the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Effective {
    pub latency: Duration,
    pub code_lifetime: Duration,
    pub access_token_lifetime: Duration,
    pub refresh_token_lifetime: Duration,
    pub rotation: Rotation,
    pub reuse_detection: bool,
    pub no_cors_on_errors: bool,
    pub quota_window: Duration,
}

impl Effective {
    /// What both grants issue tokens with.
    pub fn token_settings(&self) -> TokenSettings {
        TokenSettings {
            access_lifetime: self.access_token_lifetime,
            refresh_lifetime: self.refresh_token_lifetime,
            rotation: self.rotation,
            reuse_detection: self.reuse_detection,
        }
    }
}

impl Faults {
    pub fn set(&mut self, plan: FaultPlan) {
        self.seen = vec![0; plan.rules.len()];
        self.plan = plan;
    }

    pub fn plan(&self) -> &FaultPlan {
        &self.plan
    }

    /// Whether the plan makes `user` unregistered in the Developer Dashboard.
    pub fn unregisters(&self, user: Person) -> bool {
        self.plan.unregistered_users.iter().any(|u| u == user.id())
    }

    pub fn effective(&self, config: &Config) -> Effective {
        let p = &self.plan;
        Effective {
            latency: p.latency_ms.map_or(config.latency, Duration::from_millis),
            code_lifetime: p
                .code_lifetime
                .map_or(config.code_lifetime, Duration::from_secs),
            access_token_lifetime: p
                .access_token_lifetime
                .map_or(config.access_token_lifetime, Duration::from_secs),
            refresh_token_lifetime: p
                .refresh_token_lifetime
                .map_or(config.refresh_token_lifetime, Duration::from_secs),
            rotation: p.rotation.unwrap_or(config.rotation),
            reuse_detection: p.reuse_detection.unwrap_or(config.reuse_detection),
            no_cors_on_errors: p.no_cors_on_errors,
            quota_window: p
                .quota_window_secs
                .map_or(config.quota_window, Duration::from_secs),
        }
    }

    /// The daily quota a client's Web API calls are counted against.
    pub fn daily_quota(&self, config: &Config, client_id: &str) -> DailyQuota {
        DailyQuota {
            limit: self
                .plan
                .daily_quota
                .or_else(|| config.daily_quota_of(client_id)),
            window: self.effective(config).quota_window,
        }
    }

    /// Counts this request against every matching rule; returns the first fault that fires.
    pub fn on_request(&mut self, method: &Method, path: &str) -> Option<Fault> {
        self.on_request_with_query(method, path, "")
    }

    /// [`Self::on_request`] for a request with the query string `query` (without its `?`).
    pub fn on_request_with_query(
        &mut self,
        method: &Method,
        path: &str,
        query: &str,
    ) -> Option<Fault> {
        let mut fired = None;
        for (rule, seen) in self.plan.rules.iter().zip(self.seen.iter_mut()) {
            let method_ok = rule
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()));
            let query_ok = rule
                .query
                .as_deref()
                .is_none_or(|pair| query.split('&').any(|p| p == pair));
            if !method_ok || !query_ok || !path_matches(&rule.path, path) {
                continue;
            }
            *seen = seen.saturating_add(1);
            let n = *seen;
            let in_window = n >= rule.nth && (rule.times == 0 || n - rule.nth < rule.times);
            if in_window && fired.is_none() {
                fired = Some(match rule.status() {
                    Some(_) if rule.quota_exceeded => Fault::QuotaExceeded {
                        retry_after: rule.retry_after.unwrap_or(1),
                        no_cors: rule.no_cors,
                    },
                    Some(status) => Fault::Status {
                        status,
                        retry_after: (status == 429).then(|| rule.retry_after.unwrap_or(1)),
                        no_cors: rule.no_cors,
                    },
                    None if rule.lost => Fault::Lost,
                    None => Fault::MalformedJson,
                });
            }
        }
        if fired.is_none() {
            if let Some(pattern) = &self.plan.malformed_json_on {
                if path_matches(pattern, path) {
                    fired = Some(Fault::MalformedJson);
                }
            }
        }
        fired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards against a rule meant for one page of a list firing on another page: `query` picks the page by
    /// its exact `name=value` pair, whatever order concurrent requests arrive in.
    #[test]
    fn a_rule_can_pick_a_request_by_its_query() {
        let plan: FaultPlan = serde_json::from_str(
            r#"{"rules":[{"path":"/v1/me/playlists","query":"offset=150","status":503,"times":0}]}"#,
        )
        .unwrap();
        let mut f = Faults::default();
        f.set(plan);
        let fires = |f: &mut Faults, q: &str| {
            f.on_request_with_query(&Method::GET, "/v1/me/playlists", q)
                .is_some()
        };
        assert!(!fires(&mut f, "limit=50&offset=100"));
        assert!(!fires(&mut f, "limit=50&offset=1500"));
        assert!(fires(&mut f, "limit=50&offset=150"));
        assert!(fires(&mut f, "offset=150&limit=50"));
        assert!(f.on_request(&Method::GET, "/v1/me/playlists").is_none());
    }

    /// Guards against a lost answer that is not served (then no token would rotate, and the app's
    /// handling of a lost refresh answer would go untested), or that mixes with a status.
    #[test]
    fn a_lost_answer_is_served_and_hidden() {
        let mut f = Faults::default();
        f.set(plan(
            r#"{"rules":[{"path":"/api/token","method":"POST","lost":true}]}"#,
        ));
        assert_eq!(f.on_request(&Method::POST, "/api/token"), Some(Fault::Lost));
        assert_eq!(f.on_request(&Method::POST, "/api/token"), None);
        let both: FaultPlan =
            serde_json::from_str(r#"{"rules":[{"path":"/api/token","status":500,"lost":true}]}"#)
                .unwrap();
        assert!(both.validate().is_err());
    }

    fn plan(json: &str) -> FaultPlan {
        let p: FaultPlan = serde_json::from_str(json).expect("valid plan");
        p.validate().expect("valid plan");
        p
    }

    #[test]
    fn the_nth_matching_request_fails_for_the_given_number_of_times() {
        let mut f = Faults::default();
        f.set(plan(
            r#"{"rules":[{"path":"/v1/me","nth":2,"times":2,"status":503}]}"#,
        ));
        let got: Vec<bool> = (0..5)
            .map(|_| f.on_request(&Method::GET, "/v1/me").is_some())
            .collect();
        assert_eq!(got, [false, true, true, false, false]);
        assert!(f.on_request(&Method::GET, "/v1/other").is_none());
    }

    #[test]
    fn prefix_rules_and_unlimited_times() {
        let mut f = Faults::default();
        f.set(plan(
            r#"{"rules":[{"path":"/v1/*","times":0,"status":429,"retry_after":3}]}"#,
        ));
        for _ in 0..3 {
            assert_eq!(
                f.on_request(&Method::GET, "/v1/me/playlists"),
                Some(Fault::Status {
                    status: 429,
                    retry_after: Some(3),
                    no_cors: false,
                })
            );
        }
    }

    /// Guards against a quota_exceeded rule answering anything but Spotify's 429, or being taken
    /// for a plain status rule.
    #[test]
    fn a_quota_exceeded_rule_answers_429_with_its_retry_after() {
        let mut f = Faults::default();
        f.set(plan(
            r#"{"rules":[{"path":"/v1/*","quota_exceeded":true,"retry_after":48925,"no_cors":true}]}"#,
        ));
        assert_eq!(
            f.on_request(&Method::GET, "/v1/me"),
            Some(Fault::QuotaExceeded {
                retry_after: 48925,
                no_cors: true
            })
        );
        for bad in [
            r#"{"rules":[{"path":"/v1/me","quota_exceeded":true,"status":503}]}"#,
            r#"{"rules":[{"path":"/v1/me","quota_exceeded":true,"lost":true}]}"#,
            r#"{"rules":[{"path":"/images/*","quota_exceeded":true}]}"#,
        ] {
            let p: FaultPlan = serde_json::from_str(bad).expect("parses");
            assert!(p.validate().is_err(), "{bad}");
        }
    }

    /// Guards against the plan's daily quota not replacing the configuration's, per client too.
    #[test]
    fn the_plans_daily_quota_replaces_the_configurations() {
        let mut config = Config {
            daily_quota: NonZeroU32::new(1100),
            ..Config::default()
        };
        config.daily_quotas.insert("small".into(), NonZeroU32::MIN);
        let mut f = Faults::default();
        let quota = |f: &Faults, client: &str| {
            let q = f.daily_quota(&config, client);
            (q.limit.map(NonZeroU32::get), q.window.as_secs())
        };
        assert_eq!(quota(&f, "any"), (Some(1100), 86_400));
        assert_eq!(quota(&f, "small"), (Some(1), 86_400));
        f.set(plan(r#"{"daily_quota":5,"quota_window_secs":2}"#));
        assert_eq!(quota(&f, "any"), (Some(5), 2));
        assert_eq!(quota(&f, "small"), (Some(5), 2));
        for bad in [r#"{"daily_quota":0}"#, r#"{"quota_window_secs":0}"#] {
            let refused = serde_json::from_str::<FaultPlan>(bad)
                .map_err(|e| e.to_string())
                .and_then(|p| p.validate());
            assert!(refused.is_err(), "{bad}");
        }
    }

    #[test]
    fn impossible_plans_are_refused() {
        for bad in [
            r#"{"rules":[{"path":"/v1/me","status":200}]}"#,
            r#"{"rules":[{"path":"/v1/me","nth":0,"status":500}]}"#,
            r#"{"rules":[{"path":"v1","status":500}]}"#,
            r#"{"rules":[{"path":"/v1/me"}]}"#,
            r#"{"rules":[{"path":"/v1/me","malformed_json":true,"no_cors":true}]}"#,
        ] {
            let p: FaultPlan = serde_json::from_str(bad).expect("parses");
            assert!(p.validate().is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<FaultPlan>(r#"{"latncy_ms":1}"#).is_err());
    }
}
