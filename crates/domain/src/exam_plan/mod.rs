//! The exam plan of one exam year as data (domain.md §5): the exams with their levels and subjects, the
//! specialties, which 考区 take part and their 考点, fees, the windows the server enforces, and the eligibility
//! rule sets. A value of [`ExamPlan`] is consistent by construction: it is only made by [`ExamPlan::build`]
//! from a plan file (or a stored plan), which refuses, with the line, anything that does not hold together.

mod build;
mod edit;
pub mod source;

pub use build::BuildContext;
pub use edit::WindowEdit;
pub use source::{Location, PlanError, PlanFormat};

use serde::{Deserialize, Serialize};

/// Asia/Shanghai has had no daylight saving time since 1991: a fixed UTC+8 is exact for every plan.
pub const SHANGHAI_OFFSET_SECONDS: i64 = 8 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExamPlan {
    pub exam_year: u16,
    /// Years of work are counted up to this day (inclusive), as the year's notice says.
    pub work_years_counted_to: PlanDate,
    pub exams: Vec<Exam>,
    pub specialties: Vec<Specialty>,
    pub specialty_mappings: Vec<SpecialtyMapping>,
    pub provinces: Vec<ProvincePlan>,
    pub sites: Vec<SitePlan>,
    pub windows: Vec<Window>,
    pub fees: Vec<Fee>,
    pub eligibility: Vec<EligibilityRule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PlanDate {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl PlanDate {
    pub fn to_iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    pub fn is_last_day_of_month(self) -> bool {
        let Ok(month) = time::Month::try_from(self.month) else { return false };
        self.day == month.length(self.year as i32)
    }
}

/// Which subjects a candidate sits (domain.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectRule {
    /// 卫生资格: pass every subject within two consecutive exam years; sit only those not yet passed.
    RollingTwoYears,
    /// 护士: every subject in one sitting, always all of them.
    OneSitting,
}

impl SubjectRule {
    pub fn code(self) -> &'static str {
        match self {
            SubjectRule::RollingTwoYears => "rolling_two_years",
            SubjectRule::OneSitting => "one_sitting",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exam {
    pub code: String,
    pub name: String,
    pub subject_rule: SubjectRule,
    /// In ascending order: holding a later level counts as holding every earlier one.
    pub levels: Vec<Level>,
    pub subjects: Vec<Subject>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExamMode {
    /// 人机对话 (computer-based)
    Computer,
    /// 纸笔作答
    Paper,
}

impl ExamMode {
    pub fn code(self) -> &'static str {
        match self {
            ExamMode::Computer => "computer",
            ExamMode::Paper => "paper",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            ExamMode::Computer => "人机对话",
            ExamMode::Paper => "纸笔作答",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Specialty {
    pub code: String,
    pub exam: String,
    pub level: String,
    pub name: String,
    pub mode: ExamMode,
}

/// A specialty of an earlier year that became one of this year's (specialties merge; nothing is rewritten).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialtyMapping {
    pub from_year: u16,
    pub from_code: String,
    pub to_code: String,
}

/// A 考区 taking part this year, and what it asks of applicants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvincePlan {
    pub code: String,
    pub supporting_files: FilesRequirement,
    /// What the files are, in the province's words ("单位盖章的工作年限证明").
    pub supporting_files_note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilesRequirement {
    None,
    Optional,
    Required,
}

impl FilesRequirement {
    pub fn code(self) -> &'static str {
        match self {
            FilesRequirement::None => "none",
            FilesRequirement::Optional => "optional",
            FilesRequirement::Required => "required",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SitePlan {
    pub code: String,
    pub province: String,
    pub name: String,
    pub address: String,
    pub phone: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowKind {
    /// 网上报名
    Application,
    /// 审核
    Review,
    /// 缴费
    Payment,
    /// 准考证打印
    Ticket,
    /// 考试
    Exam,
    /// 成绩查询
    Score,
}

impl WindowKind {
    pub const ALL: [WindowKind; 6] =
        [WindowKind::Application, WindowKind::Review, WindowKind::Payment, WindowKind::Ticket, WindowKind::Exam, WindowKind::Score];

    pub fn code(self) -> &'static str {
        match self {
            WindowKind::Application => "application",
            WindowKind::Review => "review",
            WindowKind::Payment => "payment",
            WindowKind::Ticket => "ticket",
            WindowKind::Exam => "exam",
            WindowKind::Score => "score",
        }
    }

    pub fn from_code(code: &str) -> Option<WindowKind> {
        WindowKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            WindowKind::Application => "网上报名",
            WindowKind::Review => "审核",
            WindowKind::Payment => "网上缴费",
            WindowKind::Ticket => "准考证打印",
            WindowKind::Exam => "考试",
            WindowKind::Score => "成绩查询",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            WindowKind::Application => "Application",
            WindowKind::Review => "Review",
            WindowKind::Payment => "Payment",
            WindowKind::Ticket => "Admission tickets",
            WindowKind::Exam => "Exam days",
            WindowKind::Score => "Scores",
        }
    }
}

/// A time window, `[opens_at, closes_at)` in Unix seconds; `province` None is every province without its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub province: Option<String>,
    pub kind: WindowKind,
    pub opens_at: i64,
    pub closes_at: i64,
}

impl Window {
    pub fn contains(&self, now: i64) -> bool {
        self.opens_at <= now && now < self.closes_at
    }
}

/// Where a moment falls relative to a window, for telling the candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowState {
    NotSet,
    NotYetOpen { opens_at: i64 },
    Open { closes_at: i64 },
    Closed { closed_at: i64 },
}

/// A fee per subject in fen (分); `province`, `level` and `subject` None mean "any".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    pub province: Option<String>,
    pub exam: String,
    pub level: Option<String>,
    pub subject: Option<String>,
    pub fen: u32,
}

/// One line of a rule set: with this education (or higher, when no line names the higher one), this many
/// years of work, and, if named, a title already held, a candidate may apply for the level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EligibilityRule {
    pub exam: String,
    pub level: String,
    pub education: String,
    pub min_work_years: u8,
    pub requires_title: Option<String>,
}

/// Formats Unix seconds as Beijing time, the way notices write it ("2026-12-03 08:00").
pub fn format_shanghai(seconds: i64) -> String {
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp(seconds + SHANGHAI_OFFSET_SECONDS) else { return String::new() };
    format!("{:04}-{:02}-{:02} {:02}:{:02}", at.year(), at.month() as u8, at.day(), at.hour(), at.minute())
}

impl ExamPlan {
    /// Reads and checks a plan file. `known_provinces` are the 考区 codes the platform has.
    pub fn from_file(text: &str, format: PlanFormat, context: &BuildContext) -> Result<ExamPlan, Vec<PlanError>> {
        let source = source::read(text, format).map_err(|e| vec![e])?;
        build::build(&source, context)
    }

    pub fn exam(&self, code: &str) -> Option<&Exam> {
        self.exams.iter().find(|e| e.code == code)
    }

    pub fn specialty(&self, code: &str) -> Option<&Specialty> {
        self.specialties.iter().find(|s| s.code == code)
    }

    pub fn province(&self, code: &str) -> Option<&ProvincePlan> {
        self.provinces.iter().find(|p| p.code == code)
    }

    pub fn sites_in<'a>(&'a self, province: &'a str) -> impl Iterator<Item = &'a SitePlan> + 'a {
        self.sites.iter().filter(move |s| s.province == province)
    }

    pub fn specialties_of<'a>(&'a self, exam: &'a str, level: &'a str) -> impl Iterator<Item = &'a Specialty> + 'a {
        self.specialties.iter().filter(move |s| s.exam == exam && s.level == level)
    }

    /// This year's specialty for a code of an earlier year (itself if unchanged and still offered).
    pub fn current_specialty(&self, year: u16, code: &str) -> Option<&Specialty> {
        let mapped = self.specialty_mappings.iter().find(|m| m.from_year == year && m.from_code == code).map(|m| m.to_code.as_str());
        self.specialty(mapped.unwrap_or(code))
    }

    /// The province's own window of this kind, else the plan-wide one.
    pub fn window(&self, province: &str, kind: WindowKind) -> Option<&Window> {
        self.windows
            .iter()
            .find(|w| w.kind == kind && w.province.as_deref() == Some(province))
            .or_else(|| self.windows.iter().find(|w| w.kind == kind && w.province.is_none()))
    }

    pub fn window_state(&self, province: &str, kind: WindowKind, now: i64) -> WindowState {
        match self.window(province, kind) {
            None => WindowState::NotSet,
            Some(w) if now < w.opens_at => WindowState::NotYetOpen { opens_at: w.opens_at },
            Some(w) if w.contains(now) => WindowState::Open { closes_at: w.closes_at },
            Some(w) => WindowState::Closed { closed_at: w.closes_at },
        }
    }

    pub fn is_open(&self, province: &str, kind: WindowKind, now: i64) -> bool {
        self.window(province, kind).is_some_and(|w| w.contains(now))
    }

    /// The fee of one subject: the most specific line wins (province over any, level over any, subject over any).
    pub fn fee(&self, province: &str, exam: &str, level: &str, subject: &str) -> Option<u32> {
        self.fees
            .iter()
            .filter(|f| f.exam == exam)
            .filter(|f| f.province.as_deref().is_none_or(|p| p == province))
            .filter(|f| f.level.as_deref().is_none_or(|l| l == level))
            .filter(|f| f.subject.as_deref().is_none_or(|s| s == subject))
            .max_by_key(|f| (f.province.is_some(), f.level.is_some(), f.subject.is_some()))
            .map(|f| f.fen)
    }

    /// The subjects a candidate sits: every subject, less those passed within the cycle where the exam keeps
    /// passes over two years. Keeps the exam's order.
    pub fn subjects_to_sit<'a>(&'a self, exam: &str, passed_in_cycle: &[String]) -> Vec<&'a Subject> {
        let Some(exam) = self.exam(exam) else { return Vec::new() };
        exam.subjects
            .iter()
            .filter(|s| exam.subject_rule == SubjectRule::OneSitting || !passed_in_cycle.contains(&s.code))
            .collect()
    }

    pub fn level_name(&self, exam: &str, level: &str) -> Option<&str> {
        self.exam(exam)?.levels.iter().find(|l| l.code == level).map(|l| l.name.as_str())
    }
}

pub mod eligibility;

#[cfg(test)]
mod tests;
