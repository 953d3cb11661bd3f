//! The password-recovery question and answer the seed requires (domain.md §1 注意事项 2).

use crate::error::{FieldError, has_control_chars};
use unicode_normalization::UnicodeNormalization;

pub const MAX_QUESTION_CHARS: usize = 50;
pub const MIN_QUESTION_CHARS: usize = 4;
pub const MAX_ANSWER_CHARS: usize = 50;
pub const MIN_ANSWER_CHARS: usize = 2;

/// Questions offered in the list; the candidate may also write their own.
pub const SUGGESTED_QUESTIONS: &[&str] = &[
    "您母亲的姓名是？",
    "您父亲的姓名是？",
    "您配偶的姓名是？",
    "您小学班主任的姓名是？",
    "您的出生地是？",
    "您最喜欢的一本书是？",
    "您第一个工作单位的名称是？",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityQuestion(String);

impl SecurityQuestion {
    pub fn parse(field: &str, raw: &str) -> Result<SecurityQuestion, FieldError> {
        if has_control_chars(raw) {
            return Err(FieldError::new(field, "security_question.char_not_allowed"));
        }
        let value: String = raw.trim().nfc().collect();
        let len = value.chars().count();
        if len == 0 {
            return Err(FieldError::new(field, "security_question.required"));
        }
        if len < MIN_QUESTION_CHARS {
            return Err(FieldError::new(field, "security_question.too_short"));
        }
        if len > MAX_QUESTION_CHARS {
            return Err(FieldError::new(field, "security_question.too_long"));
        }
        Ok(SecurityQuestion(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An answer in the form it is hashed and compared in: trimmed, NFKC, case-folded, inner whitespace collapsed,
/// so "Beijing" and " ｂｅｉｊｉｎｇ " are the same answer.
pub struct SecurityAnswer(String);

impl std::fmt::Debug for SecurityAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecurityAnswer(***)")
    }
}

impl SecurityAnswer {
    pub fn parse(field: &str, raw: &str) -> Result<SecurityAnswer, FieldError> {
        if has_control_chars(raw) {
            return Err(FieldError::new(field, "security_answer.char_not_allowed"));
        }
        let folded: String = raw.nfkc().collect::<String>().to_lowercase();
        let value = folded.split_whitespace().collect::<Vec<_>>().join(" ");
        let len = value.chars().count();
        if len == 0 {
            return Err(FieldError::new(field, "security_answer.required"));
        }
        if len < MIN_ANSWER_CHARS {
            return Err(FieldError::new(field, "security_answer.too_short"));
        }
        if len > MAX_ANSWER_CHARS {
            return Err(FieldError::new(field, "security_answer.too_long"));
        }
        Ok(SecurityAnswer(value))
    }

    pub fn normalized(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_compare_after_normalisation() {
        let a = SecurityAnswer::parse("a", "  Bei  Jing ").unwrap();
        let b = SecurityAnswer::parse("a", "ｂｅｉ ｊｉｎｇ").unwrap();
        assert_eq!(a.normalized(), b.normalized());
        assert_eq!(SecurityAnswer::parse("a", " ").unwrap_err().code, "security_answer.required");
        assert_eq!(SecurityQuestion::parse("q", "问?").unwrap_err().code, "security_question.too_short");
    }
}
