//! `GET /images/{seed}.jpg`: deterministic generated cover art, so no JSON points elsewhere.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use jpeg_encoder::{ColorType, Encoder};

use crate::catalog::ids::hash64;
use crate::errors::ApiError;

/// A seed is 1 to 100 characters of `[A-Za-z0-9_-]`.
fn valid_seed(seed: &str) -> bool {
    (1..=100).contains(&seed.len())
        && seed
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The size in pixels of the cover a seed names: its `-60` suffix (the smallest size Spotify lists), else
/// [`MAX_PX`]. Covers listed at 300 or 640 are made at most [`MAX_PX`] wide, which a browser scales: making one is
/// this machine's work, where Spotify's CDN only sends a file, and a keystroke in the find box asks for a dozen.
fn size_of(seed: &str) -> u16 {
    match seed.rsplit_once('-').map(|(_, size)| size) {
        Some("60") => 60,
        _ => MAX_PX,
    }
}

/// The largest cover made, in pixels.
const MAX_PX: u16 = 128;

/// An HSL colour (hue in degrees, saturation and lightness in `[0, 1]`) as RGB in `[0, 1]`.
fn hsl(hue: u64, saturation: f32, lightness: f32) -> [f32; 3] {
    let chroma = (1.0 - (2.0 * lightness - 1.0).abs()) * saturation;
    let h = (hue % 360) as f32 / 60.0;
    let x = chroma * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (chroma, x, 0.0),
        1 => (x, chroma, 0.0),
        2 => (0.0, chroma, x),
        3 => (0.0, x, chroma),
        4 => (x, 0.0, chroma),
        _ => (chroma, 0.0, x),
    };
    let m = lightness - chroma / 2.0;
    [r + m, g + m, b + m]
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [0, 1, 2].map(|i| a[i] + (b[i] - a[i]) * t)
}

/// The cover for a seed, as JPEG (Spotify's covers are JPEGs, which browsers decode off the page's thread): a
/// two-colour diagonal gradient with a few soft discs, [`size_of`] the seed pixels square, the same every time.
/// The discs are placed on a 640-pixel square and scaled, so every size shows the same picture.
pub fn jpeg(seed: &str) -> Vec<u8> {
    let size = size_of(seed);
    let h = hash64(&[b"image", seed.as_bytes()]);
    let hue1 = h % 360;
    let hue2 = hue1 + 40 + (h >> 9) % 140;
    let (from, to) = (hsl(hue1, 0.65, 0.45), hsl(hue2, 0.60, 0.25));
    let scale = f32::from(size) / 640.0;
    let discs: Vec<(f32, f32, f32, [f32; 3], f32)> = (0..4u64)
        .map(|i| {
            let g = hash64(&[b"shape", seed.as_bytes(), &i.to_le_bytes()]);
            let centre = ((g % 640) as f32 * scale, ((g >> 10) % 640) as f32 * scale);
            let radius = (60 + (g >> 20) % 200) as f32 * scale;
            let colour = hsl(hue1 + (g >> 30) % 120, 0.70, 0.60);
            let opacity = (20 + (g >> 40) % 40) as f32 / 100.0;
            (centre.0, centre.1, radius, colour, opacity)
        })
        .collect();
    let n = usize::from(size);
    let diagonal = (2 * (n - 1)).max(1) as f32;
    let mut pixels = Vec::with_capacity(n * n * 3);
    for y in 0..n {
        for x in 0..n {
            let mut colour = mix(from, to, (x + y) as f32 / diagonal);
            for &(cx, cy, r, disc, opacity) in &discs {
                let (dx, dy) = (x as f32 - cx, y as f32 - cy);
                if dx * dx + dy * dy <= r * r {
                    colour = mix(colour, disc, opacity);
                }
            }
            pixels.extend(colour.map(|c| (c.clamp(0.0, 1.0) * 255.0).round() as u8));
        }
    }
    let mut out = Vec::new();
    Encoder::new(&mut out, 80)
        .encode(&pixels, size, size, ColorType::Rgb)
        .expect("the pixels fit the size");
    out
}

/// `GET /images/{seed}.jpg`.
pub async fn image(Path(file): Path<String>) -> Result<Response, ApiError> {
    let seed = file
        .strip_suffix(".jpg")
        .filter(|s| valid_seed(s))
        .ok_or_else(ApiError::not_found)?;
    let mut response = (StatusCode::OK, jpeg(seed)).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400, immutable"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_deterministic_and_differ_by_seed() {
        assert_eq!(jpeg("abc"), jpeg("abc"));
        assert_ne!(jpeg("abc"), jpeg("abd"));
        // A JPEG: SOI, then EOI at the end.
        assert!(jpeg("abc").starts_with(&[0xFF, 0xD8]));
        assert!(jpeg("abc").ends_with(&[0xFF, 0xD9]));
        assert_eq!(
            (
                size_of("x-640"),
                size_of("x-60"),
                size_of("x-300"),
                size_of("user-carol")
            ),
            (MAX_PX, 60, MAX_PX, MAX_PX)
        );
        assert!(valid_seed("album-XYZ_09"));
        assert!(!valid_seed("../etc"));
        assert!(!valid_seed(""));
    }
}
