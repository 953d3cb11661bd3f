//! Documents kaowu produces from candidates' data: the one-inch registration photo and the
//! printable application form (申请表) with its QR code; the admission ticket and score report later (shared/design.md).

pub mod form;
pub mod photo;
