//! Bad input: every malformed request gets a Spotify-shaped error and the server keeps serving.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::*;

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    // Guards against unbounded memory use from a huge request body.
    let h = start_default().await;
    let big = format!(
        "grant_type=authorization_code&code={}",
        "a".repeat(70 * 1024)
    );
    let r = h.post_form_body("/api/token", big).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        r.json::<Value>().await.expect("json"),
        accounts_error("invalid_request", "Request body is larger than 64 KiB")
    );
    let r = h
        .http
        .post(h.url("/admin/faults"))
        .body(vec![b' '; 65 * 1024])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        h.token(&[]).await.0,
        StatusCode::BAD_REQUEST,
        "still serving"
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_get_json_errors() {
    // Guards against HTML or empty bodies where a client expects JSON.
    let h = start_default().await;
    let r = h.get("/nothing").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.headers()["content-type"], "application/json");
    let r = h.get("/v1/browse/new-releases").await;
    assert_eq!(
        r.json::<Value>().await.expect("json"),
        api_error(404, "Service not found")
    );
    let r = h.get("/api/token").await;
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        r.json::<Value>().await.expect("json")["error"],
        "invalid_request"
    );
    let r = h.http.delete(h.url("/v1/me")).send().await.expect("DELETE");
    assert_eq!(
        r.json::<Value>().await.expect("json"),
        api_error(405, "Method not allowed")
    );
}

#[tokio::test]
async fn garbage_input_never_takes_the_server_down() {
    // Guards against panics on hostile input: bad encodings, odd headers, junk bodies.
    let h = start_default().await;
    let token = h.access_token("alice").await;
    let bodies: Vec<Vec<u8>> = vec![
        b"%%%&&&===".to_vec(),
        vec![0xff, 0xfe, b'=', 0x80],
        b"grant_type=authorization_code&code=%FF%FE&client_id=pkce-playlists-local&redirect_uri=x&code_verifier=y".to_vec(),
        b"grant_type=refresh_token&client_id=pkce-playlists-local&refresh_token=%00".to_vec(),
        Vec::new(),
    ];
    for body in bodies {
        let r = h.post_form_body("/api/token", body).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let v: Value = r.json().await.expect("json");
        assert!(
            v["error"].is_string() && v["error_description"].is_string(),
            "{v}"
        );
    }
    for query in [
        "%ZZ",
        "client_id=%FF",
        "a=b=c&&&",
        "redirect_uri=%0d%0aLocation:%20x&client_id=pkce-playlists-local",
    ] {
        let r = h
            .http
            .get(format!("{}?{query}", h.url("/authorize")))
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{query}");
    }
    for auth in ["Bearer", "Bearer  ", "bearer x y z", "\u{1}"] {
        let Ok(value) = reqwest::header::HeaderValue::from_str(auth) else {
            continue;
        };
        let r = h
            .http
            .get(h.url("/v1/me"))
            .header("authorization", value)
            .send()
            .await
            .expect("GET");
        assert!(r.status().is_client_error(), "{auth:?}");
        assert!(r.json::<Value>().await.expect("json")["error"]["message"].is_string());
    }
    for path in [
        "/v1/playlists/%FF%FE/items",
        "/v1/playlists/ééééééééééé/items",
        "/v1/playlists//items",
    ] {
        let r = h.get_authorized(path, &token).await;
        assert!(r.status().is_client_error(), "{path}");
        assert!(r.json::<Value>().await.expect("json")["error"]["message"].is_string());
    }
    assert_eq!(
        h.api("/v1/me", &token).await.0,
        StatusCode::OK,
        "still serving"
    );
}

#[tokio::test]
async fn secrets_are_long_and_unpredictable() {
    // Guards against short or sequential codes and tokens that could be guessed.
    let h = start_default().await;
    let a = h.tokens_for("alice", SCOPE).await;
    let b = h.tokens_for("alice", SCOPE).await;
    for key in ["access_token", "refresh_token"] {
        let (x, y) = (a[key].as_str().expect("x"), b[key].as_str().expect("y"));
        assert!(x.len() >= 22 && y.len() >= 22, "at least 128 bits");
        assert_ne!(x, y);
        assert_ne!(&x[..8], &y[..8]);
    }
}
