//! Lists, reports and the voucher register on the command line.

use crate::{print_json, Lang};
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use kenshin_core::domain::text::postal_display;
use kenshin_core::domain::ListKind;
use kenshin_core::exchange::{report, FileOut, TextEncoding};
use kenshin_core::{Office, RegisterEntry, ReportKind};
use std::io::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, ValueEnum)]
pub enum ImportKind {
    Targets,
    Rehearsal,
    Production,
    Pullouts,
    Returned,
    ReissueRequests,
    CheckupResults,
    CoverageLoss,
}

impl From<ImportKind> for ListKind {
    fn from(k: ImportKind) -> ListKind {
        match k {
            ImportKind::Targets => ListKind::Targets,
            ImportKind::Rehearsal => ListKind::Rehearsal,
            ImportKind::Production => ListKind::Production,
            ImportKind::Pullouts => ListKind::Pullouts,
            ImportKind::Returned => ListKind::Returned,
            ImportKind::ReissueRequests => ListKind::ReissueRequests,
            ImportKind::CheckupResults => ListKind::CheckupResults,
            ImportKind::CoverageLoss => ListKind::CoverageLoss,
        }
    }
}

#[derive(Args)]
pub struct ImportArgs {
    #[arg(value_enum)]
    kind: ImportKind,
    #[arg(long)]
    batch: String,
    file: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Csv,
    Xlsx,
}

#[derive(Clone, Copy, ValueEnum)]
enum Encoding {
    Cp932,
    Utf8,
}

#[derive(Args)]
pub struct ReportArgs {
    /// postal-counts, pullouts, returned, age-check, reissues, reissue-check, encouragement,
    /// encouragement-counts, inquiries
    #[arg(value_parser = |s: &str| s.parse::<ReportKind>())]
    kind: ReportKind,
    #[arg(long)]
    batch: String,
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// CSV encoding; default CP932 for a file (what Excel opens in a Japanese office), UTF-8 on stdout.
    #[arg(long, value_enum)]
    encoding: Option<Encoding>,
    /// Write here instead of stdout (required for XLSX).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Seal the file with a passphrase (AES-256 zip; KENSHIN_EXPORT_PASSPHRASE, or asked).
    #[arg(long, requires = "out")]
    encrypt: bool,
}

#[derive(Subcommand)]
pub enum VoucherCmd {
    /// Find vouchers by number, kana (any width, or hiragana), name or postal code.
    Find {
        query: String,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// An institution's call: is the voucher (or sheet NO-R<n>) valid on the checkup's day?
    Check {
        no: String,
        /// The day of the checkup (default today; ISO or era form).
        #[arg(long)]
        date: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum InquiryCmd {
    /// Log an institution's call about a voucher, with the answer given.
    Log {
        #[arg(long)]
        voucher: String,
        /// Who called (医療機関・健診機関).
        #[arg(long)]
        from: String,
        #[arg(long)]
        answer: String,
        /// The day of the call (default today; ISO or era form).
        #[arg(long)]
        date: Option<String>,
        /// The process 4 batch (default: the newest open one).
        #[arg(long)]
        batch: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum ReturnCmd {
    /// Record one returned envelope against a voucher the batch mailed.
    Record {
        #[arg(long)]
        batch: String,
        #[arg(long)]
        voucher: String,
        #[arg(long)]
        reason: String,
        /// The day it came back (default today; ISO or era form).
        #[arg(long)]
        date: Option<String>,
    },
}

pub fn import(office: &mut Office, args: ImportArgs, json: bool, lang: Lang) -> Result<()> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let name = args.file.display().to_string();
    let summary = office.import(args.kind.into(), &args.batch, &name, &bytes)?;
    if json {
        return print_json(&summary);
    }
    println!(
        "{} {} {} {} ({}, {}) sha256 {}",
        lang.pick("取り込みました:", "imported:"),
        summary.batch_label,
        summary.list_kind.ja(),
        summary.rows,
        summary.encoding,
        name,
        summary.sha256
    );
    Ok(())
}

pub fn report(office: &mut Office, args: ReportArgs, json: bool) -> Result<()> {
    let table = office.report(args.kind, &args.batch)?;
    if json {
        return print_json(&table);
    }
    // Into a file as the window writes it; on the terminal, CSV in UTF-8 (or Shift_JIS if asked).
    let bytes = match (args.format, args.encoding, &args.out) {
        (Format::Xlsx, _, None) => bail!("an XLSX report needs --out FILE.xlsx"),
        (Format::Xlsx, _, Some(_)) => report::file_bytes(&table, FileOut::Xlsx)?,
        (Format::Csv, Some(Encoding::Utf8), Some(_)) => {
            report::file_bytes(&table, FileOut::CsvUtf8)?
        }
        (Format::Csv, _, Some(_)) => report::file_bytes(&table, FileOut::CsvCp932)?,
        (Format::Csv, Some(Encoding::Cp932), None) => report::csv(&table, TextEncoding::Cp932)?,
        (Format::Csv, _, None) => report::csv(&table, TextEncoding::Utf8)?,
    };
    match &args.out {
        Some(path) => {
            let path = crate::write_export(path, &bytes, args.encrypt)?;
            eprintln!(
                "{}: {} rows → {}",
                table.title,
                table.rows.len(),
                path.display()
            );
        }
        None => std::io::stdout().write_all(&bytes)?,
    }
    Ok(())
}

fn print_entry(e: &RegisterEntry, lang: Lang) {
    let s = &e.subject;
    println!(
        "{}\t{}\t{}\t{}\t〒{}\t{}\t{} {} ({})\t{}",
        s.voucher_no,
        s.name,
        s.kana,
        s.birth,
        postal_display(&s.postal),
        s.address,
        e.process,
        e.batch_label,
        e.fiscal_year,
        lang.pick(e.status.ja(), e.status.as_str())
    );
    for ev in &e.events {
        println!(
            "\t{}\t{}\t{}",
            lang.pick(ev.kind.ja(), ev.kind.as_str()),
            ev.on.map(|d| d.to_string()).unwrap_or_default(),
            ev.detail
        );
    }
}

pub fn voucher(office: &mut Office, cmd: VoucherCmd, json: bool, lang: Lang) -> Result<()> {
    let (query, limit) = match cmd {
        VoucherCmd::Find { query, limit } => (query, limit),
        VoucherCmd::Check { no, date } => {
            let check = office.check_voucher(&no, date.as_deref())?;
            if json {
                return print_json(&check);
            }
            // The one line read out on the phone, whatever the language of the terminal.
            println!("{}", check.line);
            return Ok(());
        }
    };
    let found = office.find_vouchers(&query, limit)?;
    if json {
        return print_json(&found);
    }
    for e in &found.hits {
        print_entry(e, lang);
    }
    println!(
        "{} {} / {}",
        lang.pick("件数:", "found:"),
        found.hits.len(),
        found.total
    );
    if !found.unshown.is_empty() {
        println!(
            "{} {}",
            lang.pick(
                "この端末にない業務の受診券（表示していません）:",
                "vouchers of batches this laptop does not hold (not shown):"
            ),
            found.unshown.len()
        );
    }
    Ok(())
}

pub fn inquiry(office: &mut Office, cmd: InquiryCmd, json: bool, lang: Lang) -> Result<()> {
    let InquiryCmd::Log {
        voucher,
        from,
        answer,
        date,
        batch,
    } = cmd;
    let logged = office.log_inquiry(&voucher, &from, &answer, date.as_deref(), batch.as_deref())?;
    if json {
        return print_json(&logged);
    }
    println!(
        "{} {} {} ({})",
        lang.pick("問合せを記録しました:", "inquiry logged:"),
        logged.note.voucher_no,
        logged.note.on,
        logged.batch_label
    );
    match &logged.voucher {
        Some(e) => print_entry(e, lang),
        None => println!(
            "{}",
            lang.pick(
                "注意: この受診券整理番号は受診券リストにありません",
                "note: this voucher number is not in the register"
            )
        ),
    }
    Ok(())
}

pub fn returned(office: &mut Office, cmd: ReturnCmd, json: bool, lang: Lang) -> Result<()> {
    let ReturnCmd::Record {
        batch,
        voucher,
        reason,
        date,
    } = cmd;
    let note = office.record_return(&batch, &voucher, date.as_deref(), &reason)?;
    if json {
        return print_json(&note);
    }
    println!(
        "{} {} {}",
        lang.pick("返送を記録しました:", "return recorded:"),
        note.voucher_no,
        note.on
    );
    Ok(())
}

/// The office's settings, a line each.
pub fn print_settings(settings: &kenshin_core::domain::settings::OfficeSettings, lang: Lang) {
    println!(
        "{}\t{}",
        lang.pick("自動ロック（分）", "idle lock (minutes)"),
        settings.idle_minutes
    );
    let Some(i) = &settings.insurer else {
        println!("{}", lang.pick("保険者情報: 未設定", "insurer: not set"));
        return;
    };
    let valid = i
        .valid_until
        .map(kenshin_core::domain::dates::era_long)
        .unwrap_or_else(|| lang.pick("年度末", "end of the fiscal year").to_string());
    for (ja, en, v) in [
        ("保険者番号", "insurer number", i.number.clone()),
        ("保険者名称", "insurer name", i.name.clone()),
        ("所在地", "address", i.address.clone()),
        ("電話番号", "phone", i.phone.clone()),
        (
            "契約とりまとめ機関",
            "contract organisation",
            i.contract_org.clone(),
        ),
        (
            "支払代行機関番号",
            "payment agent number",
            i.payment_agent_no.clone(),
        ),
        (
            "支払代行機関名称",
            "payment agent name",
            i.payment_agent_name.clone(),
        ),
        ("有効期限", "valid until", valid),
        ("窓口での自己負担", "self-pay", i.self_pay.line()),
    ] {
        println!("{}\t{v}", lang.pick(ja, en));
    }
}
