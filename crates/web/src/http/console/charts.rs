//! Charts drawn on the server as SVG (no script, nothing fetched): bars with their values written on them,
//! each chart with a text alternative, and the numbers also in a table beside it.

use std::fmt::Write;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Vertical bars over a sequence (registrations per day): `bars` are (label, value).
pub fn columns(title: &str, bars: &[(String, i64)]) -> String {
    let (width, height, top, bottom) = (640.0_f64, 220.0_f64, 16.0_f64, 36.0_f64);
    let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let slot = width / bars.len().max(1) as f64;
    let mut svg = format!(
        r##"<svg viewBox="0 0 {width} {height}" role="img" aria-label="{}" class="chart" xmlns="http://www.w3.org/2000/svg">"##,
        escape(title)
    );
    let _ = write!(svg, r##"<line x1="0" y1="{y}" x2="{width}" y2="{y}" stroke="#6b7280" stroke-width="1"/>"##, y = height - bottom);
    for (i, (label, value)) in bars.iter().enumerate() {
        let bar_height = (height - top - bottom) * (*value as f64) / max;
        let x = i as f64 * slot + slot * 0.15;
        let y = height - bottom - bar_height;
        let _ = write!(
            svg,
            r##"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{bar_height:.1}" fill="#1d4ed8"><title>{} {value}</title></rect>"##,
            escape(label),
            w = slot * 0.7
        );
        if *value > 0 {
            let _ = write!(svg, r##"<text x="{cx:.1}" y="{ty:.1}" font-size="10" text-anchor="middle" fill="#111827">{value}</text>"##, cx = x + slot * 0.35, ty = y - 3.0);
        }
        // Every fifth day labelled, so the axis stays readable on a phone.
        if i % 5 == 0 || i + 1 == bars.len() {
            let _ = write!(svg, r##"<text x="{cx:.1}" y="{ly:.1}" font-size="10" text-anchor="middle" fill="#374151">{}</text>"##, escape(label), cx = x + slot * 0.35, ly = height - bottom + 14.0);
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Horizontal bars for a breakdown (verification states, bound share): (label, value, colour).
pub fn breakdown(title: &str, parts: &[(String, i64, &str)]) -> String {
    let total = parts.iter().map(|(_, v, _)| *v).sum::<i64>().max(1) as f64;
    let row = 34.0_f64;
    let (label_width, bar_width) = (150.0_f64, 400.0_f64);
    let height = row * parts.len().max(1) as f64 + 8.0;
    let mut svg = format!(
        r##"<svg viewBox="0 0 640 {height}" role="img" aria-label="{}" class="chart" xmlns="http://www.w3.org/2000/svg">"##,
        escape(title)
    );
    for (i, (label, value, colour)) in parts.iter().enumerate() {
        let y = 4.0 + i as f64 * row;
        let share = *value as f64 / total;
        let _ = write!(svg, r##"<text x="0" y="{ty:.1}" font-size="13" fill="#111827">{}</text>"##, escape(label), ty = y + 19.0);
        let _ = write!(svg, r##"<rect x="{label_width}" y="{y:.1}" width="{bar_width}" height="26" fill="#e5e7eb"/>"##);
        let _ = write!(svg, r##"<rect x="{label_width}" y="{y:.1}" width="{w:.1}" height="26" fill="{colour}"/>"##, w = bar_width * share);
        let _ = write!(
            svg,
            r##"<text x="{tx:.1}" y="{ty:.1}" font-size="13" fill="#111827">{value}（{pct:.1}%）</text>"##,
            tx = label_width + bar_width + 8.0,
            ty = y + 19.0,
            pct = share * 100.0
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_carry_their_numbers() {
        let svg = columns("每日注册", &[("12-01".into(), 2), ("12-02".into(), 4)]);
        assert!(svg.contains(r#"aria-label="每日注册""#));
        assert!(svg.contains(">4</text>") && svg.contains(">2</text>"));
        assert!(svg.contains(r#"height="168.0""#), "the largest bar fills the plot: {svg}");
        assert!(svg.contains(r#"height="84.0""#), "half the value, half the height");
    }

    #[test]
    fn a_breakdown_shows_shares() {
        let svg = breakdown("核验状态", &[("核验通过".into(), 3, "#15803d"), ("待核验".into(), 1, "#a16207")]);
        assert!(svg.contains("3（75.0%）") && svg.contains("1（25.0%）"));
        let escaped = breakdown("<x>", &[]);
        assert!(escaped.contains("&lt;x&gt;"));
    }
}
