//! Whether a candidate may apply for a level, by the year's rule set, with an explanation they can read
//! ("本科学历，工作满4年方可报考中级，您工作3年").

use super::{EligibilityRule, ExamPlan, PlanDate};
use crate::education::{EducationLevel, YearMonth};

/// What the candidate told us that the rules look at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Qualifications {
    pub highest_education: Option<EducationLevel>,
    pub started_work: Option<YearMonth>,
    /// The level (of the same exam) whose qualification the candidate holds, if any.
    pub held_title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub eligible: bool,
    /// A stable code for the outcome (filters, the API).
    pub code: &'static str,
    pub explanation_zh: String,
    pub explanation_en: String,
}

/// How the levels of education rank for the rules: a higher one satisfies a line written for a lower one.
pub fn education_rank(level: EducationLevel) -> u8 {
    match level {
        EducationLevel::Other => 0,
        EducationLevel::SecondaryVocational => 1,
        EducationLevel::JuniorCollege => 2,
        EducationLevel::Bachelor | EducationLevel::SecondBachelor => 3,
        EducationLevel::Master => 4,
        EducationLevel::Doctor => 5,
    }
}

/// The highest of a candidate's education records.
pub fn highest_education(levels: impl IntoIterator<Item = EducationLevel>) -> Option<EducationLevel> {
    levels.into_iter().max_by_key(|l| education_rank(*l))
}

/// Whole years of work from the first day of `started` to the end of `counted_to`.
pub fn work_years(started: YearMonth, counted_to: PlanDate) -> u32 {
    let months = (counted_to.year as i32 - started.year as i32) * 12 + (counted_to.month as i32 - started.month as i32)
        + if counted_to.is_last_day_of_month() { 1 } else { 0 };
    (months.max(0) / 12) as u32
}

impl ExamPlan {
    pub fn evaluate(&self, exam: &str, level: &str, who: &Qualifications) -> Verdict {
        let level_name = self.level_name(exam, level).unwrap_or(level).to_string();
        let rules: Vec<&EligibilityRule> = self.eligibility.iter().filter(|r| r.exam == exam && r.level == level).collect();
        if rules.is_empty() {
            return Verdict {
                eligible: true,
                code: "eligible.no_rules",
                explanation_zh: format!("报考{level_name}不限学历和工作年限"),
                explanation_en: format!("{level_name} has no education or work-year requirement"),
            };
        }
        let Some(education) = who.highest_education else {
            return Verdict {
                eligible: false,
                code: "ineligible.no_education",
                explanation_zh: "尚未填写学历，无法判断报考资格，请先添加学历".into(),
                explanation_en: "Add your education first: eligibility depends on it".into(),
            };
        };
        // The line for the candidate's own education, else the nearest line below it.
        let rule = rules
            .iter()
            .filter_map(|r| EducationLevel::from_code(&r.education).map(|e| (r, e)))
            .filter(|(_, e)| education_rank(*e) <= education_rank(education))
            .max_by_key(|(_, e)| education_rank(*e));
        let Some((rule, rule_education)) = rule else {
            let lowest = rules.iter().filter_map(|r| EducationLevel::from_code(&r.education)).min_by_key(|e| education_rank(*e));
            let lowest_zh = lowest.map(|e| e.name_zh()).unwrap_or("");
            return Verdict {
                eligible: false,
                code: "ineligible.education",
                explanation_zh: format!("报考{level_name}须具有{lowest_zh}及以上学历，您的最高学历为{}", education.name_zh()),
                explanation_en: format!("{level_name} requires {} or higher; your highest education is {}", lowest.map(|e| e.name_en()).unwrap_or(""), education.name_en()),
            };
        };
        let needed = rule.min_work_years as u32;
        let counted_to = self.work_years_counted_to.to_iso();
        let title_clause_zh = rule.requires_title.as_deref().map(|t| format!("且已取得{}资格", self.level_name(exam, t).unwrap_or(t))).unwrap_or_default();
        let title_clause_en = rule.requires_title.as_deref().map(|t| format!(" and a {} qualification", self.level_name(exam, t).unwrap_or(t))).unwrap_or_default();
        let condition_zh = if needed == 0 {
            format!("{}学历{title_clause_zh}可报考{level_name}", rule_education.name_zh())
        } else {
            format!("{}学历，工作满{needed}年{title_clause_zh}方可报考{level_name}", rule_education.name_zh())
        };
        let condition_en = format!("{level_name} needs {} with {needed} years of work{title_clause_en}", rule_education.name_en());

        let years = match who.started_work {
            Some(started) => Some(work_years(started, self.work_years_counted_to)),
            None if needed == 0 => None,
            None => {
                return Verdict {
                    eligible: false,
                    code: "ineligible.no_work_start",
                    explanation_zh: format!("{condition_zh}；请填写参加工作时间"),
                    explanation_en: format!("{condition_en}; enter when you started work"),
                };
            }
        };
        if let Some(years) = years
            && years < needed
        {
            return Verdict {
                eligible: false,
                code: "ineligible.work_years",
                explanation_zh: format!("{condition_zh}，您工作{years}年（计算至{counted_to}）"),
                explanation_en: format!("{condition_en}; you have {years} (counted to {counted_to})"),
            };
        }
        if let Some(required) = rule.requires_title.as_deref()
            && !self.holds(exam, who.held_title.as_deref(), required)
        {
            return Verdict {
                eligible: false,
                code: "ineligible.title",
                explanation_zh: format!("{condition_zh}，您尚未取得{}资格", self.level_name(exam, required).unwrap_or(required)),
                explanation_en: format!("{condition_en}; you do not hold it yet"),
            };
        }
        let years_zh = years.map(|y| format!("，您工作{y}年（计算至{counted_to}）")).unwrap_or_default();
        Verdict {
            eligible: true,
            code: "eligible",
            explanation_zh: format!("符合报考条件：{condition_zh}{years_zh}"),
            explanation_en: format!("Eligible: {condition_en}{}", years.map(|y| format!("; you have {y}")).unwrap_or_default()),
        }
    }

    /// Whether holding `held` satisfies a requirement of `required`: the same level or a later one.
    fn holds(&self, exam: &str, held: Option<&str>, required: &str) -> bool {
        let Some(exam) = self.exam(exam) else { return false };
        let position = |code: &str| exam.levels.iter().position(|l| l.code == code);
        match (held.and_then(position), position(required)) {
            (Some(held), Some(required)) => held >= required,
            _ => false,
        }
    }
}
