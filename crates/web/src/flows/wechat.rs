//! What kaowu does with the official account's pushes. Follows and unfollows are tracked (following the
//! account is one of the conditions of an exam application); binding by QR code comes with the binding page.

use super::FlowError;
use crate::state::{AppState, now};
use integrations::wechat::{Push, PushKind};

pub const WELCOME: &str = "欢迎关注！请登录考生管理平台，在“微信绑定与关注”页面扫码绑定本人微信，绑定后方可网上报名。";
pub const TEXT_HELP: &str = "本公众号不提供人工回复。报名、缴费、打印准考证和查询成绩请登录考生管理平台办理。";

/// Acts on a push once (WeChat retries share its de-duplication key) and returns the text to reply, if any.
pub async fn on_push(state: &AppState, push: &Push) -> Result<Option<String>, FlowError> {
    let key = push.dedup_key();
    if !state.store.first_sight_of_wechat_push(&key, now()).await? {
        return Ok(None);
    }
    let acted = act(state, push).await;
    if acted.is_err() {
        // Let WeChat's retry do it again.
        let _ = state.store.forget_wechat_push(&key).await;
    }
    acted
}

async fn act(state: &AppState, push: &Push) -> Result<Option<String>, FlowError> {
    match &push.kind {
        PushKind::Subscribe { .. } => {
            state.store.set_wechat_following(&push.from, true, push.create_time).await?;
            Ok(Some(WELCOME.to_owned()))
        }
        PushKind::Unsubscribe => {
            state.store.set_wechat_following(&push.from, false, push.create_time).await?;
            Ok(None)
        }
        PushKind::Text { .. } => Ok(Some(TEXT_HELP.to_owned())),
        PushKind::Scan { .. } | PushKind::Other { .. } => Ok(None),
    }
}
