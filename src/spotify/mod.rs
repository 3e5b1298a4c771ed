//! The Spotify Web API as pure functions over values: data types, URLs, paging and errors.

pub mod arrange;
pub mod error;
pub mod export;
pub mod model;
pub mod paging;

pub use error::{check_api_response, parse_api_response, read_api_json, ApiError};
pub use model::{Access, ItemsAccess, Page, Playable, Playlist, PlaylistEntry, PlaylistId, User};
