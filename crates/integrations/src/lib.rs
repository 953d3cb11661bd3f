//! kaowu's external systems. Each module holds the protocol client kaowu uses in production and a simulator
//! that speaks the same wire protocol, so the real client code is what runs in the demo and in tests; pointing
//! the base URL at the real service is the only change in production.

pub mod authenticator;
pub mod chsi;
pub mod tencent_faceid;
pub mod wechat;

/// Text made safe to place in the simulators' HTML pages (element content and quoted attributes).
pub(crate) fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
