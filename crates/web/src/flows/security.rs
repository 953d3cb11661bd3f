//! 登录设备与记录: the candidate's live sessions (with a way to end any of them) and their login history.

use super::FlowError;
use crate::state::{AppState, now};
use store::login_events::{LoginEvent, SessionInfo};

/// How much history the page and the API show.
pub const HISTORY_SHOWN: i64 = 50;

pub struct SecurityOverview {
    pub sessions: Vec<SessionInfo>,
    pub history: Vec<LoginEvent>,
}

pub async fn overview(state: &AppState, account_id: &str) -> Result<SecurityOverview, FlowError> {
    let sessions = state.store.live_sessions(account_id, now()).await?;
    let history = state.store.login_events(account_id, HISTORY_SHOWN).await?;
    Ok(SecurityOverview { sessions, history })
}

/// Ends one of the candidate's own sessions; `false` when no such session of theirs is live.
pub async fn end_own_session(state: &AppState, account_id: &str, session_id: &str) -> Result<bool, FlowError> {
    if session_id.len() != 64 || !session_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(false);
    }
    Ok(state.store.end_session_of(account_id, session_id).await?)
}

/// A short, readable description of a user agent ("Chrome · Windows"), for people recognising their devices.
pub fn describe_device(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent else { return "未知设备".into() };
    let browser = [("MicroMessenger", "微信"), ("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
        .iter()
        .find(|(needle, _)| ua.contains(needle))
        .map(|(_, name)| *name);
    let system = [("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux")]
        .iter()
        .find(|(needle, _)| ua.contains(needle))
        .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} · {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => s.to_owned(),
        (None, None) => ua.chars().take(40).collect(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn devices_are_named_by_browser_and_system() {
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
        assert_eq!(super::describe_device(Some(chrome)), "Chrome · Windows");
        let wechat = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.44";
        assert_eq!(super::describe_device(Some(wechat)), "微信 · iPhone");
        assert_eq!(super::describe_device(Some("reqwest/0.12")), "reqwest/0.12");
        assert_eq!(super::describe_device(None), "未知设备");
    }
}
