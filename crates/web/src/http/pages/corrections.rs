//! 申请修改注册信息: the candidate's requests to their 所在考点 (with what became of them) and the form for a new
//! one — the corrected values, a reason and a scan, sent as one multipart form. A refused form comes back with
//! everything typed still in it; only the file has to be chosen again.

use super::{Chrome, FormErrors, PageCtx};
use crate::flows::FlowError;
use crate::flows::corrections::{CorrectionForm, file};
use crate::state::{AppState, beijing_time};
use askama::Template;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::correction::MAX_ATTACHMENT_BYTES;
use serde::Deserialize;

/// The body a correction form may have: the attachment (checked again while reading) and the text around it.
pub const BODY_LIMIT: usize = 2 * MAX_ATTACHMENT_BYTES + 64 * 1024;
const TEXT_FIELD_BYTES: usize = 4096;

pub struct RequestRow {
    pub filed: String,
    pub new_name: String,
    pub state: String,
    pub pending: bool,
    pub approved: bool,
    pub decision_reason: String,
}

#[derive(Template)]
#[template(path = "corrections.html")]
struct CorrectionsPage {
    c: Chrome,
    site: Option<store::regions::Site>,
    requests: Vec<RequestRow>,
    open: bool,
    filed: bool,
    form: CorrectionForm,
    id_types: Vec<(String, String)>,
    errors: FormErrors,
    max_mb: usize,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CorrectionsQuery {
    filed: Option<String>,
}

async fn render(state: &AppState, ctx: PageCtx, form: Option<CorrectionForm>, filed: bool, errors: FormErrors, status: StatusCode) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = &ctx.session.0 else { return Redirect::to("/login").into_response() };
    let (account, site, requests) = match tokio::try_join!(
        state.store.account(&session.account_id),
        state.store.account_site(&session.account_id),
        state.store.corrections_of(&session.account_id)
    ) {
        Ok((Some(account), site, requests)) => (account, site, requests),
        Ok((None, _, _)) => return Redirect::to("/login").into_response(),
        Err(error) => return super::error_page(lang, error.into()),
    };
    let open = requests.iter().any(|r| r.state == "pending");
    let requests = requests
        .into_iter()
        .map(|r| RequestRow {
            filed: beijing_time(r.created_at),
            new_name: r.identity.name.as_str().to_owned(),
            pending: r.state == "pending",
            approved: r.state == "approved",
            state: match r.state.as_str() {
                "approved" => lang.pick("已通过，信息已更正", "Approved: corrected"),
                "rejected" => lang.pick("未通过", "Rejected"),
                _ => lang.pick("待考点审核", "Waiting for the exam site"),
            }
            .to_owned(),
            decision_reason: r.decision_reason.unwrap_or_default(),
        })
        .collect();
    let form = form.unwrap_or_else(|| CorrectionForm {
        name: account.name.as_str().to_owned(),
        name_uses_pinyin: account.name_uses_pinyin,
        id_type: account.id_number.id_type().code().to_owned(),
        id_number: String::new(),
        reason: String::new(),
    });
    let page = CorrectionsPage {
        c: ctx.chrome("申请修改注册信息", "Ask to correct your identity"),
        site,
        requests,
        open,
        filed,
        form,
        id_types: state.id_type_options(lang),
        errors,
        max_mb: MAX_ATTACHMENT_BYTES / (1024 * 1024),
    };
    ctx.render(status, page)
}

pub async fn page(State(state): State<AppState>, ctx: PageCtx, Query(query): Query<CorrectionsQuery>) -> Response {
    render(&state, ctx, None, query.filed.is_some(), FormErrors::default(), StatusCode::OK).await
}

/// The form's fields; an attachment over the limit is read on and dropped so the text still arrives.
struct Submitted {
    csrf_token: String,
    form: CorrectionForm,
    attachment: Vec<u8>,
    attachment_too_large: bool,
}

async fn read_form(state: &AppState, request: Request) -> Option<Submitted> {
    let mut multipart = Multipart::from_request(request, state).await.ok()?;
    let mut submitted = Submitted { csrf_token: String::new(), form: CorrectionForm::default(), attachment: Vec::new(), attachment_too_large: false };
    while let Some(mut field) = multipart.next_field().await.ok()? {
        let name = field.name().unwrap_or_default().to_owned();
        let cap = if name == "attachment" { MAX_ATTACHMENT_BYTES } else { TEXT_FIELD_BYTES };
        let mut bytes = Vec::new();
        let mut too_large = false;
        while let Some(chunk) = field.chunk().await.ok()? {
            if bytes.len() + chunk.len() > cap {
                too_large = true;
                continue;
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = || String::from_utf8(bytes.clone()).unwrap_or_default();
        match name.as_str() {
            "attachment" => {
                submitted.attachment_too_large = too_large;
                if !too_large {
                    submitted.attachment = bytes;
                }
            }
            _ if too_large => return None,
            "csrf_token" => submitted.csrf_token = text(),
            "name" => submitted.form.name = text(),
            "name_uses_pinyin" => submitted.form.name_uses_pinyin = true,
            "id_type" => submitted.form.id_type = text(),
            "id_number" => submitted.form.id_number = text(),
            "reason" => submitted.form.reason = text(),
            _ => {}
        }
    }
    Some(submitted)
}

pub async fn submit(State(state): State<AppState>, ctx: PageCtx, request: Request) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = ctx.session.0.clone() else { return Redirect::to("/login").into_response() };
    let Some(submitted) = read_form(&state, request).await else {
        return render(&state, ctx, None, false, FormErrors::general("request.malformed", lang), StatusCode::BAD_REQUEST).await;
    };
    if !ctx.csrf_ok(&submitted.csrf_token) {
        return render(&state, ctx, Some(submitted.form), false, FormErrors::general("csrf.invalid", lang), StatusCode::FORBIDDEN).await;
    }
    // A file over the limit is refused by the same rule as any other (its bytes were not kept).
    let attachment = if submitted.attachment_too_large { vec![0; MAX_ATTACHMENT_BYTES + 1] } else { submitted.attachment };
    match file(&state, &session.account_id, &submitted.form, &attachment).await {
        Ok(_) => Redirect::to("/me/corrections?filed=1").into_response(),
        Err(FlowError::Invalid(errors)) => render(&state, ctx, Some(submitted.form), false, FormErrors::from(&errors, lang), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(FlowError::Refused(code)) => render(&state, ctx, Some(submitted.form), false, FormErrors::general(code, lang), StatusCode::CONFLICT).await,
        Err(FlowError::Upstream(code)) => render(&state, ctx, Some(submitted.form), false, FormErrors::general(code, lang), StatusCode::SERVICE_UNAVAILABLE).await,
        Err(other) => super::error_page(lang, other.into_api(lang)),
    }
}
