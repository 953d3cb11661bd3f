//! A TOTP authenticator app (RFC 6238), simulated for the demo: the phone an exam authority's staff would
//! carry. Its page shows each demo admin's current 6-digit code, computed from the same secret the console
//! stores, so the console's second factor can be tried without a real phone.

use crate::html_escape as escape;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use domain::totp::TotpSecret;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
pub struct AuthenticatorSimulator {
    accounts: Arc<Mutex<Vec<(String, TotpSecret)>>>,
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl AuthenticatorSimulator {
    /// Adds an account, as scanning its QR code would.
    pub fn add(&self, label: &str, secret: TotpSecret) {
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        accounts.retain(|(l, _)| l != label);
        accounts.push((label.to_owned(), secret));
    }

    /// The code the app shows for `label` now.
    pub fn code(&self, label: &str) -> Option<String> {
        let accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        accounts.iter().find(|(l, _)| l == label).map(|(_, secret)| secret.code_at_step(now().div_euclid(30)))
    }

    pub fn router(&self) -> Router {
        Router::new().route("/", get(page)).with_state(self.clone())
    }
}

async fn page(State(sim): State<AuthenticatorSimulator>) -> Html<String> {
    let at = now();
    let left = 30 - at.rem_euclid(30);
    let rows: String = {
        let accounts = sim.accounts.lock().unwrap_or_else(|e| e.into_inner());
        accounts
            .iter()
            .map(|(label, secret)| {
                format!(
                    "<tr><td>{}</td><td class=\"code\" data-account=\"{}\">{}</td></tr>",
                    escape(label),
                    escape(label),
                    secret.code_at_step(at.div_euclid(30))
                )
            })
            .collect()
    };
    Html(format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"refresh\" content=\"{left}\"><title>模拟身份验证器</title></head><body><main>\
         <h1>模拟身份验证器（演示用）</h1><p>考务管理登录的第二步输入下方 6 位动态验证码；{left} 秒后更新。</p>\
         <table><thead><tr><th scope=\"col\">账号</th><th scope=\"col\">验证码</th></tr></thead><tbody>{rows}</tbody></table></main></body></html>"
    ))
}
