//! kaowu's domain: the candidate-facing rules of the 考生管理平台 as types that are valid by construction.
//! Nothing here performs I/O; the store and web layers parse raw input into these types and trust them afterwards.

pub mod admin;
pub mod announcement;
pub mod application;
pub mod correction;
pub mod education;
pub mod exam_plan;
pub mod error;
pub mod id_number;
pub mod identity_check;
pub mod passkey;
pub mod password;
pub mod percent;
pub mod person_name;
pub mod reauthentication;
pub mod photo;
pub mod rare_chars;
pub mod registration;
pub mod security_question;
pub mod totp;
pub mod username;

pub use error::{FieldError, FieldErrors};
