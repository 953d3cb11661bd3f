//! 申请修改注册信息: the candidate cannot change name, ID type or ID number (domain.md §1 注意事项 1); they ask
//! their 考点, giving the corrected values, a reason and a scan of the document, and the 考点 decides.

use crate::admin::Reason;
use crate::error::{FieldError, FieldErrors};
use crate::registration::Identity;

/// A correction as asked for: the identity it should become, and why.
#[derive(Debug, Clone)]
pub struct CorrectionRequest {
    pub identity: Identity,
    pub reason: Reason,
}

/// Attachments: the scan or photo of the document (or the 《考生注册信息修改申请表》), judged by content.
pub const MAX_ATTACHMENT_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentType {
    Jpeg,
    Png,
    Pdf,
}

impl AttachmentType {
    /// What the bytes are, by their signature (never by a file name or a declared type).
    pub fn sniff(bytes: &[u8]) -> Option<AttachmentType> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(AttachmentType::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(AttachmentType::Png)
        } else if bytes.starts_with(b"%PDF-") {
            Some(AttachmentType::Pdf)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            AttachmentType::Jpeg => "image/jpeg",
            AttachmentType::Png => "image/png",
            AttachmentType::Pdf => "application/pdf",
        }
    }

    pub fn from_mime(mime: &str) -> Option<AttachmentType> {
        [AttachmentType::Jpeg, AttachmentType::Png, AttachmentType::Pdf].into_iter().find(|t| t.mime() == mime)
    }
}

/// Checks an attachment's size and kind.
pub fn check_attachment(field: &str, bytes: &[u8]) -> Result<AttachmentType, FieldError> {
    if bytes.is_empty() {
        return Err(FieldError::new(field, "attachment.required"));
    }
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(FieldError::new(field, "attachment.too_large"));
    }
    AttachmentType::sniff(bytes).ok_or_else(|| FieldError::new(field, "attachment.type"))
}

impl CorrectionRequest {
    /// The corrected identity must meet the registration rules and differ from `current`.
    pub fn parse(current: &Identity, name: &str, name_uses_pinyin: bool, id_type: &str, id_number: &str, reason: &str) -> Result<CorrectionRequest, FieldErrors> {
        let mut errors = FieldErrors::default();
        let identity = match Identity::parse(name, name_uses_pinyin, id_type, id_number) {
            Ok(identity) => Some(identity),
            Err(found) => {
                for error in found.0 {
                    errors.push(error);
                }
                None
            }
        };
        let reason = errors.collect(Reason::parse("reason", reason));
        if let Some(identity) = &identity {
            if identity.name == current.name && identity.id_number == current.id_number && identity.name_uses_pinyin == current.name_uses_pinyin {
                errors.push(FieldError::new("name", "correction.unchanged"));
            }
        }
        match (identity, reason) {
            (Some(identity), Some(reason)) if errors.is_empty() => Ok(CorrectionRequest { identity, reason }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current() -> Identity {
        Identity::parse("张三", false, "resident_id", "11010519491231002X").unwrap()
    }

    #[test]
    fn a_correction_must_change_something_and_say_why() {
        let unchanged = CorrectionRequest::parse(&current(), "张三", false, "resident_id", "11010519491231002x", "登记错误").unwrap_err();
        assert_eq!(unchanged.0[0].code, "correction.unchanged");
        let no_reason = CorrectionRequest::parse(&current(), "张叁", false, "resident_id", "11010519491231002X", "").unwrap_err();
        assert_eq!(no_reason.0[0].code, "reason.required");
        let bad_number = CorrectionRequest::parse(&current(), "张三", false, "resident_id", "110105194912310021", "号码错误").unwrap_err();
        assert_eq!(bad_number.0[0].field, "id_number");
        let fine = CorrectionRequest::parse(&current(), "张叁", false, "resident_id", "11010519491231002X", "姓名错字").unwrap();
        assert_eq!(fine.identity.name.as_str(), "张叁");
    }

    #[test]
    fn attachments_are_judged_by_content() {
        assert_eq!(check_attachment("f", b"%PDF-1.7 ...").unwrap(), AttachmentType::Pdf);
        assert_eq!(check_attachment("f", &[0xFF, 0xD8, 0xFF, 0xE0]).unwrap(), AttachmentType::Jpeg);
        assert_eq!(check_attachment("f", b"GIF89a").unwrap_err().code, "attachment.type");
        assert_eq!(check_attachment("f", b"").unwrap_err().code, "attachment.required");
        assert_eq!(check_attachment("f", &vec![0xFF; MAX_ATTACHMENT_BYTES + 1]).unwrap_err().code, "attachment.too_large");
    }
}
