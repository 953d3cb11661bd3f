//! Education and degree records (domain.md §4, protocols.md §5): levels, who may use CHSI verification, and the
//! formats of 学历证书编号 and 学位证书编号, each failure with a reason the candidate can act on.

use crate::error::{FieldError, FieldErrors, has_control_chars};

/// A candidate keeps at most this many records; saved records cannot be deleted by the candidate.
pub const MAX_RECORDS: usize = 5;
pub const MAX_TEXT_CHARS: usize = 60;
/// CHSI has electronic registration of higher-education diplomas from this graduation year on.
pub const CHSI_FIRST_YEAR: u16 = 2001;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EducationLevel {
    /// 中专
    SecondaryVocational,
    /// 大专（专科）
    JuniorCollege,
    /// 本科
    Bachelor,
    /// 第二学士学位
    SecondBachelor,
    /// 硕士研究生
    Master,
    /// 博士研究生
    Doctor,
    /// 其他
    Other,
}

impl EducationLevel {
    pub const ALL: [EducationLevel; 7] = [
        EducationLevel::SecondaryVocational,
        EducationLevel::JuniorCollege,
        EducationLevel::Bachelor,
        EducationLevel::SecondBachelor,
        EducationLevel::Master,
        EducationLevel::Doctor,
        EducationLevel::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EducationLevel::SecondaryVocational => "secondary_vocational",
            EducationLevel::JuniorCollege => "junior_college",
            EducationLevel::Bachelor => "bachelor",
            EducationLevel::SecondBachelor => "second_bachelor",
            EducationLevel::Master => "master",
            EducationLevel::Doctor => "doctor",
            EducationLevel::Other => "other",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            EducationLevel::SecondaryVocational => "中专",
            EducationLevel::JuniorCollege => "大专（专科）",
            EducationLevel::Bachelor => "本科",
            EducationLevel::SecondBachelor => "第二学士学位",
            EducationLevel::Master => "硕士研究生",
            EducationLevel::Doctor => "博士研究生",
            EducationLevel::Other => "其他",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            EducationLevel::SecondaryVocational => "Secondary vocational",
            EducationLevel::JuniorCollege => "Junior college",
            EducationLevel::Bachelor => "Bachelor",
            EducationLevel::SecondBachelor => "Second bachelor's degree",
            EducationLevel::Master => "Master's",
            EducationLevel::Doctor => "Doctorate",
            EducationLevel::Other => "Other",
        }
    }

    pub fn from_code(code: &str) -> Option<EducationLevel> {
        EducationLevel::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The 培养层次 code in positions 11–12 of a diploma number.
    fn diploma_level_code(self) -> Option<&'static str> {
        match self {
            EducationLevel::Doctor => Some("01"),
            EducationLevel::Master => Some("02"),
            EducationLevel::SecondBachelor => Some("04"),
            EducationLevel::Bachelor => Some("05"),
            EducationLevel::JuniorCollege => Some("06"),
            EducationLevel::SecondaryVocational | EducationLevel::Other => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Degree {
    Bachelor,
    Master,
    Doctor,
}

impl Degree {
    pub const ALL: [Degree; 3] = [Degree::Bachelor, Degree::Master, Degree::Doctor];

    pub fn code(self) -> &'static str {
        match self {
            Degree::Bachelor => "bachelor",
            Degree::Master => "master",
            Degree::Doctor => "doctor",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Degree::Bachelor => "学士",
            Degree::Master => "硕士",
            Degree::Doctor => "博士",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Degree::Bachelor => "Bachelor",
            Degree::Master => "Master",
            Degree::Doctor => "Doctor",
        }
    }

    pub fn from_code(code: &str) -> Option<Degree> {
        Degree::ALL.into_iter().find(|d| d.code() == code)
    }

    /// Position 6 of a degree certificate number.
    fn level_digit(self) -> u8 {
        match self {
            Degree::Doctor => b'2',
            Degree::Master => b'3',
            Degree::Bachelor => b'4',
        }
    }
}

/// The CPTA verification states; only a CHSI authorisation ever sets 核验通过, and manual entries stay 未核验.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    Unverified,
    Verified,
    Failed,
    ManualReview,
}

impl Verification {
    pub fn code(self) -> &'static str {
        match self {
            Verification::Unverified => "unverified",
            Verification::Verified => "verified",
            Verification::Failed => "failed",
            Verification::ManualReview => "manual_review",
        }
    }

    pub fn from_code(code: &str) -> Option<Verification> {
        [Verification::Unverified, Verification::Verified, Verification::Failed, Verification::ManualReview]
            .into_iter()
            .find(|v| v.code() == code)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Verification::Unverified => "未核验",
            Verification::Verified => "核验通过",
            Verification::Failed => "核验未通过",
            Verification::ManualReview => "需人工核查",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Verification::Unverified => "Not verified",
            Verification::Verified => "Verified",
            Verification::Failed => "Verification failed",
            Verification::ManualReview => "Manual check needed",
        }
    }
}

/// A calendar month, as the forms ask for it ("2019-06").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    pub year: u16,
    pub month: u8,
}

impl YearMonth {
    pub fn parse(field: &str, raw: &str) -> Result<YearMonth, FieldError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(FieldError::new(field, "education.date_required"));
        }
        let parsed = raw.split_once('-').and_then(|(y, m)| {
            let (year, month) = (y.parse::<u16>().ok()?, m.parse::<u8>().ok()?);
            (y.len() == 4 && (1..=2).contains(&m.len()) && (1950..=2100).contains(&year) && (1..=12).contains(&month))
                .then_some(YearMonth { year, month })
        });
        parsed.ok_or_else(|| FieldError::new(field, "education.date_format"))
    }

    pub fn to_iso(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
}

/// Whether a record may be verified through a CHSI online verification report.
pub fn chsi_eligible(level: EducationLevel, graduated: YearMonth) -> bool {
    level.diploma_level_code().is_some() && graduated.year >= CHSI_FIRST_YEAR
}

/// Checks a 学历证书编号 against the Ministry of Education layout and against the record it belongs to.
pub fn check_diploma_number(field: &str, raw: &str, level: EducationLevel, graduated: YearMonth) -> Result<String, FieldError> {
    let number: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let err = |code: &'static str| FieldError::new(field, code);
    if !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err("diploma_number.digits"));
    }
    // 自学考试 certificates follow a province-based layout of their own (type code 6 first): accept as given.
    if number.len() == 18 && number.starts_with('6') && !matches!(number.as_bytes()[5], b'1' | b'5' | b'6' | b'7') {
        return Ok(number);
    }
    let serial_len = match number.len() {
        18 => 6,
        17 => 5,
        _ => return Err(err("diploma_number.length")),
    };
    if !matches!(number.as_bytes()[5], b'1' | b'5' | b'6' | b'7') {
        return Err(err("diploma_number.school_type"));
    }
    let level_code = &number[10..12];
    if !matches!(level_code, "01" | "02" | "04" | "05" | "06") {
        return Err(err("diploma_number.level"));
    }
    if level.diploma_level_code().is_some_and(|expected| expected != level_code) {
        return Err(err("diploma_number.level_mismatch"));
    }
    if number[6..10] != graduated.year.to_string() {
        return Err(err("diploma_number.year_mismatch"));
    }
    debug_assert_eq!(number.len(), 12 + serial_len);
    Ok(number)
}

/// Checks a 学位证书编号 (16 characters; 17 with the 成人教育 "C" prefix).
pub fn check_degree_number(field: &str, raw: &str, degree: Degree, graduated: YearMonth) -> Result<String, FieldError> {
    let number: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    let err = |code: &'static str| FieldError::new(field, code);
    let body = number.strip_prefix('C').unwrap_or(&number);
    if body.len() != 16 || !body.is_ascii() {
        return Err(err("degree_number.length"));
    }
    let bytes = body.as_bytes();
    let digits_ok = bytes[..10].iter().all(u8::is_ascii_digit)
        && matches!(bytes[10], b'0'..=b'9' | b'S' | b'E' | b'Z')
        && bytes[11..].iter().all(u8::is_ascii_digit);
    if !digits_ok {
        return Err(err("degree_number.format"));
    }
    if bytes[5] != degree.level_digit() {
        return Err(err("degree_number.level_mismatch"));
    }
    let year: u16 = body[6..10].parse().map_err(|_| err("degree_number.format"))?;
    // Degrees are often conferred some months after graduation, never years before it.
    if year + 1 < graduated.year || year > graduated.year + 1 {
        return Err(err("degree_number.year_mismatch"));
    }
    Ok(number)
}

/// A record as typed by the candidate (the form's and the API's field names).
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct EducationInput {
    pub level: String,
    pub school: String,
    pub major: String,
    pub enrolled_on: String,
    pub graduated_on: String,
    pub diploma_number: String,
    pub degree: String,
    pub degree_number: String,
}

/// A valid record, ready to save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EducationRecord {
    pub level: EducationLevel,
    pub school: String,
    pub major: String,
    pub enrolled_on: YearMonth,
    pub graduated_on: YearMonth,
    pub diploma_number: Option<String>,
    pub degree: Option<Degree>,
    pub degree_number: Option<String>,
}

fn text(field: &str, raw: &str, required_code: &'static str) -> Result<String, FieldError> {
    let value: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if has_control_chars(raw) {
        return Err(FieldError::new(field, "education.text_invalid"));
    }
    if value.is_empty() {
        return Err(FieldError::new(field, required_code));
    }
    if value.chars().count() > MAX_TEXT_CHARS {
        return Err(FieldError::new(field, "education.text_too_long"));
    }
    Ok(value)
}

impl EducationRecord {
    /// `today` bounds the dates: nobody graduates in the future.
    pub fn parse(input: &EducationInput, today: YearMonth) -> Result<EducationRecord, FieldErrors> {
        let mut errors = FieldErrors::default();
        let level = errors.collect(
            EducationLevel::from_code(input.level.trim()).ok_or_else(|| FieldError::new("level", "education.level_unknown")),
        );
        let school = errors.collect(text("school", &input.school, "education.school_required"));
        let major = errors.collect(text("major", &input.major, "education.major_required"));
        let enrolled_on = errors.collect(YearMonth::parse("enrolled_on", &input.enrolled_on));
        let graduated_on = errors.collect(YearMonth::parse("graduated_on", &input.graduated_on));
        if let (Some(enrolled), Some(graduated)) = (enrolled_on, graduated_on) {
            if graduated < enrolled {
                errors.push(FieldError::new("graduated_on", "education.graduated_before_enrolled"));
            } else if graduated > today {
                errors.push(FieldError::new("graduated_on", "education.graduated_in_future"));
            }
        }
        let degree = match input.degree.trim() {
            "" | "none" => None,
            code => errors.collect(Degree::from_code(code).ok_or_else(|| FieldError::new("degree", "education.degree_unknown"))),
        };
        let mut diploma_number = None;
        if let (Some(level), Some(graduated)) = (level, graduated_on) {
            if !input.diploma_number.trim().is_empty() {
                diploma_number = errors.collect(check_diploma_number("diploma_number", &input.diploma_number, level, graduated));
            }
        }
        let mut degree_number = None;
        match (degree, graduated_on, input.degree_number.trim().is_empty()) {
            (Some(degree), Some(graduated), false) => {
                degree_number = errors.collect(check_degree_number("degree_number", &input.degree_number, degree, graduated));
            }
            (None, _, false) => errors.push(FieldError::new("degree", "education.degree_required_for_number")),
            _ => {}
        }
        match (level, school, major, enrolled_on, graduated_on) {
            (Some(level), Some(school), Some(major), Some(enrolled_on), Some(graduated_on)) if errors.is_empty() => {
                Ok(EducationRecord { level, school, major, enrolled_on, graduated_on, diploma_number, degree, degree_number })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: YearMonth = YearMonth { year: 2026, month: 11 };

    fn ym(year: u16, month: u8) -> YearMonth {
        YearMonth { year, month }
    }

    #[test]
    fn chsi_only_for_higher_education_from_2001() {
        assert!(chsi_eligible(EducationLevel::Bachelor, ym(2001, 7)));
        assert!(chsi_eligible(EducationLevel::JuniorCollege, ym(2019, 6)));
        assert!(!chsi_eligible(EducationLevel::Bachelor, ym(2000, 7)), "pre-2001 only manually");
        assert!(!chsi_eligible(EducationLevel::SecondaryVocational, ym(2019, 6)), "中专 only manually");
        assert!(!chsi_eligible(EducationLevel::Other, ym(2019, 6)));
    }

    #[test]
    fn diploma_numbers() {
        let ok = check_diploma_number("d", "10476 5 2016 05 701784", EducationLevel::Bachelor, ym(2016, 6));
        assert_eq!(ok.unwrap(), "104765201605701784");
        let code = |raw: &str, level, year| check_diploma_number("d", raw, level, ym(year, 6)).map(|_| ()).map_err(|e| e.code);
        assert_eq!(code("100131201905003212", EducationLevel::Bachelor, 2019), Ok(()));
        assert_eq!(code("10013120190500321", EducationLevel::Bachelor, 2019), Ok(()), "17-digit legacy form");
        assert_eq!(code("1001312019050032", EducationLevel::Bachelor, 2019), Err("diploma_number.length"));
        assert_eq!(code("100133201905003212", EducationLevel::Bachelor, 2019), Err("diploma_number.school_type"));
        assert_eq!(code("100131201903003212", EducationLevel::Bachelor, 2019), Err("diploma_number.level"));
        assert_eq!(code("100131201906003212", EducationLevel::Bachelor, 2019), Err("diploma_number.level_mismatch"));
        assert_eq!(code("100131201805003212", EducationLevel::Bachelor, 2019), Err("diploma_number.year_mismatch"));
        assert_eq!(code("10013120190500321X", EducationLevel::Bachelor, 2019), Err("diploma_number.digits"));
    }

    #[test]
    fn degree_numbers() {
        let code = |raw: &str, degree, year| check_degree_number("g", raw, degree, ym(year, 6)).map(|_| ()).map_err(|e| e.code);
        assert_eq!(code("1000142019001234", Degree::Bachelor, 2019), Ok(()));
        assert_eq!(code("c1000142019Z01234", Degree::Bachelor, 2019), Ok(()), "自考学士");
        assert_eq!(code("10001420190012", Degree::Bachelor, 2019), Err("degree_number.length"));
        assert_eq!(code("1000132019001234", Degree::Bachelor, 2019), Err("degree_number.level_mismatch"));
        assert_eq!(code("1000142015001234", Degree::Bachelor, 2019), Err("degree_number.year_mismatch"));
        assert_eq!(code("10001420190A1234", Degree::Bachelor, 2019), Err("degree_number.format"));
    }

    #[test]
    fn records_parse_with_every_problem_named() {
        let input = EducationInput {
            level: "bachelor".into(),
            school: " 北京大学 ".into(),
            major: "护理学".into(),
            enrolled_on: "2015-09".into(),
            graduated_on: "2019-06".into(),
            diploma_number: "100011201905003212".into(),
            degree: "bachelor".into(),
            degree_number: "1000142019001234".into(),
        };
        let record = EducationRecord::parse(&input, TODAY).unwrap();
        assert_eq!(record.school, "北京大学");
        let bad = EducationInput { graduated_on: "2014-06".into(), school: "".into(), degree: "".into(), ..input.clone() };
        let errors = EducationRecord::parse(&bad, TODAY).unwrap_err();
        let codes: Vec<_> = errors.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert!(codes.contains(&("school", "education.school_required")));
        assert!(codes.contains(&("graduated_on", "education.graduated_before_enrolled")));
        assert!(codes.contains(&("degree", "education.degree_required_for_number")));
        let future = EducationInput { graduated_on: "2027-06".into(), diploma_number: "".into(), ..input };
        assert_eq!(EducationRecord::parse(&future, TODAY).unwrap_err().0[0].code, "education.graduated_in_future");
        assert_eq!(YearMonth::parse("x", "2019-13").unwrap_err().code, "education.date_format");
    }
}

/// The 在线验证码 of a CHSI online verification report: 12–16 of `[0-9A-Z]`, spaces ignored, case folded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChsiCode(String);

impl ChsiCode {
    pub fn parse(field: &str, raw: &str) -> Result<ChsiCode, FieldError> {
        let code: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        if code.is_empty() {
            return Err(FieldError::new(field, "chsi.code_required"));
        }
        let valid = (12..=16).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
        if !valid {
            return Err(FieldError::new(field, "chsi.code_format"));
        }
        Ok(ChsiCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The fields of a 教育部学历证书电子注册备案表 as CHSI shows them (labels as on the report).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChsiReport {
    pub fields: Vec<(String, String)>,
}

impl ChsiReport {
    pub fn get(&self, label: &str) -> Option<&str> {
        self.fields.iter().find(|(l, _)| l == label).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    pub fn name(&self) -> Option<&str> {
        self.get("姓名")
    }

    /// The record the report attests, or why it cannot become one.
    pub fn to_record(&self) -> Result<EducationRecord, &'static str> {
        let level = match self.get("层次").ok_or("chsi.report_incomplete")? {
            "博士研究生" => EducationLevel::Doctor,
            "硕士研究生" => EducationLevel::Master,
            "本科" => EducationLevel::Bachelor,
            "第二学士学位" => EducationLevel::SecondBachelor,
            "专科" | "专科（高职）" | "高职" => EducationLevel::JuniorCollege,
            _ => return Err("chsi.level_not_supported"),
        };
        let date = |label: &str| -> Result<YearMonth, &'static str> {
            let value = self.get(label).ok_or("chsi.report_incomplete")?;
            let digits: Vec<&str> = value.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).collect();
            let (year, month) = match digits.as_slice() {
                [y, m, ..] => (y.parse().ok(), m.parse().ok()),
                _ => (None, None),
            };
            match (year, month) {
                (Some(year), Some(month)) if (1..=12).contains(&month) => Ok(YearMonth { year, month }),
                _ => Err("chsi.report_incomplete"),
            }
        };
        let enrolled_on = date("入学日期")?;
        let graduated_on = date("毕（结）业日期")?;
        if !chsi_eligible(level, graduated_on) {
            return Err("chsi.not_eligible");
        }
        let text = |label: &str| self.get(label).map(str::to_string).ok_or("chsi.report_incomplete");
        Ok(EducationRecord {
            level,
            school: text("学校名称")?,
            major: text("专业")?,
            enrolled_on,
            graduated_on,
            diploma_number: self.get("证书编号").map(|n| n.chars().filter(|c| !c.is_whitespace()).collect()),
            degree: None,
            degree_number: None,
        })
    }
}

/// Whether a CHSI-attested record is already among the candidate's CHSI records (the same diploma number).
pub fn already_attested<'a>(record: &EducationRecord, chsi_records: impl IntoIterator<Item = &'a EducationRecord>) -> bool {
    record.diploma_number.is_some() && chsi_records.into_iter().any(|existing| existing.diploma_number == record.diploma_number)
}

/// Whether the report's holder is the candidate: the same name after the normalisation names get on input.
pub fn report_belongs_to(report: &ChsiReport, candidate_name: &str) -> bool {
    report.name().is_some_and(|name| crate::person_name::normalize(name) == crate::person_name::normalize(candidate_name))
}

#[cfg(test)]
mod chsi_tests {
    use super::*;

    fn report() -> ChsiReport {
        let fields = [
            ("姓名", "买买提·艾力"),
            ("层次", "本科"),
            ("入学日期", "2014年09月01日"),
            ("毕（结）业日期", "2018年06月20日"),
            ("学校名称", "新疆医科大学"),
            ("专业", "护理学"),
            ("证书编号", "1076 0120 1805 0001 23"),
        ];
        ChsiReport { fields: fields.iter().map(|(l, v)| (l.to_string(), v.to_string())).collect() }
    }

    #[test]
    fn codes() {
        assert_eq!(ChsiCode::parse("c", " aslmn1rqzprmhx05 ").unwrap().as_str(), "ASLMN1RQZPRMHX05");
        assert!(ChsiCode::parse("c", "361813514380").is_ok(), "legacy 12-digit codes");
        assert_eq!(ChsiCode::parse("c", "ABC").unwrap_err().code, "chsi.code_format");
        assert_eq!(ChsiCode::parse("c", "ASLMN1RQZPRMHX0!").unwrap_err().code, "chsi.code_format");
    }

    #[test]
    fn report_becomes_a_record() {
        let record = report().to_record().unwrap();
        assert_eq!(record.level, EducationLevel::Bachelor);
        assert_eq!(record.graduated_on, YearMonth { year: 2018, month: 6 });
        assert_eq!(record.diploma_number.as_deref(), Some("107601201805000123"));
        assert!(report_belongs_to(&report(), "买买提•艾力"), "dots normalised");
        assert!(!report_belongs_to(&report(), "买买提"));
    }

    #[test]
    fn pre_2001_reports_are_refused() {
        let mut old = report();
        old.fields[3].1 = "2000年07月01日".into();
        assert_eq!(old.to_record(), Err("chsi.not_eligible"));
        let mut incomplete = report();
        incomplete.fields.retain(|(l, _)| l != "学校名称");
        assert_eq!(incomplete.to_record(), Err("chsi.report_incomplete"));
    }
}
