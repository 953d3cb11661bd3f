//! A web font for rare characters (domain.md §2): many phones and PCs have no glyphs for CJK Extension B and
//! beyond, so a name with 𪚥 would show as an empty box. kaowu cuts a wide-coverage font (Debian's BabelStone
//! Han) into blocks of 256 code points, declared with `unicode-range`; a browser downloads only the blocks whose
//! characters the page actually shows. Blocks are cut on first request and kept in memory.

use allsorts::binary::read::ReadScope;
use allsorts::font::MatchingPresentation;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile, subset};
use std::collections::HashMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

pub const BLOCK_SIZE: u32 = 256;
pub const FAMILY: &str = "KaowuRare";

/// The most characters one picker font may hold (a search returns at most a few hundred).
pub const MAX_SET: usize = 512;

/// Extension A, and Extensions B–I with the compatibility supplement: where common CJK fonts stop.
const RANGES: [(u32, u32); 2] = [(0x3400, 0x4DBF), (0x20000, 0x323AF)];

pub struct RareFont {
    path: PathBuf,
    blocks: Mutex<HashMap<u32, Arc<Vec<u8>>>>,
}

type ParsedFont = allsorts::Font<allsorts::font_data::DynamicFontTableProvider<'static>>;

/// Each font file is read and parsed once per process and kept for its lifetime: re-parsing a 50 MB font for
/// every block made the first page with many rare characters wait for seconds.
fn parsed(path: &Path) -> Option<&'static Mutex<ParsedFont>> {
    static FONTS: OnceLock<Mutex<HashMap<PathBuf, &'static Mutex<ParsedFont>>>> = OnceLock::new();
    let mut fonts = FONTS.get_or_init(Default::default).lock().ok()?;
    if let Some(font) = fonts.get(path) {
        return Some(font);
    }
    let bytes: &'static [u8] = Box::leak(std::fs::read(path).ok()?.into_boxed_slice());
    let font_data = ReadScope::new(bytes).read::<FontData<'static>>().ok()?;
    let font = allsorts::Font::new(font_data.table_provider(0).ok()?).ok()?;
    let font: &'static Mutex<ParsedFont> = Box::leak(Box::new(Mutex::new(font)));
    fonts.insert(path.to_path_buf(), font);
    Some(font)
}

impl RareFont {
    /// `None` when the font file is absent: pages then fall back to the fonts the device has.
    pub fn open(path: PathBuf) -> Option<RareFont> {
        path.is_file().then(|| RareFont { path, blocks: Mutex::new(HashMap::new()) })
    }

    /// The `@font-face` rules, one per block.
    pub fn stylesheet() -> String {
        let mut css = String::from("/* Rare CJK characters, cut by unicode-range; only used blocks are downloaded. */\n");
        for first in block_starts() {
            let last = (first + BLOCK_SIZE - 1).min(range_end(first));
            let _ = writeln!(
                css,
                "@font-face{{font-family:\"{FAMILY}\";src:url(/assets/fonts/rare/{first:X}.ttf) format(\"truetype\");unicode-range:U+{first:X}-{last:X};font-display:swap}}"
            );
        }
        css
    }

    /// The subset font for the block starting at `first`, or `None` if that is not a block.
    pub fn block(&self, first: u32) -> Option<Arc<Vec<u8>>> {
        if !block_starts().any(|b| b == first) {
            return None;
        }
        if let Some(cached) = self.blocks.lock().ok()?.get(&first) {
            return Some(Arc::clone(cached));
        }
        let mut font = parsed(&self.path)?.lock().ok()?;
        let cut = match cut_block(&mut font, first) {
            Ok(cut) => Arc::new(cut),
            Err(error) => {
                tracing::warn!(block = first, error = %error, "cutting a rare-character font block failed");
                return None;
            }
        };
        self.blocks.lock().ok()?.insert(first, Arc::clone(&cut));
        Some(cut)
    }
}

impl RareFont {
    /// One font with the glyphs of exactly these rare characters (others are ignored); `None` when there are
    /// none or too many.
    pub fn set(&self, chars: &[char]) -> Option<Vec<u8>> {
        let rare: Vec<char> = chars.iter().copied().filter(|c| is_rare(*c)).collect();
        if rare.is_empty() || rare.len() > MAX_SET {
            return None;
        }
        let mut font = parsed(&self.path)?.lock().ok()?;
        cut(&mut font, rare.into_iter()).map_err(|error| tracing::warn!(%error, "cutting a picker font failed")).ok()
    }
}

fn is_rare(c: char) -> bool {
    RANGES.iter().any(|(lo, hi)| (*lo..=*hi).contains(&u32::from(c)))
}

fn range_end(first: u32) -> u32 {
    RANGES.iter().find(|(lo, hi)| (*lo..=*hi).contains(&first)).map(|(_, hi)| *hi).unwrap_or(first)
}

fn block_starts() -> impl Iterator<Item = u32> {
    RANGES.into_iter().flat_map(|(lo, hi)| (lo..=hi).step_by(BLOCK_SIZE as usize))
}

fn cut_block(font: &mut ParsedFont, first: u32) -> Result<Vec<u8>, String> {
    let last = (first + BLOCK_SIZE - 1).min(range_end(first));
    cut(font, (first..=last).filter_map(char::from_u32))
}

/// A subset font with the glyphs of `chars` that the font has.
fn cut(font: &mut ParsedFont, chars: impl Iterator<Item = char>) -> Result<Vec<u8>, String> {
    let mut glyphs = vec![0u16];
    for ch in chars {
        let (glyph, _) = font.lookup_glyph_index(ch, MatchingPresentation::NotRequired, None);
        if glyph != 0 && !glyphs.contains(&glyph) {
            glyphs.push(glyph);
        }
    }
    subset(&font.font_table_provider, &glyphs, &SubsetProfile::Minimal, CmapTarget::Unicode).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BABELSTONE: &str = "/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf";

    #[test]
    fn stylesheet_covers_extension_b_to_i() {
        let css = RareFont::stylesheet();
        assert!(css.contains("unicode-range:U+2A600-2A6FF"), "the block of 𪚥 (U+2A6A5)");
        assert!(css.contains("unicode-range:U+32300-323AF"), "the last block ends with the range");
        assert!(!css.contains("U+4E00"), "common characters come from the device's fonts");
    }

    #[test]
    fn cuts_a_block_with_the_glyphs_of_its_characters() {
        let Some(font) = RareFont::open(BABELSTONE.into()) else {
            assert!(std::env::var("CI").is_err(), "fonts-babelstone-han must be installed in CI");
            eprintln!("skipping: {BABELSTONE} not installed (scripts/test.sh installs it)");
            return;
        };
        assert!(font.block(0x2A601).is_none(), "not a block start");
        let cut = font.block(0x2A600).expect("block cut");
        assert!(cut.len() < 400_000, "a block is small enough for a phone: {} bytes", cut.len());
        let scope = ReadScope::new(&cut);
        let data = scope.read::<FontData<'_>>().unwrap();
        let mut subset = allsorts::Font::new(data.table_provider(0).unwrap()).unwrap();
        let (glyph, _) = subset.lookup_glyph_index('𪚥', MatchingPresentation::NotRequired, None);
        assert_ne!(glyph, 0, "𪚥 is in the cut font's cmap");
        let (outside, _) = subset.lookup_glyph_index('张', MatchingPresentation::NotRequired, None);
        assert_eq!(outside, 0, "characters of other blocks are not");
        assert!(Arc::ptr_eq(&cut, &font.block(0x2A600).unwrap()), "cached after the first cut");

        let picker = font.set(&['𪚥', '䶮', '张']).expect("a picker font");
        let data = ReadScope::new(&picker).read::<FontData<'_>>().unwrap();
        let mut subset = allsorts::Font::new(data.table_provider(0).unwrap()).unwrap();
        for (ch, present) in [('𪚥', true), ('䶮', true), ('张', false), ('𪚦', false)] {
            let (glyph, _) = subset.lookup_glyph_index(ch, MatchingPresentation::NotRequired, None);
            assert_eq!(glyph != 0, present, "{ch}");
        }
        assert!(font.set(&['张']).is_none(), "common characters come from the device");
        assert!(font.set(&['𪚥'; MAX_SET + 1]).is_none(), "bounded");
    }
}
