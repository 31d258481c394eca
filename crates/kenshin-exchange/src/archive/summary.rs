//! `summary.pdf`: a cover listing the month's batches, then one page per batch (more when its month
//! was busy) with its steps at the month's end, the lists imported and the month's sign-offs.

use super::{
    action_ja, counts_text, list_ja, standing_ja, time_ja, ArchiveError, ArchivedSignOff,
    BatchRecords, MonthRecords,
};
use crate::pdf::Pdf;
use kenshin_domain::register::NoteKind;

/// The human summary: a cover page, then one page per batch (more if its month was busy).
pub(super) fn summary_pdf(records: &MonthRecords) -> Result<Vec<u8>, ArchiveError> {
    Ok(Pdf::write(|pdf| {
        let r = &records.roster;
        let title = format!("特定健診受診券 事跡 {}", records.month.ja());
        pdf.page(|c| {
            c.text(15.0, 25.0, 18.0, &title);
            c.text(15.0, 35.0, 11.0, &r.office_name);
            c.text(
                15.0,
                42.0,
                9.0,
                &format!(
                    "出力者: {}　個人情報を含みます　受診券リストの照会 {} 件（access.csv）　改ざんの疑い {} 件（tampering.csv）",
                    records.exporter.name,
                    records.lookups.len(),
                    records.tampering.len()
                ),
            );
            c.line(15.0, 46.0, 195.0, 46.0, 0.8);
            let mut y = 55.0;
            c.text(15.0, y, 10.0, "対象バッチ");
            y += 7.0;
            c.header_row(
                y,
                8.0,
                &[
                    ("No", 15.0),
                    ("業務", 25.0),
                    ("バッチ", 75.0),
                    ("年度", 135.0),
                    ("記録", 152.0),
                    ("リスト", 167.0),
                    ("問合せ・返送", 180.0),
                ],
            );
            for (i, b) in records.batches.iter().enumerate() {
                y += 6.0;
                if y > 270.0 {
                    c.text(15.0, y, 8.0, "…（以下 signoffs.csv を参照）");
                    break;
                }
                c.text(15.0, y, 8.0, &format!("{:02}", i + 1));
                c.text_in(
                    25.0,
                    y,
                    8.0,
                    48.0,
                    &format!("{} {}", b.process.id, b.process.ja),
                );
                c.text_in(75.0, y, 8.0, 58.0, &b.batch.label);
                c.text(135.0, y, 8.0, &b.batch.fiscal_year.to_string());
                c.text(152.0, y, 8.0, &b.batch.signoffs.len().to_string());
                c.text(167.0, y, 8.0, &b.lists.len().to_string());
                c.text(180.0, y, 8.0, &b.notes.len().to_string());
            }
            if records.batches.is_empty() {
                c.text(15.0, y + 6.0, 9.0, "この月に記録はありません。");
            }
            c.text(
                15.0,
                285.0,
                7.0,
                "全ファイルのハッシュは manifest.json、その署名は manifest.sig にあります。",
            );
        });
        for (i, b) in records.batches.iter().enumerate() {
            batch_pages(pdf, records, i, b);
        }
    })?)
}

const SIGNOFF_ROW: f32 = 5.0;

fn batch_pages(pdf: &mut Pdf<'_>, records: &MonthRecords, i: usize, b: &BatchRecords) {
    let header = format!(
        "{:02}  {} {}　{}　{}年度",
        i + 1,
        b.process.id,
        b.process.ja,
        b.batch.label,
        b.batch.fiscal_year
    );
    let month = records.month.ja();
    let mut rest: &[ArchivedSignOff] = &b.batch.signoffs;
    let mut first = true;
    loop {
        let mut taken = 0;
        pdf.page(|c| {
            c.text_in(15.0, 18.0, 12.0, 180.0, &header);
            c.text(
                15.0,
                24.0,
                8.0,
                &format!("事跡 {month}　{}", records.roster.office_name),
            );
            c.line(15.0, 26.0, 195.0, 26.0, 0.8);
            let mut y = 33.0;
            if first {
                c.text(15.0, y, 9.0, "手順（月末時点）");
                y += 5.0;
                for s in &b.steps {
                    let Some(step) = b.process.step(s.step) else {
                        continue;
                    };
                    c.text(17.0, y, 8.0, &step.no.to_string());
                    c.text_in(25.0, y, 8.0, 70.0, step.ja);
                    c.text(97.0, y, 8.0, step.by.ja());
                    c.text(125.0, y, 8.0, s.status.ja());
                    y += 4.2;
                }
                y += 3.0;
                if !b.lists.is_empty() {
                    c.text(15.0, y, 9.0, "当月に取り込んだリスト");
                    y += 5.0;
                    for l in &b.lists {
                        c.text_in(
                            17.0,
                            y,
                            7.5,
                            178.0,
                            &format!(
                                "{}　{}件　{}　{}　sha256 {}…",
                                list_ja(l.kind),
                                l.row_count,
                                time_ja(l.created_at),
                                l.created_by.name,
                                &l.sha256[..l.sha256.len().min(16)]
                            ),
                        );
                        y += 4.2;
                    }
                    y += 3.0;
                }
                let inquiries = b.notes.iter().filter(|(n, _)| n.kind == NoteKind::Inquiry);
                let returns = b.notes.len() - inquiries.count();
                if !b.notes.is_empty() {
                    c.text(
                        15.0,
                        y,
                        9.0,
                        &format!(
                            "問合せ {} 件、返送 {} 件（notes.csv）",
                            b.notes.len() - returns,
                            returns
                        ),
                    );
                    y += 7.0;
                }
            }
            c.text(
                15.0,
                y,
                9.0,
                if first {
                    "当月の記録"
                } else {
                    "当月の記録（続き）"
                },
            );
            y += 5.0;
            c.header_row(
                y,
                7.5,
                &[
                    ("日時", 15.0),
                    ("手順", 42.0),
                    ("区分", 52.0),
                    ("記録者", 63.0),
                    ("件数・備考・差戻し", 93.0),
                    ("判定", 160.0),
                ],
            );
            y += SIGNOFF_ROW;
            if rest.is_empty() {
                c.text(15.0, y, 8.0, "当月の記録はありません。");
            }
            for s in rest {
                if y > 285.0 {
                    break;
                }
                let e = &s.entry;
                c.text(15.0, y, 7.5, &time_ja(e.at));
                c.text(43.0, y, 7.5, &e.step.to_string());
                c.text(52.0, y, 7.5, action_ja(e.action));
                c.text_in(63.0, y, 7.5, 29.0, &s.by_name);
                let mut detail = counts_text(&e.counts);
                for extra in [&e.note, &e.send_back].into_iter().flatten() {
                    if !detail.is_empty() {
                        detail.push('　');
                    }
                    detail.push_str(extra);
                }
                if e.send_back.is_some() {
                    detail.insert_str(0, "差戻し ");
                }
                c.text_in(93.0, y, 7.5, 66.0, &detail);
                c.text_in(160.0, y, 7.5, 35.0, &standing_ja(&s.judged));
                y += SIGNOFF_ROW;
                taken += 1;
            }
        });
        rest = &rest[taken..];
        first = false;
        if rest.is_empty() {
            return;
        }
    }
}
