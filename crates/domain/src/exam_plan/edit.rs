//! Changing a stored plan from the console: one region's windows at a time (a province's own, or the defaults
//! every province follows), checked by the same rules as a plan file.

use super::build::{parse_shanghai, sequence_breaks};
use super::{ExamPlan, Window, WindowKind};
use crate::{FieldError, FieldErrors};

/// One window as typed: opens and closes in Beijing time; both empty for "none of its own".
#[derive(Debug, Clone, Default)]
pub struct WindowEdit {
    pub kind: Option<WindowKind>,
    pub opens: String,
    pub closes: String,
}

impl ExamPlan {
    /// The plan with `province`'s windows (None: the defaults) replaced by `edits`. A province may leave a
    /// window empty to follow the default; the defaults must all be given. Every problem is named by its field
    /// (`{kind}_opens`, `{kind}_closes`).
    pub fn with_windows(&self, province: Option<&str>, edits: &[WindowEdit]) -> Result<ExamPlan, FieldErrors> {
        let mut errors = FieldErrors::default();
        if let Some(code) = province
            && self.province(code).is_none()
        {
            errors.push(FieldError::new("province", "plan.province_not_in_plan"));
            return Err(errors);
        }
        let mut windows: Vec<Window> = self.windows.iter().filter(|w| w.province.as_deref() != province).cloned().collect();
        for edit in edits {
            let Some(kind) = edit.kind else { continue };
            let (opens_field, closes_field) = (format!("{}_opens", kind.code()), format!("{}_closes", kind.code()));
            let (opens, closes) = (edit.opens.trim(), edit.closes.trim());
            if opens.is_empty() && closes.is_empty() {
                if province.is_none() {
                    errors.push(FieldError::new(&opens_field, "plan.window_required"));
                }
                continue;
            }
            let opens_at = parse_shanghai(opens);
            let closes_at = parse_shanghai(closes);
            if opens_at.is_none() {
                errors.push(FieldError::new(&opens_field, "plan.moment"));
            }
            if closes_at.is_none() {
                errors.push(FieldError::new(&closes_field, "plan.moment"));
            }
            let (Some(opens_at), Some(closes_at)) = (opens_at, closes_at) else { continue };
            if opens_at >= closes_at {
                errors.push(FieldError::new(&closes_field, "plan.window_order"));
                continue;
            }
            windows.push(Window { province: province.map(str::to_owned), kind, opens_at, closes_at });
        }
        if errors.is_empty() {
            for (broken_in, kind, before) in sequence_breaks(&self.provinces, &windows) {
                if province.is_none_or(|p| p == broken_in) && errors.for_field(&format!("{}_opens", kind.code())).is_none() {
                    errors.push(FieldError::new(&format!("{}_opens", kind.code()), "plan.window_sequence").with_detail(format!("{}|{}", broken_in, before.name_zh())));
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        windows.sort_by_key(|w| (w.province.clone(), WindowKind::ALL.iter().position(|k| *k == w.kind)));
        Ok(ExamPlan { windows, ..self.clone() })
    }

    /// The windows `province` has of its own (None: the defaults), in the year's order.
    pub fn own_windows(&self, province: Option<&str>) -> Vec<(WindowKind, Option<&Window>)> {
        WindowKind::ALL.into_iter().map(|kind| (kind, self.windows.iter().find(|w| w.kind == kind && w.province.as_deref() == province))).collect()
    }
}
