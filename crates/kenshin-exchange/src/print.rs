//! Print output: reissued vouchers laid out for window envelopes (process 3 step 5, replacing the
//! Excel reissue macro) and the encouragement postcards' address list (process 5).

use crate::pdf::{Pdf, PdfError};
use kenshin_domain::dates::era_long;
use kenshin_domain::rows::{ReissueSheet, Subject};
use kenshin_domain::text::postal_display;

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

/// One A4 page per reissued sheet: the address block in the window, the voucher below the fold.
pub fn reissued_vouchers(office_name: &str, sheets: &[ReissueSheet]) -> Result<Vec<u8>, PdfError> {
    let mut pdf = Pdf::new()?;
    let w = WINDOW;
    for s in sheets {
        pdf.page(|c| {
            // The address block, inside the window.
            let (x, mut y) = (w.x + 4.0, w.y + 8.0);
            c.text(x, y, 10.0, &format!("〒{}", postal_display(&s.postal)));
            y += 6.0;
            y += 5.0 * c.text_wrapped(x, y, 10.5, w.w - 8.0, 3, &s.address) as f32;
            c.text_in(x, y + 4.0, 14.0, w.w - 8.0, &format!("{}　様", s.name));
            // The sender, outside the window (top right).
            c.text_in(125.0, 20.0, 9.0, 70.0, office_name);
            c.text(125.0, 26.0, 8.0, "国民健康保険 特定健康診査 担当");
            // Fold marks for the three panels (99 mm and 198 mm).
            for fold in [99.0, 198.0] {
                c.line(0.0, fold, 6.0, fold, 0.5);
                c.line(204.0, fold, 210.0, fold, 0.5);
            }
            // The voucher.
            c.text(40.0, 115.0, 18.0, "特定健康診査受診券（再交付）");
            let rows: [(&str, String); 7] = [
                ("受診券整理番号", s.voucher_no.clone()),
                ("再交付番号", s.sheet_no.clone()),
                ("氏名", s.name.clone()),
                ("カナ氏名", s.kana.clone()),
                ("生年月日", era_long(s.birth)),
                ("有効期限", era_long(s.valid_until)),
                ("申請番号", s.application_no.clone()),
            ];
            let mut y = 128.0;
            for (label, value) in &rows {
                c.rect(30.0, y, 45.0, 10.0, 0.5);
                c.rect(75.0, y, 105.0, 10.0, 0.5);
                c.text(33.0, y + 6.8, 10.0, label);
                c.text_in(78.0, y + 6.8, 12.0, 100.0, value);
                y += 10.0;
            }
            c.text_wrapped(
                30.0,
                y + 10.0,
                9.0,
                150.0,
                4,
                "この受診券は再交付したものです。以前に交付した受診券は使用できません。\
                 受診の際は、この受診券と保険証（資格確認書）を医療機関の窓口に提出してください。",
            );
        });
    }
    pdf.finish()
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
    let mut pdf = Pdf::new()?;
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
    pdf.finish()
}
