//! Admin endpoints for tests: the fault plan and codes issued without a consent page.

use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::{check_challenge, check_client, check_scope, RequestError};
use crate::app::Shared;
use crate::catalog::Person;
use crate::errors::AccountsError;
use crate::faults::FaultPlan;
use crate::form::read_body;
use crate::store::Approval;

async fn json_body<T: for<'de> Deserialize<'de>>(body: Body) -> Result<T, AccountsError> {
    let bytes = read_body(body).await?;
    serde_json::from_slice(&bytes)
        .map_err(|e| AccountsError::invalid_request(format!("Invalid JSON: {e}")))
}

/// `POST /admin/faults`: replaces the fault plan.
pub async fn set_faults(State(state): State<Shared>, body: Body) -> Response {
    let plan: FaultPlan = match json_body(body).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if let Err(message) = plan.validate() {
        return AccountsError::invalid_request(message).into_response();
    }
    state.faults().set(plan.clone());
    Json(plan).into_response()
}

/// `GET /admin/faults`: the plan in force.
pub async fn get_faults(State(state): State<Shared>) -> Response {
    Json(state.faults().plan().clone()).into_response()
}

/// `POST /admin/reset`: clears the fault plan.
pub async fn reset(State(state): State<Shared>) -> Response {
    state.faults().set(FaultPlan::default());
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeRequest {
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    user: String,
    #[serde(default)]
    scope: String,
}

/// `POST /admin/codes`: a code issued as if `user` had approved, validated like `/authorize`.
pub async fn issue_code(State(state): State<Shared>, body: Body) -> Response {
    let request: CodeRequest = match json_body(body).await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let checked = check_client(
        &state.config,
        Some(&request.client_id),
        Some(&request.redirect_uri),
    )
    .and_then(|_| check_challenge(Some("S256"), Some(&request.code_challenge)))
    .and_then(|challenge| check_scope(Some(&request.scope)).map(|scope| (challenge, scope)));
    let (code_challenge, scope) = match checked {
        Ok(ok) => ok,
        Err(RequestError::Untrusted(message)) => {
            let e = if message.ends_with("Invalid client") {
                AccountsError::invalid_client()
            } else {
                AccountsError::invalid_request("Invalid redirect URI")
            };
            return e.into_response();
        }
        Err(RequestError::Redirect { error, description }) => {
            return AccountsError::new(error, description).into_response()
        }
    };
    let Some(user) = Person::sample_user(&request.user) else {
        return AccountsError::invalid_request("user must be alice, bob, carol or dave")
            .into_response();
    };
    let lifetime = state.effective().code_lifetime;
    let code = state.store().issue_code(
        Approval {
            client_id: request.client_id,
            redirect_uri: request.redirect_uri,
            code_challenge,
            scope,
            user,
        },
        Instant::now(),
        lifetime,
    );
    Json(json!({ "code": code })).into_response()
}
