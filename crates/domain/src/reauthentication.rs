//! How recent a proof of identity must be for a sensitive change (security.md): binding or unbinding WeChat,
//! changing the password or the security question, adding a passkey.

/// A password proof covers sensitive changes for this long.
pub const WINDOW_SECS: i64 = 15 * 60;

/// Whether a proof made at `proved_at` still covers a sensitive change at `now` (unix seconds).
pub fn is_recent(proved_at: i64, now: i64) -> bool {
    now - proved_at <= WINDOW_SECS
}

#[cfg(test)]
mod tests {
    #[test]
    fn fifteen_minutes_and_not_a_second_more() {
        assert!(super::is_recent(1_000, 1_000 + 15 * 60));
        assert!(!super::is_recent(1_000, 1_000 + 15 * 60 + 1));
        assert!(!super::is_recent(0, 1_000_000), "never proved");
    }
}
