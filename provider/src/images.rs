//! `GET /images/{seed}.svg`: deterministic generated cover art, so no JSON points elsewhere.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::catalog::ids::hash64;
use crate::errors::ApiError;

/// A seed is 1 to 100 characters of `[A-Za-z0-9_-]`.
fn valid_seed(seed: &str) -> bool {
    (1..=100).contains(&seed.len())
        && seed
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The SVG for a seed: a two-colour gradient with a few soft shapes.
pub fn svg(seed: &str) -> String {
    let h = hash64(&[b"image", seed.as_bytes()]);
    let hue1 = h % 360;
    let hue2 = (hue1 + 40 + (h >> 9) % 140) % 360;
    let mut shapes = String::new();
    for i in 0..4u64 {
        let g = hash64(&[b"shape", seed.as_bytes(), &i.to_le_bytes()]);
        let cx = g % 640;
        let cy = (g >> 10) % 640;
        let r = 60 + (g >> 20) % 200;
        let hue = (hue1 + (g >> 30) % 120) % 360;
        let opacity = 20 + (g >> 40) % 40;
        shapes.push_str(&format!(
            "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"{r}\" fill=\"hsl({hue},70%,60%)\" fill-opacity=\"0.{opacity}\"/>"
        ));
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"640\" viewBox=\"0 0 640 640\">\
         <defs><linearGradient id=\"g\" x1=\"0\" y1=\"0\" x2=\"1\" y2=\"1\">\
         <stop offset=\"0\" stop-color=\"hsl({hue1},65%,45%)\"/>\
         <stop offset=\"1\" stop-color=\"hsl({hue2},60%,25%)\"/></linearGradient></defs>\
         <rect width=\"640\" height=\"640\" fill=\"url(#g)\"/>{shapes}</svg>"
    )
}

/// `GET /images/{seed}.svg`.
pub async fn image(Path(file): Path<String>) -> Result<Response, ApiError> {
    let seed = file
        .strip_suffix(".svg")
        .filter(|s| valid_seed(s))
        .ok_or_else(ApiError::not_found)?;
    let mut response = (StatusCode::OK, svg(seed)).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400, immutable"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_deterministic_and_differ_by_seed() {
        assert_eq!(svg("abc"), svg("abc"));
        assert_ne!(svg("abc"), svg("abd"));
        assert!(valid_seed("album-XYZ_09"));
        assert!(!valid_seed("../etc"));
        assert!(!valid_seed(""));
    }
}
