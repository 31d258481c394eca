//! Every CSV importer on any bytes (CP932 or UTF-8 detection included): refused with problems, or
//! accepted with no more rows than the file has lines. Never a panic.
#![no_main]

use kenshin_domain::rows::{CheckupResult, Pullout, ReissueRequest, Returned, Subject};
use kenshin_exchange::import::{import, Import};
use libfuzzer_sys::fuzz_target;

fn check<R: Import>(bytes: &[u8]) {
    match import::<R>("fuzz.csv", bytes) {
        Ok(imported) => {
            let lines = bytes.split(|b| *b == b'\n').count();
            assert!(imported.rows.len() <= lines);
        }
        Err(refused) => assert!(!refused.problems.is_empty(), "refused without saying why"),
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&kind, bytes)) = input.split_first() else {
        return;
    };
    match kind % 5 {
        0 => check::<Subject>(bytes),
        1 => check::<Pullout>(bytes),
        2 => check::<Returned>(bytes),
        3 => check::<ReissueRequest>(bytes),
        _ => check::<CheckupResult>(bytes),
    }
});
