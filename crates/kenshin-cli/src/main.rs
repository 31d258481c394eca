//! The `kenshin` command: a thin shell over kenshin-core. Contract: ../shared/design/CLI.md.

mod archive;
mod board;
mod register;
mod sync;

use anyhow::Result;
use clap::{Args, Parser, Subcommand, ValueEnum};
use kenshin_core::domain::workflow::{Ask, Marking};
use kenshin_core::domain::{Action, ProcessId, Role};
use kenshin_core::{display_time, HomeDir, Office, StepRecord};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kenshin",
    version,
    about = "特定健診受診券の業務 (Specific Health Checkup vouchers)"
)]
struct Cli {
    /// The laptop's data folder (one home = one laptop = one member).
    #[arg(long, env = "KENSHIN_HOME", global = true)]
    home: Option<PathBuf>,
    /// Machine-readable JSON on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// Language of human output.
    #[arg(long, global = true, value_enum, default_value_t = Lang::Ja)]
    lang: Lang,
    /// Act as this member (name or id) instead of the home's own. For tests and a shared demo
    /// laptop only, until each member has a laptop of their own (invites come with sync).
    #[arg(long = "as", env = "KENSHIN_AS", global = true)]
    acting_as: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    pub fn pick<'a>(self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// The office: found one in a new home.
    #[command(subcommand)]
    Office(OfficeCmd),
    /// This laptop's home: its encryption.
    #[command(subcommand)]
    Home(HomeCmd),
    /// The office's members.
    #[command(subcommand)]
    Member(MemberCmd),
    /// Batches: runs of a process.
    #[command(subcommand)]
    Batch(BatchCmd),
    /// Record a step: do, verify (検認) or approve (決裁).
    #[command(subcommand)]
    Step(StepCmd),
    /// Every batch's steps: state, who, when, counts, send-backs.
    Board {
        #[arg(long)]
        batch: Option<String>,
    },
    /// The current heads of the office document, or of one batch's document.
    Heads {
        #[arg(long)]
        batch: Option<String>,
    },
    /// Query projections (derived from the documents).
    #[command(subcommand)]
    Projections(ProjectionsCmd),
    /// Import a list (CSV, CP932 or UTF-8, detected) into a batch. The whole file or nothing.
    Import(register::ImportArgs),
    /// Reports: CSV (CP932 or UTF-8 with BOM) or XLSX.
    Report(register::ReportArgs),
    /// The voucher register (受診券リスト).
    #[command(subcommand)]
    Voucher(register::VoucherCmd),
    /// Phone inquiries from checkup institutions (process 4).
    #[command(subcommand)]
    Inquiry(register::InquiryCmd),
    /// Returned mail (宛所不明等で返送), one envelope at a time.
    #[command(subcommand)]
    Return(register::ReturnCmd),
    /// Stay online: accept the office's laptops, find them on the LAN, sync continuously.
    Serve(sync::ServeArgs),
    /// Sync with one peer (or through a relay).
    Sync(sync::SyncArgs),
    /// Each peer as this laptop's sync last saw it: last seen, last synced, documents pending.
    Peers,
    /// The monthly archive of records (事跡): export and verify.
    #[command(subcommand)]
    Archive(archive::ArchiveCmd),
    /// PDFs to print: reissued vouchers for window envelopes, the postcards' address list.
    #[command(subcommand)]
    Print(archive::PrintCmd),
    /// Fiscal years (年度): close one once every month of it is archived.
    #[command(subcommand)]
    Year(archive::YearCmd),
    /// 保存期間: what is due for deletion, and deleting a closed fiscal year's records.
    #[command(subcommand)]
    Retention(archive::RetentionCmd),
    /// A demo office with synthetic members and batches (no real personal data).
    Demo {
        /// Also issue this many synthetic vouchers in the year's annual batch (e.g. 150000).
        #[arg(long, default_value_t = 0)]
        vouchers: usize,
        /// Fiscal years: the ones before this one at office scale (49 batches each), then this one.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10))]
        years: u32,
    },
}

#[derive(Subcommand)]
enum HomeCmd {
    /// Protect the home with a passphrase (or change it): without it, a lost laptop reveals nothing.
    /// The new passphrase comes from KENSHIN_NEW_PASSPHRASE, or is asked twice.
    Passphrase,
}

#[derive(Subcommand)]
enum OfficeCmd {
    /// Found an office; you become its first member (section, approver, admin).
    Init {
        #[arg(long)]
        name: String,
        #[arg(long)]
        me: String,
    },
    /// Write an invite file for a new laptop (admin only). Hand it over in person: it lets one
    /// laptop join as the member it names.
    Invite {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        approver: bool,
        #[arg(long)]
        out: PathBuf,
    },
    /// Accept an invite on a new home; the roster and documents arrive with the first sync.
    Join { file: PathBuf },
    /// The office's settings (事務所の設定) for every laptop; an admin changes them with the flags.
    Settings {
        /// Minutes without a key or the pointer before a window locks (1 to 120).
        #[arg(long)]
        idle_minutes: Option<u32>,
        #[command(flatten)]
        insurer: InsurerArgs,
    },
    /// 中継用の暗号鍵 (admin): a new data key that seals everything sent through a relay from now on,
    /// given to every current member. Made with the office; made again when a member is removed.
    DataKey,
    /// 契約終了: sync with a section laptop, then destroy this laptop's home and key, and write the
    /// signed 消去証明 (what it held, when it was destroyed) to hand to the section.
    Leave {
        /// Say it: the home and its key are destroyed for good.
        #[arg(long)]
        wipe: bool,
        /// Where to write the certificate (default: 消去証明-NAME-DATE.json here).
        #[arg(long)]
        certificate: Option<PathBuf>,
        /// Give up on a peer after this many seconds.
        #[arg(long, default_value_t = 120)]
        timeout: u64,
    },
    /// 消去証明の確認: check a certificate a contractor laptop wrote when it was destroyed.
    Certificate { file: PathBuf },
    /// 消去命令と消去証明: the orders given to destroy removed members' laptops, and the
    /// certificates destroyed laptops handed back.
    Erasures,
}

/// 保険者情報, printed on every voucher.
#[derive(Args)]
struct InsurerArgs {
    /// 保険者番号: 8 digits with the check digit (国保: 00 and the 6 digits).
    #[arg(long)]
    insurer_no: Option<String>,
    /// 保険者名称
    #[arg(long)]
    insurer_name: Option<String>,
    /// 保険者所在地
    #[arg(long)]
    insurer_address: Option<String>,
    /// 保険者電話番号
    #[arg(long)]
    insurer_phone: Option<String>,
    /// 契約とりまとめ機関: NAME or NAME:CODE (集合A, 集合B, 医師会).
    #[arg(long)]
    contract_org: Option<String>,
    /// 支払代行機関番号 (8 digits).
    #[arg(long)]
    payment_agent_no: Option<String>,
    /// 支払代行機関名称
    #[arg(long)]
    payment_agent_name: Option<String>,
    /// 有効期限 of this fiscal year's vouchers ("" ends them with the year).
    #[arg(long)]
    valid_until: Option<String>,
    /// 窓口での自己負担: basic|detailed|extra|dock=free|N%|N円|max:N円 (repeat for each).
    #[arg(long)]
    self_pay: Vec<String>,
}

impl InsurerArgs {
    fn form(self) -> Option<kenshin_core::domain::voucher::InsurerForm> {
        let form = kenshin_core::domain::voucher::InsurerForm {
            number: self.insurer_no,
            name: self.insurer_name,
            address: self.insurer_address,
            phone: self.insurer_phone,
            contract_org: self.contract_org,
            payment_agent_no: self.payment_agent_no,
            payment_agent_name: self.payment_agent_name,
            valid_until: self.valid_until,
            self_pay: self.self_pay,
        };
        (form != Default::default()).then_some(form)
    }
}

#[derive(Subcommand)]
enum MemberCmd {
    List,
    /// Add a member who uses this laptop (admin only): their keys stay on this laptop; act as them
    /// with `--as NAME`. A member with a laptop of their own joins with `office invite`.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        approver: bool,
    },
    /// Remove a member (admin only): their laptop can no longer sync, and what they record
    /// afterwards counts for nothing.
    Remove {
        name: String,
        /// Also order their laptop to destroy its home (消去命令), as `member erase` does.
        #[arg(long)]
        erase: bool,
    },
    /// 消去を命じる (admin): order the laptop of NAME, a removed member, to destroy its home. It is
    /// told on its next connection, destroys itself once its member signs in, and hands back its
    /// 消去証明.
    Erase {
        name: String,
    },
    /// Change NAME's role and approver authority from now on (admin only); what they recorded before
    /// keeps the authority it was recorded with.
    Role {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        approver: bool,
    },
    /// Designate NAME as deputy (代決者), who may approve with `step approve --deputy` while the
    /// approver is absent (admin only); `--off` ends it.
    Deputy {
        name: String,
        #[arg(long)]
        off: bool,
    },
    /// Set or change your own secret (暗証番号: a PIN or passphrase) on this laptop; from then on
    /// every command acting as you needs it (KENSHIN_SECRET, or asked). The new one comes from
    /// KENSHIN_NEW_SECRET, or is asked twice.
    Secret,
}

#[derive(Subcommand)]
enum BatchCmd {
    /// Start a batch; prints its id.
    New {
        #[arg(long, value_parser = parse_process)]
        process: ProcessId,
        #[arg(long)]
        label: String,
        #[arg(long = "fiscal-year")]
        fiscal_year: Option<i32>,
    },
    List,
}

#[derive(Args)]
struct StepArgs {
    #[arg(long)]
    batch: String,
    #[arg(long)]
    step: u8,
    #[arg(long)]
    note: Option<String>,
}

#[derive(Subcommand)]
enum StepCmd {
    /// Record work done, with its counts (`--count envelopes=405`, repeatable).
    Do {
        #[command(flatten)]
        step: StepArgs,
        #[arg(long = "count")]
        counts: Vec<String>,
    },
    /// Verify (検認) the work before this step, or send it back with a reason.
    Verify {
        #[command(flatten)]
        step: StepArgs,
        #[arg(long = "send-back")]
        send_back: Option<String>,
    },
    /// Approve (決裁), or send the work back with a reason.
    Approve {
        #[command(flatten)]
        step: StepArgs,
        #[arg(long = "send-back")]
        send_back: Option<String>,
        /// 代決: decide as a designated deputy while the approver is absent (marked until the
        /// approver reviews it with `step review`).
        #[arg(long)]
        deputy: bool,
    },
    /// 取下げ: take back your own work at this step before it is verified (the history keeps it).
    Withdraw {
        #[command(flatten)]
        step: StepArgs,
    },
    /// 後閲: the approver reviews a 代決 of this step.
    Review {
        #[command(flatten)]
        step: StepArgs,
    },
}

#[derive(Subcommand)]
enum ProjectionsCmd {
    /// Drop the query tables and derive them again from the documents.
    Rebuild,
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

fn parse_process(s: &str) -> Result<ProcessId, String> {
    s.parse()
        .map_err(|e: kenshin_core::domain::catalogue::UnknownProcess| e.to_string())
}

fn default_home() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("kenshin")
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A reader that stops early (`kenshin board | head`) ends the command quietly, as it ends other
    // commands in a pipe; Rust ignores SIGPIPE, and `println!` then panics on the broken pipe. A
    // laptop that syncs keeps syncing and drops the lines nobody reads (`print_event`).
    #[cfg(unix)]
    if !matches!(cli.command, Command::Serve(_) | Command::Sync(_)) {
        // SAFETY: before any thread starts; SIG_DFL is a valid disposition for SIGPIPE.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    // Diagnostics on stderr only when asked for (KENSHIN_LOG=debug): stderr carries refusals.
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("KENSHIN_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kenshin: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// One clear line: what and why, with the cause a file error came from ("cannot write X: No such
/// file or directory"). A cause the message already says is not said again (most of our errors
/// name their cause in their own message and also keep it as their source).
fn one_line(e: &anyhow::Error) -> String {
    let mut line = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !line.contains(&cause) {
            line = format!("{line}: {cause}");
        }
    }
    line
}

/// The home, unlocked once for the whole command when it has a passphrase: from the environment, or
/// typed at the terminal (the typed text is wiped once the key is derived).
fn unlock(home: HomeDir) -> Result<HomeDir> {
    use std::io::IsTerminal;
    if !home.needs_passphrase()? {
        return Ok(home);
    }
    let given = match std::env::var(kenshin_core::PASSPHRASE_ENV) {
        Ok(p) => zeroize::Zeroizing::new(p),
        Err(_) if std::io::stdin().is_terminal() => {
            zeroize::Zeroizing::new(rpassword::prompt_password("パスフレーズ / passphrase: ")?)
        }
        Err(_) => return Ok(home),
    };
    Ok(home.unlock(&given)?)
}

/// The office opened as `who` (the home's own member when None), with their secret when they have
/// one: from KENSHIN_SECRET, or typed at the terminal.
/// After a sync or serve on a removed laptop: when an admin's order to destroy it arrived with the
/// refusal, the home is destroyed and the certificate, signed by its member (asked for their secret
/// when they have one), handed back.
fn obey_erasure_order(home: &HomeDir, ran: Result<()>, json: bool, lang: Lang) -> Result<()> {
    let Some(ordered) = kenshin_core::erasure_ordered(home)? else {
        return ran;
    };
    eprintln!(
        "{}",
        lang.pick(
            "管理者がこの端末の消去を命じました。この端末の記録と鍵を消去します。",
            "an admin ordered this laptop destroyed: destroying its home and key."
        )
    );
    use kenshin_core::{erase_on_order, CoreError, Unlock};
    let erased = match erase_on_order(home, ordered.clone(), Unlock::Nothing) {
        Err(CoreError::SecretNeeded { member }) => {
            // Without the secret the laptop is destroyed even so; the certificate is then unsigned.
            let prompt = format!("{member} の暗証番号（消去証明の署名に） / secret: ");
            match ask_passphrase("KENSHIN_SECRET", &prompt, false) {
                Ok(secret) => erase_on_order(home, ordered, Unlock::Secret(&secret))?,
                Err(_) => erase_on_order(home, ordered, Unlock::Unsigned)?,
            }
        }
        erased => erased?,
    };
    print_erased(&erased, None, json, lang)
}

/// A destroyed home's certificate: handed back to the section laptop, and written to `path`
/// (default: 消去証明-NAME-DATE.json here).
fn print_erased(
    erased: &kenshin_core::Erased,
    path: Option<PathBuf>,
    json: bool,
    lang: Lang,
) -> Result<()> {
    let made = &erased.certificate;
    let path = path.unwrap_or_else(|| {
        PathBuf::from(format!(
            "消去証明-{}-{}.json",
            made.member_name,
            made.destroyed_at.format("%Y%m%d")
        ))
    });
    let text = serde_json::to_string_pretty(made)?;
    // The home is gone: a certificate that cannot be written is printed rather than lost.
    if let Err(e) = std::fs::write(&path, &text) {
        println!("{text}");
        anyhow::bail!("{}: {e} (the certificate is above)", path.display());
    }
    let handed = tokio::runtime::Runtime::new()?.block_on(erased.hand_back());
    if json {
        return print_json(&serde_json::json!({
            "certificate": made, "file": path, "handed_to": handed.as_ref().ok(),
        }));
    }
    println!(
        "{} {} ({} {}, {} {}) {} {}",
        lang.pick(
            "この端末の記録を消去しました:",
            "this laptop's home is destroyed:"
        ),
        made.member_name,
        made.held.documents,
        lang.pick("文書", "documents"),
        made.held.vouchers,
        lang.pick("件の受診券", "vouchers"),
        lang.pick("消去証明:", "certificate:"),
        path.display()
    );
    match handed {
        Ok(peer) => println!(
            "{} {peer}",
            lang.pick(
                "消去証明を課の端末に渡しました:",
                "the certificate was handed to the section laptop at"
            )
        ),
        Err(e) => eprintln!(
            "{} ({e})",
            lang.pick(
                "消去証明を課の端末に渡せませんでした。ファイルを課に渡してください",
                "the certificate could not be handed to a section laptop: give the file to the section"
            )
        ),
    }
    Ok(())
}

fn open_office(home: &HomeDir, who: Option<&str>) -> Result<Office> {
    match Office::open(home, who) {
        Err(kenshin_core::CoreError::SecretNeeded { member }) => {
            let secret = zeroize::Zeroizing::new(ask_passphrase(
                "KENSHIN_SECRET",
                &format!("{member} の暗証番号 / secret: "),
                false,
            )?);
            let signer = Office::sign_in(home, who, Some(&secret))?;
            Ok(Office::open_as(home, &signer)?)
        }
        opened => Ok(opened?),
    }
}

/// A passphrase from the environment variable `env`, else typed at the terminal after `prompt`
/// (twice when `confirm`, since a mistyped new passphrase would lock the data away).
fn ask_passphrase(env: &str, prompt: &str, confirm: bool) -> Result<String> {
    use std::io::IsTerminal;
    if let Ok(given) = std::env::var(env) {
        return Ok(given);
    }
    anyhow::ensure!(
        std::io::stdin().is_terminal(),
        "a passphrase is needed: type it at a terminal, or set {env}"
    );
    let first = rpassword::prompt_password(prompt)?;
    if confirm {
        let again = rpassword::prompt_password("もう一度 / again: ")?;
        anyhow::ensure!(
            first == again,
            "the two passphrases differ; nothing changed"
        );
    }
    Ok(first)
}

/// The passphrase that seals an export: KENSHIN_EXPORT_PASSPHRASE, or asked (twice when sealing).
pub fn export_passphrase(confirm: bool) -> Result<String> {
    ask_passphrase(
        "KENSHIN_EXPORT_PASSPHRASE",
        "ファイルのパスフレーズ / export passphrase: ",
        confirm,
    )
}

/// Writes an export whole; with `encrypt`, sealed first (AES-256 zip) under a name ending in .zip.
/// Returns where it went.
pub fn write_export(path: &std::path::Path, bytes: &[u8], encrypt: bool) -> Result<PathBuf> {
    use anyhow::Context;
    let passphrase = encrypt.then(|| export_passphrase(true)).transpose()?;
    let (path, bytes) =
        kenshin_core::exchange::carried(path, bytes.to_vec(), passphrase.as_deref())?;
    kenshin_core::exchange::write_whole(&path, &bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

fn run(cli: Cli) -> Result<()> {
    let home = unlock(HomeDir::new(cli.home.clone().unwrap_or_else(default_home)))?;
    let lang = cli.lang;
    let open = || open_office(&home, cli.acting_as.as_deref());
    match cli.command {
        Command::Office(OfficeCmd::Init { name, me }) => {
            let mut office = Office::init(&home, &name, &me)?;
            if cli.json {
                print_json(&serde_json::json!({ "office": office.name()?, "me": office.me() }))?;
            } else {
                println!(
                    "{} {} ({})",
                    lang.pick("事務所を作成しました:", "office created:"),
                    office.name()?,
                    home.path().display()
                );
            }
        }
        Command::Home(HomeCmd::Passphrase) => {
            let new = zeroize::Zeroizing::new(ask_passphrase(
                "KENSHIN_NEW_PASSPHRASE",
                "新しいパスフレーズ / new passphrase: ",
                true,
            )?);
            kenshin_core::set_passphrase(&home, &new)?;
            println!(
                "{} ({})",
                lang.pick(
                    "パスフレーズを設定しました。以後、開くたびに必要です",
                    "passphrase set; it is needed every time the home is opened"
                ),
                home.path().display()
            );
        }
        Command::Office(OfficeCmd::Invite {
            name,
            role,
            approver,
            out,
        }) => sync::invite(&mut open()?, &name, role, approver, &out, lang)?,
        Command::Office(OfficeCmd::Settings {
            idle_minutes,
            insurer,
        }) => {
            let mut office = open()?;
            let mut settings = office.settings()?;
            let form = insurer.form();
            if let Some(form) = &form {
                settings.insurer = Some(form.apply(settings.insurer.take())?);
            }
            if let Some(minutes) = idle_minutes {
                settings.idle_minutes = minutes;
            }
            // One record, checked whole before anything is written.
            if form.is_some() || idle_minutes.is_some() {
                settings = office.set_settings(settings)?;
            }
            if cli.json {
                return print_json(&settings);
            }
            register::print_settings(&settings, lang);
        }
        Command::Office(OfficeCmd::DataKey) => {
            let record = open()?.new_data_key()?;
            if cli.json {
                return print_json(&record);
            }
            println!(
                "{} {}",
                lang.pick("中継用の暗号鍵を作りました: 第", "new data key: epoch "),
                record.epoch
            );
        }
        Command::Office(OfficeCmd::Leave {
            wipe,
            certificate,
            timeout,
        }) => {
            anyhow::ensure!(
                wipe,
                "`office leave` destroys this laptop's home and key: say so with --wipe"
            );
            let office = open()?;
            let (synced, tried) = tokio::runtime::Runtime::new()?.block_on(
                kenshin_core::sync_with_the_section(&home, std::time::Duration::from_secs(timeout)),
            )?;
            let erased = office.erase(&home, synced, tried)?;
            print_erased(&erased, certificate, cli.json, lang)?;
        }
        Command::Office(OfficeCmd::Erasures) => {
            let erasures = open()?.erasures()?;
            if cli.json {
                return print_json(&erasures);
            }
            for r in &erasures.removed {
                let order = match &r.order {
                    Some(o) => format!(
                        "{} {}",
                        lang.pick("消去命令", "erasure ordered"),
                        display_time(o.at)
                    ),
                    None => lang.pick("消去命令なし", "no erasure order").to_string(),
                };
                println!(
                    "{}\t{}\t{order}",
                    lang.pick("名簿から削除", "removed"),
                    r.member.name
                );
            }
            for c in &erasures.certificates {
                println!(
                    "{}	{}	{}	{} {}	{} {}",
                    lang.pick("消去証明", "certificate"),
                    c.member_name,
                    display_time(c.destroyed_at),
                    c.held.documents,
                    lang.pick("文書", "documents"),
                    c.held.vouchers,
                    lang.pick("件の受診券", "vouchers"),
                );
            }
        }
        Command::Office(OfficeCmd::Certificate { file }) => {
            let checked = open()?.check_erasure(&file)?;
            if cli.json {
                return print_json(&checked);
            }
            println!(
                "{} {} ({} {}, {} {}, {} {})",
                lang.pick("消去証明を確認しました:", "the certificate holds:"),
                checked.member_name,
                lang.pick("消去", "destroyed"),
                display_time(checked.destroyed_at),
                checked.held.documents,
                lang.pick("文書", "documents"),
                checked.held.vouchers,
                lang.pick("件の受診券", "vouchers"),
            );
        }
        Command::Office(OfficeCmd::Join { file }) => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let joined = kenshin_core::join(&home, &text, &file.display().to_string())?;
            if cli.json {
                return print_json(&joined);
            }
            println!(
                "{} {} / {} ({}) {} {}",
                lang.pick(
                    "招待を受け入れました。最初の同期で名簿に載ります:",
                    "invite accepted; the roster arrives with the first sync:"
                ),
                joined.office_name,
                joined.name,
                home.path().display(),
                lang.pick("照合番号", "fingerprint"),
                joined.fingerprint
            );
        }
        Command::Member(MemberCmd::Remove { name, erase }) => {
            let (removal, order) = open()?.remove_member(&name, erase)?;
            if cli.json {
                return print_json(&removal);
            }
            println!(
                "{} {name}",
                lang.pick("名簿から外しました:", "removed from the roster:")
            );
            if order.is_some() {
                println!(
                    "{}",
                    lang.pick(
                        "その端末の消去も命じました（次につながったときに伝わります）",
                        "its laptop is ordered destroyed too (told when it next connects)"
                    )
                );
            }
        }
        Command::Serve(args) => {
            let served = sync::serve(&home, args, cli.json, lang);
            obey_erasure_order(&home, served, cli.json, lang)?
        }
        Command::Sync(args) => {
            let synced = sync::sync(&home, args, cli.json, lang);
            obey_erasure_order(&home, synced, cli.json, lang)?
        }
        Command::Peers => sync::peers(&mut open()?, &home, cli.json, lang)?,
        Command::Member(MemberCmd::Erase { name }) => {
            let order = open()?.order_erasure(&name)?;
            if cli.json {
                return print_json(&order);
            }
            println!(
                "{} {name}",
                lang.pick(
                    "消去を命じました（次にこの事務所の端末につながったときに伝わります）:",
                    "erasure ordered (the laptop is told when it next connects):"
                )
            );
        }
        Command::Member(MemberCmd::List) => {
            let mut office = open()?;
            let members = office.members()?;
            if cli.json {
                return print_json(&members);
            }
            // Entries that do not hold, and what was deleted or changed in the roster's history.
            for p in office.roster_problems()? {
                eprintln!(
                    "{}\t{}\t{}",
                    lang.pick("⚠ 名簿の問題", "⚠ roster problem"),
                    p.name,
                    p.why
                );
            }
            for m in members {
                let role = match lang {
                    Lang::Ja => m.member.role.ja(),
                    Lang::En => m.member.role.as_str(),
                };
                let mut flags = Vec::new();
                if m.member.approver {
                    flags.push(lang.pick("決裁権限", "approver"));
                }
                if m.member.admin {
                    flags.push(lang.pick("管理者", "admin"));
                }
                println!(
                    "{}\t{}\t{}\t{}",
                    m.member.name,
                    role,
                    flags.join(","),
                    m.member.id
                );
            }
        }
        Command::Member(MemberCmd::Role {
            name,
            role,
            approver,
        }) => {
            let change = open()?.change_role(&name, role, approver)?;
            if cli.json {
                return print_json(&change);
            }
            let role = match lang {
                Lang::Ja => change.role.ja(),
                Lang::En => change.role.as_str(),
            };
            let approver = if change.approver {
                lang.pick("・決裁権限", ", approver")
            } else {
                ""
            };
            println!(
                "{} {name}: {role}{approver}",
                lang.pick("役割を変更しました:", "role changed:")
            );
        }
        Command::Member(MemberCmd::Deputy { name, off }) => {
            let setting = open()?.set_deputy(&name, !off)?;
            if cli.json {
                return print_json(&setting);
            }
            println!(
                "{} {name}",
                match (off, lang) {
                    (false, Lang::Ja) => "代決者に指定しました:",
                    (true, Lang::Ja) => "代決者の指定を外しました:",
                    (false, Lang::En) => "now a deputy:",
                    (true, Lang::En) => "no longer a deputy:",
                }
            );
        }
        Command::Member(MemberCmd::Secret) => {
            let mut office = open()?;
            let new = zeroize::Zeroizing::new(ask_passphrase(
                "KENSHIN_NEW_SECRET",
                "新しい暗証番号 / new secret: ",
                true,
            )?);
            office.set_secret(&new)?;
            println!(
                "{} {}",
                office.me().name,
                lang.pick(
                    "さんの暗証番号を設定しました。以後、この担当者として操作するたびに必要です",
                    ": secret set; every command acting as this member needs it from now on"
                )
            );
        }
        Command::Member(MemberCmd::Add {
            name,
            role,
            approver,
        }) => {
            let entry = open()?.add_member(&name, role, approver)?;
            if cli.json {
                return print_json(&entry);
            }
            println!(
                "{} {}",
                lang.pick("メンバーを追加しました:", "member added:"),
                entry.member.name
            );
        }
        Command::Batch(BatchCmd::New {
            process,
            label,
            fiscal_year,
        }) => {
            let batch = open()?.new_batch(process, &label, fiscal_year)?;
            if cli.json {
                return print_json(&batch);
            }
            println!("{}", batch.batch_id);
        }
        Command::Batch(BatchCmd::List) => {
            let batches = open()?.batches()?;
            if cli.json {
                return print_json(&batches);
            }
            for b in batches {
                println!(
                    "{}\t{}\t{}\t{}",
                    b.batch_id, b.process, b.fiscal_year, b.label
                );
            }
        }
        Command::Step(cmd) => {
            let (action, args, counts, send_back, ask) = match cmd {
                StepCmd::Do { step, counts } => (Action::Do, step, counts, None, Ask::Plain),
                StepCmd::Verify { step, send_back } => {
                    (Action::Verify, step, Vec::new(), send_back, Ask::Plain)
                }
                StepCmd::Approve {
                    step,
                    send_back,
                    deputy,
                } => {
                    let ask = if deputy { Ask::Deputy } else { Ask::Plain };
                    (Action::Approve, step, Vec::new(), send_back, ask)
                }
                StepCmd::Withdraw { step } => (Action::Do, step, Vec::new(), None, Ask::Withdraw),
                StepCmd::Review { step } => (Action::Approve, step, Vec::new(), None, Ask::Review),
            };
            // The member and the batch are judged before the counts, as they always were.
            let mut office = open()?;
            office.resolve_batch(&args.batch)?;
            let request = StepRecord {
                counts: counts
                    .iter()
                    .map(|c| kenshin_core::domain::workflow::parse_count(c))
                    .collect::<Result<_, _>>()?,
                note: args.note.clone(),
                send_back,
                ask,
            };
            let entry = office.record(&args.batch, args.step, action, request)?;
            if cli.json {
                return print_json(&entry);
            }
            let what = match (entry.action, entry.send_back.is_some(), &entry.marking) {
                (_, _, Some(Marking::Withdraw { .. })) => lang.pick("取下げ", "withdrawn"),
                (_, _, Some(Marking::Review { .. })) => lang.pick("後閲", "reviewed"),
                (_, true, _) => lang.pick("差戻し", "sent back"),
                (_, false, Some(Marking::Deputy)) => lang.pick("代決", "approved as deputy"),
                (Action::Do, _, _) => lang.pick("完了", "done"),
                (Action::Verify, _, _) => lang.pick("検認", "verified"),
                (Action::Approve, _, _) => lang.pick("決裁", "approved"),
            };
            let counts: Vec<String> = entry
                .counts
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            println!(
                "{} {} {}: {} ({}) {}",
                lang.pick("記録しました: 工程", "recorded: step"),
                entry.step,
                what,
                entry.by_name,
                display_time(entry.at),
                counts.join(" ")
            );
        }
        Command::Board { batch } => {
            let board = open()?.board(batch.as_deref())?;
            if cli.json {
                return print_json(&board);
            }
            print!("{}", board::render(&board, lang));
        }
        Command::Heads { batch } => {
            let heads = open()?.heads(batch.as_deref())?;
            if cli.json {
                return print_json(&heads);
            }
            for h in heads {
                println!("{h}");
            }
        }
        Command::Projections(ProjectionsCmd::Rebuild) => {
            open()?.rebuild_projections()?;
            println!(
                "{}",
                lang.pick("索引を再構築しました", "projections rebuilt")
            );
        }
        Command::Import(args) => register::import(&mut open()?, args, cli.json, lang)?,
        Command::Report(args) => register::report(&mut open()?, args, cli.json)?,
        Command::Voucher(cmd) => register::voucher(&mut open()?, cmd, cli.json, lang)?,
        Command::Inquiry(cmd) => register::inquiry(&mut open()?, cmd, cli.json, lang)?,
        Command::Return(cmd) => register::returned(&mut open()?, cmd, cli.json, lang)?,
        Command::Archive(cmd) => archive::archive(&home, open, cmd, cli.json, lang)?,
        Command::Print(cmd) => archive::print(&mut open()?, cmd, lang)?,
        Command::Year(cmd) => archive::year(&mut open()?, cmd, cli.json, lang)?,
        Command::Retention(cmd) => archive::retention(&mut open()?, cmd, cli.json, lang)?,
        Command::Demo { vouchers, years } => {
            let mut office = kenshin_core::create_demo_years(&home, years, vouchers)?;
            println!(
                "{} {} ({})",
                lang.pick("デモ事務所を作成しました:", "demo office created:"),
                office.name()?,
                home.path().display()
            );
        }
    }
    Ok(())
}
