//! Documents kaowu produces from candidates' data: the one-inch registration photo today; the application
//! form, admission ticket and score report PDFs with their QR codes later (shared/design.md).

pub mod photo;
