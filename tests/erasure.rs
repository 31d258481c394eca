//! 契約終了: a contractor laptop syncs what it holds with a section laptop, destroys its home and key,
//! and writes a signed 消去証明 the section checks, handed back on its last connection; with no
//! section laptop reachable it destroys nothing. 消去命令: an admin orders a removed member's laptop
//! destroyed, and it is, on its next connection.

mod network;
mod support;

use network::{held_text, join, sync, Hub};
use support::{step_args, Laptop};

const C2: &str = "委託 四郎";

#[test]
fn a_contractor_laptop_leaves_with_its_work_sent_and_a_certificate_the_section_checks() {
    let l = Laptop::new();
    l.office_with_cast();
    let batch = l.new_batch("1-2", "令和8年度 月次");
    let hub = Hub::start(&l);
    let contractor = join(&l, &hub.addr, C2, "contractor");
    hub.stop();

    // Offline, it imports a list; with no section laptop to reach, nothing is destroyed.
    let people = contractor.import_residents(C2, "production", &batch, 2026, 12);
    let dir = tempfile::tempdir().unwrap();
    let certificate = dir.path().join("消去証明.json");
    let leave = [
        "office",
        "leave",
        "--wipe",
        "--timeout",
        "5",
        "--certificate",
        certificate.to_str().unwrap(),
    ];
    let why = contractor.refused(&leave);
    assert!(why.contains("nothing was destroyed"), "{why}");
    assert!(!certificate.exists());
    assert!(held_text(&contractor).contains(&people[5].voucher_no));
    assert!(contractor.refused(&["office", "leave"]).contains("--wipe"));

    // The section's laptop is back (another address, reached once): the list reaches it first.
    let hub = Hub::start(&l);
    sync(&contractor, &hub.addr);
    contractor.ok(&step_args(C2, "do", &batch, "1", &[]));
    let slot: serde_json::Value =
        serde_json::from_slice(&std::fs::read(contractor.home.path().join("key.json")).unwrap())
            .unwrap();
    let keys = std::env::var_os("KENSHIN_KEYS").map_or_else(
        || std::path::PathBuf::from(std::env::var_os("HOME").unwrap()).join(".config/kenshin/keys"),
        std::path::PathBuf::from,
    );
    let key_file = keys.join(format!("{}.key", slot["home"].as_str().unwrap()));
    assert!(key_file.exists(), "{}", key_file.display());
    let said = contractor.ok(&leave);
    assert!(said.contains("消去しました"), "{said}");
    assert!(said.contains("消去証明を課の端末に渡しました"), "{said}");
    assert_eq!(
        support::step(&l.board(&batch), 1)["status"],
        "done",
        "sent before"
    );
    assert!(!contractor.home.path().exists(), "the home is gone");
    assert!(!key_file.exists(), "the key is gone");

    // The section checks the certificate: this member's laptop, what it held, when.
    let checked = l.json(&["office", "certificate", certificate.to_str().unwrap()]);
    assert_eq!(checked["member_name"], C2);
    assert_eq!(checked["held"]["batches"][0], "令和8年度 月次");
    assert!(
        checked["held"]["vouchers"].as_u64().unwrap() >= 12,
        "{checked}"
    );
    assert!(checked["destroyed_at"].as_str() >= checked["synced_at"].as_str());
    assert!(
        !checked.to_string().contains(&people[5].name),
        "no personal data"
    );
    let said = l.ok(&["office", "certificate", certificate.to_str().unwrap()]);
    assert!(
        said.contains("消去証明を確認しました") && said.contains(C2),
        "{said}"
    );
    // Edited, it does not hold.
    let mut edited = checked.clone();
    edited["held"]["vouchers"] = 0.into();
    std::fs::write(&certificate, edited.to_string()).unwrap();
    let why = l.refused(&["office", "certificate", certificate.to_str().unwrap()]);
    assert!(why.contains("does not hold"), "{why}");
    std::fs::write(&certificate, "{ not json").unwrap();
    let why = l.refused(&["office", "certificate", certificate.to_str().unwrap()]);
    assert!(why.contains("line 1, column"), "{why}");
    assert!(hub.events().iter().any(|e| e["event"] == "handed_back"));
    hub.stop();
    // Handed back on its last connection: the section's office document holds it.
    let erasures = l.json(&["office", "erasures"]);
    assert_eq!(erasures["certificates"][0], checked, "{erasures}");
}

#[test]
fn a_removed_laptop_is_destroyed_on_an_admins_order_and_hands_back_its_certificate() {
    let l = Laptop::new();
    l.office_with_cast();
    let batch = l.new_batch("1-2", "令和8年度 月次");
    let hub = Hub::start(&l);
    let contractor = join(&l, &hub.addr, C2, "contractor");
    let people = contractor.import_residents(C2, "production", &batch, 2026, 12);
    sync(&contractor, &hub.addr);
    hub.stop();

    // Only an admin orders it, and only for a removed member.
    let why = l.refused(&["member", "erase", C2]);
    assert!(why.contains("still a member"), "{why}");
    l.ok(&["member", "remove", C2]);
    let why = l.refused(&["--as", "検認 花子", "member", "erase", C2]);
    assert!(why.contains("admin"), "{why}");
    let order = l.json(&["member", "erase", C2]);

    // Its next connection is refused with the order: it destroys itself and hands back the
    // certificate, and writes it where it runs.
    let hub = Hub::start(&l);
    let here = tempfile::tempdir().unwrap();
    let out = contractor
        .command(&["sync", "--peer", &hub.addr, "--once"])
        .current_dir(here.path())
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("消去を命じました"), "{stderr}");
    assert!(stdout.contains("消去しました"), "{stdout}");
    assert!(
        stdout.contains("消去証明を課の端末に渡しました"),
        "{stdout}"
    );
    assert!(!contractor.home.path().exists(), "the home is gone");
    let file = std::fs::read_dir(here.path())
        .unwrap()
        .next()
        .expect("the certificate file")
        .unwrap()
        .path();
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(written["ordered"], order["id"]);
    assert_eq!(written["synced_with"], "");
    assert!(
        !written.to_string().contains(&people[5].name),
        "no personal data"
    );
    hub.stop();

    let erasures = l.json(&["office", "erasures"]);
    assert_eq!(erasures["certificates"][0], written, "{erasures}");
    assert_eq!(erasures["removed"][0]["member"]["name"], C2);
    assert_eq!(erasures["removed"][0]["order"]["id"], order["id"]);
    let said = l.ok(&["office", "erasures"]);
    assert!(
        said.contains("消去命令") && said.contains("消去証明") && said.contains(C2),
        "{said}"
    );
    // The file holds too.
    let checked = l.json(&["office", "certificate", file.to_str().unwrap()]);
    assert_eq!(checked["ordered"], order["id"]);
}
