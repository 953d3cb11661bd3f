//! WeChat (shared/protocols.md §1–2): the official account's server side (the callback's signatures,
//! 消息加解密 and XML), the API client (access_token, QR codes, OAuth, jscode2session, template messages) and
//! a simulator of that API.

mod client;
pub mod crypto;
pub mod face;
mod phone;
mod qrconnect;
mod simulator;
pub mod xml;

pub use client::{AccessToken, FollowerInfo, MiniProgramSession, OAuthToken, QrTicket, UserInfo, WechatApi, WechatApiError};
pub use crypto::{CryptoError, MessageCrypto, signature, signature_matches};
pub use phone::{CallbackTarget, USERS as SIMULATED_USERS};
pub use simulator::{AppKind, FaceCheck, SentTemplate, TOKEN_LIFETIME_SECS, WebLogin, WechatSimulator};
pub use xml::{Push, PushKind, XmlError};

/// How the official account's messages travel (公众号 后台: 明文模式 / 兼容模式 / 安全模式).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageMode {
    /// Plaintext XML only.
    Plain,
    /// Plaintext fields and `<Encrypt>` side by side; kaowu reads the encrypted part when it is there.
    Compatible,
    /// Only `<Encrypt>`; plaintext pushes are refused.
    Safe,
}

impl MessageMode {
    pub fn parse(value: &str) -> Option<MessageMode> {
        match value.trim().to_ascii_lowercase().as_str() {
            "plain" => Some(MessageMode::Plain),
            "compatible" => Some(MessageMode::Compatible),
            "safe" => Some(MessageMode::Safe),
            _ => None,
        }
    }
}

/// A QR code of `text` as a PNG (what WeChat's showqrcode returns for a ticket).
pub fn qr_png(text: &str) -> Option<Vec<u8>> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let image = code.render::<image::Luma<u8>>().min_dimensions(258, 258).build();
    let mut png = Vec::new();
    image::DynamicImage::ImageLuma8(image).write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).ok()?;
    Some(png)
}
