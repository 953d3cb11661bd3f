//! The rare-character (生僻字) picker: every CJK ideograph that has a reading in the pinyin data and lies outside
//! GB 2312's 6,763 characters, searchable by pinyin.

use crate::person_name::is_ideograph;
use pinyin::ToPinyinMulti;
use std::sync::OnceLock;

/// At most this many characters per search; a reading like "yi" has hundreds.
pub const MAX_RESULTS: usize = 600;
pub const MAX_QUERY_LEN: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RareChar {
    pub ch: char,
    /// The readings with tone marks, e.g. "yàn".
    pub pinyin: Vec<&'static str>,
    plain: Vec<&'static str>,
}

/// Characters outside GB 2312 ("rare" in the working definition of domain.md §2).
pub fn is_rare(c: char) -> bool {
    is_ideograph(c) && !is_gb2312_hanzi(c)
}

/// GB 2312 hanzi occupy EUC-CN rows 16–87 (lead bytes 0xB0–0xF7); GBK encodes them identically.
pub fn is_gb2312_hanzi(c: char) -> bool {
    let mut buf = [0u8; 4];
    let (bytes, _, had_errors) = encoding_rs::GBK.encode(c.encode_utf8(&mut buf));
    if had_errors || bytes.len() != 2 {
        return false;
    }
    let (lead, trail) = (bytes[0], bytes[1]);
    (0xB0..=0xF7).contains(&lead) && (0xA1..=0xFE).contains(&trail) && !(lead == 0xD7 && trail >= 0xFA)
}

fn index() -> &'static [RareChar] {
    static INDEX: OnceLock<Vec<RareChar>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let ranges = [0x3400..=0x4DBF, 0x4E00..=0x9FFF, 0xF900..=0xFAFF, 0x20000..=0x2A6DF, 0x2A700..=0x2EE5F, 0x30000..=0x323AF];
        ranges
            .into_iter()
            .flatten()
            .filter_map(char::from_u32)
            .filter(|&c| is_rare(c))
            .filter_map(|c| {
                let readings = c.to_pinyin_multi()?;
                let pinyin: Vec<&'static str> = readings.into_iter().map(|p| p.with_tone()).collect();
                let plain = readings.into_iter().map(|p| p.plain()).collect();
                Some(RareChar { ch: c, pinyin, plain })
            })
            .collect()
    })
}

/// Builds the index ahead of the first search so no request pays for it.
pub fn warm_up() -> usize {
    index().len()
}

/// A reading to search for: 1–12 letters, lower case, "ü" written "v", tone digits dropped ("Zhe2" → "zhe").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinyinQuery(String);

impl PinyinQuery {
    pub fn parse(field: &str, raw: &str) -> Result<PinyinQuery, crate::FieldError> {
        let trimmed = raw.trim();
        let valid_input = trimmed.chars().count() <= MAX_QUERY_LEN
            && trimmed.chars().all(|c| c.is_ascii_alphanumeric() || c == 'ü' || c == 'Ü');
        let wanted: String = trimmed
            .chars()
            .filter(|c| !c.is_ascii_digit())
            .map(|c| if c == 'ü' || c == 'Ü' { 'v' } else { c.to_ascii_lowercase() })
            .collect();
        if !valid_input || wanted.is_empty() {
            return Err(crate::FieldError::new(field, "rare_chars.query"));
        }
        Ok(PinyinQuery(wanted))
    }
}

/// Characters one of whose readings is the query (tones and case ignored, "ü" may be typed as "v");
/// if none reads exactly so, those with a reading that starts with it.
pub fn search(query: &PinyinQuery) -> Vec<&'static RareChar> {
    let wanted = &query.0;
    let matches = |exact: bool| -> Vec<&'static RareChar> {
        index()
            .iter()
            .filter(|rc| {
                rc.plain.iter().any(|p| {
                    let p = p.replace('ü', "v");
                    if exact { &p == wanted } else { p.starts_with(wanted.as_str()) }
                })
            })
            .take(MAX_RESULTS)
            .collect()
    };
    let exact = matches(true);
    if exact.is_empty() { matches(false) } else { exact }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb2312_membership() {
        assert!(is_gb2312_hanzi('啊'));
        assert!(is_gb2312_hanzi('张'));
        assert!(!is_gb2312_hanzi('䶮'));
        assert!(!is_gb2312_hanzi('𪚥'));
        assert!(!is_gb2312_hanzi('喆'));
        assert!(!is_gb2312_hanzi('A'));
    }

    fn search(raw: &str) -> Vec<&'static RareChar> {
        PinyinQuery::parse("pinyin", raw).map(|q| super::search(&q)).unwrap_or_default()
    }

    #[test]
    fn finds_rare_characters_by_pinyin() {
        let yan: Vec<char> = search("yan").iter().map(|r| r.ch).collect();
        assert!(yan.contains(&'䶮'), "䶮 (yǎn) should be offered for yan");
        assert!(!yan.contains(&'严'), "严 is in GB 2312, so not rare");
        let zhe: Vec<char> = search("Zhe2").iter().map(|r| r.ch).collect();
        assert!(zhe.contains(&'喆'));
        assert!(search("lv").iter().all(|r| r.plain.iter().any(|p| p.replace('ü', "v").starts_with("lv"))));
    }

    #[test]
    fn includes_extension_b_and_beyond() {
        assert!(index().iter().any(|r| r.ch as u32 >= 0x20000), "Extension B characters have readings");
    }

    #[test]
    fn rejects_odd_queries() {
        for raw in ["", "  ", "123", "<script>", "中", &"a".repeat(40)] {
            assert_eq!(PinyinQuery::parse("pinyin", raw).unwrap_err().code, "rare_chars.query", "{raw:?}");
        }
        assert_eq!(PinyinQuery::parse("pinyin", " Lü3 ").unwrap(), PinyinQuery("lv".into()));
    }
}
