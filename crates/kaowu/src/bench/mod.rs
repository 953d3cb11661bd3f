//! `kaowu bench …`: measurements that print ratios against a baseline taken in the same run (never timed
//! assertions in tests). Figures go to docs/benchmarks.md.

mod apply;
mod login;
mod photo;

pub use apply::{ApplyBenchOptions, ApplyBenchReport, apply};
pub use login::{LoginBenchOptions, LoginBenchReport, login};
pub use photo::{PhotoBenchOptions, PhotoBenchReport, photo};

use anyhow::{Context, bail};

/// The password of every account a bench registers.
const PASSWORD: &str = "Bench!2026pw";

/// Registers a candidate through the API: a resident ID number from the demo's birth date and district with
/// sequence number `seq` (each bench account needs its own).
async fn register_candidate(client: &reqwest::Client, base: &str, username: &str, seq: usize) -> anyhow::Result<()> {
    let first17 = format!("11010519900307{seq:03}");
    let id = format!("{first17}{}", domain::id_number::gb11643_check_char(&first17).context("17 digits")?);
    let body = serde_json::json!({
        "username": username, "password": PASSWORD, "name": "测试", "id_type": "resident_id", "id_number": id,
        "security_question": "您的出生地是？", "security_answer": "北京", "name_uses_pinyin": false,
        "accept_notice": true, "accept_privacy": true,
        "confirm": {"name": "测试", "id_type": "resident_id", "id_number": id}
    });
    let response = client.post(format!("{base}/api/v1/accounts")).json(&body).send().await?;
    if response.status().as_u16() != 201 {
        bail!("registering a bench account failed: {} {}", response.status(), response.text().await.unwrap_or_default());
    }
    Ok(())
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
