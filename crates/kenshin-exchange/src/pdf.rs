//! A small A4 page writer over krilla: Japanese text in one font from the machine (Noto Sans CJK or
//! IPAex Gothic, from Debian), lines and boxes, positions in millimetres from the top left.
//!
//! Output is deterministic: no dates or random ids are written, and the font is subset the same way
//! for the same text, so the same content gives the same bytes on the same machine.

use krilla::geom::{PathBuilder, Point};
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use std::path::PathBuf;
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

/// The Japanese font this machine has (`KENSHIN_FONT` first, then Debian's).
fn japanese_font() -> Result<Font, PdfError> {
    let mut candidates: Vec<(PathBuf, u32)> = Vec::new();
    if let Some(p) = std::env::var_os("KENSHIN_FONT") {
        candidates.push((PathBuf::from(p), 0));
    }
    candidates.extend(FONTS.iter().map(|(p, i)| (PathBuf::from(p), *i)));
    for (path, index) in &candidates {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        return Font::new(bytes.into(), *index).ok_or_else(|| PdfError::BadFont {
            path: path.display().to_string(),
            why: "not a font krilla can read".into(),
        });
    }
    let looked: Vec<String> = candidates
        .iter()
        .map(|(p, _)| p.display().to_string())
        .collect();
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
pub struct Pdf {
    doc: Document,
    font: Font,
}

impl Pdf {
    pub fn new() -> Result<Pdf, PdfError> {
        let settings = SerializeSettings {
            // No XMP packet: it would carry nothing we need, and the same document must give the
            // same bytes.
            xmp_metadata: false,
            enable_tagging: false,
            ..SerializeSettings::default()
        };
        Ok(Pdf {
            doc: Document::new_with(settings),
            font: japanese_font()?,
        })
    }

    /// Adds an A4 page and draws it.
    pub fn page(&mut self, draw: impl FnOnce(&mut Canvas<'_, '_>)) {
        let mut page = self
            .doc
            .start_page_with(PageSettings::from_wh(A4.0, A4.1).expect("A4 is a valid page size"));
        let mut surface = page.surface();
        let mut canvas = Canvas {
            surface: &mut surface,
            font: &self.font,
        };
        draw(&mut canvas);
        surface.finish();
        page.finish();
    }

    pub fn finish(self) -> Result<Vec<u8>, PdfError> {
        self.doc
            .finish()
            .map_err(|e| PdfError::Write(format!("{e:?}")))
    }
}

/// One page's drawing surface. Positions are millimetres from the top left; `y` is the baseline.
pub struct Canvas<'s, 'p> {
    surface: &'s mut Surface<'p>,
    font: &'s Font,
}

impl Canvas<'_, '_> {
    pub fn text(&mut self, x: f32, y: f32, size: f32, text: &str) {
        if text.is_empty() {
            return;
        }
        self.surface.draw_text(
            Point::from_xy(mm(x), mm(y)),
            self.font.clone(),
            size,
            text,
            false,
            TextDirection::Auto,
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
}
