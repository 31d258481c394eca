//! Print output: the standard voucher (A4 for window envelopes, or cards), reissued vouchers laid
//! out for window envelopes (process 3 step 5, replacing the Excel reissue macro) and the
//! encouragement postcards' address list (process 5).

use crate::pdf::{Canvas, Pdf, PdfError};
use kenshin_domain::rows::Subject;
use kenshin_domain::text::postal_display;
use kenshin_domain::voucher::{face_fields, Face, Insurer, NOTICES};

/// Where the address must sit on an A4 sheet folded in three for a 長形3号 window envelope: the
/// window of the usual municipal envelope is about 90 x 45 mm, 23 mm from the left and 13 mm from
/// the top. The block stays a few millimetres inside it so a sheet that slides still shows it whole.
pub const WINDOW: Window = Window {
    x: 23.0,
    y: 13.0,
    w: 90.0,
    h: 45.0,
};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// How a standard voucher is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One A4 sheet per voucher, folded in three for a window envelope: the address in the window,
    /// the voucher below the first fold, the 注意事項 in the last panel.
    A4,
    /// Card size (A6, 105 x 148 mm), four to an A4 page with cut marks; each page of fronts is
    /// followed by their backs (注意事項), mirrored for long-edge duplex printing.
    Card,
}

/// One labelled table: each value wrapped in its box (at most 3 lines); returns where it ends.
fn fields_table(
    c: &mut Canvas<'_, '_, '_>,
    (x, mut y): (f32, f32),
    (label_w, value_w): (f32, f32),
    size: f32,
    fields: &[(&str, String)],
) -> f32 {
    let line = size * 1.45 / 2.835;
    for (label, value) in fields {
        let lines = c.text_wrapped(x + label_w + 1.5, y + line, size, value_w - 3.0, 3, value);
        let h = line * lines as f32 + 1.6;
        c.rect(x, y, label_w, h, 0.4);
        c.rect(x + label_w, y, value_w, h, 0.4);
        c.text_in(x + 1.5, y + line, size, label_w - 3.0, label);
        y += h;
    }
    y
}

/// The title of a sheet, and for a reissued one the request it answers (申請番号).
fn title(face: &Face) -> (&'static str, String) {
    match &face.application_no {
        Some(no) => ("特定健康診査受診券（再交付）", format!("申請番号 {no}")),
        None => ("特定健康診査受診券", String::new()),
    }
}

/// Standard vouchers (特定健康診査受診券 様式) for `faces`, with the insurer's data; `settings` names
/// the settings record they were made under, printed small at the foot.
pub fn standard_vouchers(
    faces: &[Face],
    insurer: &Insurer,
    settings: &str,
    layout: Layout,
) -> Result<Vec<u8>, PdfError> {
    Pdf::write(|pdf| {
        let foot = format!("保険者情報の設定 {settings}");
        match layout {
            Layout::A4 => {
                for face in faces {
                    pdf.page(|c| {
                        address_block(c, &face.postal, &face.address, &face.name);
                        c.text_in(125.0, 20.0, 9.0, 70.0, &insurer.name);
                        c.text_in(125.0, 26.0, 8.0, 70.0, &insurer.address);
                        c.text_in(125.0, 31.0, 8.0, 70.0, &format!("電話 {}", insurer.phone));
                        c.text(125.0, 36.0, 8.0, "国民健康保険 特定健康診査 担当");
                        let (head, request) = title(face);
                        c.text(40.0, 110.0, 16.0, head);
                        c.text_in(150.0, 110.0, 9.0, 40.0, &request);
                        let fields = face_fields(face, insurer);
                        let end = fields_table(c, (22.0, 115.0), (44.0, 122.0), 9.0, &fields);
                        c.text(22.0, end + 8.0, 10.0, "注意事項");
                        let mut y = end + 14.0;
                        for n in NOTICES {
                            y += 4.6
                                * c.text_wrapped(22.0, y, 8.5, 166.0, 2, &format!("・{n}")) as f32;
                        }
                        c.text(22.0, 290.0, 6.0, &foot);
                    });
                }
            }
            Layout::Card => {
                // A6 cells on A4: two across, two down.
                const CELLS: [(f32, f32); 4] =
                    [(0.0, 0.0), (105.0, 0.0), (0.0, 148.5), (105.0, 148.5)];
                for chunk in faces.chunks(CELLS.len()) {
                    pdf.page(|c| {
                        cut_marks(c);
                        for (face, (x, y)) in chunk.iter().zip(CELLS) {
                            let (head, request) = title(face);
                            c.text(x + 6.0, y + 10.0, 11.0, head);
                            c.text_in(x + 68.0, y + 10.0, 6.0, 32.0, &request);
                            let fields = face_fields(face, insurer);
                            fields_table(c, (x + 5.0, y + 13.0), (27.0, 68.0), 6.5, &fields);
                            c.text(x + 6.0, y + 144.0, 5.0, &foot);
                        }
                    });
                    pdf.page(|c| {
                        cut_marks(c);
                        // Mirrored across: the back of the left card is printed on the right.
                        for (face, (x, y)) in chunk.iter().zip(CELLS) {
                            let x = 105.0 - x;
                            c.text(x + 6.0, y + 12.0, 10.0, "注意事項");
                            let mut ny = y + 20.0;
                            for n in NOTICES {
                                ny += 3.6
                                    * c.text_wrapped(x + 6.0, ny, 7.0, 92.0, 3, &format!("・{n}"))
                                        as f32;
                            }
                            c.text_in(x + 6.0, y + 120.0, 8.0, 92.0, &insurer.name);
                            c.text_in(x + 6.0, y + 125.0, 7.0, 92.0, &insurer.address);
                            c.text_in(
                                x + 6.0,
                                y + 130.0,
                                7.0,
                                92.0,
                                &format!("電話 {}　保険者番号 {}", insurer.phone, insurer.number),
                            );
                            c.text_in(x + 6.0, y + 136.0, 6.0, 92.0, &face.sheet_no);
                        }
                    });
                }
            }
        }
    })
}

/// Where to cut A4 into four A6 cards.
fn cut_marks(c: &mut Canvas<'_, '_, '_>) {
    for (x1, y1, x2, y2) in [
        (105.0, 0.0, 105.0, 5.0),
        (105.0, 292.0, 105.0, 297.0),
        (0.0, 148.5, 5.0, 148.5),
        (205.0, 148.5, 210.0, 148.5),
    ] {
        c.line(x1, y1, x2, y2, 0.3);
    }
}

/// The addressee, inside the envelope's window.
fn address_block(c: &mut Canvas<'_, '_, '_>, postal: &str, address: &str, name: &str) {
    let w = WINDOW;
    let (x, mut y) = (w.x + 4.0, w.y + 8.0);
    c.text(x, y, 10.0, &format!("〒{}", postal_display(postal)));
    y += 6.0;
    y += 5.0 * c.text_wrapped(x, y, 10.5, w.w - 8.0, 3, address) as f32;
    c.text_in(x, y + 4.0, 14.0, w.w - 8.0, &format!("{name}　様"));
    // Fold marks for the three panels (99 mm and 198 mm).
    for fold in [99.0, 198.0] {
        c.line(0.0, fold, 6.0, fold, 0.5);
        c.line(204.0, fold, 210.0, fold, 0.5);
    }
}

const ROWS_PER_PAGE: usize = 45;

/// The encouragement postcards' address list, in postal-code order (bulk mail is bundled by
/// postal code), 45 rows a page with a running number.
pub fn postcard_addresses(
    office_name: &str,
    label: &str,
    subjects: &[Subject],
) -> Result<Vec<u8>, PdfError> {
    let mut sorted: Vec<&Subject> = subjects.iter().collect();
    sorted.sort_by(|a, b| (&a.postal, &a.voucher_no).cmp(&(&b.postal, &b.voucher_no)));
    Pdf::write(|pdf| {
        let pages = sorted.len().div_ceil(ROWS_PER_PAGE).max(1);
        for page in 0..pages {
            let chunk = sorted.iter().skip(page * ROWS_PER_PAGE).take(ROWS_PER_PAGE);
            pdf.page(|c| {
                c.text_in(
                    15.0,
                    16.0,
                    12.0,
                    130.0,
                    &format!("受診勧奨はがき 宛名一覧　{label}"),
                );
                c.text(150.0, 16.0, 9.0, &format!("{} / {} 頁", page + 1, pages));
                c.text_in(
                    15.0,
                    22.0,
                    8.0,
                    180.0,
                    &format!("{office_name}　全 {} 件　郵便番号順", sorted.len()),
                );
                let mut y = 30.0;
                c.header_row(
                    y,
                    8.0,
                    &[
                        ("No", 15.0),
                        ("郵便番号", 28.0),
                        ("住所", 46.0),
                        ("氏名", 136.0),
                        ("受診券整理番号", 170.0),
                    ],
                );
                for (i, s) in chunk.enumerate() {
                    y += 5.6;
                    c.text(15.0, y, 8.0, &(page * ROWS_PER_PAGE + i + 1).to_string());
                    c.text(28.0, y, 8.0, &postal_display(&s.postal));
                    c.text_in(46.0, y, 8.0, 88.0, &s.address);
                    c.text_in(136.0, y, 8.0, 32.0, &format!("{} 様", s.name));
                    c.text(170.0, y, 8.0, &s.voucher_no);
                    c.line(15.0, y + 1.6, 195.0, y + 1.6, 0.2);
                }
            });
        }
    })
}
