//! `kenshin archive` (the monthly records, 事跡) and `kenshin print` (PDFs to print).

use crate::{print_json, Lang};
use anyhow::{anyhow, Context, Result};
use clap::Subcommand;
use kenshin_core::exchange::archive::Month;
use kenshin_core::HomeDir;
use kenshin_core::Office;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ArchiveCmd {
    /// Export a month's records: lists, sign-offs, inquiries and returns, a PDF summary, a signed manifest.
    Export {
        /// The month, YYYY-MM (in Japan's time).
        #[arg(long, value_parser = |s: &str| s.parse::<Month>())]
        month: Month,
        #[arg(long)]
        out: PathBuf,
        /// Seal it with a passphrase (AES-256 zip; KENSHIN_EXPORT_PASSPHRASE, or asked) for carrying.
        #[arg(long)]
        encrypt: bool,
    },
    /// Check an archive: every file's hash, the manifest's signature, every sign-off's signature.
    /// A sealed archive (--encrypt) is opened with its passphrase first.
    Verify {
        file: PathBuf,
        /// The office's anchor key (hex) to require. Without it, a laptop of the same office
        /// requires the anchor it pinned; elsewhere the archive's own is reported.
        #[arg(long)]
        anchor: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum YearCmd {
    /// 年度締め (approvers): once the year is over and each of its months was archived after it
    /// ended, its batches take no new entries (they stay readable).
    Close {
        /// The fiscal year, by the calendar year it starts in (2025 = 令和7年度).
        #[arg(long)]
        fiscal_year: i32,
    },
    /// The fiscal years closed, and by whom.
    List,
}

#[derive(Subcommand)]
pub enum RetentionCmd {
    /// Every fiscal year the office holds, kept until when (作成の翌年度から5年間), and what is due.
    List,
    /// 保存期間満了による削除 (approvers): a closed fiscal year past its keeping is deleted here at once
    /// and from every laptop on its next sync; the decision (year, who, when) stays. With
    /// --departed (資格喪失者の削除): the rows of persons who left the insurer before the last fiscal
    /// year go from every list (each written again without them).
    Purge {
        #[arg(
            long,
            required_unless_present = "departed",
            conflicts_with = "departed"
        )]
        fiscal_year: Option<i32>,
        #[arg(long)]
        departed: bool,
    },
}

#[derive(Subcommand)]
pub enum PrintCmd {
    /// Reissued vouchers (process 3), one A4 sheet each, laid out for window envelopes.
    Reissues {
        #[arg(long)]
        batch: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// The standard vouchers of an issuing or reissue batch (特定健康診査受診券 様式).
    Vouchers {
        #[arg(long)]
        batch: String,
        #[arg(long, value_enum, default_value_t = VoucherLayout::A4)]
        layout: VoucherLayout,
        #[arg(long)]
        out: PathBuf,
    },
    /// The encouragement postcards' address list (process 5), in postal-code order.
    Postcards {
        #[arg(long)]
        batch: String,
        #[arg(long)]
        out: PathBuf,
    },
}

/// How the standard voucher is printed.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum VoucherLayout {
    /// One A4 sheet each, folded for a window envelope.
    A4,
    /// Card size, four to an A4 page, backs on the next page.
    Card,
}

pub fn archive(
    home: &HomeDir,
    open: impl FnOnce() -> anyhow::Result<Office>,
    cmd: ArchiveCmd,
    json: bool,
    lang: Lang,
) -> Result<()> {
    match cmd {
        ArchiveCmd::Export {
            month,
            out,
            encrypt,
        } => {
            let (bytes, exported) = open()?.archive_export(month)?;
            let out = crate::write_export(&out, &bytes, encrypt)?;
            if json {
                return print_json(&exported);
            }
            println!(
                "{} {month}: {} {}, {} {}, {} {}, {} {}, {} {} → {} ({} bytes)",
                lang.pick("事跡を出力しました", "archive exported"),
                exported.batches,
                lang.pick("バッチ", "batches"),
                exported.signoffs,
                lang.pick("記録", "sign-offs"),
                exported.lists,
                lang.pick("リスト", "lists"),
                exported.notes,
                lang.pick("問合せ・返送", "notes"),
                exported.lookups,
                lang.pick("照会", "lookups"),
                out.display(),
                exported.bytes
            );
        }
        ArchiveCmd::Verify { file, anchor } => {
            let mut bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let name = file.display().to_string();
            if kenshin_core::exchange::is_sealed(&bytes) {
                let passphrase = crate::export_passphrase(false)?;
                bytes = kenshin_core::exchange::unseal(&name, &bytes, &passphrase)?.1;
            }
            // On a laptop of the same office, the archive must hold against the anchor this
            // laptop pinned when it founded or joined the office.
            let pinned = anchor.is_none();
            let check = kenshin_core::verify_archive(&name, &bytes, |office| match anchor {
                Some(a) => Ok(Some(a)),
                None => kenshin_core::pinned_anchor(home, office),
            })?;
            // Checked whole on a laptop of its office: the month is filed (月次の保存), which a
            // fiscal year's close (年度締め) counts.
            let filed = if pinned
                && check.problems.is_empty()
                && kenshin_core::pinned_anchor(home, &check.office)?.is_some()
            {
                Some(open()?.file_archive(check.month, &bytes)?)
            } else {
                None
            };
            if json {
                print_json(&check)?;
            } else {
                println!(
                    "{} {} ({}) {}\n{}: {}\n{}: {}\n{}: {}, {}: {}",
                    lang.pick("事跡", "archive"),
                    check.month,
                    check.office_name,
                    check.office,
                    lang.pick("出力者", "exported by"),
                    check.exported_by.name,
                    lang.pick("名簿の起点の鍵", "anchor key"),
                    check.anchor,
                    lang.pick("ファイル", "files"),
                    check.files,
                    lang.pick("記録", "sign-offs"),
                    check.signoffs
                );
                for p in &check.problems {
                    println!("NG {p}");
                }
                if check.problems.is_empty() {
                    println!(
                        "{}",
                        lang.pick(
                            "OK: 全ファイルのハッシュと全署名を確認しました",
                            "OK: every hash and signature checks out"
                        )
                    );
                }
                if let Some(f) = &filed {
                    println!(
                        "{} {}",
                        lang.pick(
                            "月次の保存として記録しました:",
                            "recorded as the month's filing:"
                        ),
                        f.month
                    );
                }
            }
            if let Some(first) = check.problems.first() {
                let more = match check.problems.len() - 1 {
                    0 => String::new(),
                    n => format!(" (and {n} more)"),
                };
                return Err(anyhow!("{name} does not hold: {first}{more}"));
            }
        }
    }
    Ok(())
}

pub fn print(office: &mut Office, cmd: PrintCmd, lang: Lang) -> Result<()> {
    let (bytes, out) = match cmd {
        PrintCmd::Reissues { batch, out } => (office.print_reissues(&batch)?, out),
        PrintCmd::Postcards { batch, out } => (office.print_postcards(&batch)?, out),
        PrintCmd::Vouchers { batch, layout, out } => {
            let layout = match layout {
                VoucherLayout::A4 => kenshin_core::exchange::print::Layout::A4,
                VoucherLayout::Card => kenshin_core::exchange::print::Layout::Card,
            };
            (office.print_vouchers(&batch, layout)?, out)
        }
    };
    crate::write_export(&out, &bytes, false)?;
    println!(
        "{} → {}",
        lang.pick("印刷用 PDF を出力しました", "PDF written"),
        out.display()
    );
    Ok(())
}

pub fn year(office: &mut Office, cmd: YearCmd, json: bool, lang: Lang) -> Result<()> {
    match cmd {
        YearCmd::Close { fiscal_year } => {
            let close = office.close_year(fiscal_year)?;
            if json {
                return print_json(&close);
            }
            println!(
                "{} {} ({fiscal_year})",
                lang.pick("年度締めをしました:", "fiscal year closed:"),
                kenshin_core::domain::filing::year_ja(fiscal_year)
            );
        }
        YearCmd::List => {
            let closes = office.closed_years()?;
            if json {
                return print_json(&closes);
            }
            for c in closes {
                println!(
                    "{}\t{}\t{}\t{}",
                    c.fiscal_year,
                    c.year_ja,
                    c.by,
                    c.at.format("%Y-%m-%d")
                );
            }
        }
    }
    Ok(())
}

pub fn retention(office: &mut Office, cmd: RetentionCmd, json: bool, lang: Lang) -> Result<()> {
    match cmd {
        RetentionCmd::List => {
            let retention = office.retention()?;
            if json {
                return print_json(&retention);
            }
            for y in retention.years {
                let state = if y.deleted {
                    lang.pick("削除済み", "deleted")
                } else if y.due && y.closed {
                    lang.pick("削除できます", "due for deletion")
                } else if y.due {
                    lang.pick(
                        "保存期間満了（年度締めが必要）",
                        "past its keeping (close the year first)",
                    )
                } else {
                    lang.pick("保存中", "kept")
                };
                println!(
                    "{}\t{}\t{} {}\t{} {}\t{state}",
                    y.fiscal_year,
                    y.year_ja,
                    y.batches,
                    lang.pick("件", "batches"),
                    lang.pick("保存期限", "kept until"),
                    y.kept_until
                );
            }
            let d = retention.departed;
            let state = if d.persons == 0 {
                lang.pick("該当なし", "none")
            } else if d.open_years.is_empty() {
                lang.pick("削除できます", "due for deletion")
            } else {
                lang.pick(
                    "保存期間満了（年度締めが必要）",
                    "past their keeping (close the year first)",
                )
            };
            println!(
                "{}	{} {}	{} {}	{state}",
                lang.pick("資格喪失者", "departed"),
                d.persons,
                lang.pick("人", "persons"),
                lang.pick("喪失日", "lost coverage by"),
                d.lost_by
            );
        }
        RetentionCmd::Purge { departed: true, .. } => {
            let r = office.purge_departed()?;
            if json {
                return print_json(&r);
            }
            let removed: u64 = r.lists.iter().map(|l| l.old_rows - l.new_rows).sum();
            println!(
                "{} {} {}, {} {}",
                lang.pick(
                    "資格喪失者の行を削除しました:",
                    "departed persons' rows deleted:"
                ),
                r.lists.len(),
                lang.pick("件のリスト", "lists"),
                removed,
                lang.pick("行", "rows"),
            );
        }
        RetentionCmd::Purge {
            fiscal_year: None, ..
        } => anyhow::bail!("retention purge: give --fiscal-year YYYY or --departed"),
        RetentionCmd::Purge {
            fiscal_year: Some(fiscal_year),
            ..
        } => {
            let purge = office.purge_year(fiscal_year)?;
            if json {
                return print_json(&purge);
            }
            println!(
                "{} {} ({fiscal_year})",
                lang.pick("記録を削除しました:", "records deleted:"),
                kenshin_core::domain::filing::year_ja(fiscal_year)
            );
        }
    }
    Ok(())
}
