//! Values that name the client and are not secret: its id and its redirect URI. They are newtypes so that one
//! cannot be passed where the other (or any other string) is expected.

use std::fmt;

use crate::json::{FromJson, Json, ToJson, Writer};

/// The `client_id` the provider issued to this app. Public by design: it is in every authorization URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientId(String);

impl ClientId {
    pub fn new(id: impl Into<String>) -> Self {
        ClientId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The `redirect_uri` of a login: sent in the authorization request and again, byte for byte, in the token
/// request (RFC 6749 §4.1.3). Checked by [`crate::config`] before it is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri(String);

impl RedirectUri {
    pub fn new(uri: impl Into<String>) -> Self {
        RedirectUri(uri.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Both are JSON strings.
impl FromJson for ClientId {
    fn from_json(json: &Json<'_>) -> Option<Self> {
        String::from_json(json).map(ClientId)
    }
}

impl FromJson for RedirectUri {
    fn from_json(json: &Json<'_>) -> Option<Self> {
        String::from_json(json).map(RedirectUri)
    }
}

impl ToJson for RedirectUri {
    fn write_json(&self, w: &mut Writer) {
        self.0.write_json(w);
    }
}
