//! A blob from a relay, any bytes: opening it never panics and never succeeds for what this laptop
//! did not seal for that document; what it sealed opens to the same bytes.
#![no_main]

use kenshin_trust::sealing::{DataKey, Keyring};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn ring() -> &'static Keyring {
    static RING: OnceLock<Keyring> = OnceLock::new();
    RING.get_or_init(|| {
        let key = DataKey::generate();
        let mut ring = Keyring::new("office");
        let check = key.check("office", 0);
        ring.name_with(&check, &key);
        let year = DataKey::generate();
        let year_check = year.year_check("office", 2019, &check);
        ring.add(0, &check, key, true).expect("a fresh key's check");
        ring.add_year(2019, 0, &year_check, year, true)
            .expect("a fresh key's check");
        ring
    })
}

fuzz_target!(|data: &[u8]| {
    let ring = ring();
    assert!(
        ring.open("doc", data).is_err(),
        "bytes nobody sealed opened"
    );
    for year in [None, Some(2019)] {
        let blob = ring.seal("doc", year, data).expect("the ring seals");
        assert_eq!(ring.open("doc", &blob).as_deref(), Ok(data));
        assert!(ring.open("other", &blob).is_err());
    }
});
