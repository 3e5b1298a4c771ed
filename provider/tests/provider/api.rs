//! The Web API: bearer checks, scopes, `/v1/me`, playlists and items with paging, shapes, images.

use std::collections::HashSet;

use local_spotify::catalog::someone_elses_private_playlist;
use reqwest::StatusCode;
use serde_json::Value;

use crate::common::*;

fn is_base62_id(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 22 && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[tokio::test]
async fn missing_unknown_and_non_bearer_tokens_are_refused() {
    // Guards against serving data without a valid access token, with Spotify's exact bodies.
    let h = start_default().await;
    let none = h.get("/v1/me").await;
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert!(none.headers().contains_key("www-authenticate"));
    assert_eq!(
        none.json::<Value>().await.expect("json"),
        api_error(401, "No token provided")
    );
    assert_eq!(
        h.api("/v1/me/playlists", "made-up-token").await,
        api_failure(401, "Invalid access token")
    );
    let basic = h
        .http
        .get(h.url("/v1/me"))
        .basic_auth("a", Some("b"))
        .send()
        .await
        .expect("GET");
    assert_eq!(basic.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        basic.json::<Value>().await.expect("json"),
        api_error(400, "Only valid bearer authentication supported")
    );
}

#[tokio::test]
async fn me_has_spotifys_user_shape() {
    // Guards against a profile object the app's model would not meet on the real API.
    let h = start_default().await;
    let token = h.access_token("alice").await;
    let (status, me) = h.api("/v1/me", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["id"], "alice");
    assert_eq!(me["display_name"], "Alice");
    assert_eq!(me["type"], "user");
    assert_eq!(me["uri"], "spotify:user:alice");
    assert_eq!(me["href"], h.url("/v1/users/alice"));
    assert_eq!(
        me["external_urls"]["spotify"],
        "https://open.spotify.com/user/alice"
    );
    assert!(me["followers"]["href"].is_null());
    assert!(me["followers"]["total"].is_u64());
    let image = &me["images"][0];
    assert!(image["url"]
        .as_str()
        .expect("url")
        .starts_with(&h.url("/images/")));
    // Without user-read-email / user-read-private, Spotify leaves these out.
    for absent in ["email", "country", "product"] {
        assert!(me.get(absent).is_none(), "{absent} without its scope");
    }
    let full = h
        .tokens_for(
            "bob",
            "playlist-read-private user-read-email user-read-private",
        )
        .await;
    let (_, bob) = h.api("/v1/me", &string_at(&full, "access_token")).await;
    assert_eq!(bob["email"], "bob@example.com");
    assert_eq!(bob["country"], "SE");
    assert_eq!(bob["product"], "free");
    assert_eq!(bob["images"], serde_json::json!([]));
}

#[tokio::test]
async fn playlists_need_the_playlist_read_private_scope() {
    // Guards against an app that forgets to request playlist-read-private: Spotify answers 403.
    let h = start_default().await;
    let tokens = h.tokens_for("alice", "user-read-email").await;
    let token = string_at(&tokens, "access_token");
    assert_eq!(
        h.api("/v1/me/playlists", &token).await,
        api_failure(403, "Insufficient client scope")
    );
    assert_eq!(h.api("/v1/me", &token).await.0, StatusCode::OK);
}

#[tokio::test]
async fn limit_must_be_between_1_and_50() {
    // Guards against an app asking for pages Spotify refuses.
    let h = start_default().await;
    let token = h.access_token("carol").await;
    for bad in ["0", "51", "-1", "abc", "", "20.5", "1e1"] {
        assert_eq!(
            h.api(&format!("/v1/me/playlists?limit={bad}"), &token)
                .await,
            api_failure(400, "Invalid limit"),
            "limit={bad}"
        );
    }
    for bad in ["-1", "x", "100001"] {
        assert_eq!(
            h.api(&format!("/v1/me/playlists?offset={bad}"), &token)
                .await,
            api_failure(400, "Invalid offset"),
            "offset={bad}"
        );
    }
    let (status, page) = h.api("/v1/me/playlists", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["limit"], 20);
    assert_eq!(page["items"].as_array().expect("items").len(), 20);
    let (_, page) = h.api("/v1/me/playlists?limit=50", &token).await;
    assert_eq!(page["items"].as_array().expect("items").len(), 50);
}

#[tokio::test]
async fn alices_playlists_have_spotifys_untidy_shape() {
    // Guards against an app model that assumes tidy data: null images, empty images, null sizes,
    // null description/public, non-Latin names, collaborative and followed playlists.
    let h = start_default().await;
    let token = h.access_token("alice").await;
    let (status, page) = h.api("/v1/me/playlists?limit=50", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total"], 13);
    assert_eq!(page["href"], h.url("/v1/me/playlists?offset=0&limit=50"));
    assert!(page["next"].is_null());
    assert!(page["previous"].is_null());
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 13);

    for p in items {
        let keys: HashSet<&str> = p
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        for k in [
            "collaborative",
            "description",
            "external_urls",
            "href",
            "id",
            "images",
            "name",
            "owner",
            "public",
            "snapshot_id",
            "items",
            "type",
            "uri",
        ] {
            assert!(keys.contains(k), "{k} missing in {p}");
        }
        // A Development Mode app (the default) gets the 2026 names only.
        assert!(!keys.contains("tracks"), "deprecated tracks in {p}");
        assert!(is_base62_id(&p["id"]), "{}", p["id"]);
        assert_eq!(p["type"], "playlist");
        assert_eq!(
            p["uri"],
            format!("spotify:playlist:{}", p["id"].as_str().expect("id"))
        );
        assert!(p["items"]["total"].is_u64(), "{p}");
        assert_eq!(
            p["items"]["href"],
            h.url(&format!(
                "/v1/playlists/{}/items",
                p["id"].as_str().expect("id")
            ))
        );
        for k in ["external_urls", "href", "id", "type", "uri", "display_name"] {
            assert!(p["owner"].get(k).is_some(), "owner.{k} missing");
        }
        assert_eq!(p["owner"]["type"], "user");
        if let Some(images) = p["images"].as_array() {
            for img in images {
                assert!(img["url"]
                    .as_str()
                    .expect("url")
                    .starts_with(&h.url("/images/")));
            }
        }
    }
    let any = |f: &dyn Fn(&Value) -> bool| items.iter().any(f);
    assert!(any(&|p| p["images"].is_null()));
    assert!(any(&|p| p["images"] == serde_json::json!([])));
    assert!(any(
        &|p| p["images"][0]["height"].is_null() && p["images"][0]["url"].is_string()
    ));
    assert!(any(&|p| p["images"]
        .as_array()
        .is_some_and(|a| a.len() == 3)));
    assert!(any(&|p| p["description"].is_null()));
    assert!(any(&|p| p["public"].is_null()));
    assert!(any(&|p| p["collaborative"] == true));
    assert!(any(&|p| p["owner"]["id"] == "spotify"));
    assert!(any(&|p| p["name"]
        .as_str()
        .is_some_and(|n| n.chars().count() > 100)));
    assert!(any(&|p| p["name"].as_str().is_some_and(|n| !n.is_ascii())));
    assert!(any(&|p| p["items"]["total"] == 0));
    let ids: HashSet<&str> = items.iter().filter_map(|p| p["id"].as_str()).collect();
    assert_eq!(ids.len(), 13, "ids are unique");
}

#[tokio::test]
async fn bob_has_no_playlists() {
    // Guards against the empty-library case returning anything but an empty page.
    let h = start_default().await;
    let token = h.access_token("bob").await;
    let (status, page) = h.api("/v1/me/playlists", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total"], 0);
    assert_eq!(page["items"], serde_json::json!([]));
    assert!(page["next"].is_null());
}

#[tokio::test]
async fn carols_ten_thousand_playlists_page_correctly() {
    // Guards against wrong next/previous links and off-by-one paging at the end of a long list.
    let h = start_default().await;
    let token = h.access_token("carol").await;
    let (_, first) = h.api("/v1/me/playlists?limit=50", &token).await;
    assert_eq!(first["total"], 10_000);
    assert_eq!(first["next"], h.url("/v1/me/playlists?offset=50&limit=50"));
    let (_, second) = h
        .api_absolute(first["next"].as_str().expect("next"), &token)
        .await;
    assert_eq!(second["offset"], 50);
    assert_eq!(
        second["previous"],
        h.url("/v1/me/playlists?offset=0&limit=50")
    );
    assert_ne!(first["items"][0]["id"], second["items"][0]["id"]);

    let (_, last) = h.api("/v1/me/playlists?offset=9990&limit=50", &token).await;
    assert_eq!(last["items"].as_array().expect("items").len(), 10);
    assert!(last["next"].is_null());
    assert_eq!(
        last["previous"],
        h.url("/v1/me/playlists?offset=9940&limit=50")
    );
    let (_, past) = h.api("/v1/me/playlists?offset=20000", &token).await;
    assert_eq!(past["items"], serde_json::json!([]));
    assert!(past["next"].is_null());
}

#[tokio::test]
async fn grace_and_heidi_have_one_and_twenty_pages_of_playlists() {
    // Guards against the benchmark's small and middle libraries drifting from the sizes it reports.
    let h = start_default().await;
    for (user, total, pages) in [("grace", 50, 1), ("heidi", 1_000, 20)] {
        let token = h.access_token(user).await;
        let mut url = h.url("/v1/me/playlists?limit=50");
        let mut ids = HashSet::new();
        let mut read = 0;
        loop {
            let (status, page) = h.api_absolute(&url, &token).await;
            assert_eq!(status, StatusCode::OK, "{user}: {page}");
            assert_eq!(page["total"], total, "{user}");
            read += 1;
            for playlist in page["items"].as_array().expect("items") {
                assert_eq!(playlist["owner"]["id"], user);
                assert!(
                    ids.insert(string_at(playlist, "id")),
                    "{user}: a repeated id"
                );
            }
            match page["next"].as_str() {
                Some(next) => url = next.to_owned(),
                None => break,
            }
            assert!(read <= pages, "{user}: paging never ends");
        }
        assert_eq!((ids.len(), read), (total as usize, pages), "{user}");
    }
}

#[tokio::test]
async fn daves_1500_tracks_can_be_walked_page_by_page() {
    // Guards against track paging that skips, repeats or never ends.
    let h = start_default().await;
    let token = h.access_token("dave").await;
    let (_, playlists) = h.api("/v1/me/playlists", &token).await;
    let big = playlists["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["items"]["total"] == 1500)
        .expect("a playlist with 1,500 tracks");
    let mut url = format!("{}?limit=50", big["items"]["href"].as_str().expect("href"));
    let mut seen = 0;
    let mut pages = 0;
    loop {
        let (status, page) = h.api_absolute(&url, &token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["total"], 1500);
        assert_eq!(page["offset"], seen);
        let items = page["items"].as_array().expect("items");
        seen += items.len();
        pages += 1;
        for entry in items {
            assert!(
                entry["track"].is_null(),
                "no deprecated track in Development Mode"
            );
            assert!(is_base62_id(&entry["item"]["id"]));
            assert!(entry["added_at"].is_string());
        }
        match page["next"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
        assert!(pages < 100, "paging never ends");
    }
    assert_eq!(seen, 1500);
    assert_eq!(pages, 30);
}

#[tokio::test]
async fn some_track_entries_are_null() {
    // Guards against an app that assumes every entry has a track (removed tracks come back as null).
    let h = start_default().await;
    let token = h.access_token("alice").await;
    let (_, playlists) = h.api("/v1/me/playlists?limit=50", &token).await;
    let gaps = playlists["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["name"] == "With gaps")
        .expect("the With gaps playlist");
    let (status, page) = h
        .api_absolute(gaps["items"]["href"].as_str().expect("href"), &token)
        .await;
    assert_eq!(status, StatusCode::OK);
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 9);
    let nulls: Vec<usize> = (0..items.len())
        .filter(|&i| items[i]["item"].is_null())
        .collect();
    assert_eq!(nulls, [2, 5]);
}

#[tokio::test]
async fn items_of_someone_elses_private_playlist_are_forbidden_and_unknown_ids_not_found() {
    // Guards against leaking a playlist the user may not read, and against a 403 for one that does not exist.
    let h = start_default().await;
    let token = h.access_token("alice").await;
    let private = someone_elses_private_playlist().id();
    assert_eq!(
        h.api(&format!("/v1/playlists/{private}/items"), &token)
            .await,
        api_failure(403, "Forbidden")
    );
    for unknown in ["0000000000000000000000", "3cEYpjA9oz9GiPac4AsH4n"] {
        assert_eq!(
            h.api(&format!("/v1/playlists/{unknown}/items"), &token)
                .await,
            api_failure(404, "Resource not found"),
            "{unknown}"
        );
    }
}

#[tokio::test]
async fn a_malformed_playlist_id_is_invalid_base62() {
    // Guards against a crafted or mistyped id being treated like an unknown one: Spotify answers
    // 400 "Invalid base62 id" for anything but 22 base62 characters, on the object and its items.
    let h = start_default().await;
    let token = h.access_token("alice").await;
    for bad in [
        "nope",
        "31xpeq4a34ccld7briwftxqlyr7e",
        "3Vcml8LzGgPC5fm9LGltPP3LRxYQTJLOmJQT2atSxUBH",
        "3cEYpjA9oz9GiPac4AsH4-",
        "3cEYpjA9oz9GiPac4AsH4",
        "%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9",
        "%FF%FE",
    ] {
        for path in [
            format!("/v1/playlists/{bad}"),
            format!("/v1/playlists/{bad}/items"),
        ] {
            assert_eq!(
                h.api(&path, &token).await,
                api_failure(400, "Invalid base62 id"),
                "{path}"
            );
        }
    }
    // Without a token the missing token is what is wrong.
    assert_eq!(
        h.get("/v1/playlists/nope").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_extended_quota_app_reads_every_playlist_in_the_library() {
    // Guards against the extended mode losing what Spotify still grants it: the items of followed
    // and Spotify-owned playlists, and the deprecated tracks/track beside items/item.
    let h = start_with(|c| c.quota = local_spotify::config::Quota::Extended).await;
    let token = h.access_token("alice").await;
    let (_, mine) = h.api("/v1/me/playlists?limit=50", &token).await;
    for p in mine["items"].as_array().expect("items") {
        assert_eq!(p["items"]["total"], p["tracks"]["total"], "{p}");
    }
    // The followed and the collaborative playlists (owned by others) are readable.
    for p in mine["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|p| p["owner"]["id"] != "alice")
    {
        let (status, page) = h
            .api_absolute(p["items"]["href"].as_str().expect("href"), &token)
            .await;
        assert_eq!(status, StatusCode::OK, "{}", p["name"]);
        for entry in page["items"].as_array().expect("entries") {
            assert_eq!(entry["item"], entry["track"]);
        }
    }
}

#[tokio::test]
async fn playlist_ids_are_deterministic_across_servers() {
    // Guards against ids that change between runs (tests and bookmarks rely on them).
    let a = start_default().await;
    let b = start_default().await;
    let ta = a.access_token("alice").await;
    let tb = b.access_token("alice").await;
    let ids = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["id"].as_str().expect("id").to_owned())
            .collect()
    };
    let (_, pa) = a.api("/v1/me/playlists?limit=50", &ta).await;
    let (_, pb) = b.api("/v1/me/playlists?limit=50", &tb).await;
    assert_eq!(ids(&pa), ids(&pb));
}

#[tokio::test]
async fn cover_images_are_served_by_the_provider() {
    // Guards against image URLs that point off the machine, or images that change between requests.
    let h = start_default().await;
    let token = h.access_token("alice").await;
    let (_, page) = h.api("/v1/me/playlists", &token).await;
    let url = page["items"][0]["images"][0]["url"]
        .as_str()
        .expect("an image url")
        .to_owned();
    assert!(
        url.starts_with(&h.url("/images/")) && url.ends_with(".jpg"),
        "{url}"
    );
    let first = h.get_absolute(&url).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()["content-type"], "image/jpeg");
    let jpeg = first.bytes().await.expect("a body");
    assert!(jpeg.starts_with(&[0xFF, 0xD8, 0xFF]), "not a JPEG");
    let again = h.get_absolute(&url).await.bytes().await.expect("a body");
    assert_eq!(jpeg, again);
    for bad in [
        "/images/..%2Fetc.jpg",
        "/images/x.png",
        "/images/.jpg",
        "/images/x.svg",
    ] {
        let r = h.get(bad).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{bad}");
    }
}
