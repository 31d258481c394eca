//! The Kenshin desktop app. Home: `KENSHIN_HOME`, else the same default as the `kenshin` command; a new
//! home opens on a demo office.

fn main() {
    if let Err(e) = kenshin_desktop::run(kenshin_desktop::default_home()) {
        eprintln!("kenshin-desktop: {e}");
        std::process::exit(1);
    }
}
