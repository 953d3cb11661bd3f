//! `kaowu photo IN [-o OUT]`: the server's photo tool on a file, for exam authorities and offline use. Prints
//! each check as it went and writes "一寸报名照片.jpg"; the caller's exit status says whether the photo passed.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;

pub const DEFAULT_OUTPUT: &str = "一寸报名照片.jpg";

/// Runs the tool; `Ok(true)` when the photo passed and was written.
pub fn run(input: &Path, output: Option<PathBuf>, spec_file: Option<&Path>, out: &mut impl std::io::Write) -> anyhow::Result<bool> {
    let spec = crate::config::load_photo_spec(spec_file)?;
    let file = std::fs::File::open(input).with_context(|| format!("opening {}", input.display()))?;
    // Never read more than the cap plus one byte: enough to know the file is too large.
    let mut upload = Vec::new();
    file.take(spec.max_upload_bytes as u64 + 1).read_to_end(&mut upload).with_context(|| format!("reading {}", input.display()))?;

    let report = documents::photo::process(&spec, &upload);
    writeln!(out, "{}", input.display())?;
    for finding in &report.findings {
        let mark = if finding.passed { "✔" } else { "✘" };
        writeln!(out, "  {mark} {}：{}", finding.check.label_zh(), finding.detail)?;
    }
    match report.outcome {
        Ok(processed) => {
            let output = output.unwrap_or_else(|| PathBuf::from(DEFAULT_OUTPUT));
            std::fs::write(&output, &processed.jpeg).with_context(|| format!("writing {}", output.display()))?;
            writeln!(out, "通过：已写入 {}（{}×{}，{} KB）", output.display(), processed.width, processed.height, processed.jpeg.len().div_ceil(1024))?;
            Ok(true)
        }
        Err(rejection) => {
            writeln!(out, "未通过：{}（{}）", rejection.message_zh(), rejection.code())?;
            Ok(false)
        }
    }
}
