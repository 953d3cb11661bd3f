//! Identity documents: the document types the platform accepts and their number formats.
//!
//! Which types are offered, in what order and under what names is reference data (the `id_types` table);
//! how a number of each type is checked is a rule, and lives here.

use crate::error::{FieldError, has_control_chars};

/// A kind of identity document, by the stable code used in the API and the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdType {
    /// 居民身份证 (GB 11643-1999).
    ResidentId,
    /// 港澳台居民居住证: GB 11643 format with region 810000 / 820000 / 830000.
    HmtResidencePermit,
    /// 港澳居民来往内地通行证.
    HkMacaoPermit,
    /// 台湾居民来往大陆通行证.
    TaiwanPermit,
    /// 护照.
    Passport,
    /// 外国人永久居留身份证.
    ForeignPermanentResidentId,
    /// 军官证.
    MilitaryOfficerId,
}

impl IdType {
    pub const ALL: [IdType; 7] = [
        IdType::ResidentId,
        IdType::HmtResidencePermit,
        IdType::HkMacaoPermit,
        IdType::TaiwanPermit,
        IdType::Passport,
        IdType::ForeignPermanentResidentId,
        IdType::MilitaryOfficerId,
    ];

    pub fn code(self) -> &'static str {
        match self {
            IdType::ResidentId => "resident_id",
            IdType::HmtResidencePermit => "hmt_residence_permit",
            IdType::HkMacaoPermit => "hk_macao_permit",
            IdType::TaiwanPermit => "taiwan_permit",
            IdType::Passport => "passport",
            IdType::ForeignPermanentResidentId => "foreign_permanent_resident_id",
            IdType::MilitaryOfficerId => "military_officer_id",
        }
    }

    pub fn from_code(code: &str) -> Option<IdType> {
        IdType::ALL.into_iter().find(|t| t.code() == code)
    }

    pub fn parse(field: &str, code: &str) -> Result<IdType, FieldError> {
        if code.trim().is_empty() {
            return Err(FieldError::new(field, "id_type.required"));
        }
        IdType::from_code(code.trim()).ok_or_else(|| FieldError::new(field, "id_type.unknown"))
    }

    /// Names written in Latin letters are normal on these documents, so they need no pinyin flag.
    pub fn allows_latin_name(self) -> bool {
        matches!(self, IdType::Passport | IdType::ForeignPermanentResidentId)
    }

    /// Whether the number carries a GB 11643 birth date (used by the password policy and face checks).
    pub fn is_gb11643(self) -> bool {
        matches!(self, IdType::ResidentId | IdType::HmtResidencePermit)
    }
}

/// An identity document number, valid for its type and in canonical form (upper case, no spaces).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdNumber {
    id_type: IdType,
    value: String,
}

pub const MAX_ID_NUMBER_INPUT: usize = 40;

const GB11643_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const GB11643_CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// The GB 11643-1999 check character for the first 17 digits.
pub fn gb11643_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17.bytes().zip(GB11643_WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    Some(GB11643_CHECK_CHARS[(sum % 11) as usize] as char)
}

impl IdNumber {
    pub fn parse(field: &str, id_type: IdType, raw: &str) -> Result<IdNumber, FieldError> {
        let err = |code: &'static str| FieldError::new(field, code);
        if raw.chars().count() > MAX_ID_NUMBER_INPUT {
            return Err(err("id_number.too_long"));
        }
        if has_control_chars(raw) {
            return Err(err("id_number.format"));
        }
        // People paste numbers with spaces and full-width digits; NFKC folds the latter to ASCII.
        let compact: String = unicode_normalization::UnicodeNormalization::nfkc(raw)
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if compact.is_empty() {
            return Err(err("id_number.required"));
        }
        let value = match id_type {
            IdType::ResidentId => {
                let value = parse_gb11643(field, &compact, true)?;
                if matches!(&value[..2], "81" | "82" | "83") {
                    return Err(err("id_number.hmt_region_needs_permit"));
                }
                value
            }
            IdType::HmtResidencePermit => {
                let value = parse_gb11643(field, &compact, false)?;
                if !matches!(&value[..6], "810000" | "820000" | "830000") {
                    return Err(err("id_number.hmt_region"));
                }
                value
            }
            IdType::HkMacaoPermit => {
                // New cards: H/M + 8 digits; older cards: H/M + 10 digits.
                let ok = matches!(compact.as_bytes().first(), Some(b'H' | b'M'))
                    && matches!(compact.len(), 9 | 11)
                    && compact[1..].bytes().all(|b| b.is_ascii_digit());
                if !ok {
                    return Err(err("id_number.format"));
                }
                compact
            }
            IdType::TaiwanPermit => {
                let ok = matches!(compact.len(), 8 | 10) && compact.bytes().all(|b| b.is_ascii_digit());
                if !ok {
                    return Err(err("id_number.format"));
                }
                compact
            }
            IdType::Passport => {
                let ok = (5..=17).contains(&compact.len()) && compact.bytes().all(|b| b.is_ascii_alphanumeric());
                if !ok {
                    return Err(err("id_number.format"));
                }
                compact
            }
            IdType::ForeignPermanentResidentId => {
                // Since 2023-12-01: 18 characters starting with 9, GB 11643 check character.
                // Older cards: 3 letters (nationality) + 12 digits.
                if !compact.is_ascii() {
                    return Err(err("id_number.format"));
                }
                if compact.len() == 18 && compact.starts_with('9') {
                    parse_gb11643(field, &compact, false)?
                } else if compact.len() == 15
                    && compact[..3].bytes().all(|b| b.is_ascii_uppercase())
                    && compact[3..].bytes().all(|b| b.is_ascii_digit())
                {
                    compact
                } else {
                    return Err(err("id_number.format"));
                }
            }
            IdType::MilitaryOfficerId => {
                // e.g. 南字第12345678号: Chinese characters, letters and digits.
                let len = compact.chars().count();
                let ok = (4..=20).contains(&len)
                    && compact.chars().all(|c| c.is_ascii_alphanumeric() || crate::person_name::is_ideograph(c));
                if !ok {
                    return Err(err("id_number.format"));
                }
                compact
            }
        };
        Ok(IdNumber { id_type, value })
    }

    /// Rebuilds a number read back from storage, where it was valid when written.
    pub fn from_trusted(id_type: IdType, value: String) -> IdNumber {
        IdNumber { id_type, value }
    }

    /// The form a typed-in number is looked up by when its type is unknown (login by ID number): NFKC, no
    /// spaces, upper case, and a legacy 15-digit resident ID widened to 18.
    pub fn lookup_form(raw: &str) -> String {
        IdNumber::parse("login", IdType::ResidentId, raw).map(|n| n.value).unwrap_or_else(|_| {
            unicode_normalization::UnicodeNormalization::nfkc(raw)
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_uppercase()
        })
    }

    pub fn id_type(&self) -> IdType {
        self.id_type
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The birth date (YYYYMMDD) a GB 11643 number carries.
    pub fn birth_date(&self) -> Option<&str> {
        if self.value.len() == 18 && self.value.bytes().take(17).all(|b| b.is_ascii_digit()) {
            Some(&self.value[6..14])
        } else {
            None
        }
    }

    /// The number as shown on screens and in logs: 110105********002X.
    pub fn masked(&self) -> String {
        mask_id_number(&self.value)
    }
}

/// Masks any identity number: long numbers keep the region prefix and the last four, short ones keep less.
pub fn mask_id_number(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let (head, tail) = match chars.len() {
        n if n >= 15 => (6, 4),
        n if n >= 8 => (2, 2),
        n if n >= 3 => (1, 1),
        _ => (0, 0),
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < head || i >= chars.len() - tail { *c } else { '*' })
        .collect()
}

/// Parses an 18-character GB 11643 number (or, where allowed, a legacy 15-digit one, converted to 18).
fn parse_gb11643(field: &str, compact: &str, allow_legacy: bool) -> Result<String, FieldError> {
    let err = |code: &'static str| FieldError::new(field, code);
    if !compact.is_ascii() {
        return Err(err("id_number.format"));
    }
    let full = match compact.len() {
        18 => compact.to_string(),
        15 if allow_legacy && compact.bytes().all(|b| b.is_ascii_digit()) => {
            let first17 = format!("{}19{}", &compact[..6], &compact[6..]);
            let check = gb11643_check_char(&first17).expect("17 digits");
            format!("{first17}{check}")
        }
        _ => return Err(err("id_number.length")),
    };
    let (first17, check) = full.split_at(17);
    if !first17.bytes().all(|b| b.is_ascii_digit()) || !check.bytes().all(|b| b.is_ascii_digit() || b == b'X') {
        return Err(err("id_number.format"));
    }
    if !first17.starts_with(|c: char| ('1'..='9').contains(&c)) {
        return Err(err("id_number.region"));
    }
    if !is_valid_birth_date(&first17[6..14]) {
        return Err(err("id_number.birth_date"));
    }
    if gb11643_check_char(first17) != check.chars().next() {
        return Err(err("id_number.checksum"));
    }
    Ok(full)
}

fn is_valid_birth_date(yyyymmdd: &str) -> bool {
    let num = |s: &str| s.parse::<u32>().ok();
    let (Some(year), Some(month), Some(day)) = (num(&yyyymmdd[..4]), num(&yyyymmdd[4..6]), num(&yyyymmdd[6..8])) else {
        return false;
    };
    if !(1900..=2099).contains(&year) || !(1..=12).contains(&month) {
        return false;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(t: IdType, s: &str) -> Result<IdNumber, &'static str> {
        IdNumber::parse("id_number", t, s).map_err(|e| e.code)
    }

    #[test]
    fn accepts_the_standard_example_and_lower_case_x() {
        assert_eq!(parse(IdType::ResidentId, "11010519491231002X").unwrap().as_str(), "11010519491231002X");
        assert_eq!(parse(IdType::ResidentId, "11010519491231002x").unwrap().as_str(), "11010519491231002X");
        assert_eq!(parse(IdType::ResidentId, " 110105 19491231 002x ").unwrap().as_str(), "11010519491231002X");
    }

    #[test]
    fn rejects_wrong_checksum_date_and_length() {
        assert_eq!(parse(IdType::ResidentId, "110105194912310021"), Err("id_number.checksum"));
        assert_eq!(parse(IdType::ResidentId, "110105194902300028"), Err("id_number.birth_date"));
        assert_eq!(parse(IdType::ResidentId, "1101051949123"), Err("id_number.length"));
        assert_eq!(parse(IdType::ResidentId, ""), Err("id_number.required"));
        assert_eq!(parse(IdType::ResidentId, "11010519491231002Y"), Err("id_number.format"));
    }

    #[test]
    fn converts_legacy_fifteen_digit_numbers() {
        let n = parse(IdType::ResidentId, "110105491231002").unwrap();
        assert_eq!(n.as_str(), "11010519491231002X");
    }

    #[test]
    fn residence_permits_need_the_hmt_region_and_resident_ids_must_not_have_it() {
        let first17 = "81000019900101001";
        let full = format!("{first17}{}", gb11643_check_char(first17).unwrap());
        assert!(parse(IdType::HmtResidencePermit, &full).is_ok());
        assert_eq!(parse(IdType::ResidentId, &full), Err("id_number.hmt_region_needs_permit"));
        assert_eq!(parse(IdType::HmtResidencePermit, "11010519491231002X"), Err("id_number.hmt_region"));
    }

    #[test]
    fn other_document_formats() {
        assert!(parse(IdType::HkMacaoPermit, "h12345678").is_ok());
        assert!(parse(IdType::HkMacaoPermit, "M1234567890").is_ok());
        assert_eq!(parse(IdType::HkMacaoPermit, "X12345678"), Err("id_number.format"));
        assert!(parse(IdType::TaiwanPermit, "12345678").is_ok());
        assert_eq!(parse(IdType::TaiwanPermit, "1234567"), Err("id_number.format"));
        assert!(parse(IdType::Passport, "E12345678").is_ok());
        assert_eq!(parse(IdType::Passport, "E1234-5678"), Err("id_number.format"));
        assert!(parse(IdType::ForeignPermanentResidentId, "USA110019900101").is_ok());
        assert!(parse(IdType::MilitaryOfficerId, "南字第12345678号").is_ok());
    }

    #[test]
    fn masking_keeps_only_prefix_and_suffix() {
        assert_eq!(mask_id_number("11010519491231002X"), "110105********002X");
        assert_eq!(mask_id_number("E12345678"), "E1*****78");
    }

    proptest! {
        /// Any 17 digits with a plausible region and date plus the computed check char parse back unchanged.
        #[test]
        fn checksum_round_trip(region in 110000u32..659999, days in 0u32..36500, seq in 0u32..1000) {
            let year = 1930 + days / 365;
            let month = 1 + (days / 31) % 12;
            let day = 1 + days % 28;
            let first17 = format!("{region:06}{year:04}{month:02}{day:02}{seq:03}");
            let check = gb11643_check_char(&first17).unwrap();
            let full = format!("{first17}{check}");
            let parsed = IdNumber::parse("id_number", IdType::ResidentId, &full.to_lowercase()).unwrap();
            prop_assert_eq!(parsed.as_str(), full.as_str());
            prop_assert_eq!(parsed.birth_date(), Some(&full[6..14]));
        }

        /// Changing any one digit of a valid number is always caught.
        #[test]
        fn single_digit_errors_are_detected(pos in 0usize..17, delta in 1u8..10) {
            let valid = "11010519491231002X";
            let mut bytes = valid.as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let mutated = String::from_utf8(bytes).unwrap();
            prop_assert!(IdNumber::parse("id_number", IdType::ResidentId, &mutated).is_err());
        }

        #[test]
        fn never_panics_on_arbitrary_input(s in "\\PC{0,50}") {
            for t in IdType::ALL {
                let _ = IdNumber::parse("id_number", t, &s);
            }
        }
    }
}
