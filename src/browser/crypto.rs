//! AES-GCM through the browser's WebCrypto (`crypto.subtle`), so the wasm carries no cipher of its own. The key
//! is imported for this one use and cannot be exported again; the nonce is the caller's (random, 96 bits).

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::CryptoKey;

fn subtle() -> Option<web_sys::SubtleCrypto> {
    Some(web_sys::window()?.crypto().ok()?.subtle())
}

fn algorithm(nonce: &[u8; 12], aad: &[u8]) -> Option<Object> {
    let params = Object::new();
    Reflect::set(&params, &"name".into(), &"AES-GCM".into()).ok()?;
    Reflect::set(&params, &"iv".into(), &Uint8Array::from(&nonce[..])).ok()?;
    Reflect::set(&params, &"additionalData".into(), &Uint8Array::from(aad)).ok()?;
    Some(params)
}

async fn import(subtle: &web_sys::SubtleCrypto, key: &[u8; 32]) -> Option<CryptoKey> {
    let usages = Array::of2(&"encrypt".into(), &"decrypt".into());
    let promise = subtle
        .import_key_with_str(
            "raw",
            &Uint8Array::from(&key[..]),
            "AES-GCM",
            false,
            &usages,
        )
        .ok()?;
    JsFuture::from(promise).await.ok()?.dyn_into().ok()
}

fn bytes(value: JsValue) -> Vec<u8> {
    Uint8Array::new(&value).to_vec()
}

/// `plain` sealed under `key` with `nonce`, bound to `aad`: the ciphertext followed by its 128-bit tag.
pub async fn seal(key: &[u8; 32], nonce: [u8; 12], aad: &[u8], plain: &[u8]) -> Option<Vec<u8>> {
    let subtle = subtle()?;
    let key = import(&subtle, key).await?;
    let promise = subtle
        .encrypt_with_object_and_buffer_source(
            &algorithm(&nonce, aad)?,
            &key,
            &Uint8Array::from(plain),
        )
        .ok()?;
    Some(bytes(JsFuture::from(promise).await.ok()?))
}

/// What [`seal`] sealed, when `sealed` is intact and was sealed under `key`, `nonce` and `aad`; `None` otherwise.
pub async fn open(key: &[u8; 32], nonce: [u8; 12], aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    let subtle = subtle()?;
    let key = import(&subtle, key).await?;
    let promise = subtle
        .decrypt_with_object_and_buffer_source(
            &algorithm(&nonce, aad)?,
            &key,
            &Uint8Array::from(sealed),
        )
        .ok()?;
    Some(bytes(JsFuture::from(promise).await.ok()?))
}
