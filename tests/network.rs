//! Helpers for scenarios where laptops sync (a module of those tests): a hub running `kenshin
//! serve`, laptops joining it with invites, the npm automerge-repo sync server as a relay, and the
//! ways a modified client on a member's laptop writes into its documents.
// Each scenario uses some of these helpers, not all.
#![allow(dead_code)]

use crate::support::Laptop;
use kenshin_core::domain::roster::signoff_payload;
use kenshin_core::domain::{Action, SignOff};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const A: &str = "決裁 太郎";
pub const V: &str = "検認 花子";
pub const C: &str = "委託 一郎";

/// A laptop running `kenshin serve` on a loopback port.
pub struct Hub {
    child: Child,
    pub addr: String,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Hub {
    pub fn start(l: &Laptop) -> Hub {
        Hub::start_with(l, &["--listen", "127.0.0.1:0", "--no-mdns"])
    }

    pub fn start_with(l: &Laptop, args: &[&str]) -> Hub {
        let mut all = vec!["serve", "--json"];
        all.extend_from_slice(args);
        let mut child = l
            .command(&all)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start kenshin serve");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        out.read_line(&mut first).expect("the listening line");
        let addr = first
            .split_whitespace()
            .last()
            .expect("an address")
            .to_string();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Hub { child, addr, lines }
    }

    /// The events `kenshin serve --json` printed so far.
    pub fn events(&self) -> Vec<Value> {
        let lines = self.lines.lock().unwrap();
        lines
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    pub fn stop(mut self) {
        let pid = self.child.id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-s", "TERM", &pid])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(status.success(), "serve exits 0 on SIGTERM, got {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("serve did not stop on SIGTERM");
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn invite(
    hub: &Laptop,
    name: &str,
    role: &str,
    approver: bool,
) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("invite.json");
    let mut args = vec![
        "office",
        "invite",
        "--name",
        name,
        "--role",
        role,
        "--out",
        file.to_str().unwrap(),
    ];
    if approver {
        args.push("--approver");
    }
    hub.ok(&args);
    (dir, file)
}

/// A new laptop that joined the hub's office with an invite and synced once.
pub fn join(hub: &Laptop, addr: &str, name: &str, role: &str) -> Laptop {
    let (_dir, file) = invite(hub, name, role, false);
    let l = Laptop::new();
    l.ok(&["office", "join", file.to_str().unwrap()]);
    sync(&l, addr);
    l
}

pub fn sync(l: &Laptop, addr: &str) -> String {
    l.ok(&["sync", "--peer", addr, "--once"])
}

/// Every document's heads as a laptop sees them.
pub fn heads(l: &Laptop, batch: &str) -> (Value, Value) {
    l.heads(batch)
}

pub fn statuses(board: &Value) -> Vec<String> {
    board["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap().to_string())
        .collect()
}

pub fn member_id(l: &Laptop, name: &str) -> String {
    l.json(&["member", "list"])
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("{name} in the roster"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The founder's laptop: 決裁 太郎 (section, approver, admin), with 決裁 次郎 (approver) sharing it.
pub fn hub_home() -> Laptop {
    let hub = Laptop::new();
    hub.ok(&["office", "init", "--name", "テスト市 健康推進課", "--me", A]);
    hub.ok(&[
        "member",
        "add",
        "--name",
        "決裁 次郎",
        "--role",
        "section",
        "--approver",
    ]);
    hub
}

/// Appends a sign-off straight into a laptop's copy of a batch document, as a modified client could,
/// signed with `key_of`'s key (a member whose keys are on that laptop). Returns the entry's id.
pub fn forge(l: &Laptop, batch: &str, step: u8, action: Action, by: &str, key_of: &str) -> String {
    forge_marked(l, batch, step, action, by, key_of, None)
}

/// As [`forge`], with a 取下げ・代決・後閲 marking.
pub fn forge_marked(
    l: &Laptop,
    batch: &str,
    step: u8,
    action: Action,
    by: &str,
    key_of: &str,
    marking: Option<kenshin_core::domain::workflow::Marking>,
) -> String {
    use kenshin_store::docs::batch as doc;
    let mut home = kenshin_store::Home::open(l.home.path()).unwrap();
    home.write(|tx| {
        let office = tx.office_doc_id()?.unwrap().to_string();
        let id = kenshin_store::batch_doc_id(batch)?;
        let (mut d, _) = tx.load_batch(&id)?;
        let before = d.get_heads();
        let mut e = SignOff {
            id: format!("forged-{step}-{by}"),
            step,
            action,
            by: by.to_string(),
            at: chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 3),
            counts: Default::default(),
            note: None,
            send_back: None,
            heads_seen: before.iter().map(|h| h.to_string()).collect(),
            signature: String::new(),
            marking,
        };
        let secret = tx
            .local(&format!("keys:{key_of}"))?
            .expect("keys on this laptop");
        let keys = kenshin_trust::Keys::from_secret_text(&secret).unwrap();
        e.signature = keys.sign(&signoff_payload(&office, batch, &e));
        doc::append_signoff(&mut d, &e).unwrap();
        d.commit();
        tx.save(&id, &mut d, &before)?;
        Ok::<_, kenshin_store::StoreError>(e.id)
    })
    .unwrap()
}

/// Changes a document straight in a laptop's home, as a modified client on a member's stolen laptop
/// could: the laptop's own keys get its changes past the handshake. `batch` None: the office document.
pub fn tamper(l: &Laptop, batch: Option<&str>, attack: impl FnOnce(&mut automerge::AutoCommit)) {
    let mut home = kenshin_store::Home::open(l.home.path()).unwrap();
    home.write(|tx| {
        let id = match batch {
            Some(b) => kenshin_store::batch_doc_id(b)?,
            None => tx.office_doc_id()?.unwrap(),
        };
        let mut d = tx.load_required(&id)?;
        let before = d.get_heads();
        attack(&mut d);
        d.commit();
        tx.save(&id, &mut d, &before)
    })
    .unwrap();
}

pub fn root_obj(d: &automerge::AutoCommit, key: &str) -> automerge::ObjId {
    use automerge::ReadDoc;
    d.get(automerge::ROOT, key).unwrap().unwrap().1
}

/// What `member list` says is wrong with the roster (its stderr).
pub fn roster_problems(l: &Laptop) -> String {
    String::from_utf8(l.run(&["member", "list"]).stderr).unwrap()
}

/// An automerge-repo sync server (the npm package, installed in tests/relay by scripts/test) on a
/// loopback port, storing what it relays in a temporary folder.
pub struct Relay {
    child: Child,
    pub url: String,
    data: tempfile::TempDir,
}

impl Relay {
    /// The pinned automerge-repo sync server (0.2.8, automerge-repo 1.x).
    pub fn start() -> Relay {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/relay");
        Relay::start_at(
            &dir,
            &dir.join("node_modules/@automerge/automerge-repo-sync-server/src/index.js"),
        )
    }

    /// A relay on the current automerge-repo (2.x): a `Repo` with the WebSocket server adapter and
    /// NodeFS storage (tests/relay/v2/server.mjs).
    pub fn start_v2() -> Relay {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/relay/v2");
        Relay::start_at(&dir, &dir.join("server.mjs"))
    }

    fn start_at(dir: &std::path::Path, server: &std::path::Path) -> Relay {
        assert!(
            dir.join("node_modules").exists(),
            "run `npm install` in {} (scripts/test does)",
            dir.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let data = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("node")
            .arg(server)
            .current_dir(dir)
            .env("PORT", port.to_string())
            .env("DATA_DIR", data.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        assert!(line.contains("Listening on port"), "{line}");
        std::thread::spawn(move || for _ in out.lines() {});
        Relay {
            child,
            url: format!("ws://127.0.0.1:{port}"),
            data,
        }
    }

    /// Every file the relay stored, as bytes.
    pub fn stored(&self) -> Vec<(String, Vec<u8>)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                if e.path().is_dir() {
                    walk(&e.path(), out);
                } else {
                    out.push((
                        e.path().display().to_string(),
                        std::fs::read(e.path()).unwrap_or_default(),
                    ));
                }
            }
        }
        let mut out = Vec::new();
        walk(self.data.path(), &mut out);
        out
    }
}

/// The office document's id on a laptop.
pub fn office_id(l: &Laptop) -> String {
    let mut home = kenshin_store::Home::open(l.home.path()).unwrap();
    home.read(|tx| tx.office_doc_id())
        .unwrap()
        .unwrap()
        .to_string()
}

/// Each document a relay stored (its chunks under `<two characters>/<the rest>/`), loaded, by path.
fn relay_docs(stored: &[(String, Vec<u8>)]) -> BTreeMap<String, automerge::AutoCommit> {
    let mut docs: BTreeMap<String, automerge::AutoCommit> = Default::default();
    for (path, bytes) in stored {
        let chunk = path.contains("/snapshot/") || path.contains("/incremental/");
        let Some(doc) = path
            .split("/snapshot/")
            .next()
            .and_then(|p| p.split("/incremental/").next())
        else {
            continue;
        };
        if chunk {
            let d = docs.entry(doc.to_string()).or_default();
            d.load_incremental(bytes).unwrap();
        }
    }
    docs
}

/// Each document a relay stored, with every value it holds as text (see [`values_of`]).
pub fn relay_documents(stored: &[(String, Vec<u8>)]) -> Vec<(String, Vec<String>)> {
    relay_docs(stored)
        .into_iter()
        .map(|(doc, mut d)| (doc, values_of(&mut d)))
        .collect()
}

/// The sealed blobs of each twin a relay stored, by the twin's id (its path's last two parts).
pub fn relay_blobs(stored: &[(String, Vec<u8>)]) -> BTreeMap<String, Vec<Vec<u8>>> {
    use automerge::ReadDoc;
    relay_docs(stored)
        .into_iter()
        .map(|(path, d)| {
            let mut parts = path.rsplit('/');
            let rest = parts.next().unwrap_or_default();
            let id = format!("{}{rest}", parts.next().unwrap_or_default());
            let blobs = d
                .map_range(automerge::ROOT, ..)
                .filter(|item| item.key.starts_with("b:"))
                .filter_map(|item| match item.value {
                    automerge::ValueRef::Scalar(automerge::ScalarValueRef::Bytes(b)) => {
                        Some(b.to_vec())
                    }
                    _ => None,
                })
                .collect();
            (id, blobs)
        })
        .collect()
}

/// Every value of a document, as text: strings, keys, and bytes both as they are and inflated
/// (Kenshin keeps a list's rows deflated).
pub fn values_of(d: &mut automerge::AutoCommit) -> Vec<String> {
    use automerge::{ReadDoc, Value};
    fn walk(d: &automerge::AutoCommit, obj: &automerge::ObjId, out: &mut Vec<String>) {
        let keys: Vec<String> = d.keys(obj).collect();
        let len = d.length(obj);
        let mut items: Vec<automerge::Prop> = keys.into_iter().map(automerge::Prop::Map).collect();
        if items.is_empty() {
            items = (0..len).map(automerge::Prop::Seq).collect();
        }
        for prop in items {
            if let automerge::Prop::Map(k) = &prop {
                out.push(k.clone());
            }
            let Ok(Some((value, id))) = d.get(obj, prop) else {
                continue;
            };
            match value {
                Value::Object(_) => walk(d, &id, out),
                Value::Scalar(s) => match s.as_ref() {
                    automerge::ScalarValue::Bytes(b) => {
                        out.push(String::from_utf8_lossy(b).into_owned());
                        let mut inflated = Vec::new();
                        if std::io::Read::read_to_end(
                            &mut flate2::read::DeflateDecoder::new(&b[..]),
                            &mut inflated,
                        )
                        .is_ok()
                        {
                            out.push(String::from_utf8_lossy(&inflated).into_owned());
                        }
                    }
                    s => out.push(s.to_string()),
                },
            }
        }
    }
    let mut out = Vec::new();
    walk(d, &automerge::ROOT, &mut out);
    out
}

impl Relay {
    /// Runs tests/relay/tamper.mjs, a plain automerge-repo client of this relay, on document `doc`
    /// (see the script for the modes); returns what it printed.
    pub fn tamper(&self, doc: &str, args: &[&str]) -> String {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/relay");
        let out = std::process::Command::new("node")
            .arg(dir.join("tamper.mjs"))
            .arg(&self.url)
            .arg(doc)
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("node");
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Everything a home holds, as text: every cell of every table, and every value of every document
/// its chunks make (a list's rows inflated).
/// Waits until the engine serving `l` has moved every lookup noted there into the access logs.
pub fn lookups_logged(l: &Laptop) {
    let db = kenshin_store::connect(l.home.path()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while db
        .query_row("SELECT count(*) FROM access_pending", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap()
        > 0
    {
        assert!(Instant::now() < deadline, "the lookups were not logged");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn held_text(l: &Laptop) -> String {
    let db = kenshin_store::connect(l.home.path()).unwrap();
    let tables: Vec<String> = {
        let mut stmt = db
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.map(|r| r.unwrap()).collect()
    };
    let mut out = String::new();
    let mut docs: std::collections::BTreeMap<String, Vec<Vec<u8>>> = Default::default();
    for t in tables {
        let mut stmt = db.prepare(&format!("SELECT * FROM {t}")).unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..n {
                match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => {
                        out.push_str(&String::from_utf8_lossy(b));
                        out.push('\n');
                    }
                    _ => {}
                }
            }
            let key: String = if t == "chunks" {
                row.get(0).unwrap()
            } else {
                String::new()
            };
            if key.contains("/incremental/") || key.contains("/snapshot/") {
                let doc = key.split('/').next().unwrap().to_string();
                docs.entry(doc).or_default().push(row.get(1).unwrap());
            }
        }
    }
    for chunks in docs.values() {
        let mut doc = automerge::AutoCommit::new();
        for c in chunks {
            doc.load_incremental(c).unwrap();
        }
        out.push_str(&values_of(&mut doc).join("\n"));
    }
    out
}
