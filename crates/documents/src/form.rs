//! The printable 报名申请表 as PDF: a title, the candidate's photo, a table of what was applied for, a pledge to
//! sign, and a QR code the 考点 scans to open the application. Chinese text is set in a CJK font; characters it
//! lacks (CJK Extension B and beyond, common in names) fall back, run by run, to a wide-coverage font, so a name
//! such as 𪚥 prints as itself and never as an empty box. Only the glyphs used are embedded (krilla subsets).

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect, Size};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size as FontSize};
use std::sync::Arc;

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const LABEL_WIDTH: f32 = 110.0;
const ROW_HEIGHT: f32 = 24.0;
const TEXT_SIZE: f32 = 11.0;
/// The photo at one inch by 1.4 (the registration photo's proportions).
const PHOTO: (f32, f32) = (90.0, 126.0);
const QR_SIZE: f32 = 96.0;

#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error("font {0} could not be read")]
    Font(String),
    #[error("the photo is not a JPEG this PDF can hold: {0}")]
    Photo(String),
    #[error("the QR code cannot hold {0} bytes")]
    Qr(usize),
    #[error("the PDF could not be written: {0:?}")]
    Pdf(String),
}

/// A font as loaded: krilla's handle for the PDF and the bytes the layout reads glyphs and advances from.
#[derive(Clone)]
struct LoadedFont {
    font: Font,
    data: Arc<Vec<u8>>,
    index: u32,
}

impl LoadedFont {
    fn load(data: Arc<Vec<u8>>, index: u32, name: &str) -> Result<LoadedFont, FormError> {
        skrifa::FontRef::from_index(&data, index).map_err(|_| FormError::Font(name.to_owned()))?;
        let font = Font::new(data.clone().into(), index).ok_or_else(|| FormError::Font(name.to_owned()))?;
        Ok(LoadedFont { font, data, index })
    }
}

/// The fonts of the form: the main CJK font and the fallback for rare characters. Loaded once, shared by every
/// form (krilla's fonts are reference-counted).
#[derive(Clone)]
pub struct FormFonts {
    main: LoadedFont,
    rare: Option<LoadedFont>,
}

impl FormFonts {
    /// `main` (a font or a collection, with the face index) and, if given, the fallback for rare characters.
    pub fn load(main: Vec<u8>, main_index: u32, rare: Option<Vec<u8>>) -> Result<FormFonts, FormError> {
        let main = LoadedFont::load(Arc::new(main), main_index, "main")?;
        let rare = rare.map(|bytes| LoadedFont::load(Arc::new(bytes), 0, "rare")).transpose()?;
        Ok(FormFonts { main, rare })
    }
}

/// One font opened for layout: its character map and advances, read from its tables once per form.
struct Face<'f> {
    loaded: &'f LoadedFont,
    charmap: skrifa::charmap::Charmap<'f>,
    /// Advances in em (at size 1).
    advances: skrifa::metrics::GlyphMetrics<'f>,
}

impl<'f> Face<'f> {
    fn open(loaded: &'f LoadedFont) -> Face<'f> {
        let font = skrifa::FontRef::from_index(&loaded.data, loaded.index).expect("checked when loaded");
        Face { loaded, charmap: font.charmap(), advances: font.glyph_metrics(FontSize::new(1.0), LocationRef::default()) }
    }

    /// The glyph of `c`, unless the font has none (glyph 0 is .notdef).
    fn glyph(&self, c: char) -> Option<skrifa::GlyphId> {
        self.charmap.map(c).filter(|g| g.to_u32() != 0)
    }
}

/// One character placed: which face sets it, its glyph and its advance in em.
struct Placed {
    rare: bool,
    glyph: u32,
    advance: f32,
}

/// Line layout for one form. The form's text needs no shaping (CJK ideographs, digits and punctuation, one
/// glyph per character), so characters map straight to glyphs and advance by the font's widths — which is also
/// what measuring and wrapping assume. (Shaping every line with a full OpenType engine cost a third of the time.)
struct Layout<'f> {
    main: Face<'f>,
    rare: Option<Face<'f>>,
}

impl<'f> Layout<'f> {
    fn new(fonts: &'f FormFonts) -> Layout<'f> {
        Layout { main: Face::open(&fonts.main), rare: fonts.rare.as_ref().map(Face::open) }
    }

    /// `c` in the main font where it has the glyph, else in the fallback where that has it; a character neither
    /// has stays in the main font (.notdef, one em wide).
    fn place(&self, c: char) -> Placed {
        let fallback = || self.rare.as_ref().and_then(|rare| rare.glyph(c).map(|glyph| (true, rare, Some(glyph))));
        let (rare, face, glyph) = match self.main.glyph(c) {
            Some(glyph) => (false, &self.main, Some(glyph)),
            None => fallback().unwrap_or((false, &self.main, None)),
        };
        let advance = glyph.and_then(|g| face.advances.advance_width(g)).unwrap_or(1.0);
        Placed { rare, glyph: glyph.map_or(0, |g| g.to_u32()), advance }
    }

    fn face(&self, rare: bool) -> &Face<'f> {
        match (&self.rare, rare) {
            (Some(face), true) => face,
            _ => &self.main,
        }
    }

    /// `text` cut into runs of one face each: (set in the fallback font, the run).
    fn runs<'t>(&self, text: &'t str) -> Vec<(bool, &'t str)> {
        let mut runs: Vec<(bool, &'t str)> = Vec::new();
        let mut start = 0;
        let mut current = None;
        for (at, c) in text.char_indices() {
            let rare = self.place(c).rare;
            if let Some(previous) = current
                && previous != rare
            {
                runs.push((previous, &text[start..at]));
                start = at;
            }
            current = Some(rare);
        }
        if let Some(rare) = current {
            runs.push((rare, &text[start..]));
        }
        runs
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.place(c).advance * size).sum()
    }

    /// Draws one line at `(x, baseline)`, run by run; each glyph keeps its character for copying and search.
    fn draw(&self, surface: &mut Surface<'_>, x: f32, baseline: f32, size: f32, text: &str) {
        let mut x = x;
        for (rare, run) in self.runs(text) {
            let glyphs: Vec<KrillaGlyph> = run
                .char_indices()
                .map(|(at, c)| {
                    let placed = self.place(c);
                    KrillaGlyph::new(GlyphId::new(placed.glyph), placed.advance, 0.0, 0.0, 0.0, at..at + c.len_utf8(), None)
                })
                .collect();
            surface.draw_glyphs(Point::from_xy(x, baseline), &glyphs, self.face(rare).loaded.font.clone(), run, size, false);
            x += glyphs.iter().map(|g| g.x_advance * size).sum::<f32>();
        }
    }

    /// Cuts `text` into lines no wider than `width` (a single character wider than that gets a line of its own).
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        let mut line_width = 0.0;
        for c in text.chars() {
            let advance = self.place(c).advance * size;
            if line_width + advance > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
            }
            line.push(c);
            line_width += advance;
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }
}

/// What the form shows.
pub struct FormContent {
    /// "2027年度卫生专业技术资格考试报名申请表".
    pub title: String,
    pub number: String,
    /// Label and value, top to bottom.
    pub rows: Vec<(String, String)>,
    /// The registration photo (JPEG).
    pub photo_jpeg: Option<Vec<u8>>,
    /// What the QR code carries (the number and its signature).
    pub qr_payload: String,
    pub pledge: String,
    /// The small print at the bottom (printed when, what to bring).
    pub footer: String,
}

fn fill_rect(surface: &mut Surface<'_>, x: f32, y: f32, width: f32, height: f32) {
    let mut builder = PathBuilder::new();
    if let Some(rect) = Rect::from_xywh(x, y, width, height) {
        builder.push_rect(rect);
    }
    if let Some(path) = builder.finish() {
        surface.draw_path(&path);
    }
}

/// The QR code as filled squares, `size` points wide, its top left at `(x, y)`.
fn draw_qr(surface: &mut Surface<'_>, payload: &str, x: f32, y: f32, size: f32) -> Result<(), FormError> {
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M).map_err(|_| FormError::Qr(payload.len()))?;
    let modules = code.width();
    // Four modules of quiet zone on each side, as scanners expect.
    let unit = size / (modules + 8) as f32;
    let mut builder = PathBuilder::new();
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == qrcode::Color::Dark {
            let (row, column) = (i / modules, i % modules);
            if let Some(rect) = Rect::from_xywh(x + (column + 4) as f32 * unit, y + (row + 4) as f32 * unit, unit, unit) {
                builder.push_rect(rect);
            }
        }
    }
    if let Some(path) = builder.finish() {
        surface.draw_path(&path);
    }
    Ok(())
}

/// The form as a one-page A4 PDF.
pub fn render(fonts: &FormFonts, content: &FormContent) -> Result<Vec<u8>, FormError> {
    let fonts = &Layout::new(fonts);
    let mut document = Document::new();
    document.set_metadata(Metadata::new().title(content.title.clone()).language("zh-CN".into()).creator("kaowu".into()));
    let photo = match &content.photo_jpeg {
        Some(bytes) => Some(Image::from_jpeg(bytes.clone().into(), true).map_err(FormError::Photo)?),
        None => None,
    };
    {
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or_else(|| FormError::Pdf("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        let content_width = PAGE_WIDTH - 2.0 * MARGIN;

        let title_size = 17.0;
        let title_width = fonts.width(&content.title, title_size);
        fonts.draw(&mut surface, (PAGE_WIDTH - title_width) / 2.0, MARGIN + title_size, title_size, &content.title);
        let number_line = format!("报名号：{}", content.number);
        fonts.draw(&mut surface, MARGIN, MARGIN + 48.0, 12.0, &number_line);

        // The photo sits at the right of the first rows; those rows are narrower.
        let table_top = MARGIN + 62.0;
        let photo_left = PAGE_WIDTH - MARGIN - PHOTO.0;
        match photo {
            Some(image) => {
                surface.push_transform(&krilla::geom::Transform::from_translate(photo_left, table_top));
                surface.draw_image(image, Size::from_wh(PHOTO.0, PHOTO.1).expect("positive"));
                surface.pop();
            }
            None => fonts.draw(&mut surface, photo_left + 12.0, table_top + PHOTO.1 / 2.0, TEXT_SIZE, "（照片）"),
        }
        let mut y = table_top;
        fill_rect(&mut surface, MARGIN, y, content_width, 0.6);
        for (label, value) in &content.rows {
            let beside_photo = y < table_top + PHOTO.1 + 6.0;
            let value_width = if beside_photo { photo_left - 8.0 - MARGIN - LABEL_WIDTH } else { content_width - LABEL_WIDTH };
            let lines = fonts.wrap(value, TEXT_SIZE, value_width - 8.0);
            let height = ROW_HEIGHT.max(lines.len() as f32 * (TEXT_SIZE + 5.0) + 9.0);
            fonts.draw(&mut surface, MARGIN + 4.0, y + 16.0, TEXT_SIZE, label);
            for (i, line) in lines.iter().enumerate() {
                fonts.draw(&mut surface, MARGIN + LABEL_WIDTH, y + 16.0 + i as f32 * (TEXT_SIZE + 5.0), TEXT_SIZE, line);
            }
            y += height;
            fill_rect(&mut surface, MARGIN, y, if beside_photo && y < table_top + PHOTO.1 { value_width + LABEL_WIDTH } else { content_width }, 0.6);
        }

        y += 28.0;
        for line in fonts.wrap(&content.pledge, TEXT_SIZE, content_width) {
            fonts.draw(&mut surface, MARGIN, y, TEXT_SIZE, &line);
            y += TEXT_SIZE + 6.0;
        }
        y += 18.0;
        fonts.draw(&mut surface, MARGIN, y, TEXT_SIZE, "考生签名：____________________        日期：______年____月____日");
        fonts.draw(&mut surface, MARGIN, y + 40.0, TEXT_SIZE, "考点审核意见：________________________________________________");

        let qr_top = PAGE_HEIGHT - MARGIN - QR_SIZE - 14.0;
        draw_qr(&mut surface, &content.qr_payload, MARGIN - 8.0, qr_top, QR_SIZE)?;
        fonts.draw(&mut surface, MARGIN + QR_SIZE, qr_top + 40.0, 9.0, "现场确认时请出示本表，扫码核对报名号。");
        for (i, line) in fonts.wrap(&content.footer, 9.0, content_width - QR_SIZE).iter().enumerate() {
            fonts.draw(&mut surface, MARGIN + QR_SIZE, qr_top + 56.0 + i as f32 * 13.0, 9.0, line);
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| FormError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The system's fonts, when installed (CI installs them; the tests that need them say so there).
    fn fonts() -> Option<FormFonts> {
        let main = std::fs::read("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc").ok()?;
        let rare = std::fs::read("/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf").ok();
        Some(FormFonts::load(main, 2, rare).expect("fonts load"))
    }

    #[test]
    fn text_runs_switch_to_the_font_that_has_the_glyph() {
        let Some(fonts) = fonts() else {
            assert!(std::env::var("CI").is_err(), "fonts-noto-cjk must be installed in CI");
            return;
        };
        // 𪚥 (U+2A6A5, Extension B) is not in Noto Sans CJK; BabelStone Han has it.
        let layout = Layout::new(&fonts);
        assert_eq!(layout.runs("张𪚥伟"), [(false, "张"), (true, "𪚥"), (false, "伟")]);
        assert_eq!(layout.runs("").len(), 0);
    }

    #[test]
    fn long_values_wrap_within_the_width() {
        let Some(fonts) = fonts() else { return };
        let fonts = Layout::new(&fonts);
        let lines = fonts.wrap(&"很长的工作单位名称".repeat(6), 11.0, 200.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| fonts.width(l, 11.0) <= 200.0));
        assert_eq!(lines.concat(), "很长的工作单位名称".repeat(6));
    }
}
