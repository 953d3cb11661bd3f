//! 公告: a notice national or province authorities publish for an exam year, to every candidate or to one
//! 考区's. Plain text (shown with its line breaks, never as markup), with limits a phone screen can carry.

use crate::{FieldError, FieldErrors};

pub const MAX_TITLE_CHARS: usize = 60;
pub const MAX_BODY_CHARS: usize = 2000;

/// What an admin typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AnnouncementInput {
    pub exam_year: String,
    /// A province code, or "" for every candidate.
    pub province: String,
    pub title: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub exam_year: u16,
    pub province: Option<String>,
    pub title: String,
    pub body: String,
}

fn text(field: &str, raw: &str, max: usize, errors: &mut FieldErrors, multiline: bool) -> String {
    let value = raw.trim().replace("\r\n", "\n");
    if value.is_empty() {
        errors.push(FieldError::new(field, "announcement.required"));
    } else if value.chars().count() > max {
        errors.push(FieldError::new(field, "field.too_long").with_detail(max.to_string()));
    } else if value.chars().any(|c| c.is_control() && !(multiline && c == '\n')) {
        errors.push(FieldError::new(field, "announcement.char_not_allowed"));
    }
    value
}

impl Announcement {
    pub fn parse(input: &AnnouncementInput) -> Result<Announcement, FieldErrors> {
        let mut errors = FieldErrors::default();
        let exam_year = match input.exam_year.trim().parse::<u16>() {
            Ok(year) if (2000..=2100).contains(&year) => year,
            _ => {
                errors.push(FieldError::new("exam_year", "announcement.exam_year"));
                0
            }
        };
        let province = input.province.trim();
        if !province.is_empty() && !(province.len() == 2 && province.bytes().all(|b| b.is_ascii_digit())) {
            errors.push(FieldError::new("province", "admin.region_invalid"));
        }
        let title = text("title", &input.title, MAX_TITLE_CHARS, &mut errors, false);
        let body = text("body", &input.body, MAX_BODY_CHARS, &mut errors, true);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Announcement { exam_year, province: (!province.is_empty()).then(|| province.to_owned()), title, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(year: &str, province: &str, title: &str, body: &str) -> AnnouncementInput {
        AnnouncementInput { exam_year: year.into(), province: province.into(), title: title.into(), body: body.into() }
    }

    #[test]
    fn a_notice_keeps_its_lines_and_region() {
        let parsed = Announcement::parse(&input("2027", "11", " 报名须知 ", "第一条\r\n第二条")).unwrap();
        assert_eq!(parsed, Announcement { exam_year: 2027, province: Some("11".into()), title: "报名须知".into(), body: "第一条\n第二条".into() });
        assert_eq!(Announcement::parse(&input("2027", "", "全国", "正文")).unwrap().province, None);
    }

    #[test]
    fn every_problem_is_named() {
        let errors = Announcement::parse(&input("27", "北京", "", &"长".repeat(MAX_BODY_CHARS + 1))).unwrap_err();
        let codes: Vec<(&str, &str)> = errors.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(codes, [("exam_year", "announcement.exam_year"), ("province", "admin.region_invalid"), ("title", "announcement.required"), ("body", "field.too_long")]);
        let errors = Announcement::parse(&input("2027", "", "标题\n换行", "正文\u{7}")).unwrap_err();
        assert_eq!(errors.0.len(), 2, "a title is one line; no control characters");
    }
}
