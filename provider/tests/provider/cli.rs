//! The `local-spotify` binary: `--help`, the printed start lines, the config file, bad flags.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_local-spotify");

/// Kills the child it holds when dropped, so a failed assertion leaves no process behind.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sends a request and reads its JSON answer.
async fn json_answer(request: reqwest::RequestBuilder) -> serde_json::Value {
    request
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json")
}

#[test]
fn help_lists_every_flag_and_the_fault_plan() {
    // Guards against a flag the architecture documents going missing from --help.
    let out = Command::new(BIN).arg("--help").output().expect("runs");
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).expect("utf-8");
    for flag in [
        "--port",
        "--allow-origin",
        "--client",
        "--config",
        "--serve-dist",
        "--dist-port",
        "--code-lifetime",
        "--access-token-lifetime",
        "--refresh-token-lifetime",
        "--rotation",
        "--latency-ms",
        "--auto-approve",
        "--quota",
        "--mode",
        "--reuse-detection",
        "reuse_detection",
        "--cors",
        "no_cors",
        "unregistered_users",
        "allowed_users",
        "erin",
        "POST /admin/faults",
        "malformed_json_on",
        "/admin/codes",
        "--daily-quota",
        "--quota-window-secs",
        "daily_quota",
        "quota_window_secs",
        "quota_exceeded",
        "QUOTA_EXCEEDED",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
}

#[test]
fn bad_flags_exit_with_a_message() {
    // Guards against the provider starting with a configuration it cannot honour.
    let out = Command::new(BIN)
        .args(["--port", "0", "--client", "no-redirects"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--client"));
}

#[tokio::test]
async fn the_binary_prints_its_addresses_and_reads_the_config_file() {
    // Guards against xtask and e2e waiting forever for the start lines, --config being ignored, and secrets in the log.
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("random");
    let dir = std::env::temp_dir().join(format!("local-spotify-cli-{}", u64::from_le_bytes(bytes)));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("index.html"), "app").expect("write");
    // The app listener serves the headers the build lists, and refuses to start without them.
    std::fs::write(
        dir.join("_headers"),
        "/*\n  X-Content-Type-Options: nosniff\n",
    )
    .expect("write");
    let config = dir.join("provider.json");
    std::fs::write(
        &config,
        r#"{"clients":[{"client_id":"from-file","name":"File App","redirect_uris":["http://127.0.0.1:9/cb"]}],
            "allowed_origins":["http://127.0.0.1:9"]}"#,
    )
    .expect("write");

    let mut child = KillOnDrop(
        Command::new(BIN)
            .args(["--port", "0", "--dist-port", "0", "--serve-dist"])
            .arg(&dir)
            .arg("--config")
            .arg(&config)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("stderr.log")).expect("log file"))
            .spawn()
            .expect("starts"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let lines = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .take(2)
            .map(|l| l.expect("line"))
            .collect::<Vec<_>>()
    })
    .await
    .expect("joined");
    let api = lines[0]
        .strip_prefix("local-spotify: accounts and Web API on ")
        .expect("the API line")
        .to_owned();
    let app = lines[1]
        .strip_prefix("local-spotify: app on ")
        .expect("the app line")
        .to_owned();
    assert!(api.starts_with("http://127.0.0.1:") && app.ends_with('/'));

    let http = http_client();
    let (_, challenge) = pkce();
    let params = with(
        with(authorize_params(&challenge), "client_id", Some("from-file")),
        "redirect_uri",
        Some("http://127.0.0.1:9/cb"),
    );
    let page = http
        .get(format!("{api}/authorize"))
        .query(&params)
        .send()
        .await
        .expect("GET");
    let status = page.status();
    let html = page.text().await.expect("html");
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("File App"));
    let served = http.get(&app).send().await.expect("GET");
    assert_eq!(served.text().await.expect("text"), "app");

    // A full exchange, whose secrets must not reach the log.
    let (verifier, challenge) = pkce();
    let issued = json_answer(http.post(format!("{api}/admin/codes")).json(
        &serde_json::json!({"client_id": "from-file", "redirect_uri": "http://127.0.0.1:9/cb",
            "code_challenge": challenge, "user": "alice", "scope": "playlist-read-private"}),
    ))
    .await;
    let code = string_at(&issued, "code");
    let tokens = json_answer(http.post(format!("{api}/api/token")).form(&[
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("client_id", "from-file"),
        ("redirect_uri", "http://127.0.0.1:9/cb"),
        ("code_verifier", &verifier),
    ]))
    .await;
    drop(child);
    let log = std::fs::read_to_string(dir.join("stderr.log")).expect("the log file");
    assert!(log.contains("POST /api/token -> 200"), "{log}");
    // The handlers' notes reach the one log line of their request, with only a prefix of each secret.
    assert!(
        log.contains(&format!(
            "issued code {}… to from-file for alice",
            &code[..6]
        )),
        "{log}"
    );
    assert!(
        log.contains(&format!("code {}… exchanged for access token", &code[..6])),
        "{log}"
    );
    for secret in [
        &code,
        tokens["access_token"].as_str().expect("at"),
        tokens["refresh_token"].as_str().expect("rt"),
    ] {
        assert!(!log.contains(secret), "a secret was logged in full");
    }
    let _ = std::fs::remove_dir_all(dir);
}
