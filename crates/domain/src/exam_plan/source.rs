//! A plan file read into flat records that remember where each value came from, so that every problem the
//! validation finds can name its line. Two spellings of the same records: YAML (top-level settings plus one
//! list of flat mappings per section) and CSV (a `[section]` row, its header row, then its data rows).

use std::collections::BTreeMap;

/// Where a value sits in the file: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub text: String,
    pub at: Location,
}

/// One row of a section (or the file's settings), field name → value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    pub at: Location,
    pub fields: BTreeMap<String, Value>,
}

impl Record {
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.fields.get(field).filter(|v| !v.text.trim().is_empty())
    }
}

/// The whole file: the settings record and each section's rows, in file order.
#[derive(Debug, Clone, Default)]
pub struct PlanSource {
    pub settings: Record,
    pub sections: BTreeMap<String, Vec<Record>>,
}

/// A problem in a plan file: where, a stable code, and a message for the operator (Chinese).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    pub at: Location,
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "第 {} 行第 {} 列：{}（{}）", self.at.line, self.at.column, self.message, self.code)
    }
}

impl PlanError {
    pub fn new(at: Location, code: &'static str, message: impl Into<String>) -> PlanError {
        PlanError { at, code, message: message.into() }
    }
}

/// Which spelling a file uses; chosen by its name's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanFormat {
    Yaml,
    Csv,
}

impl PlanFormat {
    pub fn from_file_name(name: &str) -> Option<PlanFormat> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Some(PlanFormat::Yaml)
        } else if lower.ends_with(".csv") {
            Some(PlanFormat::Csv)
        } else {
            None
        }
    }
}

/// The largest plan file accepted: a real plan (a hundred specialties, fees for every province) is well under.
pub const MAX_PLAN_BYTES: usize = 4 * 1024 * 1024;

pub fn read(text: &str, format: PlanFormat) -> Result<PlanSource, PlanError> {
    if text.len() > MAX_PLAN_BYTES {
        return Err(PlanError::new(Location { line: 1, column: 1 }, "plan.too_large", format!("文件超过 {} MB", MAX_PLAN_BYTES / 1024 / 1024)));
    }
    match format {
        PlanFormat::Yaml => read_yaml(text),
        PlanFormat::Csv => read_csv(text),
    }
}

fn location_of(marker: Option<&marked_yaml::Marker>) -> Location {
    marker.map(|m| Location { line: m.line(), column: m.column() }).unwrap_or_default()
}

fn read_yaml(text: &str) -> Result<PlanSource, PlanError> {
    use marked_yaml::{LoadError, LoaderOptions, Node};
    let options = LoaderOptions::default().error_on_duplicate_keys(true).toplevel_mapping();
    let root = marked_yaml::parse_yaml_with_options(0, text, options).map_err(|error| {
        let at = match &error {
            LoadError::TopLevelMustBeMapping(m)
            | LoadError::TopLevelMustBeSequence(m)
            | LoadError::UnexpectedAnchor(m)
            | LoadError::MappingKeyMustBeScalar(m)
            | LoadError::UnexpectedTag(m)
            | LoadError::ScanError(m, _) => location_of(Some(m)),
            LoadError::DuplicateKey(inner) => location_of(inner.key.span().start()),
        };
        let message = match &error {
            LoadError::DuplicateKey(inner) => format!("重复的键“{}”", inner.key.as_str()),
            LoadError::TopLevelMustBeMapping(_) => "文件顶层应是键值映射".to_string(),
            other => format!("YAML 格式错误：{other}"),
        };
        PlanError::new(at, "plan.yaml_syntax", message)
    })?;
    let mapping = root.as_mapping().ok_or_else(|| PlanError::new(location_of(root.span().start()), "plan.yaml_syntax", "文件顶层应是键值映射"))?;
    let mut source = PlanSource { settings: Record { at: location_of(root.span().start()), fields: BTreeMap::new() }, sections: BTreeMap::new() };
    for (key, node) in mapping.iter() {
        match node {
            Node::Scalar(scalar) => {
                source.settings.fields.insert(key.as_str().to_string(), Value { text: scalar.as_str().to_string(), at: location_of(scalar.span().start()) });
            }
            Node::Sequence(rows) => {
                let mut records = Vec::with_capacity(rows.len());
                for row in rows.iter() {
                    let Some(row_mapping) = row.as_mapping() else {
                        return Err(PlanError::new(location_of(row.span().start()), "plan.row_not_mapping", format!("“{}”的每一项应是键值映射", key.as_str())));
                    };
                    let mut record = Record { at: location_of(row.span().start()), fields: BTreeMap::new() };
                    for (field, value) in row_mapping.iter() {
                        let Some(scalar) = value.as_scalar() else {
                            return Err(PlanError::new(location_of(value.span().start()), "plan.value_not_scalar", format!("字段“{}”的值应是单个值", field.as_str())));
                        };
                        record.fields.insert(field.as_str().to_string(), Value { text: scalar.as_str().to_string(), at: location_of(scalar.span().start()) });
                    }
                    records.push(record);
                }
                source.sections.insert(key.as_str().to_string(), records);
            }
            Node::Mapping(_) => {
                return Err(PlanError::new(location_of(key.span().start()), "plan.value_not_scalar", format!("“{}”应是单个值或列表", key.as_str())));
            }
        }
    }
    Ok(source)
}

fn read_csv(text: &str) -> Result<PlanSource, PlanError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut source = PlanSource::default();
    let mut section: Option<String> = None;
    let mut header: Option<Vec<String>> = None;
    for row in reader.records() {
        let row = row.map_err(|error| {
            let line = error.position().map(|p| p.line() as usize).unwrap_or(0);
            PlanError::new(Location { line, column: 1 }, "plan.csv_syntax", format!("CSV 格式错误：{error}"))
        })?;
        let line = row.position().map(|p| p.line() as usize).unwrap_or(0);
        let cells: Vec<&str> = row.iter().map(str::trim).collect();
        if cells.iter().all(|c| c.is_empty()) || cells[0].starts_with('#') {
            continue;
        }
        if let Some(name) = cells[0].strip_prefix('[').and_then(|c| c.strip_suffix(']')) {
            if name != "plan" {
                source.sections.entry(name.to_string()).or_default();
            }
            section = Some(name.to_string());
            header = None;
            continue;
        }
        let Some(name) = &section else {
            return Err(PlanError::new(Location { line, column: 1 }, "plan.csv_no_section", "数据行之前应有 [节名] 行"));
        };
        let Some(columns) = &header else {
            header = Some(cells.iter().map(|c| c.to_string()).collect());
            continue;
        };
        if cells.len() > columns.len() {
            return Err(PlanError::new(Location { line, column: columns.len() + 1 }, "plan.csv_extra_cells", format!("本行有 {} 列，表头只有 {} 列", cells.len(), columns.len())));
        }
        let mut record = Record { at: Location { line, column: 1 }, fields: BTreeMap::new() };
        for (index, (column, cell)) in columns.iter().zip(&cells).enumerate() {
            record.fields.insert(column.clone(), Value { text: cell.to_string(), at: Location { line, column: index + 1 } });
        }
        if name == "plan" {
            source.settings = record;
        } else {
            source.sections.entry(name.clone()).or_default().push(record);
        }
    }
    Ok(source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_values_keep_their_lines() {
        let text = "exam_year: 2027\nspecialties:\n  - code: 203\n    name: 护理学(师)\n  - { code: 368, name: 护理学(中级) }\n";
        let source = read(text, PlanFormat::Yaml).unwrap();
        assert_eq!(source.settings.get("exam_year").unwrap().text, "2027");
        let rows = &source.sections["specialties"];
        assert_eq!(rows[0].get("name").unwrap().at.line, 4);
        assert_eq!(rows[1].get("code").unwrap().text, "368");
        assert_eq!(rows[1].at.line, 5);
    }

    #[test]
    fn yaml_duplicate_keys_and_nesting_are_refused_with_their_line() {
        let error = read("exam_year: 2027\nexam_year: 2028\n", PlanFormat::Yaml).unwrap_err();
        assert_eq!((error.code, error.at.line), ("plan.yaml_syntax", 2));
        let error = read("specialties:\n  - code: 1\n    name: [a, b]\n", PlanFormat::Yaml).unwrap_err();
        assert_eq!((error.code, error.at.line), ("plan.value_not_scalar", 3));
        let error = read("a: [\n", PlanFormat::Yaml).unwrap_err();
        assert_eq!(error.code, "plan.yaml_syntax");
    }

    #[test]
    fn csv_sections_headers_and_lines() {
        let text = "[plan]\nexam_year,work_years_counted_to\n2027,2027-12-31\n\n[specialties]\ncode,name\n203,护理学(师)\n# a comment\n368,\"护理学(中级)\"\n";
        let source = read(text, PlanFormat::Csv).unwrap();
        assert_eq!(source.settings.get("exam_year").unwrap().text, "2027");
        let rows = &source.sections["specialties"];
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].at.line, 9);
        assert_eq!(rows[1].get("name").unwrap().at.column, 2);
        let error = read("[specialties]\ncode\n1,2\n", PlanFormat::Csv).unwrap_err();
        assert_eq!((error.code, error.at.line), ("plan.csv_extra_cells", 3));
        let error = read("code\n1\n", PlanFormat::Csv).unwrap_err();
        assert_eq!((error.code, error.at.line), ("plan.csv_no_section", 1));
    }
}
