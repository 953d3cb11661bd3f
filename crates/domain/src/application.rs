//! An exam application (报名): what the candidate chooses and states, and the state machine it moves through
//! (domain.md §5). Every allowed transition is listed in [`next_state`]; nothing else moves an application.

use crate::education::{EducationLevel, YearMonth};
use crate::error::{FieldError, FieldErrors, has_control_chars};
use crate::exam_plan::{ExamPlan, WindowKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApplicationState {
    /// 草稿: saved, not yet submitted.
    Draft,
    /// 已提交，待审核
    Submitted,
    /// 审核中: an authority has opened it; the candidate can no longer withdraw.
    UnderReview,
    /// 审核通过
    Approved,
    /// 审核不通过 (final for the year)
    Rejected,
    /// 需补充材料: the candidate supplements and resubmits.
    NeedsSupplement,
    /// 已撤回: the candidate took it back to change it; they may resubmit while the window is open.
    Withdrawn,
}

impl ApplicationState {
    pub const ALL: [ApplicationState; 7] = [
        ApplicationState::Draft,
        ApplicationState::Submitted,
        ApplicationState::UnderReview,
        ApplicationState::Approved,
        ApplicationState::Rejected,
        ApplicationState::NeedsSupplement,
        ApplicationState::Withdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ApplicationState::Draft => "draft",
            ApplicationState::Submitted => "submitted",
            ApplicationState::UnderReview => "under_review",
            ApplicationState::Approved => "approved",
            ApplicationState::Rejected => "rejected",
            ApplicationState::NeedsSupplement => "needs_supplement",
            ApplicationState::Withdrawn => "withdrawn",
        }
    }

    pub fn from_code(code: &str) -> Option<ApplicationState> {
        ApplicationState::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            ApplicationState::Draft => "草稿（未提交）",
            ApplicationState::Submitted => "已提交，待审核",
            ApplicationState::UnderReview => "审核中",
            ApplicationState::Approved => "审核通过",
            ApplicationState::Rejected => "审核不通过",
            ApplicationState::NeedsSupplement => "需补充材料",
            ApplicationState::Withdrawn => "已撤回",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            ApplicationState::Draft => "Draft (not submitted)",
            ApplicationState::Submitted => "Submitted, awaiting review",
            ApplicationState::UnderReview => "Under review",
            ApplicationState::Approved => "Approved",
            ApplicationState::Rejected => "Rejected",
            ApplicationState::NeedsSupplement => "More needed",
            ApplicationState::Withdrawn => "Withdrawn",
        }
    }

    /// Whether the candidate may change what the application says.
    pub fn editable(self) -> bool {
        matches!(self, ApplicationState::Draft | ApplicationState::Withdrawn | ApplicationState::NeedsSupplement)
    }

    /// Entering this state hands the application in: the queue sorts by that moment, the last decision's
    /// reason no longer applies, and the photo is locked (it is the one reviewed and printed on the ticket).
    pub fn hands_in(self) -> bool {
        self == ApplicationState::Submitted
    }

    /// Whether this move is possible from this state (the window aside).
    pub fn allows(self, transition: Transition) -> bool {
        next_state(self, transition).is_some()
    }

    /// Entering this state comes with a reason the candidate must read (kept until the next hand-in).
    pub fn carries_reason(self) -> bool {
        matches!(self, ApplicationState::Rejected | ApplicationState::NeedsSupplement)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Submit,
    Withdraw,
    StartReview,
    Approve,
    Reject,
    AskForMore,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Candidate,
    Authority,
}

impl Transition {
    pub fn code(self) -> &'static str {
        match self {
            Transition::Submit => "submit",
            Transition::Withdraw => "withdraw",
            Transition::StartReview => "start_review",
            Transition::Approve => "approve",
            Transition::Reject => "reject",
            Transition::AskForMore => "ask_for_more",
        }
    }

    pub fn actor(self) -> Actor {
        match self {
            Transition::Submit | Transition::Withdraw => Actor::Candidate,
            Transition::StartReview | Transition::Approve | Transition::Reject | Transition::AskForMore => Actor::Authority,
        }
    }

    /// Whether the one making it must say why (the candidate reads it).
    pub fn needs_reason(self) -> bool {
        matches!(self, Transition::Reject | Transition::AskForMore)
    }
}

/// The state after `transition`, or None when it is not allowed from `from`.
pub fn next_state(from: ApplicationState, transition: Transition) -> Option<ApplicationState> {
    use ApplicationState::*;
    match (from, transition) {
        (Draft | Withdrawn | NeedsSupplement, Transition::Submit) => Some(Submitted),
        (Submitted, Transition::Withdraw) => Some(Withdrawn),
        (Submitted, Transition::StartReview) => Some(UnderReview),
        (Submitted | UnderReview, Transition::Approve) => Some(Approved),
        (Submitted | UnderReview, Transition::Reject) => Some(Rejected),
        (Submitted | UnderReview, Transition::AskForMore) => Some(NeedsSupplement),
        _ => None,
    }
}

/// The window a transition must fall in. A supplement the authority asked for is handed in during review.
pub fn window_for(from: ApplicationState, transition: Transition) -> WindowKind {
    match (from, transition.actor()) {
        (ApplicationState::NeedsSupplement, Actor::Candidate) => WindowKind::Review,
        (_, Actor::Candidate) => WindowKind::Application,
        (_, Actor::Authority) => WindowKind::Review,
    }
}

/// Why a transition cannot happen now, as a stable code.
pub fn check_transition(plan: &ExamPlan, province: &str, from: ApplicationState, transition: Transition, now: i64) -> Result<ApplicationState, &'static str> {
    let to = next_state(from, transition).ok_or("application.transition_not_allowed")?;
    let window = window_for(from, transition);
    if !plan.is_open(province, window, now) {
        return Err(match window {
            WindowKind::Application => "application.window_closed",
            _ => "application.review_window_closed",
        });
    }
    Ok(to)
}

pub const MAX_WORK_UNIT_CHARS: usize = 60;
pub const MAX_CERTIFICATE_CHARS: usize = 30;
pub const MAX_REASON_CHARS: usize = 300;

/// What the candidate fills in, as sent.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ApplicationInput {
    pub exam: String,
    pub province: String,
    pub site: String,
    pub specialty: String,
    pub work_unit: String,
    pub started_work: String,
    pub highest_education: String,
    /// The level code of a qualification already held ("" for none).
    pub held_title: String,
    pub title_certificate_number: String,
}

/// A complete, consistent application as this year's plan allows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationDetails {
    pub exam: String,
    pub province: String,
    pub site: String,
    pub level: String,
    pub specialty: String,
    pub work_unit: String,
    pub started_work: YearMonth,
    pub highest_education: EducationLevel,
    pub held_title: Option<String>,
    pub title_certificate_number: Option<String>,
}

impl ApplicationDetails {
    /// Checks the input against the plan. `education_levels` are the levels of the candidate's education
    /// records: the highest education stated must be one of them.
    pub fn parse(plan: &ExamPlan, input: &ApplicationInput, education_levels: &[EducationLevel], today: YearMonth) -> Result<ApplicationDetails, FieldErrors> {
        let mut errors = FieldErrors::default();
        let exam = plan.exam(input.exam.trim());
        if exam.is_none() {
            errors.push(FieldError::new("exam", "application.exam_unknown"));
        }
        let province = plan.province(input.province.trim());
        if province.is_none() {
            errors.push(FieldError::new("province", "application.province_unknown"));
        }
        let site = plan.sites.iter().find(|s| s.code == input.site.trim() && province.is_some_and(|p| p.code == s.province));
        if site.is_none() {
            errors.push(FieldError::new("site", "application.site_unknown"));
        }
        let specialty = plan.specialty(input.specialty.trim()).filter(|s| exam.is_some_and(|e| e.code == s.exam));
        if specialty.is_none() {
            errors.push(FieldError::new("specialty", "application.specialty_unknown"));
        }
        let work_unit = input.work_unit.trim();
        if work_unit.is_empty() {
            errors.push(FieldError::new("work_unit", "application.work_unit_required"));
        } else if work_unit.chars().count() > MAX_WORK_UNIT_CHARS || has_control_chars(work_unit) {
            errors.push(FieldError::new("work_unit", "application.work_unit_format"));
        }
        let started_work = match YearMonth::parse("started_work", &input.started_work) {
            Ok(started) if started > today => {
                errors.push(FieldError::new("started_work", "application.started_work_future"));
                None
            }
            Ok(started) => Some(started),
            Err(error) => {
                errors.push(FieldError::new("started_work", if error.code == "education.date_required" { "application.started_work_required" } else { "application.started_work_format" }));
                None
            }
        };
        let highest_education = EducationLevel::from_code(input.highest_education.trim()).filter(|l| education_levels.contains(l));
        if highest_education.is_none() {
            errors.push(FieldError::new("highest_education", "application.education_not_recorded"));
        }
        let held_title = Some(input.held_title.trim()).filter(|t| !t.is_empty()).map(str::to_string);
        if let Some(title) = &held_title
            && exam.is_none_or(|e| !e.levels.iter().any(|l| &l.code == title))
        {
            errors.push(FieldError::new("held_title", "application.title_unknown"));
        }
        let certificate = input.title_certificate_number.trim();
        let title_certificate_number = if certificate.is_empty() {
            if held_title.is_some() {
                errors.push(FieldError::new("title_certificate_number", "application.certificate_required"));
            }
            None
        } else if certificate.chars().count() > MAX_CERTIFICATE_CHARS || !certificate.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            errors.push(FieldError::new("title_certificate_number", "application.certificate_format"));
            None
        } else {
            Some(certificate.to_ascii_uppercase())
        };
        match (exam, province, site, specialty, started_work, highest_education) {
            (Some(exam), Some(province), Some(site), Some(specialty), Some(started_work), Some(highest_education)) if errors.is_empty() => Ok(ApplicationDetails {
                exam: exam.code.clone(),
                province: province.code.clone(),
                site: site.code.clone(),
                level: specialty.level.clone(),
                specialty: specialty.code.clone(),
                work_unit: work_unit.to_string(),
                started_work,
                highest_education,
                held_title,
                title_certificate_number,
            }),
            _ => Err(errors),
        }
    }

    pub fn qualifications(&self) -> crate::exam_plan::eligibility::Qualifications {
        crate::exam_plan::eligibility::Qualifications {
            highest_education: Some(self.highest_education),
            started_work: Some(self.started_work),
            held_title: self.held_title.clone(),
        }
    }
}

/// A reason an authority gives (reject, ask for more): required, at most [`MAX_REASON_CHARS`].
pub fn parse_review_reason(raw: &str) -> Result<String, FieldError> {
    let reason = parse_review_note(raw)?;
    if reason.is_empty() {
        return Err(FieldError::new("reason", "review.reason_required"));
    }
    Ok(reason)
}

/// A note an authority may add (start, approve, bulk approval): optional, at most [`MAX_REASON_CHARS`].
pub fn parse_review_note(raw: &str) -> Result<String, FieldError> {
    let note = raw.trim();
    if note.chars().count() > MAX_REASON_CHARS || has_control_chars(note) {
        return Err(FieldError::new("reason", "review.reason_format"));
    }
    Ok(note.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApplicationState::*;
    use Transition::*;

    #[test]
    fn every_transition_allowed_and_refused() {
        let allowed = [
            (Draft, Submit, Submitted),
            (Withdrawn, Submit, Submitted),
            (NeedsSupplement, Submit, Submitted),
            (Submitted, Withdraw, Withdrawn),
            (Submitted, StartReview, UnderReview),
            (Submitted, Approve, Approved),
            (UnderReview, Approve, Approved),
            (Submitted, Reject, Rejected),
            (UnderReview, Reject, Rejected),
            (Submitted, AskForMore, NeedsSupplement),
            (UnderReview, AskForMore, NeedsSupplement),
        ];
        for from in ApplicationState::ALL {
            for transition in [Submit, Withdraw, StartReview, Approve, Reject, AskForMore] {
                let expected = allowed.iter().find(|(f, t, _)| *f == from && *t == transition).map(|(_, _, to)| *to);
                assert_eq!(next_state(from, transition), expected, "{from:?} --{transition:?}-->");
            }
        }
        // Once review has started the candidate cannot take it back; a decision is final.
        assert_eq!(next_state(UnderReview, Withdraw), None);
        assert_eq!(next_state(Approved, Submit), None);
        assert_eq!(next_state(Rejected, Submit), None);
    }

    #[test]
    fn states_round_trip_their_codes_and_only_some_are_editable() {
        for state in ApplicationState::ALL {
            assert_eq!(ApplicationState::from_code(state.code()), Some(state));
        }
        let editable: Vec<_> = ApplicationState::ALL.into_iter().filter(|s| s.editable()).collect();
        assert_eq!(editable, [Draft, NeedsSupplement, Withdrawn]);
    }

    #[test]
    fn transitions_fall_in_their_windows() {
        assert_eq!(window_for(Draft, Submit), WindowKind::Application);
        assert_eq!(window_for(Submitted, Withdraw), WindowKind::Application);
        assert_eq!(window_for(NeedsSupplement, Submit), WindowKind::Review);
        assert_eq!(window_for(Submitted, Approve), WindowKind::Review);
        assert!(Reject.needs_reason() && AskForMore.needs_reason() && !Approve.needs_reason());
        assert_eq!(parse_review_reason("  ").unwrap_err().code, "review.reason_required");
        assert_eq!(parse_review_reason(&"字".repeat(301)).unwrap_err().code, "review.reason_format");
    }

    #[test]
    fn what_entering_a_state_does() {
        assert!(Submitted.hands_in() && !Approved.hands_in());
        assert!(Rejected.carries_reason() && NeedsSupplement.carries_reason() && !Approved.carries_reason());
        assert!(Submitted.allows(StartReview) && Submitted.allows(Withdraw) && UnderReview.allows(Approve));
        assert!(!UnderReview.allows(Withdraw) && !Approved.allows(Approve));
        assert_eq!(parse_review_note("  材料齐全 ").unwrap(), "材料齐全");
        assert_eq!(parse_review_note("").unwrap(), "");
        assert_eq!(parse_review_note(&"长".repeat(MAX_REASON_CHARS + 1)).unwrap_err().code, "review.reason_format");
        assert_eq!(parse_review_reason(" ").unwrap_err().code, "review.reason_required");
    }
}
