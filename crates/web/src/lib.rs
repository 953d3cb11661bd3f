//! kaowu's HTTP layer: candidate pages, the JSON API, health, readiness and metrics.

pub mod error;
pub mod flows;
pub mod http;
pub mod i18n;
pub mod jobs;
pub mod observability;
pub mod passwords;
pub mod rare_font;
pub mod sessions;
pub mod state;
pub mod wechat_api;

pub use http::api::openapi_json;
pub use http::router;
pub use state::{AppState, WebSettings};
