//! The Spotify Web API as pure functions over values: data types, URLs, paging and errors.

pub mod arrange;
pub mod error;
pub mod export;
pub mod model;
pub mod paging;

pub use error::{parse_api_response, ApiError};
pub use model::{Access, ItemsAccess, Page, Playable, Playlist, PlaylistEntry, PlaylistId, User};
