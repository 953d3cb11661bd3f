//! CHSI 学信网 online verification reports (shared/protocols.md §5.1). There is no public API: a report is an
//! HTML page at `/xlcx/bg.do?vcode={CODE}&srcid=bgcx`, whose items are `.report-info-item` with `.label` and
//! `.value`, or one of the interstitials (captcha, expired, invalid, closed).

mod client;
mod simulator;

pub use client::ChsiClient;
pub use simulator::{ChsiSimulator, SimulatedReport};

use domain::education::{ChsiCode, ChsiReport};

/// What CHSI answered for a verification code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChsiOutcome {
    Report(ChsiReport),
    /// "在线验证报告已过期": the holder must extend or renew the report.
    Expired,
    /// "此在线验证码无效".
    Invalid,
    /// The holder closed the report.
    Closed,
    /// CHSI asks a human to solve a captcha first; automated lookup cannot continue.
    Captcha,
}

#[derive(Debug, thiserror::Error)]
pub enum ChsiError {
    #[error("CHSI unreachable or answering unexpectedly: {0}")]
    Unavailable(String),
}

/// Looks up a report by its 在线验证码.
pub trait ChsiVerifier {
    fn lookup(&self, code: &ChsiCode) -> impl std::future::Future<Output = Result<ChsiOutcome, ChsiError>> + Send;
}
