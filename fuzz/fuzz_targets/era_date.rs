//! The date parser (ISO and Japanese era forms) on any text: it never panics, and every date it
//! accepts reads back the same from both era forms Kenshin prints.
#![no_main]

use kenshin_domain::dates::{era_long, era_short, parse_date};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(day) = parse_date(text) {
        for printed in [era_long(day), era_short(day)] {
            assert_eq!(
                parse_date(&printed),
                Ok(day),
                "{text:?} printed as {printed:?}"
            );
        }
    }
});
