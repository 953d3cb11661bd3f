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

pub async fn seed(store: &Store) -> anyhow::Result<()> {
    let username = Username::parse("username", DEMO_USERNAME).map_err(anyhow::Error::msg)?;
    if store.username_taken(&username).await? {
        return Ok(());
    }
    let name = PersonName::parse("name", DEMO_NAME, LatinLetters::NotAllowed).map_err(anyhow::Error::msg)?;
    let id_number = IdNumber::parse("id_number", IdType::ResidentId, &demo_id_number()).map_err(anyhow::Error::msg)?;
    let password_hash = web::passwords::hash_blocking(DEMO_PASSWORD);
    let answer_hash = web::passwords::hash_blocking("北京");
    store
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
    Ok(())
}
