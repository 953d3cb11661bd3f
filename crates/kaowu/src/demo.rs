//! Demo data for `kaowu demo`: a ready candidate account, so the platform can be tried at once.

use domain::id_number::{IdNumber, IdType, gb11643_check_char};
use domain::person_name::{LatinLetters, PersonName};
use domain::username::Username;
use store::Store;
use store::accounts::NewAccount;

pub const DEMO_USERNAME: &str = "demo";
pub const DEMO_NAME: &str = "买买提·𪚥";
/// Codes the demo's CHSI simulator answers, and how.
pub const DEMO_CHSI_CODES: [(&str, &str); 4] = [
    ("KWDEMO2019NURSE1", "本科 report for the demo candidate"),
    ("KWDEMOEXPIRED001", "expired"),
    ("KWDEMOCLOSED0001", "closed"),
    ("KWDEMOCAPTCHA001", "captcha"),
];

/// Reports the demo's CHSI simulator serves; any other code is "invalid".
pub fn seed_simulators(simulators: &crate::app::Simulators) {
    use integrations::chsi::{ChsiSimulator, SimulatedReport};
    let report = ChsiSimulator::bachelor_report(DEMO_NAME, "新疆医科大学", "护理学", 2019);
    simulators.chsi.add(DEMO_CHSI_CODES[0].0, SimulatedReport::Report(report));
    simulators.chsi.add(DEMO_CHSI_CODES[1].0, SimulatedReport::Expired);
    simulators.chsi.add(DEMO_CHSI_CODES[2].0, SimulatedReport::Closed);
    simulators.chsi.add(DEMO_CHSI_CODES[3].0, SimulatedReport::Captcha);
}
pub const DEMO_PASSWORD: &str = "Kaowu!2026";

/// A fictitious but valid resident ID (GB 11643 check character computed, not copied).
pub fn demo_id_number() -> String {
    let first17 = "11010519900307002";
    format!("{first17}{}", gb11643_check_char(first17).expect("17 digits"))
}

/// 考点 of the demo: (code, name, address, phone).
pub const DEMO_SITES: [(&str, &str, &str, &str); 4] = [
    ("1101", "北京市东城区考点", "北京市东城区东单北大街 1 号", "010-6512 0000"),
    ("1102", "北京市海淀区考点", "北京市海淀区中关村南大街 2 号", "010-6215 0000"),
    ("3101", "上海市黄浦区考点", "上海市黄浦区南京东路 3 号", "021-6321 0000"),
    ("4401", "广州市考点", "广州市越秀区中山二路 4 号", "020-8376 0000"),
];
/// The demo candidate's 所在考点.
pub const DEMO_SITE: &str = "1101";

/// Demo admins: (username, display name, role, region); all with [`DEMO_ADMIN_PASSWORD`] and an authenticator
/// already added (the simulated one under /sim/authenticator shows their codes).
pub const DEMO_ADMINS: [(&str, &str, &str, &str); 4] = [
    ("admin_cn", "国家考试中心（演示）", "national", ""),
    ("admin_bj", "北京考区（演示）", "province", "11"),
    ("admin_1101", "东城区考点（演示）", "site", "1101"),
    ("admin_3101", "黄浦区考点（演示）", "site", "3101"),
];
pub const DEMO_ADMIN_PASSWORD: &str = "Kaowu!Admin2026";

/// A demo admin's TOTP secret: fixed, so the demo's authenticator and any reseeded database agree. Demo only.
pub fn demo_totp_secret(username: &str) -> domain::totp::TotpSecret {
    // The username first: it must survive the cut to 20 bytes, so every admin has a secret of their own.
    let mut bytes = format!("{username}/kaowu-demo-totp").into_bytes();
    bytes.resize(20, b'#');
    domain::totp::TotpSecret::from_bytes(bytes)
}

fn scope_of(role: &str, region: &str) -> domain::admin::Scope {
    use domain::admin::Scope;
    match role {
        "national" => Scope::National,
        "province" => Scope::Province { province: region.to_owned() },
        _ => Scope::Site { province: region[..2].to_owned(), site: region.to_owned() },
    }
}

/// The demo's 考点 and admins (each seeded once), and the admins' secrets in the simulated authenticator.
pub async fn seed_console(store: &Store, simulators: &crate::app::Simulators) -> anyhow::Result<()> {
    let now = web::state::now();
    let seeding = store::audit::AuditEntry {
        admin_id: "system".into(),
        admin_username: "kaowu-demo".into(),
        admin_role: "national".into(),
        action: "site.create".into(),
        reason: "演示数据".into(),
        at: now,
        ..Default::default()
    };
    for (code, name, address, phone) in DEMO_SITES {
        if store.site(code).await?.is_some() {
            continue;
        }
        let site = store::regions::Site { code: code.into(), province_code: code[..2].into(), name: name.into(), address: address.into(), phone: phone.into() };
        let entry = store::audit::AuditEntry { province_code: Some(site.province_code.clone()), site_code: Some(code.into()), ..seeding.clone() };
        store.create_site(&site, &entry).await.map_err(|e| anyhow::anyhow!("seeding site {code}: {e}"))?;
    }
    let password_hash = web::passwords::hash_blocking(DEMO_ADMIN_PASSWORD);
    for (username, display_name, role, region) in DEMO_ADMINS {
        let secret = demo_totp_secret(username);
        simulators.authenticator.add(username, secret.clone());
        if store.admin_for_login(username).await?.is_some() {
            continue;
        }
        let scope = scope_of(role, region);
        let new = store::admins::NewAdmin { username, display_name, password_hash: &password_hash, scope: &scope, created_by: None, now };
        let id = store.create_admin(&new, None).await.map_err(|e| anyhow::anyhow!("seeding admin {username}: {e}"))?;
        store.enrol_totp(&id, &secret, 0).await?;
    }
    Ok(())
}

pub async fn seed(store: &Store) -> anyhow::Result<()> {
    let username = Username::parse("username", DEMO_USERNAME).map_err(anyhow::Error::msg)?;
    if store.username_taken(&username).await? {
        return Ok(());
    }
    let name = PersonName::parse("name", DEMO_NAME, LatinLetters::NotAllowed).map_err(anyhow::Error::msg)?;
    let id_number = IdNumber::parse("id_number", IdType::ResidentId, &demo_id_number()).map_err(anyhow::Error::msg)?;
    let password_hash = web::passwords::hash_blocking(DEMO_PASSWORD);
    let answer_hash = web::passwords::hash_blocking("北京");
    let account_id = store
        .create_account(&NewAccount {
            username: &username,
            password_hash: &password_hash,
            name: &name,
            name_uses_pinyin: false,
            id_number: &id_number,
            security_question: "您的出生地是？",
            security_answer_hash: &answer_hash,
            privacy_policy_version: "demo",
            now: web::state::now(),
        })
        .await
        .map_err(|e| anyhow::anyhow!("creating the demo account: {e}"))?;
    // Sites are seeded first (seed_console).
    store.set_account_site(&account_id, DEMO_SITE).await?;
    Ok(())
}
