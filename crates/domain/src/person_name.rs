//! A candidate's name as it appears on the identity document (domain.md §2).
//!
//! Stored in Unicode NFC with the whole CJK repertoire (Extension A–I, 4-byte UTF-8), "·" (U+00B7) between the
//! parts of a minority name, and Latin letters only where the document itself is in Latin script or the candidate
//! declared that a character had to be replaced by pinyin.

use crate::error::{FieldError, has_control_chars};
use unicode_normalization::UnicodeNormalization;

pub const MIDDLE_DOT: char = '\u{00B7}';
pub const MAX_NAME_CHARS: usize = 50;
const MAX_NAME_INPUT_CHARS: usize = 200;

/// Dots people type for "·" with various input methods and fonts.
const DOT_LOOKALIKES: [char; 9] = [
    '\u{2022}', // • bullet
    '\u{30FB}', // ・ katakana middle dot
    '\u{FF0E}', // ． full-width full stop
    '\u{FF65}', // ･ half-width katakana middle dot
    '\u{2027}', // ‧ hyphenation point
    '\u{2219}', // ∙ bullet operator
    '\u{22C5}', // ⋅ dot operator
    '\u{0387}', // · Greek ano teleia
    '\u{318D}', // ㆍ Hangul letter araea, a common IME substitute
];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);

/// Why Latin letters may appear in a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatinLetters {
    /// Only ideographs and "·".
    NotAllowed,
    /// The candidate ticked "姓名中有无法输入的字，已用拼音代替".
    PinyinSubstitute,
    /// The document (passport, foreign permanent-resident ID) is in Latin script.
    DocumentInLatinScript,
}

impl PersonName {
    pub fn parse(field: &str, raw: &str, latin: LatinLetters) -> Result<PersonName, FieldError> {
        let err = |code: &'static str| FieldError::new(field, code);
        if raw.chars().count() > MAX_NAME_INPUT_CHARS {
            return Err(err("name.too_long"));
        }
        if has_control_chars(raw) {
            return Err(err("name.char_not_allowed").with_detail("控制字符"));
        }
        let normalized = normalize(raw);
        if normalized.is_empty() {
            return Err(err("name.required"));
        }
        if normalized.chars().count() > MAX_NAME_CHARS {
            return Err(err("name.too_long"));
        }
        let mut has_latin = false;
        for c in normalized.chars() {
            if is_ideograph(c) || c == MIDDLE_DOT {
                continue;
            }
            if c.is_ascii_alphabetic() {
                has_latin = true;
                continue;
            }
            let latin_punctuation = matches!(c, ' ' | '-' | '\'');
            if latin_punctuation && latin != LatinLetters::NotAllowed {
                continue;
            }
            return Err(err("name.char_not_allowed").with_detail(c.to_string()));
        }
        if has_latin && latin == LatinLetters::NotAllowed {
            return Err(err("name.latin_needs_pinyin_flag"));
        }
        if normalized.starts_with(MIDDLE_DOT)
            || normalized.ends_with(MIDDLE_DOT)
            || normalized.contains("\u{00B7}\u{00B7}")
        {
            return Err(err("name.dot_position"));
        }
        if !normalized.chars().any(|c| is_ideograph(c) || c.is_ascii_alphabetic()) {
            return Err(err("name.required"));
        }
        Ok(PersonName(normalized))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the name holds a character outside GB 2312, which many fonts and older systems cannot show.
    pub fn has_rare_chars(&self) -> bool {
        self.0.chars().any(crate::rare_chars::is_rare)
    }

    /// Rebuilds a name read back from storage, where it was valid when written.
    pub fn from_trusted(stored: String) -> PersonName {
        PersonName(stored)
    }
}

/// NFC, look-alike dots to U+00B7, no spaces around ideographs or dots, single spaces between Latin words.
pub fn normalize(raw: &str) -> String {
    let nfc: String = raw.nfc().map(|c| if DOT_LOOKALIKES.contains(&c) { MIDDLE_DOT } else { c }).collect();
    let words: Vec<&str> = nfc.split_whitespace().collect();
    let mut out = String::with_capacity(nfc.len());
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            let prev = out.chars().last().unwrap_or(' ');
            let next = word.chars().next().unwrap_or(' ');
            let joins_latin_words = !(is_ideograph(prev) || prev == MIDDLE_DOT || is_ideograph(next) || next == MIDDLE_DOT);
            if joins_latin_words {
                out.push(' ');
            }
        }
        out.push_str(word);
    }
    out
}

/// CJK ideographs in every block Unicode has assigned them (URO, Extensions A–I, compatibility ideographs), plus 〇.
pub fn is_ideograph(c: char) -> bool {
    matches!(c as u32,
        0x3007
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0x20000..=0x2A6DF
        | 0x2A700..=0x2EE5F
        | 0x2F800..=0x2FA1F
        | 0x30000..=0x323AF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(raw: &str, latin: LatinLetters) -> Result<String, &'static str> {
        PersonName::parse("name", raw, latin).map(|n| n.0).map_err(|e| e.code)
    }

    #[test]
    fn keeps_rare_characters_from_every_extension() {
        assert_eq!(parse("张𪚥", LatinLetters::NotAllowed).unwrap(), "张𪚥");
        assert_eq!(parse("王𰻞", LatinLetters::NotAllowed).unwrap(), "王𰻞");
        assert_eq!(parse("李䶮", LatinLetters::NotAllowed).unwrap(), "李䶮");
    }

    #[test]
    fn normalises_dots_and_spaces() {
        for raw in ["买买提•艾力", "买买提・艾力", "买买提．艾力", "买买提 · 艾力", " 买买提·艾力 "] {
            assert_eq!(parse(raw, LatinLetters::NotAllowed).unwrap(), "买买提·艾力", "{raw}");
        }
        assert_eq!(parse("张  三", LatinLetters::NotAllowed).unwrap(), "张三");
        assert_eq!(parse("  JOHN   SMITH ", LatinLetters::DocumentInLatinScript).unwrap(), "JOHN SMITH");
    }

    #[test]
    fn dots_only_between_parts() {
        assert_eq!(parse("·艾力", LatinLetters::NotAllowed), Err("name.dot_position"));
        assert_eq!(parse("艾力·", LatinLetters::NotAllowed), Err("name.dot_position"));
        assert_eq!(parse("买买提··艾力", LatinLetters::NotAllowed), Err("name.dot_position"));
        assert_eq!(parse("·", LatinLetters::NotAllowed), Err("name.dot_position"));
    }

    #[test]
    fn latin_letters_need_a_reason() {
        assert_eq!(parse("张yan", LatinLetters::NotAllowed), Err("name.latin_needs_pinyin_flag"));
        assert_eq!(parse("张yan", LatinLetters::PinyinSubstitute).unwrap(), "张yan");
        assert_eq!(parse("O'NEIL-SMITH", LatinLetters::DocumentInLatinScript).unwrap(), "O'NEIL-SMITH");
    }

    #[test]
    fn rejects_other_characters() {
        assert_eq!(parse("张3", LatinLetters::NotAllowed), Err("name.char_not_allowed"));
        assert_eq!(parse("张\u{0}三", LatinLetters::NotAllowed), Err("name.char_not_allowed"));
        assert_eq!(parse("", LatinLetters::NotAllowed), Err("name.required"));
        assert_eq!(parse("   ", LatinLetters::NotAllowed), Err("name.required"));
        assert_eq!(parse(&"张".repeat(51), LatinLetters::NotAllowed), Err("name.too_long"));
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent(s in "\\PC{0,30}") {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once.clone());
        }

        #[test]
        fn parsed_names_are_fixed_points(s in "[\u{4e00}-\u{9fa5}·•・ ]{1,12}") {
            if let Ok(name) = PersonName::parse("name", &s, LatinLetters::NotAllowed) {
                let again = PersonName::parse("name", name.as_str(), LatinLetters::NotAllowed).unwrap();
                prop_assert_eq!(again, name);
            }
        }
    }
}
