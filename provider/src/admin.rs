//! Admin endpoints for tests and benchmarks: the fault plan, codes issued without a consent page,
//! and the request counts.

use std::time::Instant;

use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::accounts::{check_challenge, check_client, check_scope, issue_code};
use crate::catalog::{sample_user_list, Person};
use crate::errors::{AccountsError, LogNote};
use crate::faults::FaultPlan;
use crate::form::read_body;
use crate::state::Shared;
use crate::stats::Report;
use crate::store::Approval;

/// A JSON body within the body limit, whatever its `Content-Type` says; refused in the accounts
/// service's shape.
pub struct AdminJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AdminJson<T> {
    type Rejection = AccountsError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AccountsError> {
        let bytes = read_body(request, state).await?;
        serde_json::from_slice(&bytes)
            .map(AdminJson)
            .map_err(|e| AccountsError::invalid_request(format!("Invalid JSON: {e}")))
    }
}

/// `POST /admin/faults`: replaces the fault plan.
pub async fn set_faults(
    State(state): State<Shared>,
    AdminJson(plan): AdminJson<FaultPlan>,
) -> Result<Json<FaultPlan>, AccountsError> {
    plan.validate().map_err(AccountsError::invalid_request)?;
    state.faults().set(plan.clone());
    Ok(Json(plan))
}

/// `GET /admin/faults`: the plan in force.
pub async fn get_faults(State(state): State<Shared>) -> Json<FaultPlan> {
    Json(state.faults().plan().clone())
}

/// `POST /admin/reset`: clears the fault plan.
pub async fn reset(State(state): State<Shared>) -> StatusCode {
    state.faults().set(FaultPlan::default());
    StatusCode::NO_CONTENT
}

/// `GET /admin/stats`: the requests counted since the start or the last reset, and each
/// client's Web API calls in the daily quota's window.
pub async fn get_stats(State(state): State<Shared>) -> Json<Report> {
    let mut report = state.stats().report();
    // The ledger, then the fault plan inside it: nothing takes them in the other order.
    report.daily_quota = state
        .ledger()
        .report(Instant::now(), |client| state.daily_quota(client));
    Json(report)
}

/// `POST /admin/stats/reset`: the counts back to zero.
pub async fn reset_stats(State(state): State<Shared>) -> StatusCode {
    state.stats().reset();
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    user: String,
    #[serde(default)]
    scope: String,
}

/// `POST /admin/codes`: a code issued as if `user` had approved, validated like `/authorize`.
pub async fn issue_admin_code(
    State(state): State<Shared>,
    AdminJson(request): AdminJson<CodeRequest>,
) -> Result<(Extension<LogNote>, Json<Value>), AccountsError> {
    check_client(
        &state.config,
        Some(&request.client_id),
        Some(&request.redirect_uri),
    )?;
    let code_challenge = check_challenge(Some("S256"), Some(&request.code_challenge))?;
    let scope = check_scope(Some(&request.scope))?;
    let user = Person::sample_user(&request.user).ok_or_else(|| {
        AccountsError::invalid_request(format!("user must be one of {}", sample_user_list()))
    })?;
    let (code, note) = issue_code(
        &state,
        Approval {
            client_id: request.client_id,
            redirect_uri: request.redirect_uri,
            code_challenge,
            scope,
            user,
        },
    );
    Ok((Extension(note), Json(json!({ "code": code }))))
}
