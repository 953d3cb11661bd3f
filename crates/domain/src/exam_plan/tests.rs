use super::eligibility::{Qualifications, work_years};
use super::*;
use crate::education::{EducationLevel, YearMonth};

const PLAN: &str = r#"
exam_year: 2027
work_years_counted_to: 2027-12-31
exams:
  - { code: health_title, name: 卫生专业技术资格考试, subject_rule: rolling_two_years }
  - { code: nurse, name: 护士执业资格考试, subject_rule: one_sitting }
levels:
  - { exam: health_title, code: assistant, name: 初级(士) }
  - { exam: health_title, code: junior, name: 初级(师) }
  - { exam: health_title, code: intermediate, name: 中级 }
  - { exam: nurse, code: nurse, name: 护士 }
subjects:
  - { exam: health_title, code: basic, name: 基础知识 }
  - { exam: health_title, code: related, name: 相关专业知识 }
  - { exam: health_title, code: professional, name: 专业知识 }
  - { exam: health_title, code: practice, name: 专业实践能力 }
  - { exam: nurse, code: nursing_practice, name: 专业实务 }
  - { exam: nurse, code: nursing_ability, name: 实践能力 }
specialties:
  - { code: 203, exam: health_title, level: junior, name: 护理学(师), mode: paper }
  - { code: 368, exam: health_title, level: intermediate, name: 护理学(中级), mode: computer }
  - { code: 111, exam: health_title, level: assistant, name: 卫生检验技术(士), mode: computer }
  - { code: "001", exam: nurse, level: nurse, name: 护士执业资格, mode: computer }
specialty_mappings:
  - { from_year: 2019, from_code: 109, to_code: 111 }
  - { from_year: 2019, from_code: 110, to_code: 111 }
provinces:
  - { code: "11" }
  - { code: "31", supporting_files: required, supporting_files_note: 单位盖章的工作年限证明 }
sites:
  - { code: "1101", province: "11", name: 东城区考点, address: 东单北大街1号, phone: 010-65120000 }
  - { code: "3101", province: "31", name: 黄浦区考点, address: 南京东路3号, phone: 021-63210000 }
windows:
  - { province: "*", kind: application, opens: 2026-12-03 08:00, closes: 2026-12-16 17:00 }
  - { province: "31", kind: application, opens: 2026-12-05 09:00, closes: 2026-12-12 17:00 }
  - { province: "*", kind: review, opens: 2026-12-03 08:00, closes: 2027-01-10 17:00 }
  - { province: "*", kind: payment, opens: 2027-02-07 08:00, closes: 2027-02-16 17:00 }
fees:
  - { province: "*", exam: health_title, level: "*", subject: "*", yuan: 50 }
  - { province: "31", exam: health_title, level: "*", subject: "*", yuan: 65.5 }
  - { province: "31", exam: health_title, level: intermediate, subject: practice, yuan: 80 }
  - { province: "*", exam: nurse, yuan: 55 }
eligibility:
  - { exam: health_title, level: junior, education: secondary_vocational, min_work_years: 5 }
  - { exam: health_title, level: junior, education: junior_college, min_work_years: 3 }
  - { exam: health_title, level: junior, education: bachelor, min_work_years: 1 }
  - { exam: health_title, level: junior, education: master, min_work_years: 0 }
  - { exam: health_title, level: intermediate, education: secondary_vocational, min_work_years: 7, requires_title: junior }
  - { exam: health_title, level: intermediate, education: junior_college, min_work_years: 6 }
  - { exam: health_title, level: intermediate, education: bachelor, min_work_years: 4 }
  - { exam: health_title, level: intermediate, education: master, min_work_years: 2 }
  - { exam: health_title, level: intermediate, education: doctor, min_work_years: 0 }
"#;

fn context() -> BuildContext {
    BuildContext { known_provinces: ["11", "31", "44"].map(String::from).to_vec() }
}

fn plan() -> ExamPlan {
    ExamPlan::from_file(PLAN, PlanFormat::Yaml, &context()).unwrap_or_else(|errors| panic!("{errors:#?}"))
}

/// Beijing time → Unix seconds.
fn beijing(text: &str) -> i64 {
    let (date, clock) = text.split_once(' ').unwrap();
    let parts: Vec<i32> = date.split('-').chain(clock.split(':')).map(|p| p.parse().unwrap()).collect();
    let date = time::Date::from_calendar_date(parts[0], time::Month::try_from(parts[1] as u8).unwrap(), parts[2] as u8).unwrap();
    date.with_hms(parts[3] as u8, parts[4] as u8, 0).unwrap().assume_utc().unix_timestamp() - 8 * 3600
}

fn ym(year: u16, month: u8) -> Option<YearMonth> {
    Some(YearMonth { year, month })
}

#[test]
fn the_plan_reads_whole() {
    let plan = plan();
    assert_eq!(plan.exam_year, 2027);
    assert_eq!(plan.exam("health_title").unwrap().subjects.len(), 4);
    assert_eq!(plan.specialties_of("health_title", "junior").map(|s| s.code.as_str()).collect::<Vec<_>>(), ["203"]);
    assert_eq!(plan.specialty("203").unwrap().mode, ExamMode::Paper);
    assert_eq!(plan.sites_in("31").count(), 1);
    assert_eq!(plan.province("31").unwrap().supporting_files, FilesRequirement::Required);
}

#[test]
fn merged_specialties_map_to_this_years() {
    let plan = plan();
    assert_eq!(plan.current_specialty(2019, "109").unwrap().name, "卫生检验技术(士)");
    assert_eq!(plan.current_specialty(2019, "110").unwrap().code, "111");
    assert_eq!(plan.current_specialty(2026, "368").unwrap().code, "368");
    assert!(plan.current_specialty(2019, "999").is_none());
}

#[test]
fn windows_open_at_their_first_second_and_close_at_their_last() {
    let plan = plan();
    let opens = beijing("2026-12-03 08:00");
    let closes = beijing("2026-12-16 17:00");
    assert!(!plan.is_open("11", WindowKind::Application, opens - 1));
    assert!(plan.is_open("11", WindowKind::Application, opens));
    assert!(plan.is_open("11", WindowKind::Application, closes - 1));
    assert!(!plan.is_open("11", WindowKind::Application, closes));
    assert_eq!(plan.window_state("11", WindowKind::Application, opens - 1), WindowState::NotYetOpen { opens_at: opens });
    assert_eq!(plan.window_state("11", WindowKind::Application, closes), WindowState::Closed { closed_at: closes });
    assert_eq!(plan.window_state("11", WindowKind::Ticket, opens), WindowState::NotSet);
    // 上海 has its own, shorter window; the plan-wide one does not apply there.
    assert!(!plan.is_open("31", WindowKind::Application, beijing("2026-12-05 08:59")));
    assert!(plan.is_open("31", WindowKind::Application, beijing("2026-12-05 09:00")));
    assert!(!plan.is_open("31", WindowKind::Application, beijing("2026-12-12 17:00")));
    assert_eq!(format_shanghai(opens), "2026-12-03 08:00");
}

#[test]
fn the_most_specific_fee_wins() {
    let plan = plan();
    assert_eq!(plan.fee("11", "health_title", "junior", "basic"), Some(5000));
    assert_eq!(plan.fee("31", "health_title", "junior", "basic"), Some(6550));
    assert_eq!(plan.fee("31", "health_title", "intermediate", "practice"), Some(8000));
    assert_eq!(plan.fee("31", "health_title", "intermediate", "basic"), Some(6550));
    assert_eq!(plan.fee("11", "nurse", "nurse", "nursing_ability"), Some(5500));
}

#[test]
fn subjects_follow_the_exams_cycle_rule() {
    let plan = plan();
    let codes = |subjects: Vec<&Subject>| subjects.into_iter().map(|s| s.code.clone()).collect::<Vec<_>>();
    assert_eq!(codes(plan.subjects_to_sit("health_title", &[])), ["basic", "related", "professional", "practice"]);
    assert_eq!(codes(plan.subjects_to_sit("health_title", &["basic".into(), "practice".into()])), ["related", "professional"]);
    // The nurse exam is passed in one sitting: always both.
    assert_eq!(codes(plan.subjects_to_sit("nurse", &["nursing_practice".into()])), ["nursing_practice", "nursing_ability"]);
}

#[test]
fn work_years_count_whole_years_to_the_cutoff() {
    let end = PlanDate { year: 2027, month: 12, day: 31 };
    assert_eq!(work_years(YearMonth { year: 2023, month: 1 }, end), 5);
    assert_eq!(work_years(YearMonth { year: 2024, month: 1 }, end), 4);
    assert_eq!(work_years(YearMonth { year: 2024, month: 2 }, end), 3);
    assert_eq!(work_years(YearMonth { year: 2028, month: 1 }, end), 0);
    // A cutoff inside a month does not count that month.
    assert_eq!(work_years(YearMonth { year: 2026, month: 7 }, PlanDate { year: 2027, month: 6, day: 30 }), 1);
    assert_eq!(work_years(YearMonth { year: 2026, month: 7 }, PlanDate { year: 2027, month: 6, day: 29 }), 0);
}

#[test]
fn eligibility_table() {
    use EducationLevel::*;
    let plan = plan();
    // (level, education, started work, held title, eligible, code, words the explanation contains)
    let cases: &[(&str, Option<EducationLevel>, Option<YearMonth>, Option<&str>, bool, &str, &str)] = &[
        ("intermediate", Some(Bachelor), ym(2024, 1), None, true, "eligible", "您工作4年"),
        ("intermediate", Some(Bachelor), ym(2024, 2), None, false, "ineligible.work_years", "本科学历，工作满4年方可报考中级，您工作3年"),
        ("intermediate", Some(Doctor), None, None, true, "eligible", "博士研究生学历可报考中级"),
        ("intermediate", Some(Master), ym(2026, 1), None, true, "eligible", "工作满2年"),
        ("intermediate", Some(Master), ym(2026, 2), None, false, "ineligible.work_years", "您工作1年"),
        // A second bachelor's degree ranks with a bachelor's.
        ("intermediate", Some(SecondBachelor), ym(2023, 5), None, true, "eligible", "本科学历"),
        ("intermediate", Some(SecondaryVocational), ym(2019, 1), None, false, "ineligible.title", "尚未取得初级(师)资格"),
        ("intermediate", Some(SecondaryVocational), ym(2019, 1), Some("junior"), true, "eligible", "且已取得初级(师)资格"),
        ("intermediate", Some(SecondaryVocational), ym(2019, 1), Some("intermediate"), true, "eligible", ""),
        ("intermediate", Some(SecondaryVocational), ym(2019, 1), Some("assistant"), false, "ineligible.title", ""),
        ("intermediate", Some(SecondaryVocational), ym(2021, 2), Some("junior"), false, "ineligible.work_years", "工作满7年"),
        ("intermediate", Some(Other), ym(2000, 1), None, false, "ineligible.education", "须具有中专及以上学历"),
        ("intermediate", None, ym(2000, 1), None, false, "ineligible.no_education", "请先添加学历"),
        ("intermediate", Some(Bachelor), None, None, false, "ineligible.no_work_start", "请填写参加工作时间"),
        ("junior", Some(JuniorCollege), ym(2025, 1), None, true, "eligible", "工作满3年"),
        ("junior", Some(JuniorCollege), ym(2025, 2), None, false, "ineligible.work_years", "大专（专科）学历，工作满3年方可报考初级(师)，您工作2年"),
        ("junior", Some(Master), None, None, true, "eligible", "硕士研究生学历可报考初级(师)"),
        // A doctor's degree uses the nearest line below it (硕士, no years).
        ("junior", Some(Doctor), None, None, true, "eligible", "硕士研究生学历"),
        // No rule set for 初级(士): open to all.
        ("assistant", None, None, None, true, "eligible.no_rules", "不限学历"),
    ];
    for (index, (level, education, started, title, eligible, code, words)) in cases.iter().enumerate() {
        let who = Qualifications { highest_education: *education, started_work: *started, held_title: title.map(String::from) };
        let verdict = plan.evaluate("health_title", level, &who);
        assert_eq!((verdict.eligible, verdict.code), (*eligible, *code), "case {index}: {verdict:?}");
        assert!(verdict.explanation_zh.contains(words), "case {index}: {} lacks {words}", verdict.explanation_zh);
        assert!(!verdict.explanation_en.is_empty());
    }
}

/// Replaces the first occurrence of `from` in the plan, and returns the problems found in the result.
fn problems_after(from: &str, to: &str) -> Vec<PlanError> {
    assert!(PLAN.contains(from), "{from}");
    ExamPlan::from_file(&PLAN.replacen(from, to, 1), PlanFormat::Yaml, &context()).expect_err("the change makes the plan wrong")
}

fn line_of(needle: &str) -> usize {
    PLAN.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn every_problem_names_its_line() {
    // (replace, with, code, line containing)
    let cases = [
        ("level: junior, name: 护理学(师)", "level: senior, name: 护理学(师)", "plan.unknown_reference", "护理学(师)"),
        ("mode: paper", "mode: pen", "plan.mode", "护理学(师)"),
        ("code: 368,", "code: 203,", "plan.duplicate", "护理学(中级)"),
        ("closes: 2026-12-16 17:00", "closes: 2026-12-01 17:00", "plan.window_order", "2026-12-03 08:00, closes: 2026-12-01"),
        ("opens: 2027-02-07 08:00", "opens: 2027-02-30 08:00", "plan.moment", "kind: payment"),
        ("yuan: 65.5", "yuan: 65.555", "plan.yuan", "yuan: 65.555"),
        ("min_work_years: 4", "min_work_years: four", "plan.number", "min_work_years: four"),
        ("education: doctor", "education: phd", "plan.unknown_reference", "education: phd"),
        ("requires_title: junior", "requires_title: chief", "plan.unknown_reference", "requires_title: chief"),
        ("to_code: 111 }", "to_code: 112 }", "plan.unknown_reference", "to_code: 112"),
        ("code: \"3101\", province: \"31\"", "code: \"1199\", province: \"31\"", "plan.site_code", "1199"),
        ("supporting_files_note: 单位盖章的工作年限证明", "supporting_files_note: \"\"", "plan.field_required", "supporting_files: required"),
        ("  - { code: \"31\",", "  - { code: \"99\",", "plan.unknown_reference", "code: \"99\""),
        ("name: 东城区考点,", "name: 东城区考点, room: 1,", "plan.unknown_field", "room: 1"),
        ("work_years_counted_to: 2027-12-31", "work_years_counted_to: 2027-13-01", "plan.date", "2027-13-01"),
        ("from_year: 2019, from_code: 110", "from_year: 2027, from_code: 110", "plan.mapping_year", "from_code: 110"),
    ];
    for (from, to, code, needle) in cases {
        let problems = problems_after(from, to);
        let changed = PLAN.replacen(from, to, 1);
        let line = changed.lines().position(|l| l.contains(needle)).unwrap() + 1;
        assert!(problems.iter().any(|p| p.code == code && p.at.line == line), "{from} → {to}: wanted {code} at line {line}, got {problems:#?}");
    }
}

#[test]
fn a_window_out_of_the_years_order_is_refused() {
    let problems = problems_after("opens: 2027-02-07 08:00", "opens: 2026-12-01 08:00");
    assert!(problems.iter().any(|p| p.code == "plan.window_sequence" && p.at.line == line_of("kind: payment")), "{problems:#?}");
}

#[test]
fn a_fee_gap_is_refused() {
    let problems = problems_after("  - { province: \"*\", exam: nurse, yuan: 55 }\n", "");
    assert!(problems.iter().any(|p| p.code == "plan.fee_missing" && p.message.contains("护士执业资格考试")), "{problems:#?}");
}

#[test]
fn all_problems_are_reported_at_once() {
    let text = PLAN.replacen("mode: paper", "mode: pen", 1).replacen("yuan: 55", "yuan: free", 1);
    let problems = ExamPlan::from_file(&text, PlanFormat::Yaml, &context()).unwrap_err();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].at.line < problems[1].at.line);
    assert!(problems[0].to_string().starts_with(&format!("第 {} 行", problems[0].at.line)));
}

#[test]
fn the_same_plan_in_csv() {
    let csv = "\u{feff}[plan]\nexam_year,work_years_counted_to\n2027,2027-12-31\n\
        [exams]\ncode,name,subject_rule\nnurse,护士执业资格考试,one_sitting\n\
        [levels]\nexam,code,name\nnurse,nurse,护士\n\
        [subjects]\nexam,code,name\nnurse,nursing_practice,专业实务\nnurse,nursing_ability,实践能力\n\
        [specialties]\ncode,exam,level,name,mode\n001,nurse,nurse,护士执业资格,computer\n\
        [provinces]\ncode,supporting_files,supporting_files_note\n44,optional,\"学历证书扫描件, PDF\"\n\
        [sites]\ncode,province,name,address,phone\n4401,44,广州市考点,中山二路4号,020-83760000\n\
        [windows]\nprovince,kind,opens,closes\n*,application,2026-12-03 08:00,2026-12-16 17:00\n\
        [fees]\nprovince,exam,level,subject,yuan\n44,nurse,*,*,60\n";
    let plan = ExamPlan::from_file(csv, PlanFormat::Csv, &context()).unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(plan.province("44").unwrap().supporting_files_note, "学历证书扫描件, PDF");
    assert_eq!(plan.fee("44", "nurse", "nurse", "nursing_ability"), Some(6000));
    let broken = csv.replace("4401,44,广州市考点", "4401,45,广州市考点");
    let problems = ExamPlan::from_file(&broken, PlanFormat::Csv, &context()).unwrap_err();
    let line = broken.lines().position(|l| l.starts_with("4401,45")).unwrap() + 1;
    assert!(problems.iter().any(|p| p.at.line == line && p.at.column == 2 && p.code == "plan.unknown_reference"), "{problems:#?}");
}

#[test]
fn a_stored_plan_reads_back_the_same() {
    let plan = plan();
    let json = serde_json::to_string(&plan).unwrap();
    assert_eq!(serde_json::from_str::<ExamPlan>(&json).unwrap(), plan);
}

#[test]
fn applications_move_only_inside_their_windows() {
    use crate::application::{ApplicationState::*, Transition::*, check_transition};
    let plan = plan();
    let (opens, closes) = (beijing("2026-12-03 08:00"), beijing("2026-12-16 17:00"));
    assert_eq!(check_transition(&plan, "11", Draft, Submit, opens - 1), Err("application.window_closed"));
    assert_eq!(check_transition(&plan, "11", Draft, Submit, opens), Ok(Submitted));
    assert_eq!(check_transition(&plan, "11", Submitted, Withdraw, closes - 1), Ok(Withdrawn));
    assert_eq!(check_transition(&plan, "11", Submitted, Withdraw, closes), Err("application.window_closed"));
    // A supplement is handed in during review, after applications have closed.
    let review_closes = beijing("2027-01-10 17:00");
    assert_eq!(check_transition(&plan, "11", NeedsSupplement, Submit, closes + 3600), Ok(Submitted));
    assert_eq!(check_transition(&plan, "11", Submitted, Approve, review_closes - 1), Ok(Approved));
    assert_eq!(check_transition(&plan, "11", Submitted, Approve, review_closes), Err("application.review_window_closed"));
    assert_eq!(check_transition(&plan, "11", Approved, Reject, opens), Err("application.transition_not_allowed"));
    // 上海's own window.
    assert_eq!(check_transition(&plan, "31", Draft, Submit, beijing("2026-12-04 12:00")), Err("application.window_closed"));
}

fn edit(kind: WindowKind, opens: &str, closes: &str) -> WindowEdit {
    WindowEdit { kind: Some(kind), opens: opens.into(), closes: closes.into() }
}

#[test]
fn a_province_edits_its_own_windows_under_the_same_rules() {
    let plan = plan();
    // 北京 gets its own application window (typed as a browser's datetime-local sends it), and keeps the defaults otherwise.
    let edited = plan.with_windows(Some("11"), &[edit(WindowKind::Application, "2026-12-04T09:00", "2026-12-10 17:00"), edit(WindowKind::Payment, "", "")]).unwrap();
    assert!(edited.is_open("11", WindowKind::Application, beijing("2026-12-04 09:00")));
    assert!(!edited.is_open("11", WindowKind::Application, beijing("2026-12-03 09:00")));
    assert_eq!(edited.own_windows(Some("31")), plan.own_windows(Some("31")), "other provinces untouched");
    // Removing 上海's override falls back to the default.
    let back = plan.with_windows(Some("31"), &[edit(WindowKind::Application, "", "")]).unwrap();
    assert!(back.is_open("31", WindowKind::Application, beijing("2026-12-03 08:00")));

    let errors = plan.with_windows(Some("11"), &[edit(WindowKind::Application, "明天", "2026-12-10 17:00"), edit(WindowKind::Review, "2026-12-10 17:00", "2026-12-09 17:00")]).unwrap_err();
    let found: Vec<(&str, &str)> = errors.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
    assert_eq!(found, [("application_opens", "plan.moment"), ("review_closes", "plan.window_order")]);
    // Payment before applications open breaks the year's order.
    let errors = plan.with_windows(Some("11"), &[edit(WindowKind::Payment, "2026-11-01 08:00", "2026-11-05 17:00")]).unwrap_err();
    assert_eq!(errors.0[0].code, "plan.window_sequence");
    // The defaults cannot be left empty; a province not in the plan is refused.
    assert_eq!(plan.with_windows(None, &[edit(WindowKind::Review, "", "")]).unwrap_err().0[0].code, "plan.window_required");
    assert!(plan.with_windows(Some("44"), &[]).is_err());
}
