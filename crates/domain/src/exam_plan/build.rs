//! From the records of a plan file to an [`ExamPlan`], or every problem found, each with its line. Nothing is
//! half-built: one problem anywhere and no plan comes out.

use super::source::{Location, PlanError, PlanSource, Record, Value};
use super::*;
use crate::education::EducationLevel;
use crate::error::has_control_chars;
use std::collections::HashSet;

/// What the platform outside the file knows: the 考区 codes it has.
#[derive(Debug, Clone, Default)]
pub struct BuildContext {
    pub known_provinces: Vec<String>,
}

const SECTIONS: [(&str, &[&str]); 10] = [
    ("exams", &["code", "name", "subject_rule"]),
    ("levels", &["exam", "code", "name"]),
    ("subjects", &["exam", "code", "name"]),
    ("specialties", &["code", "exam", "level", "name", "mode"]),
    ("specialty_mappings", &["from_year", "from_code", "to_code"]),
    ("provinces", &["code", "supporting_files", "supporting_files_note"]),
    ("sites", &["code", "province", "name", "address", "phone"]),
    ("windows", &["province", "kind", "opens", "closes"]),
    ("fees", &["province", "exam", "level", "subject", "yuan"]),
    ("eligibility", &["exam", "level", "education", "min_work_years", "requires_title"]),
];
const SETTINGS: [&str; 2] = ["exam_year", "work_years_counted_to"];
const MAX_NAME_CHARS: usize = 60;
const MAX_NOTE_CHARS: usize = 200;
/// "Any province / level / subject" in a fee or window row.
const ANY: &str = "*";

struct Checker {
    errors: Vec<PlanError>,
}

impl Checker {
    fn fail(&mut self, at: Location, code: &'static str, message: impl Into<String>) {
        self.errors.push(PlanError::new(at, code, message));
    }

    fn unknown_fields(&mut self, record: &Record, allowed: &[&str], what: &str) {
        for (name, value) in &record.fields {
            if !allowed.contains(&name.as_str()) {
                self.fail(value.at, "plan.unknown_field", format!("{what}中没有字段“{name}”，可用的字段：{}", allowed.join("、")));
            }
        }
    }

    fn required<'r>(&mut self, record: &'r Record, field: &str) -> Option<&'r Value> {
        let value = record.get(field);
        if value.is_none() {
            let at = record.fields.get(field).map(|v| v.at).unwrap_or(record.at);
            self.fail(at, "plan.field_required", format!("缺少“{field}”"));
        }
        value
    }

    fn text(&mut self, record: &Record, field: &str, max_chars: usize) -> Option<String> {
        let value = self.required(record, field)?;
        self.checked_text(value, field, max_chars)
    }

    fn optional_text(&mut self, record: &Record, field: &str, max_chars: usize) -> String {
        match record.get(field) {
            Some(value) => self.checked_text(value, field, max_chars).unwrap_or_default(),
            None => String::new(),
        }
    }

    fn checked_text(&mut self, value: &Value, field: &str, max_chars: usize) -> Option<String> {
        let text = value.text.trim();
        if has_control_chars(text) {
            self.fail(value.at, "plan.control_chars", format!("“{field}”含有控制字符"));
            return None;
        }
        if text.chars().count() > max_chars {
            self.fail(value.at, "plan.too_long", format!("“{field}”超过 {max_chars} 个字"));
            return None;
        }
        Some(text.to_string())
    }

    /// A code: ASCII letters, digits and `_`, at most 16 long.
    fn code(&mut self, record: &Record, field: &str) -> Option<String> {
        let value = self.required(record, field)?;
        let text = value.text.trim();
        if text.is_empty() || text.len() > 16 || !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            self.fail(value.at, "plan.code_format", format!("“{field}”应为不超过 16 位的字母、数字或下划线，而不是“{text}”"));
            return None;
        }
        Some(text.to_string())
    }

    fn number<T: std::str::FromStr>(&mut self, value: &Value, field: &str, range: std::ops::RangeInclusive<i64>) -> Option<T> {
        let parsed = value.text.trim().parse::<i64>().ok().filter(|n| range.contains(n));
        match parsed.and_then(|n| n.to_string().parse::<T>().ok()) {
            Some(number) => Some(number),
            None => {
                self.fail(value.at, "plan.number", format!("“{field}”应为 {} 到 {} 之间的整数，而不是“{}”", range.start(), range.end(), value.text.trim()));
                None
            }
        }
    }

    fn date(&mut self, value: &Value, field: &str) -> Option<PlanDate> {
        match parse_date(value.text.trim()) {
            Some(date) => Some(date),
            None => {
                self.fail(value.at, "plan.date", format!("“{field}”应为日期，如 2027-12-31，而不是“{}”", value.text.trim()));
                None
            }
        }
    }

    /// "2026-12-03 08:00" Beijing time → Unix seconds.
    fn moment(&mut self, value: &Value, field: &str) -> Option<i64> {
        let text = value.text.trim();
        let parsed = parse_shanghai(text);
        if parsed.is_none() {
            self.fail(value.at, "plan.moment", format!("“{field}”应为北京时间，如 2026-12-03 08:00，而不是“{text}”"));
        }
        parsed
    }

    /// "*" or empty → None (any); otherwise the value, which must be one of `known`.
    fn any_or(&mut self, record: &Record, field: &str, known: impl Fn(&str) -> bool, what: &str) -> Result<Option<String>, ()> {
        match record.get(field) {
            None => Ok(None),
            Some(value) if value.text.trim() == ANY => Ok(None),
            Some(value) => {
                let text = value.text.trim();
                if known(text) {
                    Ok(Some(text.to_string()))
                } else {
                    self.fail(value.at, "plan.unknown_reference", format!("没有{what}“{text}”"));
                    Err(())
                }
            }
        }
    }

    fn reference(&mut self, record: &Record, field: &str, known: impl Fn(&str) -> bool, what: &str) -> Option<String> {
        let value = self.required(record, field)?;
        let text = value.text.trim();
        if known(text) {
            Some(text.to_string())
        } else {
            self.fail(value.at, "plan.unknown_reference", format!("没有{what}“{text}”"));
            None
        }
    }

    fn unique(&mut self, seen: &mut HashSet<String>, key: String, at: Location, what: &str) -> bool {
        if seen.insert(key.clone()) {
            true
        } else {
            self.fail(at, "plan.duplicate", format!("{what}“{key}”重复"));
            false
        }
    }
}

/// "2026-12-03 08:00" (or the browser's "2026-12-03T08:00") Beijing time → Unix seconds.
pub(super) fn parse_shanghai(text: &str) -> Option<i64> {
    let (date, clock) = text.trim().split_once([' ', 'T'])?;
    let date = parse_date(date)?;
    let (hour, minute) = clock.trim().split_once(':')?;
    let (hour, minute) = (hour.parse::<u8>().ok()?, minute.parse::<u8>().ok()?);
    let date = time::Date::from_calendar_date(date.year as i32, time::Month::try_from(date.month).ok()?, date.day).ok()?;
    let at = date.with_hms(hour, minute, 0).ok()?;
    Some(at.assume_utc().unix_timestamp() - SHANGHAI_OFFSET_SECONDS)
}

/// Where a province's windows break the year's order (apply, pay, print tickets, sit, see scores; review runs
/// alongside applications): (province, the window, the one it opens before).
pub(super) fn sequence_breaks(provinces: &[ProvincePlan], windows: &[Window]) -> Vec<(String, WindowKind, WindowKind)> {
    let mut breaks = Vec::new();
    for province in provinces {
        let mut previous: Option<(WindowKind, i64)> = None;
        for kind in WindowKind::ALL.into_iter().filter(|k| *k != WindowKind::Review) {
            let Some(window) = windows.iter().find(|w| w.kind == kind && w.province.as_deref() == Some(province.code.as_str())).or_else(|| windows.iter().find(|w| w.kind == kind && w.province.is_none())) else { continue };
            if let Some((before, opened)) = previous
                && window.opens_at < opened
            {
                breaks.push((province.code.clone(), kind, before));
            }
            previous = Some((kind, window.opens_at));
        }
    }
    breaks
}

fn parse_date(text: &str) -> Option<PlanDate> {
    let mut parts = text.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 {
        return None;
    }
    let (year, month, day) = (year.parse::<u16>().ok()?, month.parse::<u8>().ok()?, day.parse::<u8>().ok()?);
    time::Date::from_calendar_date(year as i32, time::Month::try_from(month).ok()?, day).ok()?;
    Some(PlanDate { year, month, day })
}

/// Yuan with at most two decimals ("65", "65.5", "65.50") → fen.
fn parse_yuan(text: &str) -> Option<u32> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || whole.len() > 6 || !whole.bytes().all(|b| b.is_ascii_digit()) || fraction.len() > 2 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let cents = format!("{fraction:0<2}").parse::<u32>().ok()?;
    whole.parse::<u32>().ok()?.checked_mul(100)?.checked_add(cents)
}

pub(super) fn build(source: &PlanSource, context: &BuildContext) -> Result<ExamPlan, Vec<PlanError>> {
    let mut check = Checker { errors: Vec::new() };
    check.unknown_fields(&source.settings, &SETTINGS, "文件设置");
    for (name, rows) in &source.sections {
        match SECTIONS.iter().find(|(section, _)| section == name) {
            Some((_, fields)) => rows.iter().for_each(|row| check.unknown_fields(row, fields, &format!("“{name}”"))),
            None => {
                let at = rows.first().map(|r| r.at).unwrap_or_default();
                let names: Vec<&str> = SECTIONS.iter().map(|(n, _)| *n).collect();
                check.fail(at, "plan.unknown_section", format!("没有“{name}”这一节，可用的节：{}", names.join("、")));
            }
        }
    }
    let rows = |name: &str| source.sections.get(name).map(Vec::as_slice).unwrap_or(&[]);

    let exam_year = check.required(&source.settings, "exam_year").and_then(|v| check.number::<u16>(v, "exam_year", 2000..=2100));
    let counted_to = check.required(&source.settings, "work_years_counted_to").and_then(|v| check.date(v, "work_years_counted_to"));

    // Exams, then their levels and subjects.
    let mut exams: Vec<Exam> = Vec::new();
    let mut seen = HashSet::new();
    for row in rows("exams") {
        let code = check.code(row, "code");
        let name = check.text(row, "name", MAX_NAME_CHARS);
        let rule = check.required(row, "subject_rule").and_then(|v| match v.text.trim() {
            "rolling_two_years" => Some(SubjectRule::RollingTwoYears),
            "one_sitting" => Some(SubjectRule::OneSitting),
            other => {
                check.fail(v.at, "plan.subject_rule", format!("subject_rule 应为 rolling_two_years 或 one_sitting，而不是“{other}”"));
                None
            }
        });
        if let (Some(code), Some(name), Some(subject_rule)) = (code, name, rule)
            && check.unique(&mut seen, code.clone(), row.at, "考试")
        {
            exams.push(Exam { code, name, subject_rule, levels: Vec::new(), subjects: Vec::new() });
        }
    }
    if exams.is_empty() && rows("exams").is_empty() {
        check.fail(source.settings.at, "plan.no_exams", "计划中没有考试（exams）");
    }
    let exam_codes: Vec<String> = exams.iter().map(|e| e.code.clone()).collect();
    let known_exam = |code: &str| exam_codes.iter().any(|c| c == code);
    for (section, what) in [("levels", "级别"), ("subjects", "科目")] {
        let mut seen = HashSet::new();
        for row in rows(section) {
            let exam = check.reference(row, "exam", known_exam, "考试");
            let code = check.code(row, "code");
            let name = check.text(row, "name", MAX_NAME_CHARS);
            if let (Some(exam), Some(code), Some(name)) = (exam, code, name)
                && check.unique(&mut seen, format!("{exam}/{code}"), row.at, what)
            {
                let target = exams.iter_mut().find(|e| e.code == exam).expect("checked above");
                if section == "levels" {
                    target.levels.push(Level { code, name });
                } else {
                    target.subjects.push(Subject { code, name });
                }
            }
        }
    }
    for exam in &exams {
        let at = rows("exams").iter().find(|r| r.get("code").is_some_and(|v| v.text.trim() == exam.code)).map(|r| r.at).unwrap_or_default();
        if exam.levels.is_empty() {
            check.fail(at, "plan.exam_without_levels", format!("考试“{}”没有级别（levels）", exam.code));
        }
        if exam.subjects.is_empty() {
            check.fail(at, "plan.exam_without_subjects", format!("考试“{}”没有科目（subjects）", exam.code));
        }
    }
    let known_level = |exam: &str, level: &str| exams.iter().any(|e| e.code == exam && e.levels.iter().any(|l| l.code == level));
    let known_subject = |exam: &str, subject: &str| exams.iter().any(|e| e.code == exam && e.subjects.iter().any(|s| s.code == subject));

    // Specialties and the mappings from earlier years.
    let mut specialties = Vec::new();
    let mut seen = HashSet::new();
    for row in rows("specialties") {
        let code = check.code(row, "code");
        let exam = check.reference(row, "exam", known_exam, "考试");
        let level = check.required(row, "level").map(|v| (v.text.trim().to_string(), v.at));
        let name = check.text(row, "name", MAX_NAME_CHARS);
        let mode = check.required(row, "mode").and_then(|v| match v.text.trim() {
            "computer" => Some(ExamMode::Computer),
            "paper" => Some(ExamMode::Paper),
            other => {
                check.fail(v.at, "plan.mode", format!("mode 应为 computer 或 paper，而不是“{other}”"));
                None
            }
        });
        let (Some(code), Some(exam), Some((level, level_at)), Some(name), Some(mode)) = (code, exam, level, name, mode) else { continue };
        if !known_level(&exam, &level) {
            check.fail(level_at, "plan.unknown_reference", format!("考试“{exam}”没有级别“{level}”"));
            continue;
        }
        if check.unique(&mut seen, code.clone(), row.at, "专业代码") {
            specialties.push(Specialty { code, exam, level, name, mode });
        }
    }
    let mut specialty_mappings = Vec::new();
    let mut seen = HashSet::new();
    for row in rows("specialty_mappings") {
        let from_year = check.required(row, "from_year").and_then(|v| check.number::<u16>(v, "from_year", 2000..=2100));
        let from_code = check.code(row, "from_code");
        let to_code = check.reference(row, "to_code", |c| specialties.iter().any(|s: &Specialty| s.code == c), "本年度专业");
        let (Some(from_year), Some(from_code), Some(to_code)) = (from_year, from_code, to_code) else { continue };
        if exam_year.is_some_and(|year| from_year >= year) {
            check.fail(row.get("from_year").map(|v| v.at).unwrap_or(row.at), "plan.mapping_year", "from_year 应早于本考试年度");
            continue;
        }
        if check.unique(&mut seen, format!("{from_year}/{from_code}"), row.at, "专业对应") {
            specialty_mappings.push(SpecialtyMapping { from_year, from_code, to_code });
        }
    }

    // 考区 and 考点.
    let mut provinces = Vec::new();
    let mut seen = HashSet::new();
    for row in rows("provinces") {
        let code = check.reference(row, "code", |c| context.known_provinces.iter().any(|p| p == c), "考区代码");
        let files = match row.get("supporting_files") {
            None => Some(FilesRequirement::None),
            Some(v) => match v.text.trim() {
                "none" => Some(FilesRequirement::None),
                "optional" => Some(FilesRequirement::Optional),
                "required" => Some(FilesRequirement::Required),
                other => {
                    check.fail(v.at, "plan.supporting_files", format!("supporting_files 应为 none、optional 或 required，而不是“{other}”"));
                    None
                }
            },
        };
        let note = check.optional_text(row, "supporting_files_note", MAX_NOTE_CHARS);
        if let (Some(code), Some(supporting_files)) = (code, files) {
            if supporting_files != FilesRequirement::None && note.is_empty() {
                check.fail(row.at, "plan.field_required", "要求上传材料时须写明材料（supporting_files_note）");
                continue;
            }
            if check.unique(&mut seen, code.clone(), row.at, "考区") {
                provinces.push(ProvincePlan { code, supporting_files, supporting_files_note: note });
            }
        }
    }
    if provinces.is_empty() && rows("provinces").is_empty() {
        check.fail(source.settings.at, "plan.no_provinces", "计划中没有参加的考区（provinces）");
    }
    let province_codes: Vec<String> = provinces.iter().map(|p| p.code.clone()).collect();
    let known_province = |code: &str| province_codes.iter().any(|c| c == code);
    let mut sites = Vec::new();
    let mut seen = HashSet::new();
    for row in rows("sites") {
        let code = check.code(row, "code");
        let province = check.reference(row, "province", known_province, "本计划中的考区");
        let name = check.text(row, "name", MAX_NAME_CHARS);
        let address = check.text(row, "address", MAX_NOTE_CHARS);
        let phone = check.text(row, "phone", 40);
        let (Some(code), Some(province), Some(name), Some(address), Some(phone)) = (code, province, name, address, phone) else { continue };
        if !(code.len() == 4 && code.starts_with(&province) && code.bytes().all(|b| b.is_ascii_digit())) {
            check.fail(row.get("code").map(|v| v.at).unwrap_or(row.at), "plan.site_code", format!("考点代码应为考区代码“{province}”加两位数字，而不是“{code}”"));
            continue;
        }
        if check.unique(&mut seen, code.clone(), row.at, "考点") {
            sites.push(SitePlan { code, province, name, address, phone });
        }
    }
    for province in &provinces {
        if !sites.iter().any(|s| s.province == province.code) {
            let at = rows("provinces").iter().find(|r| r.get("code").is_some_and(|v| v.text.trim() == province.code)).map(|r| r.at).unwrap_or_default();
            check.fail(at, "plan.province_without_sites", format!("考区“{}”没有考点（sites）", province.code));
        }
    }

    // Windows.
    let mut windows = Vec::new();
    let mut seen = HashSet::new();
    for row in rows("windows") {
        let Ok(province) = check.any_or(row, "province", known_province, "本计划中的考区") else { continue };
        let kind = check.required(row, "kind").and_then(|v| {
            let kind = WindowKind::from_code(v.text.trim());
            if kind.is_none() {
                let names: Vec<&str> = WindowKind::ALL.iter().map(|k| k.code()).collect();
                check.fail(v.at, "plan.window_kind", format!("kind 应为 {} 之一，而不是“{}”", names.join("、"), v.text.trim()));
            }
            kind
        });
        let opens = check.required(row, "opens").and_then(|v| check.moment(v, "opens"));
        let closes = check.required(row, "closes").and_then(|v| check.moment(v, "closes"));
        let (Some(kind), Some(opens_at), Some(closes_at)) = (kind, opens, closes) else { continue };
        if opens_at >= closes_at {
            check.fail(row.get("closes").map(|v| v.at).unwrap_or(row.at), "plan.window_order", "结束时间应晚于开始时间");
            continue;
        }
        let key = format!("{}/{}", province.as_deref().unwrap_or(ANY), kind.code());
        if check.unique(&mut seen, key, row.at, "时间窗口") {
            windows.push(Window { province, kind, opens_at, closes_at });
        }
    }
    for (province, kind, before) in sequence_breaks(&provinces, &windows) {
        let at = rows("windows").iter().find(|r| r.get("kind").is_some_and(|v| v.text.trim() == kind.code())).map(|r| r.at).unwrap_or_default();
        check.fail(at, "plan.window_sequence", format!("考区“{province}”的{}不应早于{}开始", kind.name_zh(), before.name_zh()));
    }

    // Fees.
    let mut fees = Vec::new();
    let mut seen = HashSet::new();
    let errors_before_fees = check.errors.len();
    for row in rows("fees") {
        let Ok(province) = check.any_or(row, "province", known_province, "本计划中的考区") else { continue };
        let Some(exam) = check.reference(row, "exam", known_exam, "考试") else { continue };
        let Ok(level) = check.any_or(row, "level", |l| known_level(&exam, l), &format!("考试“{exam}”的级别")) else { continue };
        let Ok(subject) = check.any_or(row, "subject", |s| known_subject(&exam, s), &format!("考试“{exam}”的科目")) else { continue };
        let Some(yuan) = check.required(row, "yuan") else { continue };
        let Some(fen) = parse_yuan(yuan.text.trim()) else {
            check.fail(yuan.at, "plan.yuan", format!("yuan 应为金额（元，至多两位小数），而不是“{}”", yuan.text.trim()));
            continue;
        };
        let key = [province.as_deref(), Some(exam.as_str()), level.as_deref(), subject.as_deref()].map(|p| p.unwrap_or(ANY)).join("/");
        if check.unique(&mut seen, key, row.at, "收费标准") {
            fees.push(Fee { province, exam, level, subject, fen });
        }
    }
    // Every subject a candidate could sit has a fee in every province (checked only once the rows themselves
    // are right, so one typo does not bury the file under follow-on messages).
    let fee_rows_ok = check.errors.len() == errors_before_fees;
    for exam in exams.iter().filter(|_| fee_rows_ok && !rows("fees").is_empty()) {
        for level in &exam.levels {
            for province in &provinces {
                let uncovered: Vec<&str> = exam
                    .subjects
                    .iter()
                    .filter(|subject| {
                        !fees.iter().any(|f| {
                            f.exam == exam.code
                                && f.province.as_deref().is_none_or(|p| p == province.code)
                                && f.level.as_deref().is_none_or(|l| l == level.code)
                                && f.subject.as_deref().is_none_or(|s| s == subject.code)
                        })
                    })
                    .map(|s| s.name.as_str())
                    .collect();
                if !uncovered.is_empty() {
                    let at = rows("fees").first().map(|r| r.at).unwrap_or_default();
                    check.fail(at, "plan.fee_missing", format!("没有考区“{}”{}{}{}科目的收费标准", province.code, exam.name, level.name, uncovered.join("、")));
                }
            }
        }
    }
    if rows("fees").is_empty() && !exams.is_empty() {
        check.fail(source.settings.at, "plan.fee_missing", "计划中没有收费标准（fees）");
    }

    // Eligibility rule sets.
    let mut eligibility = Vec::new();
    let mut seen = HashSet::new();
    for row in rows("eligibility") {
        let Some(exam) = check.reference(row, "exam", known_exam, "考试") else { continue };
        let level = check.reference(row, "level", |l| known_level(&exam, l), &format!("考试“{exam}”的级别"));
        let education = check.reference(row, "education", |e| EducationLevel::from_code(e).is_some(), "学历代码");
        let years = check.required(row, "min_work_years").and_then(|v| check.number::<u8>(v, "min_work_years", 0..=40));
        let Ok(title) = check.any_or(row, "requires_title", |t| known_level(&exam, t), &format!("考试“{exam}”的级别")) else { continue };
        let (Some(level), Some(education), Some(min_work_years)) = (level, education, years) else { continue };
        if check.unique(&mut seen, format!("{exam}/{level}/{education}"), row.at, "报考条件") {
            eligibility.push(EligibilityRule { exam, level, education, min_work_years, requires_title: title });
        }
    }

    match (check.errors.is_empty(), exam_year, counted_to) {
        (true, Some(exam_year), Some(work_years_counted_to)) => {
            Ok(ExamPlan { exam_year, work_years_counted_to, exams, specialties, specialty_mappings, provinces, sites, windows, fees, eligibility })
        }
        _ => {
            let mut errors = check.errors;
            errors.sort_by_key(|e| (e.at.line, e.at.column));
            Err(errors)
        }
    }
}
