//! The board as text: one block per batch, one line per step.

use crate::Lang;
use kenshin_core::domain::workflow::Waiting;
use kenshin_core::domain::{Action, Status};
use kenshin_core::{display_time, BoardBatch, SignOffView};
use std::fmt::Write;
use unicode_width::UnicodeWidthStr;

/// Pads to a display width: kanji and kana take two columns in a terminal.
fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(s.width())))
}

fn status_label(status: Status, lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => status.ja(),
        Lang::En => status.as_str(),
    }
}

fn waiting_text(waiting: &[Waiting], lang: Lang) -> String {
    let parts: Vec<String> = waiting
        .iter()
        .map(|w| match (lang, w.sent_back, w.needs) {
            (Lang::Ja, true, _) => format!("工程{}の再実施", w.step),
            (Lang::Ja, false, Action::Do) => format!("工程{}の完了", w.step),
            (Lang::Ja, false, Action::Verify) => format!("工程{}の検認", w.step),
            (Lang::Ja, false, Action::Approve) => format!("工程{}の決裁", w.step),
            (Lang::En, true, _) => format!("step {} to be redone", w.step),
            (Lang::En, false, needs) => format!("step {} ({needs})", w.step),
        })
        .collect();
    match lang {
        Lang::Ja => format!("{}待ち", parts.join("・")),
        Lang::En => format!("waits for {}", parts.join(", ")),
    }
}

fn entry_text(e: &SignOffView) -> String {
    let mut s = format!("{} {}", e.by_name, display_time(e.at));
    if let Some(m) = &e.marking {
        let _ = write!(s, " {}", kenshin_core::domain::said::marking_ja(m.as_str()));
    }
    for (name, n) in &e.counts {
        let _ = write!(s, " {name}={n}");
    }
    if let Some(reason) = &e.send_back {
        let _ = write!(s, " 「{reason}」");
    }
    if let Some(note) = &e.note {
        let _ = write!(s, " ({note})");
    }
    s
}

pub fn render(board: &[BoardBatch], lang: Lang) -> String {
    let mut out = String::new();
    if board.is_empty() {
        out.push_str(lang.pick("バッチはまだありません\n", "no batches yet\n"));
    }
    for b in board {
        let _ = writeln!(
            out,
            "{} {}  [{} {}]  {}",
            b.batch.process,
            b.batch.label,
            lang.pick("年度", "FY"),
            b.batch.fiscal_year,
            b.batch.batch_id
        );
        let name_of = |s: &kenshin_core::BoardStep| match lang {
            Lang::Ja => s.ja,
            Lang::En => s.en,
        };
        let name_width = b
            .steps
            .iter()
            .map(|s| name_of(s).width())
            .max()
            .unwrap_or(0);
        let status_width = match lang {
            Lang::Ja => 8,
            Lang::En => 17,
        };
        for s in &b.steps {
            let mut detail = match (&s.decisive, s.status) {
                (_, Status::Blocked) => waiting_text(&s.waiting, lang),
                (Some(e), _) => entry_text(e),
                (None, _) => String::new(),
            };
            if s.awaiting_review {
                detail.push_str(
                    lang.pick(" 【代決・後閲待ち】", " [deputy approval, awaiting review]"),
                );
            }
            let _ = writeln!(
                out,
                "  {:>2} {} {} {}",
                s.step,
                pad(name_of(s), name_width),
                pad(status_label(s.status, lang), status_width),
                detail
            );
        }
    }
    out
}
