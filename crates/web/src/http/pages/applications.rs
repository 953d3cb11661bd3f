//! 考试报名 pages: the candidate's applications, the form (new or edit: exam, 考区, 考点, specialty and the
//! details), and one application with what it costs, whether the candidate is eligible and why, the photo to
//! confirm, supporting files, and the buttons the state allows. A refused form comes back with what was typed.

use super::{Chrome, FormErrors, PageCtx};
use crate::flows::FlowError;
use crate::flows::applications as flow;
use crate::i18n::Lang;
use crate::state::{AppState, beijing_time};
use askama::Template;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use domain::application::ApplicationInput;
use domain::exam_plan::{ExamPlan, FilesRequirement, WindowKind, format_shanghai};
use serde::Deserialize;
use store::applications::Application;

/// A choice in a select: value, label, and the group it belongs to (for the script that narrows the list).
pub struct Choice {
    pub value: String,
    pub label: String,
    pub group: String,
}

pub struct ChoiceGroup {
    pub key: String,
    pub label: String,
    pub choices: Vec<Choice>,
}

pub struct Row {
    pub id: String,
    pub number: String,
    pub title: String,
    pub state: String,
    pub state_code: String,
}

#[derive(Template)]
#[template(path = "applications.html")]
struct ListPage {
    c: Chrome,
    exam_year: Option<u16>,
    window: String,
    checklist_missing: Vec<(&'static str, String, &'static str)>,
    rows: Vec<Row>,
    can_apply: bool,
}

fn step_label(step: &str, lang: Lang) -> (String, &'static str) {
    match step {
        "photo" => (lang.pick("上传报名照片", "Upload your photo").into(), "/me/photo"),
        "education" => (lang.pick("添加学历信息", "Add your education").into(), "/me/education"),
        "wechat" => (lang.pick("绑定并关注微信公众号", "Bind and follow the WeChat account").into(), "/me/wechat"),
        _ => (lang.pick("实名核验通过", "Pass the identity check").into(), "/me"),
    }
}

pub fn title_of(application: &Application, plan: &ExamPlan) -> String {
    format!(
        "{} {} · {} {}",
        application.exam_year,
        plan.exam(&application.exam_code).map(|e| e.name.as_str()).unwrap_or(""),
        application.specialty_code,
        plan.specialty(&application.specialty_code).map(|s| s.name.as_str()).unwrap_or("")
    )
}

pub fn state_name(application: &Application, lang: Lang) -> String {
    let state = application.state();
    lang.pick(state.name_zh(), state.name_en()).to_owned()
}

pub async fn list(State(state): State<AppState>, ctx: PageCtx) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = &ctx.session.0 else { return Redirect::to("/login").into_response() };
    let account_id = session.account_id.clone();
    let checklist = match flow::checklist(&state, &account_id).await {
        Ok(list) => list,
        Err(error) => return super::error_page(lang, error.into_api(lang)),
    };
    let plan = match flow::current_plan(&state).await {
        Ok(plan) => Some(plan),
        Err(FlowError::Refused(_)) => None,
        Err(error) => return super::error_page(lang, error.into_api(lang)),
    };
    let mine = match state.store.applications_of(&account_id).await {
        Ok(mine) => mine,
        Err(error) => return super::error_page(lang, error.into()),
    };
    let mut rows = Vec::new();
    for application in mine {
        let year_plan = match state.store.plan(application.exam_year as u16).await {
            Ok(Some(p)) => p.plan,
            Ok(None) => continue,
            Err(error) => return super::error_page(lang, error.into()),
        };
        rows.push(Row {
            title: title_of(&application, &year_plan),
            state: state_name(&application, lang),
            state_code: application.state.clone(),
            number: application.number,
            id: application.id,
        });
    }
    let checklist_missing: Vec<_> = checklist
        .iter()
        .filter(|(_, done)| !done)
        .map(|(step, _)| {
            let (label, link) = step_label(step, lang);
            (*step, label, link)
        })
        .collect();
    let window = plan
        .as_ref()
        .and_then(|p| p.plan.windows.iter().find(|w| w.kind == WindowKind::Application && w.province.is_none()))
        .map(|w| format!("{} – {}", format_shanghai(w.opens_at), format_shanghai(w.closes_at)))
        .unwrap_or_default();
    let page = ListPage {
        c: ctx.chrome("考试报名", "Exam applications"),
        exam_year: plan.as_ref().map(|p| p.plan.exam_year),
        window,
        can_apply: plan.is_some() && checklist_missing.is_empty(),
        checklist_missing,
        rows,
    };
    ctx.render(StatusCode::OK, page)
}

#[derive(Template)]
#[template(path = "application_form.html")]
struct FormPage {
    c: Chrome,
    action: String,
    editing: bool,
    form: ApplicationInput,
    errors: FormErrors,
    exams: Vec<(String, String)>,
    provinces: Vec<(String, String)>,
    sites: Vec<ChoiceGroup>,
    specialties: Vec<ChoiceGroup>,
    educations: Vec<(String, String)>,
    titles: Vec<ChoiceGroup>,
    exam_year: u16,
}

/// The choices the plan offers, grouped so the page (and its script) can narrow them.
async fn form_page(state: &AppState, ctx: PageCtx, plan: &ExamPlan, action: String, editing: bool, form: ApplicationInput, errors: FormErrors, status: StatusCode) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = &ctx.session.0 else { return Redirect::to("/login").into_response() };
    let records = match state.store.education_records(&session.account_id).await {
        Ok(records) => records,
        Err(error) => return super::error_page(lang, error.into()),
    };
    let mut educations: Vec<(String, String)> = Vec::new();
    for record in records {
        let level = record.record.level;
        if !educations.iter().any(|(code, _)| code == level.code()) {
            educations.push((level.code().to_owned(), lang.pick(level.name_zh(), level.name_en()).to_owned()));
        }
    }
    let provinces_all = state.store.provinces().await.unwrap_or_default();
    let province_name = |code: &str| provinces_all.iter().find(|p| p.code == code).map(|p| lang.pick(&p.name_zh, &p.name_en).to_owned()).unwrap_or_else(|| code.to_owned());
    let sites = plan
        .provinces
        .iter()
        .map(|p| ChoiceGroup {
            key: p.code.clone(),
            label: province_name(&p.code),
            choices: plan.sites_in(&p.code).map(|s| Choice { value: s.code.clone(), label: format!("{} {}", s.code, s.name), group: p.code.clone() }).collect(),
        })
        .collect();
    let mut specialties = Vec::new();
    let mut titles = Vec::new();
    for exam in &plan.exams {
        for level in &exam.levels {
            specialties.push(ChoiceGroup {
                key: exam.code.clone(),
                label: format!("{} · {}", exam.name, level.name),
                choices: plan.specialties_of(&exam.code, &level.code).map(|s| Choice { value: s.code.clone(), label: format!("{} {}（{}）", s.code, s.name, lang.pick(s.mode.name_zh(), if s.mode.code() == "paper" { "paper" } else { "computer" })), group: exam.code.clone() }).collect(),
            });
        }
        titles.push(ChoiceGroup {
            key: exam.code.clone(),
            label: exam.name.clone(),
            choices: exam.levels.iter().map(|l| Choice { value: l.code.clone(), label: l.name.clone(), group: exam.code.clone() }).collect(),
        });
    }
    let page = FormPage {
        c: ctx.chrome("填写报名信息", "Application details"),
        action,
        editing,
        form,
        errors,
        exams: plan.exams.iter().map(|e| (e.code.clone(), e.name.clone())).collect(),
        provinces: plan.provinces.iter().map(|p| (p.code.clone(), province_name(&p.code))).collect(),
        sites,
        specialties,
        educations,
        titles,
        exam_year: plan.exam_year,
    };
    ctx.render(status, page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    exam: String,
}

pub async fn new_form(State(state): State<AppState>, ctx: PageCtx, Query(query): Query<NewQuery>) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = &ctx.session.0 else { return Redirect::to("/login").into_response() };
    let stored = match flow::current_plan(&state).await {
        Ok(stored) => stored,
        Err(error) => return super::error_page(lang, error.into_api(lang)),
    };
    // The candidate's 所在考点 is the likely choice.
    let site = state.store.account_site(&session.account_id).await.ok().flatten();
    let form = ApplicationInput {
        exam: query.exam,
        province: site.as_ref().map(|s| s.province_code.clone()).unwrap_or_default(),
        site: site.map(|s| s.code).unwrap_or_default(),
        ..Default::default()
    };
    form_page(&state, ctx, &stored.plan, "/me/applications".into(), false, form, FormErrors::default(), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ApplicationForm {
    csrf_token: String,
    #[serde(flatten)]
    input: ApplicationInput,
}

/// Shows the form again with what was typed and why it was refused.
async fn refused(state: &AppState, ctx: PageCtx, action: String, editing: bool, input: ApplicationInput, error: FlowError) -> Response {
    let lang = ctx.lang;
    let (errors, status) = match error {
        FlowError::Invalid(errors) => (FormErrors::from(&errors, lang), StatusCode::UNPROCESSABLE_ENTITY),
        FlowError::Conflict(error) => (FormErrors::from(&error.into(), lang), StatusCode::CONFLICT),
        FlowError::Refused(code) => (FormErrors::general(code, lang), StatusCode::FORBIDDEN),
        other => return super::error_page(lang, other.into_api(lang)),
    };
    match flow::current_plan(state).await {
        Ok(stored) => form_page(state, ctx, &stored.plan, action, editing, input, errors, status).await,
        Err(error) => super::error_page(lang, error.into_api(lang)),
    }
}

pub async fn create(State(state): State<AppState>, ctx: PageCtx, Form(form): Form<ApplicationForm>) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = ctx.session.0.clone() else { return Redirect::to("/login").into_response() };
    if !ctx.csrf_ok(&form.csrf_token) {
        return super::error_page(lang, crate::error::ApiError::new(StatusCode::FORBIDDEN, "csrf.invalid"));
    }
    let input = form.input;
    match flow::start(&state, &session.account_id, &input).await {
        Ok(application) => Redirect::to(&format!("/me/applications/{}", application.id)).into_response(),
        Err(error) => refused(&state, ctx, "/me/applications".into(), false, input, error).await,
    }
}

pub async fn edit_form(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = &ctx.session.0 else { return Redirect::to("/login").into_response() };
    let (application, stored) = match flow::own(&state, &session.account_id, &id).await {
        Ok(found) => found,
        Err(error) => return super::error_page(lang, error.into_api(lang)),
    };
    let form = ApplicationInput {
        exam: application.exam_code,
        province: application.province_code,
        site: application.site_code,
        specialty: application.specialty_code,
        work_unit: application.work_unit,
        started_work: application.started_work,
        highest_education: application.highest_education,
        held_title: application.held_title.unwrap_or_default(),
        title_certificate_number: application.title_certificate.unwrap_or_default(),
    };
    form_page(&state, ctx, &stored.plan, format!("/me/applications/{id}/edit"), true, form, FormErrors::default(), StatusCode::OK).await
}

pub async fn edit(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>, Form(form): Form<ApplicationForm>) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = ctx.session.0.clone() else { return Redirect::to("/login").into_response() };
    if !ctx.csrf_ok(&form.csrf_token) {
        return super::error_page(lang, crate::error::ApiError::new(StatusCode::FORBIDDEN, "csrf.invalid"));
    }
    let input = form.input;
    match flow::edit(&state, &session.account_id, &id, &input).await {
        Ok(_) => Redirect::to(&format!("/me/applications/{id}")).into_response(),
        Err(FlowError::NotFound) => super::error_page(lang, FlowError::NotFound.into_api(lang)),
        Err(error) => refused(&state, ctx, format!("/me/applications/{id}/edit"), true, input, error).await,
    }
}

pub struct SubjectRow {
    pub name: String,
    pub fee: String,
}

pub struct EventRow {
    pub at: String,
    pub who: String,
    pub to_state: String,
    pub reason: String,
}

/// An application's events, oldest first, in the page's language.
pub fn history(events: Vec<store::applications::ApplicationEvent>, lang: Lang) -> Vec<EventRow> {
    events
        .into_iter()
        .map(|e| EventRow {
            at: beijing_time(e.at),
            who: e.actor_name,
            to_state: domain::application::ApplicationState::from_code(&e.to_state).map(|s| lang.pick(s.name_zh(), s.name_en()).to_owned()).unwrap_or(e.to_state),
            reason: e.reason,
        })
        .collect()
}

pub struct FileRow {
    pub id: String,
    pub kind: String,
    pub size: String,
    pub uploaded: String,
}

pub fn file_rows(files: Vec<store::applications::ApplicationFile>) -> Vec<FileRow> {
    files
        .into_iter()
        .map(|f| FileRow { kind: if f.content_type == "application/pdf" { "PDF".into() } else { "JPEG".into() }, size: format!("{:.1} KB", f.bytes as f64 / 1024.0), uploaded: beijing_time(f.uploaded_at), id: f.id })
        .collect()
}

#[derive(Template)]
#[template(path = "application.html")]
struct DetailPage {
    c: Chrome,
    id: String,
    summary: Summary,
    photo_version: Option<String>,
    photo_confirmed: bool,
    files_requirement: String,
    files_note: String,
    files: Vec<FileRow>,
    can_add_files: bool,
    max_files: usize,
    editable: bool,
    can_withdraw: bool,
    printable: bool,
    missing: Vec<String>,
    history: Vec<EventRow>,
    errors: FormErrors,
    notice: Option<String>,
}

/// What an application asks for, as the candidate and the reviewer both read it: the facts, the subjects with
/// their fees, and the total.
pub struct Summary {
    pub number: String,
    pub title: String,
    pub state: String,
    pub state_code: String,
    pub decision_reason: Option<String>,
    pub facts: Vec<(String, String)>,
    pub subjects: Vec<SubjectRow>,
    pub total_fee: String,
    pub eligible: bool,
    /// The eligibility explanation in the reader's language.
    pub eligibility: String,
}

pub fn summary(application: &Application, plan: &ExamPlan, lang: Lang) -> Summary {
    let exam = plan.exam(&application.exam_code);
    let mut total = 0u32;
    let subjects = application
        .subject_codes()
        .iter()
        .map(|code| {
            let fee = plan.fee(&application.province_code, &application.exam_code, &application.level_code, code);
            total += fee.unwrap_or(0);
            SubjectRow {
                name: exam.and_then(|e| e.subjects.iter().find(|s| &s.code == code)).map(|s| s.name.clone()).unwrap_or_else(|| code.clone()),
                fee: fee.map(yuan).unwrap_or_default(),
            }
        })
        .collect();
    let site = plan.sites.iter().find(|s| s.code == application.site_code);
    let education = domain::education::EducationLevel::from_code(&application.highest_education);
    let facts = vec![
        (lang.pick("考试", "Exam").to_owned(), exam.map(|e| e.name.clone()).unwrap_or_default()),
        (lang.pick("级别", "Level").to_owned(), plan.level_name(&application.exam_code, &application.level_code).unwrap_or("").to_owned()),
        (lang.pick("专业", "Specialty").to_owned(), format!("{} {}", application.specialty_code, plan.specialty(&application.specialty_code).map(|s| s.name.as_str()).unwrap_or(""))),
        (lang.pick("报考考点", "Exam site").to_owned(), site.map(|s| format!("{} {}（{}）", s.code, s.name, s.address)).unwrap_or_default()),
        (lang.pick("工作单位", "Employer").to_owned(), application.work_unit.clone()),
        (lang.pick("参加工作时间", "Started work").to_owned(), application.started_work.clone()),
        (lang.pick("最高学历", "Highest education").to_owned(), education.map(|e| lang.pick(e.name_zh(), e.name_en()).to_owned()).unwrap_or_default()),
        (
            lang.pick("已取得资格", "Qualification held").to_owned(),
            match (&application.held_title, &application.title_certificate) {
                (Some(title), Some(number)) => format!("{} · {number}", plan.level_name(&application.exam_code, title).unwrap_or(title)),
                _ => lang.pick("无", "None").to_owned(),
            },
        ),
    ];
    Summary {
        number: application.number.clone(),
        title: title_of(application, plan),
        state: state_name(application, lang),
        state_code: application.state.clone(),
        decision_reason: application.decision_reason.clone(),
        facts,
        subjects,
        total_fee: yuan(total),
        eligible: application.eligible,
        eligibility: lang.pick(&application.eligibility_zh, &application.eligibility_en).to_owned(),
    }
}

fn yuan(fen: u32) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DetailQuery {
    done: String,
}

async fn detail(state: &AppState, ctx: PageCtx, id: &str, errors: FormErrors, notice: Option<String>, status: StatusCode) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = &ctx.session.0 else { return Redirect::to("/login").into_response() };
    let (application, stored) = match flow::own(state, &session.account_id, id).await {
        Ok(found) => found,
        Err(error) => return super::error_page(lang, error.into_api(lang)),
    };
    let plan = &stored.plan;
    let app_state = application.state();
    let missing = if app_state.editable() {
        match flow::missing_for_submission(state, &application, plan).await {
            Ok(codes) => codes.into_iter().map(|code| crate::i18n::error_message(code, None, lang)).collect(),
            Err(error) => return super::error_page(lang, error.into_api(lang)),
        }
    } else {
        Vec::new()
    };
    let (files, events, photo) = match tokio::try_join!(
        state.store.application_files(id),
        state.store.application_events(id),
        state.store.photo(&session.account_id)
    ) {
        Ok(found) => found,
        Err(error) => return super::error_page(lang, error.into()),
    };
    let province = plan.province(&application.province_code);
    let files_requirement = province.map(|p| p.supporting_files).unwrap_or(FilesRequirement::None);
    let page = DetailPage {
        c: ctx.chrome("报名详情", "Application"),
        id: application.id.clone(),
        summary: summary(&application, plan, lang),
        photo_version: photo.map(|p| p.sha256[..12].to_owned()),
        photo_confirmed: application.photo_confirmed,
        files_requirement: match files_requirement {
            FilesRequirement::None => String::new(),
            FilesRequirement::Optional => lang.pick("本考区可上传证明材料（选填）", "Your province accepts supporting files (optional)").to_owned(),
            FilesRequirement::Required => lang.pick("本考区要求上传证明材料", "Your province requires supporting files").to_owned(),
        },
        files_note: province.map(|p| p.supporting_files_note.clone()).unwrap_or_default(),
        can_add_files: app_state.editable() && files_requirement != FilesRequirement::None && files.len() < flow::MAX_FILES,
        files: file_rows(files),
        max_files: flow::MAX_FILES,
        editable: app_state.editable(),
        can_withdraw: app_state.allows(domain::application::Transition::Withdraw),
        printable: crate::flows::application_form::printable(&application),
        missing,
        history: history(events, lang),
        errors,
        notice,
    };
    ctx.render(status, page)
}

pub async fn show(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>, Query(query): Query<DetailQuery>) -> Response {
    let lang = ctx.lang;
    let notice = match query.done.as_str() {
        "submitted" => Some(lang.pick("报名已提交，请等待考点审核；审核结果将在本页显示，并通过微信通知您。", "Submitted. Your exam site will review it; the result appears here and on WeChat.")),
        "withdrawn" => Some(lang.pick("报名已撤回。修改后请在报名截止前重新提交。", "Withdrawn. Change it and submit again before the deadline.")),
        "photo" => Some(lang.pick("已确认报名照片。", "Photo confirmed.")),
        "file" => Some(lang.pick("证明材料已上传。", "File uploaded.")),
        _ => None,
    };
    detail(&state, ctx, &id, FormErrors::default(), notice.map(str::to_owned), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    csrf_token: String,
    file_id: String,
}

/// The buttons on an application: confirm the photo, submit, withdraw, remove a file.
pub async fn act(State(state): State<AppState>, ctx: PageCtx, Path((id, action)): Path<(String, String)>, Form(form): Form<ActionForm>) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = ctx.session.0.clone() else { return Redirect::to("/login").into_response() };
    if !ctx.csrf_ok(&form.csrf_token) {
        return detail(&state, ctx, &id, FormErrors::general("csrf.invalid", lang), None, StatusCode::FORBIDDEN).await;
    }
    let account_id = &session.account_id;
    let (result, done) = match action.as_str() {
        "photo" => (flow::confirm_photo(&state, account_id, &id).await, "photo"),
        "submit" => (flow::submit(&state, account_id, &id).await, "submitted"),
        "withdraw" => (flow::withdraw(&state, account_id, &id).await, "withdrawn"),
        "remove-file" => (flow::remove_file(&state, account_id, &id, &form.file_id).await, ""),
        _ => (Err(FlowError::NotFound), ""),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/me/applications/{id}?done={done}")).into_response(),
        Err(FlowError::NotFound) => super::error_page(lang, FlowError::NotFound.into_api(lang)),
        Err(error) => detail(&state, ctx, &id, FormErrors::refusal(error, lang), None, StatusCode::FORBIDDEN).await,
    }
}

/// A supporting file, as one multipart form (the file, and the CSRF token).
pub async fn upload(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>, request: Request) -> Response {
    let lang = ctx.lang;
    let Some((session, _)) = ctx.session.0.clone() else { return Redirect::to("/login").into_response() };
    let mut csrf = String::new();
    let mut bytes = Vec::new();
    let mut too_large = false;
    let Ok(mut multipart) = Multipart::from_request(request, &state).await else {
        return detail(&state, ctx, &id, FormErrors::general("request.malformed", lang), None, StatusCode::BAD_REQUEST).await;
    };
    while let Ok(Some(mut field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        let mut value = Vec::new();
        while let Ok(Some(chunk)) = field.chunk().await {
            if value.len() + chunk.len() > flow::MAX_FILE_BYTES {
                too_large = too_large || name == "file";
                continue;
            }
            value.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "csrf_token" => csrf = String::from_utf8(value).unwrap_or_default(),
            "file" => bytes = value,
            _ => {}
        }
    }
    if !ctx.csrf_ok(&csrf) {
        return detail(&state, ctx, &id, FormErrors::general("csrf.invalid", lang), None, StatusCode::FORBIDDEN).await;
    }
    // A file over the cap is refused by the same rule as any other (its bytes were not kept).
    let bytes = if too_large { vec![0; flow::MAX_FILE_BYTES + 1] } else { bytes };
    match flow::add_file(&state, &session.account_id, &id, bytes).await {
        Ok(()) => Redirect::to(&format!("/me/applications/{id}?done=file")).into_response(),
        Err(FlowError::NotFound) => super::error_page(lang, FlowError::NotFound.into_api(lang)),
        Err(error) => detail(&state, ctx, &id, FormErrors::refusal(error, lang), None, StatusCode::UNPROCESSABLE_ENTITY).await,
    }
}

/// What the 申请表 shows (always in Chinese: it is handed in at the 考点).
async fn form_content(state: &AppState, application: &Application, plan: &ExamPlan) -> Result<documents::form::FormContent, FlowError> {
    let lang = Lang::Zh;
    let account = state.store.account(&application.account_id).await?.ok_or(FlowError::NotFound)?;
    let photo = crate::flows::photo::current_photo(state, &application.account_id).await?.map(|(_, jpeg)| jpeg.to_vec());
    let Summary { facts, subjects, total_fee, .. } = summary(application, plan, lang);
    let mut rows = vec![
        ("姓名".to_owned(), account.name.as_str().to_owned()),
        ("证件类型".to_owned(), state.id_type_name(account.id_number.id_type().code(), lang)),
        ("证件号码".to_owned(), domain::id_number::mask_id_number(account.id_number.as_str())),
    ];
    rows.extend(facts);
    rows.push(("报考科目".to_owned(), subjects.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join("、")));
    rows.push(("报考资格".to_owned(), application.eligibility_zh.clone()));
    rows.push(("审核状态".to_owned(), state_name(application, lang)));
    rows.push(("考试费用".to_owned(), format!("{total_fee} 元（审核通过后网上缴费）")));
    let site = plan.sites.iter().find(|s| s.code == application.site_code).map(|s| s.name.as_str()).unwrap_or("报考考点");
    Ok(documents::form::FormContent {
        title: format!("{}年度{}报名申请表", application.exam_year, plan.exam(&application.exam_code).map(|e| e.name.as_str()).unwrap_or("")),
        number: application.number.clone(),
        rows,
        photo_jpeg: photo,
        qr_payload: crate::flows::application_form::qr_payload(state, &application.number),
        pledge: "本人承诺：以上信息真实、准确、完整，所提交的证明材料真实有效；如有弄虚作假，本人自愿承担相应责任，并接受取消考试资格等处理。".to_owned(),
        footer: format!("打印时间 {}。请携带本人有效身份证件原件及本表，按时到{site}现场确认。", beijing_time(crate::state::now())),
    })
}

/// The candidate's own 申请表 as a PDF (for the page and the API alike).
pub async fn form_pdf_response(state: &AppState, account_id: &str, id: &str, lang: Lang) -> Response {
    let drawn = async {
        let (application, stored) = flow::own(state, account_id, id).await?;
        if !crate::flows::application_form::printable(&application) {
            return Err(FlowError::Refused("application.form_not_ready"));
        }
        let content = form_content(state, &application, &stored.plan).await?;
        let pdf = crate::flows::application_form::render(state, content).await?;
        Ok((application.number, pdf))
    };
    match drawn.await {
        Ok((number, pdf)) => {
            use axum::http::{HeaderValue, header};
            let mut response = (StatusCode::OK, pdf).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            let disposition = format!("inline; filename=\"{number}.pdf\"");
            headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("inline")));
            response
        }
        Err(error) => error.into_api(lang).into_response(),
    }
}

pub async fn form_pdf(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>) -> Response {
    let Some((session, _)) = &ctx.session.0 else { return Redirect::to("/login").into_response() };
    form_pdf_response(&state, &session.account_id, &id, ctx.lang).await
}
