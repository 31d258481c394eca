//! `office invite`, `office join`, `member remove`, `serve` and `sync`.

use crate::{print_json, Lang};
use anyhow::{Context, Result};
use clap::Args;
use kenshin_core::sync::{Event, SyncSettings, Syncing, DEFAULT_PORT};
use kenshin_core::HomeDir;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to accept laptops on.
    #[arg(long, default_value_t = format!("0.0.0.0:{DEFAULT_PORT}"))]
    listen: String,
    /// Do not announce or look for peers on the LAN (mDNS).
    #[arg(long = "no-mdns")]
    no_mdns: bool,
    /// Also keep in sync with these peers (HOST:PORT), repeatable.
    #[arg(long = "peer")]
    peers: Vec<String>,
    /// Also sync through an automerge-repo sync server (ws://HOST:PORT), sealed: it cannot read.
    #[arg(long)]
    relay: Option<String>,
}

#[derive(Args)]
pub struct SyncArgs {
    /// The peer's address (HOST:PORT), e.g. the section's hub running `kenshin serve`.
    #[arg(long)]
    peer: Option<String>,
    /// Or an automerge-repo sync server (ws://HOST:PORT) relaying between sites, sealed.
    #[arg(long)]
    relay: Option<String>,
    /// Return once both sides hold the same heads of every document.
    #[arg(long)]
    once: bool,
    /// Give up after this many seconds (with --once).
    #[arg(long, default_value_t = 300)]
    timeout: u64,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// One event as a line on stdout. A laptop that serves keeps serving when nobody reads its events
/// (stdout closed, or a pipe whose reader went away): the line is dropped, not the server.
fn print_event(e: &Event, json: bool, lang: Lang) {
    use std::io::Write;
    let say = |line: &str| {
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    };
    if json {
        if let Ok(line) = serde_json::to_string(e) {
            say(&line);
        }
        return;
    }
    let line = match e {
        Event::Connected { member, address } => {
            format!("{} {member} ({address})", lang.pick("接続:", "connected:"))
        }
        Event::Disconnected { member } => {
            format!("{} {member}", lang.pick("切断:", "disconnected:"))
        }
        Event::Refused { address, why, .. } => {
            format!("{} {address}: {why}", lang.pick("拒否:", "refused:"))
        }
        Event::Stored { documents } => format!(
            "{} {documents}",
            lang.pick("受信した文書:", "documents stored:")
        ),
        Event::Synced { member } => format!("{} {member}", lang.pick("同期完了:", "in sync with:")),
        Event::HandedBack { member } => format!(
            "{} {member}",
            lang.pick("消去証明を受け取りました:", "erasure certificate received:")
        ),
    };
    say(&line);
}

/// SIGTERM, caught from here on: taken before a server says where it listens, so that whoever
/// read that line and stops it gets a clean stop, not the signal's default.
fn terminate() -> Option<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok()
}

/// Until stopped (`term`, from [`terminate`]), or until an admin's order to destroy this laptop
/// came with a refusal.
async fn until_stopped(
    home: &HomeDir,
    syncing: &Syncing,
    mut term: Option<tokio::signal::unix::Signal>,
    json: bool,
    lang: Lang,
) {
    let mut events = syncing.engine.subscribe();
    loop {
        tokio::select! {
            e = events.recv() => match e {
                Ok(e) => {
                    print_event(&e, json, lang);
                    let refused = matches!(e, Event::Refused { by_peer: true, .. });
                    if refused && matches!(kenshin_core::erasure_ordered(home), Ok(Some(_))) {
                        return;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => return,
            },
            _ = tokio::signal::ctrl_c() => return,
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => return,
        }
    }
}

pub fn serve(home: &HomeDir, args: ServeArgs, json: bool, lang: Lang) -> Result<()> {
    runtime()?.block_on(async {
        let settings = SyncSettings {
            listen: args.listen,
            lan: !args.no_mdns,
            paused: false,
            peers: args.peers,
        };
        let term = terminate();
        let (syncing, serving) = Syncing::serve(home, &settings).await?;
        if let Some(fault) = serving.faults.first() {
            syncing.stop().await?;
            anyhow::bail!("{fault}");
        }
        if let Some(bound) = serving.listening {
            // The first line says where (scripts and tests read it).
            println!("{} {bound}", lang.pick("待ち受け中:", "listening on"));
        }
        if let Some(relay) = &args.relay {
            syncing.dial_relay(relay)?;
        }
        until_stopped(home, &syncing, term, json, lang).await;
        syncing.stop().await?;
        Ok(())
    })
}

/// A member's name from this home's roster, or the id when the peer is not a member (a relay).
pub fn member_name(home: &HomeDir, id: &str) -> String {
    kenshin_core::members_of(home)
        .ok()
        .and_then(|ms| ms.into_iter().find(|m| m.member.id == id))
        .map_or_else(|| id.to_string(), |m| m.member.name)
}

pub fn sync(home: &HomeDir, args: SyncArgs, json: bool, lang: Lang) -> Result<()> {
    runtime()?.block_on(async {
        let syncing = Syncing::start(home).await?;
        match (&args.peer, &args.relay, args.once) {
            (Some(peer), None, true) => {
                let report = syncing
                    .once(peer, Duration::from_secs(args.timeout))
                    .await?;
                if json {
                    return print_json(&serde_json::json!({
                        "peer": report.member, "documents": report.documents,
                        "elapsed_ms": report.elapsed.as_millis() as u64,
                    }));
                }
                println!(
                    "{} {} ({} {}, {:.2} s)",
                    lang.pick("同期完了:", "in sync with:"),
                    member_name(home, &report.member),
                    report.documents,
                    lang.pick("文書", "documents"),
                    report.elapsed.as_secs_f64()
                );
                Ok(())
            }
            (None, Some(relay), true) => {
                let report = syncing
                    .once_relay(relay, Duration::from_secs(args.timeout))
                    .await?;
                let sealed = report.sealed.unwrap_or_default();
                if json {
                    return print_json(&serde_json::json!({
                        "relay": relay, "documents": report.documents,
                        "elapsed_ms": report.elapsed.as_millis() as u64, "sealed": sealed,
                    }));
                }
                println!(
                    "{} {relay} ({} {}, {} {}, {} {})",
                    lang.pick("同期完了:", "in sync through:"),
                    report.documents,
                    lang.pick("文書", "documents"),
                    sealed.sealed,
                    lang.pick("件を封緘", "sealed"),
                    sealed.opened,
                    lang.pick("件を開封", "opened"),
                );
                relay_warnings(&sealed, lang);
                Ok(())
            }
            (peer, relay, false) if peer.is_some() || relay.is_some() => {
                if let Some(peer) = peer {
                    syncing.engine.dial(peer, Default::default())?;
                }
                if let Some(relay) = relay {
                    syncing.dial_relay(relay)?;
                }
                until_stopped(home, &syncing, terminate(), json, lang).await;
                syncing.stop().await?;
                Ok(())
            }
            _ => anyhow::bail!("give one of --peer HOST:PORT or --relay ws://HOST:PORT"),
        }
    })
}

/// What a sealed sync through a relay could not do, on stderr: blobs refused, blobs under a key this
/// laptop was not given, and new work it cannot seal.
fn relay_warnings(sealed: &kenshin_core::sync::Sealed, lang: Lang) {
    for why in &sealed.refused {
        eprintln!(
            "{} {why}",
            lang.pick(
                "中継から届いた封緘を拒否しました:",
                "refused a sealed blob from the relay:"
            )
        );
    }
    for (epoch, n) in &sealed.no_key {
        eprintln!(
            "{}",
            lang.pick(
                &format!("第{epoch}世代の暗号鍵がないため、{n}件を開けません（この端末には渡されていない鍵です）"),
                &format!("{n} sealed blobs are under epoch {epoch}'s key, which this laptop was not given"),
            )
        );
    }
    let (blobs, docs) = (sealed.no_year_key, sealed.waiting_year_key);
    if blobs + docs > 0 {
        eprintln!(
            "{}",
            lang.pick(
                &format!("年度の暗号鍵がこの端末にまだ届いていないため、中継の{blobs}件を開けず、{docs}件の文書を送っていません（鍵を持つ端末が次に同期すると届きます。1日たっても届かないときは、この端末が自分で作ります）"),
                &format!("a fiscal year's key has not reached this laptop yet: {blobs} sealed blobs from the relay do not open and {docs} documents were not sent (a laptop holding it gives it at its next sync; after a day without it, this laptop makes its own)"),
            )
        );
    }
    if let Some(epoch) = sealed.missing_epoch {
        eprintln!(
            "{}",
            lang.pick(
                &format!("第{epoch}世代の暗号鍵で封緘できないため、新しい記録を中継に送れません（この端末に鍵が渡っていないか、名簿から外れた職員にも渡っています）。管理者に、鍵の配布か新しい鍵（kenshin office data-key）を依頼してください"),
                &format!("this laptop cannot seal with epoch {epoch}'s data key (it was not given it, or someone outside the roster holds it), so it sends nothing new to the relay: ask an admin to give it, or for a new key (`kenshin office data-key`)"),
            )
        );
    }
}

pub fn invite(
    office: &mut kenshin_core::Office,
    name: &str,
    role: kenshin_core::domain::Role,
    approver: bool,
    out: &PathBuf,
    lang: Lang,
) -> Result<()> {
    if out.exists() {
        anyhow::bail!(
            "{} already exists; an invite is never written over another file",
            out.display()
        );
    }
    let file = office.invite(name, role, approver)?;
    std::fs::write(out, serde_json::to_string_pretty(&file)?)
        .with_context(|| format!("cannot write the invite to {}", out.display()))?;
    println!(
        "{} {} → {} ({} {})",
        lang.pick("招待を作成しました:", "invite written:"),
        file.invite.name,
        out.display(),
        lang.pick("照合番号", "fingerprint"),
        file.fingerprint()
    );
    Ok(())
}

pub fn peers(
    office: &mut kenshin_core::Office,
    home: &HomeDir,
    json: bool,
    lang: Lang,
) -> Result<()> {
    let peers = kenshin_core::sync::peers(home)?;
    if json {
        return print_json(&peers);
    }
    let members = office.members()?;
    let when = |ms: Option<u64>| {
        ms.and_then(|ms| chrono::DateTime::from_timestamp_millis(ms as i64))
            .map(kenshin_core::display_time)
            .unwrap_or_else(|| "-".into())
    };
    for p in peers {
        let name = members
            .iter()
            .find(|m| m.member.id == p.member)
            .map_or(p.member.as_str(), |m| m.member.name.as_str());
        println!(
            "{name}\t{}\t{} {}\t{} {}\t{} {}",
            if p.connected {
                lang.pick("接続中", "connected")
            } else {
                lang.pick("未接続", "offline")
            },
            lang.pick("最終受信", "last seen"),
            when(p.last_seen),
            lang.pick("最終同期", "last synced"),
            when(p.last_synced),
            lang.pick("未同期文書", "pending"),
            p.pending
        );
    }
    Ok(())
}
