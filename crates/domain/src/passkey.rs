//! Passkeys (通行密钥, WebAuthn discoverable credentials): what a candidate calls each one, so the list on the
//! account page tells "我的手机" from "办公室电脑" when one is to be removed.

use crate::error::{FieldError, has_control_chars};
use unicode_normalization::UnicodeNormalization;

pub const MAX_NAME_CHARS: usize = 30;
/// Passkeys one account may hold: enough for a phone, a computer and a security key or two.
pub const MAX_PER_ACCOUNT: usize = 10;

/// A passkey's name: NFC, trimmed, 1–30 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyName(String);

impl PasskeyName {
    pub fn parse(field: &str, raw: &str) -> Result<PasskeyName, FieldError> {
        if has_control_chars(raw) {
            return Err(FieldError::new(field, "passkey.name_invalid"));
        }
        let value: String = raw.trim().nfc().collect();
        match value.chars().count() {
            0 => Err(FieldError::new(field, "passkey.name_required")),
            n if n > MAX_NAME_CHARS => Err(FieldError::new(field, "passkey.name_too_long")),
            _ => Ok(PasskeyName(value)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_limited() {
        assert_eq!(PasskeyName::parse("name", "  我的手机 ").unwrap().as_str(), "我的手机");
        assert_eq!(PasskeyName::parse("name", "   ").unwrap_err().code, "passkey.name_required");
        assert_eq!(PasskeyName::parse("name", &"键".repeat(31)).unwrap_err().code, "passkey.name_too_long");
        assert!(PasskeyName::parse("name", &"键".repeat(30)).is_ok());
        assert_eq!(PasskeyName::parse("name", "a\u{0}b").unwrap_err().code, "passkey.name_invalid");
        assert_eq!(PasskeyName::parse("name", "𠀀号电脑").unwrap().as_str(), "𠀀号电脑", "rare characters are kept");
    }
}
