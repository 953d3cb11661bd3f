//! The printable 报名申请表: what it shows, drawn by `documents::form` off the async threads, and the QR code's
//! signed payload, which the console checks when the 考点 scans it (a forged or altered code is refused rather
//! than opening some other application).

use super::FlowError;
use crate::state::AppState;
use documents::form::{FormContent, FormFonts};
use domain::application::ApplicationState;
use std::sync::Arc;
use store::applications::Application;

/// What the QR code carries: a version tag, the 报名号 and a keyed signature of it.
const QR_PREFIX: &str = "KW1:";
/// Hex digits of the signature kept in the code (80 bits: unguessable, and the code stays small).
const SIGNATURE_HEX: usize = 20;

fn signature(state: &AppState, number: &str) -> String {
    state.store.vault().blind_index(&format!("application-form:{number}"))[..SIGNATURE_HEX].to_owned()
}

pub fn qr_payload(state: &AppState, number: &str) -> String {
    format!("{QR_PREFIX}{number}:{}", signature(state, number))
}

/// Whether `scanned` looks like the form's QR code rather than a typed number.
pub fn is_qr_payload(scanned: &str) -> bool {
    scanned.trim().starts_with(QR_PREFIX)
}

/// The 报名号 in a scanned code, if its signature is ours.
pub fn verify_qr_payload(state: &AppState, scanned: &str) -> Option<String> {
    let (number, signed) = scanned.trim().strip_prefix(QR_PREFIX)?.split_once(':')?;
    if number.is_empty() || number.len() > 32 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let expected = signature(state, number);
    // Compared in full whatever the first difference, so timing tells nothing about the right signature.
    let same = bool::from(subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), signed.as_bytes()));
    same.then(|| number.to_owned())
}

/// The form exists once the application has been handed in (not while a draft, not after withdrawal).
pub fn printable(application: &Application) -> bool {
    !matches!(application.state(), ApplicationState::Draft | ApplicationState::Withdrawn)
}

/// The form's fonts, read on first use (the CJK collection is large) and kept for every later form.
pub fn loaded_fonts(state: &AppState) -> Result<&FormFonts, FlowError> {
    let settings = &state.settings;
    let loaded = state.form_fonts.get_or_init(|| {
        let main = std::fs::read(&settings.form_font).map_err(|e| format!("{}: {e}", settings.form_font.display()))?;
        let rare = std::fs::read(&settings.rare_char_font).ok();
        FormFonts::load(main, settings.form_font_index, rare).map_err(|e| e.to_string())
    });
    loaded.as_ref().map_err(|error| {
        tracing::error!(%error, "the 申请表 font cannot be loaded");
        FlowError::Upstream("document.fonts_missing")
    })
}

/// Draws the form on a blocking thread (it is CPU work: layout, subsetting, compression).
pub async fn render(state: &AppState, content: FormContent) -> Result<Vec<u8>, FlowError> {
    let state = state.clone();
    let content = Arc::new(content);
    tokio::task::spawn_blocking(move || {
        let fonts = loaded_fonts(&state)?;
        documents::form::render(fonts, &content).map_err(|error| {
            tracing::error!(%error, "the 申请表 could not be drawn");
            FlowError::Upstream("document.render_failed")
        })
    })
    .await
    .map_err(|_| FlowError::Upstream("document.render_failed"))?
}
