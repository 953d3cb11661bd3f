//! The login name a candidate chooses.

use crate::error::FieldError;

pub const MIN_LEN: usize = 4;
pub const MAX_LEN: usize = 32;

/// 4–32 characters: a letter first, then letters, digits or "_". Compared case-insensitively (stored in lower
/// case). Starting with a letter keeps it from ever looking like an ID number, so "username or ID number" at
/// login is never ambiguous.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub fn parse(field: &str, raw: &str) -> Result<Username, FieldError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(FieldError::new(field, "username.required"));
        }
        let len = value.chars().count();
        if len < MIN_LEN {
            return Err(FieldError::new(field, "username.too_short"));
        }
        if len > MAX_LEN {
            return Err(FieldError::new(field, "username.too_long"));
        }
        let valid = value.starts_with(|c: char| c.is_ascii_alphabetic())
            && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(FieldError::new(field, "username.format"));
        }
        Ok(Username(value.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn from_trusted(stored: String) -> Username {
        Username(stored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(Username::parse("u", " Zhang_San1 ").unwrap().as_str(), "zhang_san1");
        assert_eq!(Username::parse("u", "abc").unwrap_err().code, "username.too_short");
        assert_eq!(Username::parse("u", "1abcd").unwrap_err().code, "username.format");
        assert_eq!(Username::parse("u", "张三丰啊").unwrap_err().code, "username.format");
        assert_eq!(Username::parse("u", &"a".repeat(33)).unwrap_err().code, "username.too_long");
    }
}
