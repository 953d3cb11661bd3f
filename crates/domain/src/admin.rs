//! The authorities' console: who an admin is (national 全国, province 考区, site 考点), which candidates that
//! lets them see, whom they may create, and the reason every action must carry.

use crate::error::FieldError;

/// Where an admin's authority runs. Every console query is filtered by it in the store layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    National,
    Province { province: String },
    Site { province: String, site: String },
}

impl Scope {
    /// From the stored role and region columns; `None` when they do not fit together.
    pub fn from_parts(role: &str, province: Option<&str>, site: Option<&str>) -> Option<Scope> {
        match (role, province, site) {
            ("national", _, _) => Some(Scope::National),
            ("province", Some(p), _) => Some(Scope::Province { province: p.to_owned() }),
            ("site", Some(p), Some(s)) => Some(Scope::Site { province: p.to_owned(), site: s.to_owned() }),
            _ => None,
        }
    }

    pub fn role(&self) -> &'static str {
        match self {
            Scope::National => "national",
            Scope::Province { .. } => "province",
            Scope::Site { .. } => "site",
        }
    }

    pub fn province(&self) -> Option<&str> {
        match self {
            Scope::National => None,
            Scope::Province { province } | Scope::Site { province, .. } => Some(province),
        }
    }

    pub fn site(&self) -> Option<&str> {
        match self {
            Scope::Site { site, .. } => Some(site),
            _ => None,
        }
    }

    /// The filter the store applies, as (kind, code): `national` matches everything, `province` rows of that
    /// province, `site` rows of that site.
    pub fn filter(&self) -> (&'static str, &str) {
        match self {
            Scope::National => ("national", ""),
            Scope::Province { province } => ("province", province),
            Scope::Site { site, .. } => ("site", site),
        }
    }

    /// Whether something in `province` / `site` (a candidate, a request, an audit entry) is within this scope.
    /// Candidates who chose no site are a national matter.
    pub fn covers(&self, province: Option<&str>, site: Option<&str>) -> bool {
        match self {
            Scope::National => true,
            Scope::Province { province: mine } => province == Some(mine.as_str()),
            Scope::Site { site: mine, .. } => site == Some(mine.as_str()),
        }
    }

    /// National admins create province admins; province admins create site admins of their own province.
    pub fn may_create(&self, new: &Scope) -> bool {
        match (self, new) {
            (Scope::National, Scope::Province { .. }) => true,
            (Scope::Province { province: mine }, Scope::Site { province, .. }) => mine == province,
            _ => false,
        }
    }

    /// The role an admin of this scope creates, if any.
    pub fn creates(&self) -> Option<&'static str> {
        match self {
            Scope::National => Some("province"),
            Scope::Province { .. } => Some("site"),
            Scope::Site { .. } => None,
        }
    }
}

/// Why an admin did something: required for every action, kept in the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason(String);

pub const MAX_REASON_CHARS: usize = 500;

impl Reason {
    pub fn parse(field: &str, raw: &str) -> Result<Reason, FieldError> {
        let trimmed = raw.trim();
        if trimmed.chars().count() < 2 {
            return Err(FieldError::new(field, "reason.required"));
        }
        if trimmed.chars().count() > MAX_REASON_CHARS {
            return Err(FieldError::new(field, "reason.too_long"));
        }
        if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
            return Err(FieldError::new(field, "reason.char_not_allowed"));
        }
        Ok(Reason(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A 考点 code: the province's two digits and two more (1101 = 北京 site 01).
pub fn parse_site_code(field: &str, raw: &str) -> Result<String, FieldError> {
    let code = raw.trim();
    if code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code.to_owned())
    } else {
        Err(FieldError::new(field, "site.code_format"))
    }
}

/// A short free text (a site's name or address, an admin's display name): trimmed, 1..=`max` characters, no
/// control characters.
pub fn parse_label(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "field.required"));
    }
    if trimmed.chars().count() > max {
        return Err(FieldError::new(field, "field.too_long").with_detail(max.to_string()));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(FieldError::new(field, "field.char_not_allowed"));
    }
    Ok(trimmed.to_owned())
}

/// A password-reset code a 考点 hands to a candidate in person: 80 random bits as 16 Crockford base32
/// characters in groups of four, easy to read out and type.
pub fn authority_reset_code(random: [u8; 10]) -> String {
    let plain = data_encoding::BASE32_NOPAD.encode(&random);
    let crockford: String = plain.chars().map(|c| CROCKFORD[BASE32.find(c).expect("base32 output")] as char).collect();
    crockford.as_bytes().chunks(4).map(|g| std::str::from_utf8(g).expect("ascii")).collect::<Vec<_>>().join("-")
}

const BASE32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A typed authority code in its one canonical form (no separators, upper case, the letters people confuse
/// with digits read as digits), or `None` if it cannot be one.
pub fn canonical_authority_code(typed: &str) -> Option<String> {
    let canonical: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{3000}'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    (canonical.len() == 16 && canonical.bytes().all(|b| CROCKFORD.contains(&b))).then_some(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn province(p: &str) -> Scope {
        Scope::Province { province: p.into() }
    }

    fn site(p: &str, s: &str) -> Scope {
        Scope::Site { province: p.into(), site: s.into() }
    }

    #[test]
    fn who_sees_what() {
        let cases = [
            (Scope::National, Some("11"), Some("1101"), true),
            (Scope::National, None, None, true),
            (province("11"), Some("11"), Some("1102"), true),
            (province("11"), Some("31"), Some("3101"), false),
            (province("11"), None, None, false),
            (site("11", "1101"), Some("11"), Some("1101"), true),
            (site("11", "1101"), Some("11"), Some("1102"), false),
            (site("11", "1101"), None, None, false),
        ];
        for (scope, p, s, expected) in cases {
            assert_eq!(scope.covers(p, s), expected, "{scope:?} over {p:?}/{s:?}");
        }
    }

    #[test]
    fn who_creates_whom() {
        let cases = [
            (Scope::National, province("11"), true),
            (Scope::National, site("11", "1101"), false),
            (Scope::National, Scope::National, false),
            (province("11"), site("11", "1101"), true),
            (province("11"), site("31", "3101"), false),
            (province("11"), province("31"), false),
            (site("11", "1101"), site("11", "1102"), false),
        ];
        for (creator, new, expected) in cases {
            assert_eq!(creator.may_create(&new), expected, "{creator:?} creating {new:?}");
        }
    }

    #[test]
    fn stored_parts_round_trip() {
        for scope in [Scope::National, province("44"), site("44", "4401")] {
            assert_eq!(Scope::from_parts(scope.role(), scope.province(), scope.site()), Some(scope.clone()));
        }
        assert_eq!(Scope::from_parts("site", Some("44"), None), None);
        assert_eq!(Scope::from_parts("root", None, None), None);
    }

    #[test]
    fn authority_codes_survive_being_read_out() {
        let code = authority_reset_code([0x5a; 10]);
        assert_eq!(code.len(), 19);
        assert_eq!(code.matches('-').count(), 3);
        let canonical = canonical_authority_code(&code).unwrap();
        assert_eq!(canonical_authority_code(&code.to_lowercase().replace('-', " ")), Some(canonical.clone()));
        assert_eq!(canonical_authority_code("O0IL-0000-0000-0000").as_deref(), Some("0011000000000000"));
        assert_eq!(canonical_authority_code("ABCD-EFGH-JKMN-PQRU"), None, "U is not a Crockford digit");
        assert_eq!(canonical_authority_code("ABCD"), None);
        assert_ne!(authority_reset_code([1; 10]), authority_reset_code([2; 10]));
    }

    #[test]
    fn reasons_are_required_and_bounded() {
        assert_eq!(Reason::parse("reason", "  ").unwrap_err().code, "reason.required");
        assert_eq!(Reason::parse("reason", &"字".repeat(501)).unwrap_err().code, "reason.too_long");
        assert_eq!(Reason::parse("reason", "a\u{7}b").unwrap_err().code, "reason.char_not_allowed");
        assert_eq!(Reason::parse("reason", " 本人持证件到现场 ").unwrap().as_str(), "本人持证件到现场");
    }

    #[test]
    fn site_codes() {
        assert!(parse_site_code("code", "1101").is_ok());
        for bad in ["110", "11011", "11a1", ""] {
            assert!(parse_site_code("code", bad).is_err(), "{bad}");
        }
    }
}
