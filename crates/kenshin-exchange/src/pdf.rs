//! A small A4 page writer over krilla: Japanese text in one font from the machine (Noto Sans CJK or
//! IPAex Gothic, from Debian), lines and boxes, positions in millimetres from the top left.
//!
//! Output is deterministic: no dates or random ids are written, and the font is subset the same way
//! for the same text, so the same content gives the same bytes on the same machine.

use krilla::geom::{PathBuilder, Point};
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};
use rustybuzz::{script, Direction, Face, Script, ShapePlan, UnicodeBuffer};
use std::path::PathBuf;
use std::sync::Arc;
use unicode_width::UnicodeWidthStr;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error(
        "no Japanese font found (looked for {looked}): install the Debian package fonts-noto-cjk \
         or fonts-ipaexfont-gothic, or name a font file in KENSHIN_FONT"
    )]
    NoFont { looked: String },
    #[error("font {path}: {why}")]
    BadFont { path: String, why: String },
    #[error("writing the PDF: {0}")]
    Write(String),
}

/// Where Debian puts the Japanese fonts, with the face index inside a collection (0 is the
/// Japanese face of Noto Sans CJK).
const FONTS: [(&str, u32); 4] = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 0),
    ("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf", 0),
    ("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf", 0),
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJKjp-Regular.otf",
        0,
    ),
];

/// The Japanese font this machine has (the file `KENSHIN_FONT` names, or else Debian's): its bytes,
/// its face index in a collection, and where it was read. A named file that cannot be read is
/// refused, not passed over for another font.
fn japanese_font() -> Result<(Vec<u8>, u32, PathBuf), PdfError> {
    let named = std::env::var_os("KENSHIN_FONT").filter(|p| !p.is_empty());
    if let Some(path) = named.map(PathBuf::from) {
        return match std::fs::read(&path) {
            Ok(bytes) => Ok((bytes, 0, path)),
            Err(e) => Err(PdfError::BadFont {
                path: path.display().to_string(),
                why: format!("cannot be read ({e})"),
            }),
        };
    }
    for (path, index) in FONTS {
        if let Ok(bytes) = std::fs::read(path) {
            return Ok((bytes, index, path.into()));
        }
    }
    let looked: Vec<&str> = FONTS.iter().map(|(p, _)| *p).collect();
    Err(PdfError::NoFont {
        looked: looked.join(", "),
    })
}

/// A4 in points.
const A4: (f32, f32) = (595.28, 841.89);
const PT_PER_MM: f32 = 72.0 / 25.4;

fn mm(v: f32) -> f32 {
    v * PT_PER_MM
}

/// A PDF being written, page by page.
pub struct Pdf<'f> {
    doc: Document,
    font: Font,
    shaper: Shaper<'f>,
}

impl Pdf<'_> {
    /// Writes a document whose pages `draw` adds.
    pub fn write(draw: impl FnOnce(&mut Pdf<'_>)) -> Result<Vec<u8>, PdfError> {
        let (bytes, index, path) = japanese_font()?;
        let bytes = Arc::new(bytes);
        let unreadable = || PdfError::BadFont {
            path: path.display().to_string(),
            why: "not a font that can be read".into(),
        };
        let font = Font::new(bytes.clone().into(), index).ok_or_else(unreadable)?;
        let face = Face::from_slice(&bytes, index).ok_or_else(unreadable)?;
        let settings = SerializeSettings {
            // No XMP packet: it would carry nothing we need, and the same document must give the
            // same bytes.
            xmp_metadata: false,
            enable_tagging: false,
            ..SerializeSettings::default()
        };
        let mut pdf = Pdf {
            doc: Document::new_with(settings),
            font,
            shaper: Shaper::new(&face),
        };
        draw(&mut pdf);
        pdf.doc
            .finish()
            .map_err(|e| PdfError::Write(format!("{e:?}")))
    }

    /// Adds an A4 page and draws it.
    pub fn page(&mut self, draw: impl FnOnce(&mut Canvas<'_, '_, '_>)) {
        let mut page = self
            .doc
            .start_page_with(PageSettings::from_wh(A4.0, A4.1).expect("A4 is a valid page size"));
        let mut surface = page.surface();
        let mut canvas = Canvas {
            surface: &mut surface,
            font: &self.font,
            shaper: &mut self.shaper,
        };
        draw(&mut canvas);
        surface.finish();
        page.finish();
    }
}

/// One page's drawing surface. Positions are millimetres from the top left; `y` is the baseline.
pub struct Canvas<'s, 'p, 'f> {
    surface: &'s mut Surface<'p>,
    font: &'s Font,
    shaper: &'s mut Shaper<'f>,
}

impl Canvas<'_, '_, '_> {
    pub fn text(&mut self, x: f32, y: f32, size: f32, text: &str) {
        if text.is_empty() {
            return;
        }
        self.surface.draw_glyphs(
            Point::from_xy(mm(x), mm(y)),
            self.shaper.shape(text),
            self.font.clone(),
            text,
            size,
            false,
        );
    }

    /// Text cut to `width` mm, ending in "…" when cut.
    pub fn text_in(&mut self, x: f32, y: f32, size: f32, width: f32, text: &str) {
        let fitted = fit(text, size, width);
        self.text(x, y, size, &fitted);
    }

    /// Text wrapped to `width` mm; returns the number of lines drawn (at most `max_lines`).
    pub fn text_wrapped(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        width: f32,
        max_lines: usize,
        text: &str,
    ) -> usize {
        let lines = wrap(text, size, width, max_lines);
        let leading = size * 1.4 / PT_PER_MM;
        for (i, line) in lines.iter().enumerate() {
            self.text(x, y + leading * i as f32, size, line);
        }
        lines.len()
    }

    /// A table's header: each title at its x, and a rule under them across the text width (15-195 mm).
    pub fn header_row(&mut self, y: f32, size: f32, columns: &[(&str, f32)]) {
        for (head, x) in columns {
            self.text(*x, y, size, head);
        }
        self.line(15.0, y + 1.5, 195.0, y + 1.5, 0.4);
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
        let mut pb = PathBuilder::new();
        pb.move_to(mm(x1), mm(y1));
        pb.line_to(mm(x2), mm(y2));
        self.stroke(pb, width);
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, width: f32) {
        let mut pb = PathBuilder::new();
        pb.move_to(mm(x), mm(y));
        pb.line_to(mm(x + w), mm(y));
        pb.line_to(mm(x + w), mm(y + h));
        pb.line_to(mm(x), mm(y + h));
        pb.close();
        self.stroke(pb, width);
    }

    fn stroke(&mut self, pb: PathBuilder, width: f32) {
        let Some(path) = pb.finish() else {
            return;
        };
        self.surface.set_fill(None);
        self.surface.set_stroke(Some(Stroke {
            width,
            ..Stroke::default()
        }));
        self.surface.draw_path(&path);
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(krilla::paint::Fill::default()));
    }
}

/// Text shaped as krilla's `draw_text` shapes it, with what that makes for each text made once
/// for the document: the font parsed (Noto Sans CJK's layout tables, a sixth of a month's archive
/// at five years), a plan for each script, the buffers. Made for each text, they also left the
/// allocator's free lists too scattered to reuse (a print of 3,000 pages peaked at 438 MB).
/// Text is set left to right: the office's is Japanese, digits and Latin letters.
struct Shaper<'f> {
    face: &'f Face<'f>,
    /// A plan for each script met (none for digits alone; no language is ever set).
    plans: Vec<(Option<Script>, ShapePlan)>,
    /// The buffer between texts (rustybuzz gives it back after shaping).
    buffer: Option<UnicodeBuffer>,
    glyphs: Vec<KrillaGlyph>,
}

impl<'f> Shaper<'f> {
    fn new(face: &'f Face<'f>) -> Self {
        Shaper {
            face,
            plans: Vec::new(),
            buffer: None,
            glyphs: Vec::new(),
        }
    }

    /// `text`'s glyphs, left to right: each with its advance in ems and the bytes of `text` its
    /// cluster covers (up to where the next cluster starts).
    fn shape(&mut self, text: &str) -> &[KrillaGlyph] {
        let mut buffer = self.buffer.take().unwrap_or_default();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        buffer.set_direction(Direction::LeftToRight);
        let script = Some(buffer.script()).filter(|s| *s != script::UNKNOWN);
        let at = match self.plans.iter().position(|(s, _)| *s == script) {
            Some(at) => at,
            None => {
                let plan = ShapePlan::new(self.face, Direction::LeftToRight, script, None, &[]);
                self.plans.push((script, plan));
                self.plans.len() - 1
            }
        };
        let output = rustybuzz::shape_with_plan(self.face, &self.plans[at].1, buffer);
        let em = self.face.units_per_em() as f32;
        let infos = output.glyph_infos();
        self.glyphs.clear();
        self.glyphs
            .extend(infos.iter().zip(output.glyph_positions()).enumerate().map(
                |(i, (info, pos))| {
                    let end = infos[i + 1..]
                        .iter()
                        .find(|next| next.cluster != info.cluster)
                        .map_or(text.len(), |next| next.cluster as usize);
                    KrillaGlyph::new(
                        GlyphId::new(info.glyph_id),
                        pos.x_advance as f32 / em,
                        pos.x_offset as f32 / em,
                        pos.y_offset as f32 / em,
                        pos.y_advance as f32 / em,
                        info.cluster as usize..end,
                        None,
                    )
                },
            ));
        self.buffer = Some(output.clear());
        &self.glyphs
    }
}

/// Width of text in mm at `size` pt, counting wide (Japanese) characters as one em and narrow ones
/// as half: close enough for a monospaced-looking CJK font, and independent of the font file.
fn width_mm(text: &str, size: f32) -> f32 {
    text.width() as f32 * size / 2.0 / PT_PER_MM
}

fn fit(text: &str, size: f32, width: f32) -> String {
    if width_mm(text, size) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        if width_mm(&out, size) + width_mm("…", size) > width {
            out.pop();
            break;
        }
    }
    out.push('…');
    out
}

fn wrap(text: &str, size: f32, width: f32, max_lines: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for c in text.chars() {
        let line = lines.last_mut().expect("there is always a line");
        line.push(c);
        if width_mm(line, size) > width {
            line.pop();
            if lines.len() == max_lines {
                let last = lines.pop().unwrap_or_default();
                lines.push(fit(&format!("{last}{c}…"), size, width));
                return lines;
            }
            lines.push(c.to_string());
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_and_wrapping() {
        // 10 pt: a wide character is 10 pt = 3.53 mm.
        assert_eq!(fit("山田太郎", 10.0, 20.0), "山田太郎");
        assert_eq!(fit("東京都千代田区霞が関一丁目", 10.0, 20.0), "東京都千代…");
        let lines = wrap("あいうえおかきくけこさしすせそ", 10.0, 18.0, 2);
        assert_eq!(
            lines,
            vec!["あいうえお".to_string(), "かきくけ…".to_string()]
        );
        assert_eq!(wrap("", 10.0, 18.0, 2), vec![String::new()]);
    }

    #[test]
    fn text_is_shaped_a_glyph_a_character_in_the_face_parsed_once() {
        let (bytes, index, _) = japanese_font().unwrap();
        let face = Face::from_slice(&bytes, index).unwrap();
        let mut shaper = Shaper::new(&face);
        // Digits alone have no script of their own: a plan without one.
        assert_eq!(shaper.shape("0123").len(), 4);
        let text = "受診券整理番号 0123 ｱ様";
        let glyphs = shaper.shape(text).to_vec();
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        assert_eq!(glyphs.len(), chars.len());
        let em = face.units_per_em() as f32;
        for (g, (i, (at, c))) in glyphs.iter().zip(chars.iter().enumerate()) {
            let glyph = face.glyph_index(*c).unwrap();
            assert_eq!(g.glyph_id.to_u32(), u32::from(glyph.0), "{c}");
            // Each glyph covers its character's bytes, up to the next one's.
            let end = chars.get(i + 1).map_or(text.len(), |(next, _)| *next);
            assert_eq!(g.text_range, *at..end, "{c}");
            let advance = face.glyph_hor_advance(glyph).unwrap() as f32 / em;
            assert_eq!(g.x_advance, advance, "{c}");
        }
        // Kanji are a full em wide, the half-width kana half of one.
        assert_eq!(glyphs[0].x_advance, 1.0);
        assert_eq!(glyphs[chars.len() - 2].x_advance, 0.5);
        assert!(shaper.shape("").is_empty());
        // One plan for the digits, one for the kanji's script.
        assert_eq!(shaper.plans.len(), 2);
    }
}
