//! `archive verify` on hostile input, never a panic:
//! - even first byte: the rest is the zip file itself (broken zips, wrong CRCs, huge entries);
//! - odd first byte: the rest is split at "\n--\n" into manifest.json, manifest.sig, roster.json
//!   and signoffs.json, packed into a well-formed zip, so the manifest, roster, signature and
//!   sign-off checks see hostile JSON rather than stopping at the zip layer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Write;

const FILES: [&str; 4] = [
    "manifest.json",
    "manifest.sig",
    "roster.json",
    "signoffs.json",
];

fn pack(rest: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let mut parts = Vec::new();
    let mut start = 0;
    for i in 0..rest.len() {
        if rest[i..].starts_with(b"\n--\n") && i >= start {
            parts.push(&rest[start..i]);
            start = i + 4;
        }
    }
    parts.push(&rest[start.min(rest.len())..]);
    for (name, data) in FILES.iter().zip(parts) {
        zip.start_file(*name, options).expect("entry");
        zip.write_all(data).expect("write");
    }
    zip.finish().expect("zip").into_inner()
}

fuzz_target!(|input: &[u8]| {
    let Some((&mode, rest)) = input.split_first() else {
        return;
    };
    let bytes = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        pack(rest)
    };
    let _ = kenshin_core::verify_archive("fuzz.zip", &bytes, |_| Ok(None));
});
