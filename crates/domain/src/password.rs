//! The password policy of security.md (等保 8.1.4.1): at least 8 characters, at least 3 of 4 character classes,
//! not a common password, not built from the candidate's own ID number, birth date or login name.

use crate::error::FieldError;
use crate::id_number::IdNumber;
use crate::username::Username;

pub const MIN_LEN: usize = 8;
/// Long passphrases are welcome, but an unbounded one would make hashing a denial-of-service lever.
pub const MAX_LEN: usize = 128;

/// A password that met the policy when it was chosen. Deliberately not `Debug`-printable in clear.
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// What the password must not contain.
pub struct PersonalData<'a> {
    pub username: Option<&'a Username>,
    pub id_number: Option<&'a IdNumber>,
}

impl NewPassword {
    pub fn parse(field: &str, raw: &str, personal: &PersonalData<'_>) -> Result<NewPassword, FieldError> {
        let err = |code: &'static str| FieldError::new(field, code);
        let len = raw.chars().count();
        if len == 0 {
            return Err(err("password.required"));
        }
        if len < MIN_LEN {
            return Err(err("password.too_short"));
        }
        if len > MAX_LEN {
            return Err(err("password.too_long"));
        }
        if crate::error::has_control_chars(raw) {
            return Err(err("password.char_not_allowed"));
        }
        let classes = [
            raw.chars().any(|c| c.is_ascii_lowercase()),
            raw.chars().any(|c| c.is_ascii_uppercase()),
            raw.chars().any(|c| c.is_ascii_digit()),
            raw.chars().any(|c| !c.is_ascii_alphanumeric()),
        ];
        if classes.iter().filter(|&&present| present).count() < 3 {
            return Err(err("password.too_simple"));
        }
        let lower = raw.to_lowercase();
        if is_common(&lower) {
            return Err(err("password.common"));
        }
        if let Some(id) = personal.id_number {
            let id_lower = id.as_str().to_lowercase();
            if lower.contains(&id_lower) || (id_lower.len() >= 6 && lower.contains(&id_lower[id_lower.len() - 6..])) {
                return Err(err("password.contains_id_number"));
            }
            if let Some(birth) = id.birth_date() {
                if lower.contains(birth) || lower.contains(&birth[2..]) {
                    return Err(err("password.contains_birth_date"));
                }
            }
        }
        if let Some(username) = personal.username {
            if lower.contains(username.as_str()) {
                return Err(err("password.contains_username"));
            }
        }
        Ok(NewPassword(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Common passwords (lower case) that satisfy the class rule yet are among the first any attacker tries,
/// including the patterns most used in China (pinyin words, 520/1314, keyboard walks).
const COMMON_PASSWORDS: &[&str] = &[
    "password1", "password1!", "password123", "p@ssw0rd", "p@ssword1", "passw0rd!", "aa123456", "aa123456.",
    "qq123456", "qq123456.", "abc123456", "abc@123456", "abcd1234!", "a1234567", "a12345678", "a123456789",
    "a123456.", "aa123456789", "admin123", "admin@123", "admin123!", "root1234", "woaini1314", "woaini520",
    "woaini1314.", "iloveyou1", "iloveyou!", "qwer1234", "qwer1234!", "qwe123456", "qwe123!@#", "1qaz2wsx",
    "1qaz@wsx", "1qaz2wsx!", "zaq12wsx", "1q2w3e4r", "1q2w3e4r5t", "1q2w3e4r!", "q1w2e3r4", "asd123456",
    "asdf1234", "zxc123456", "zxcv1234", "welcome1", "welcome1!", "welcome123", "letmein1", "changeme1",
    "test1234", "test@123", "test123!", "abc123!@#", "123456aa", "123456abc", "123456qq", "12345678a",
    "123456789a", "1234qwer", "1234abcd", "5201314a", "a5201314", "huang123", "wang1234", "zhang123",
    "li123456", "liu123456", "chen123456", "yang12345", "zhao123456", "love1314", "china123", "china@123",
    "beijing123", "shanghai123", "weixin123", "wechat123", "kaowu123", "kaoshi123", "huli1234", "weisheng123",
    "abc12345", "qaz123456", "aa112233", "aaa111222", "a111111", "a11111111", "a000000", "aa000000",
];

fn is_common(lower: &str) -> bool {
    COMMON_PASSWORDS.contains(&lower)
        || COMMON_PASSWORDS.iter().any(|p| lower.trim_end_matches(['!', '.', '@', '#']) == *p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id_number::IdType;

    fn check(pw: &str) -> Result<(), &'static str> {
        let id = IdNumber::parse("id", IdType::ResidentId, "11010519491231002X").unwrap();
        let user = Username::parse("u", "zhangsan").unwrap();
        NewPassword::parse("password", pw, &PersonalData { username: Some(&user), id_number: Some(&id) })
            .map(|_| ())
            .map_err(|e| e.code)
    }

    #[test]
    fn policy() {
        assert_eq!(check("Kw7!river"), Ok(()));
        assert_eq!(check("Ab1!"), Err("password.too_short"));
        assert_eq!(check("abcdefgh1"), Err("password.too_simple"));
        assert_eq!(check("Qq123456"), Err("password.common"));
        assert_eq!(check("Woaini1314"), Err("password.common"));
        assert_eq!(check("Xy11010519491231002X"), Err("password.contains_id_number"));
        assert_eq!(check("Ab!19491231"), Err("password.contains_birth_date"));
        assert_eq!(check("Ab!491231x"), Err("password.contains_birth_date"));
        assert_eq!(check("Zhangsan!9"), Err("password.contains_username"));
        assert_eq!(check(&format!("Ab1!{}", "x".repeat(200))), Err("password.too_long"));
        assert!(format!("{:?}", NewPassword("secret".into())).contains("***"));
    }
}
