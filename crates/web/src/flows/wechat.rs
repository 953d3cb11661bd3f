//! What kaowu does with the official account's pushes, and binding a candidate's WeChat by a one-time QR code.
//! Follows and unfollows are tracked; "bound and following" is one of the conditions of an exam application.

use super::FlowError;
use crate::state::{AppState, now};
use integrations::wechat::{Push, PushKind};
use store::wechat::{BindError, WechatScene};

pub const WELCOME: &str = "欢迎关注！请登录考生管理平台，在“微信绑定与关注”页面扫码绑定本人微信，绑定后方可网上报名。";
pub const TEXT_HELP: &str = "本公众号不提供人工回复。报名、缴费、打印准考证和查询成绩请登录考生管理平台办理。";
pub const BOUND: &str = "绑定成功！您的微信已与考生账号绑定，可以用微信扫码登录考生管理平台。";
pub const OPENID_TAKEN: &str = "绑定失败：该微信已绑定其他考生账号。一个微信只能绑定一个考生；如需更换，请先登录原账号解除绑定。";
pub const ACCOUNT_BOUND: &str = "绑定失败：该考生账号已绑定其他微信，请先在考生管理平台解除绑定。";
pub const SCENE_UNUSABLE: &str = "二维码已过期或已使用，请刷新考生管理平台的页面后重新扫码。";
pub const LOGIN_READY: &str = "扫码成功，请回到电脑上继续。";
pub const FOLLOWED: &str = "关注成功！您的微信已绑定考生账号并关注本公众号，可以网上报名了。";
pub const LOGIN_NOT_BOUND: &str = "该微信未绑定考生账号。请先用用户名和密码登录，在“微信绑定与关注”页面绑定本人微信后再扫码登录。";

/// Binding QR codes expire after this long (the page shows a fresh one on reload).
pub const BIND_QR_SECS: i64 = 600;
const BIND_PREFIX: &str = "bind:";
const LOGIN_PREFIX: &str = "login:";
const FOLLOW_PREFIX: &str = "follow:";
/// Login QR codes expire after this long.
pub const LOGIN_QR_SECS: i64 = 300;

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
        PushKind::Subscribe { scene, .. } => {
            state.store.set_wechat_following(&push.from, true, push.create_time).await?;
            match scene {
                Some(scene) if scene.starts_with(BIND_PREFIX) => bind_by_scene(state, &push.from, scene).await.map(Some),
                Some(scene) if scene.starts_with(LOGIN_PREFIX) => login_by_scene(state, &push.from, scene).await.map(Some),
                Some(scene) if scene.starts_with(FOLLOW_PREFIX) => followed_by_scene(state, &push.from, scene).await.map(Some),
                _ => Ok(Some(WELCOME.to_owned())),
            }
        }
        PushKind::Scan { scene, .. } if scene.starts_with(BIND_PREFIX) => {
            // WeChat sends SCAN only to followers.
            state.store.set_wechat_following(&push.from, true, push.create_time).await?;
            bind_by_scene(state, &push.from, scene).await.map(Some)
        }
        PushKind::Scan { scene, .. } if scene.starts_with(LOGIN_PREFIX) => {
            state.store.set_wechat_following(&push.from, true, push.create_time).await?;
            login_by_scene(state, &push.from, scene).await.map(Some)
        }
        PushKind::Scan { scene, .. } if scene.starts_with(FOLLOW_PREFIX) => {
            state.store.set_wechat_following(&push.from, true, push.create_time).await?;
            followed_by_scene(state, &push.from, scene).await.map(Some)
        }
        PushKind::Unsubscribe => {
            state.store.set_wechat_following(&push.from, false, push.create_time).await?;
            Ok(None)
        }
        PushKind::Text { .. } => Ok(Some(TEXT_HELP.to_owned())),
        PushKind::Scan { .. } | PushKind::Other { .. } => Ok(None),
    }
}

/// The user `openid` scanned a binding code: bind, unless the code is spent or one side is bound elsewhere.
async fn bind_by_scene(state: &AppState, openid: &str, scene: &str) -> Result<String, FlowError> {
    let Some(found) = state.store.wechat_scene(scene).await? else { return Ok(SCENE_UNUSABLE.to_owned()) };
    let Some(account_id) = found.account_id.filter(|_| found.purpose == "bind") else { return Ok(SCENE_UNUSABLE.to_owned()) };
    if !state.store.claim_wechat_scene(scene, openid, now()).await? {
        return Ok(SCENE_UNUSABLE.to_owned());
    }
    let (outcome, reply) = match state.store.bind_wechat(&account_id, openid, now()).await {
        Ok(()) => ("bound", BOUND),
        Err(BindError::OpenidTaken) => ("taken", OPENID_TAKEN),
        Err(BindError::AccountBound) => ("account_bound", ACCOUNT_BOUND),
        Err(BindError::Store(error)) => return Err(error.into()),
    };
    state.store.set_wechat_scene_outcome(scene, outcome).await?;
    tracing::info!(outcome, "wechat binding scan");
    if outcome == "bound" {
        super::wechat_login::learn_unionid(state, openid).await;
        notify_security(state, openid, "微信绑定", "您的微信已绑定考生管理平台账号。如非本人操作，请立即登录平台解除绑定并修改密码。");
    }
    Ok(reply.to_owned())
}

/// Someone followed (or, already following, scanned) a candidate's follow code: the page learns it by the
/// scene's outcome when it is the candidate's own bound WeChat.
async fn followed_by_scene(state: &AppState, openid: &str, scene: &str) -> Result<String, FlowError> {
    let Some(found) = state.store.wechat_scene(scene).await? else { return Ok(WELCOME.to_owned()) };
    let own = match (&found.account_id, state.store.account_of_wechat(openid).await?) {
        (Some(owner), Some(bound_to)) => *owner == bound_to,
        _ => false,
    };
    if own && found.purpose == "follow" && state.store.claim_wechat_scene(scene, openid, now()).await? {
        state.store.set_wechat_scene_outcome(scene, "following").await?;
        return Ok(FOLLOWED.to_owned());
    }
    Ok(WELCOME.to_owned())
}

/// A bound WeChat scanned a login code: the browser that shows it may now log in as that candidate.
async fn login_by_scene(state: &AppState, openid: &str, scene: &str) -> Result<String, FlowError> {
    let usable = matches!(state.store.wechat_scene(scene).await?, Some(found) if found.purpose == "login");
    if !usable || !state.store.claim_wechat_scene(scene, openid, now()).await? {
        return Ok(SCENE_UNUSABLE.to_owned());
    }
    match state.store.account_of_wechat(openid).await? {
        Some(account_id) => {
            state.store.ready_wechat_login(scene, &account_id).await?;
            Ok(LOGIN_READY.to_owned())
        }
        None => {
            state.store.set_wechat_scene_outcome(scene, "not_bound").await?;
            Ok(LOGIN_NOT_BOUND.to_owned())
        }
    }
}

/// A fresh login QR code for a browser that holds the secret whose SHA-256 is `browser_hash`.
pub async fn start_login(state: &AppState, browser_hash: &str) -> Result<WechatScene, FlowError> {
    let mut record = create_scene(state, LOGIN_PREFIX, "login", None, LOGIN_QR_SECS).await?;
    record.browser_hash = Some(browser_hash.to_owned());
    state.store.create_wechat_scene(&record).await?;
    Ok(record)
}

/// A one-time scene and its temporary QR code (not yet stored).
async fn create_scene(state: &AppState, prefix: &str, purpose: &str, account_id: Option<&str>, secs: i64) -> Result<WechatScene, FlowError> {
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).expect("the operating system provides randomness");
    let scene = format!("{prefix}{}", hex::encode(random));
    let qr = {
        let scene = scene.clone();
        state
            .with_wechat_token(move |api, token| {
                let scene = scene.clone();
                async move { api.create_temporary_qr(&token, &scene, secs).await }
            })
            .await?
    };
    Ok(WechatScene {
        scene,
        purpose: purpose.to_owned(),
        account_id: account_id.map(str::to_owned),
        qr_url: qr.url,
        expires_at: now() + secs,
        scanned_by: None,
        outcome: None,
        browser_hash: None,
    })
}

/// A fresh one-time binding QR code for the candidate, stored before the page shows it, so no scan can arrive
/// for a scene kaowu does not know.
pub async fn start_binding(state: &AppState, account_id: &str) -> Result<WechatScene, FlowError> {
    let record = create_scene(state, BIND_PREFIX, "bind", Some(account_id), BIND_QR_SECS).await?;
    state.store.create_wechat_scene(&record).await?;
    Ok(record)
}

/// A one-time code that makes the bound WeChat follow the account again (it unfollowed after binding).
pub async fn start_follow(state: &AppState, account_id: &str) -> Result<WechatScene, FlowError> {
    let record = create_scene(state, FOLLOW_PREFIX, "follow", Some(account_id), BIND_QR_SECS).await?;
    state.store.create_wechat_scene(&record).await?;
    Ok(record)
}

/// Whether the candidate has bound a WeChat and that WeChat follows the account (the application gate).
pub async fn bound_and_following(state: &AppState, account_id: &str) -> Result<(bool, bool), FlowError> {
    let Some((openid, _)) = state.store.wechat_binding(account_id).await? else { return Ok((false, false)) };
    Ok((true, state.store.wechat_following(&openid).await?.unwrap_or(false)))
}

/// Sends a security notice (模板消息) to `openid` in the background: the callback must answer within 5 s, and a
/// notice that cannot be sent is logged, never a reason to undo what happened.
pub fn notify_security(state: &AppState, openid: &str, event: &str, detail: &str) {
    let template = state.settings.wechat.as_ref().and_then(|w| w.security_template.clone());
    send_notice(state, template, openid, "考生管理平台账号安全提醒", event, detail);
}

/// Tells the candidate's bound WeChat, if any, that their exam application changed state.
pub async fn notify_application(state: &AppState, account_id: &str, event: &str, detail: &str) {
    // Without a template there is nothing to send, and no reason to look the binding up.
    let Some(template) = state.settings.wechat.as_ref().and_then(|w| w.application_template.clone()) else { return };
    let template = Some(template);
    match state.store.wechat_binding(account_id).await {
        Ok(Some((openid, _))) => send_notice(state, template, &openid, "考试报名状态通知", event, detail),
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "binding not read for an application notice"),
    }
}

fn send_notice(state: &AppState, template: Option<String>, openid: &str, title: &str, event: &str, detail: &str) {
    let Some(template) = template else { return };
    let (state, openid) = (state.clone(), openid.to_owned());
    let data = serde_json::json!({
        "first": {"value": title},
        "keyword1": {"value": event},
        "keyword2": {"value": crate::state::beijing_time(now())},
        "remark": {"value": detail},
    });
    tokio::spawn(async move {
        let sent = state
            .with_wechat_token(|api, token| {
                let (openid, template, data) = (openid.clone(), template.clone(), data.clone());
                async move { api.send_template(&token, &openid, &template, data).await }
            })
            .await;
        if let Err(error) = sent {
            tracing::warn!(?error, "WeChat notice not sent");
        }
    });
}

/// Tells the candidate's bound WeChat, if any, about a security event. Reading the binding can fail; that is
/// logged, never a reason to undo the change the notice is about.
pub async fn notify_account(state: &AppState, account_id: &str, event: &str, detail: &str) {
    match state.store.wechat_binding(account_id).await {
        Ok(Some((openid, _))) => notify_security(state, &openid, event, detail),
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "binding not read for a security notice"),
    }
}

/// Unbinds the candidate's WeChat (the caller made sure they proved who they are recently), and tells the
/// WeChat that was bound.
pub async fn unbind(state: &AppState, account_id: &str) -> Result<(), FlowError> {
    if let Some(openid) = state.store.unbind_wechat(account_id).await? {
        tracing::info!("wechat unbound");
        notify_security(state, &openid, "解除微信绑定", "您的微信已与考生管理平台账号解除绑定。如非本人操作，请立即登录平台修改密码。");
    }
    Ok(())
}
