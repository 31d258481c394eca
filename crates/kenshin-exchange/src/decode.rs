//! Text encodings of municipal files: UTF-8 (with or without BOM) or CP932 (Shift_JIS with the NEC and IBM
//! extensions: ①, ㈱, 髙, 﨑), told apart by whether the bytes are valid UTF-8.

use encoding_rs::SHIFT_JIS;
use std::borrow::Cow;

/// The encodings we read and write. encoding_rs's Shift_JIS is the WHATWG one, which is CP932.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum TextEncoding {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "utf-8-bom")]
    Utf8Bom,
    #[serde(rename = "cp932")]
    Cp932,
}

impl TextEncoding {
    pub fn as_str(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf8Bom => "utf-8-bom",
            TextEncoding::Cp932 => "cp932",
        }
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes a file. Bytes that are neither UTF-8 nor CP932 become U+FFFD, which the importer reports with
/// their line and column.
pub fn decode(bytes: &[u8]) -> (Cow<'_, str>, TextEncoding) {
    if let Some(rest) = bytes.strip_prefix(BOM) {
        return (String::from_utf8_lossy(rest), TextEncoding::Utf8Bom);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), TextEncoding::Utf8),
        Err(_) => (
            SHIFT_JIS.decode_without_bom_handling(bytes).0,
            TextEncoding::Cp932,
        ),
    }
}

/// Encodes text for a file Excel opens: CP932, or UTF-8 with a BOM. Returns the first character CP932 cannot
/// hold, if any.
pub fn encode(text: &str, to: TextEncoding) -> Result<Vec<u8>, char> {
    match to {
        TextEncoding::Utf8 => Ok(text.as_bytes().to_vec()),
        TextEncoding::Utf8Bom => Ok([BOM, text.as_bytes()].concat()),
        TextEncoding::Cp932 => match SHIFT_JIS.encode(text) {
            (bytes, _, false) => Ok(bytes.into_owned()),
            (_, _, true) => Err(first_unmappable(text).unwrap_or('\u{FFFD}')),
        },
    }
}

/// CP932 with each character it cannot hold written as 〓 (the printer's mark for a missing
/// character), and how many were replaced. For copies whose original is kept in UTF-8 beside them.
pub fn encode_cp932_marked(text: &str) -> (Vec<u8>, usize) {
    if let (bytes, _, false) = SHIFT_JIS.encode(text) {
        return (bytes.into_owned(), 0);
    }
    let mut replaced = 0;
    let mut buf = [0u8; 4];
    let marked: String = text
        .chars()
        .map(|c| {
            if SHIFT_JIS.encode(c.encode_utf8(&mut buf)).2 {
                replaced += 1;
                '〓'
            } else {
                c
            }
        })
        .collect();
    (SHIFT_JIS.encode(&marked).0.into_owned(), replaced)
}

/// The first character CP932 cannot hold.
pub fn first_unmappable(text: &str) -> Option<char> {
    let mut buf = [0u8; 4];
    text.chars()
        .find(|c| SHIFT_JIS.encode(c.encode_utf8(&mut buf)).2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_encodings() {
        let text = "受診券整理番号,氏名\n00000001,髙橋 﨑子 ① ㈱\n";
        let cp932 = encode(text, TextEncoding::Cp932).unwrap();
        assert_eq!(decode(&cp932), (Cow::Borrowed(text), TextEncoding::Cp932));
        let bom = encode(text, TextEncoding::Utf8Bom).unwrap();
        assert_eq!(decode(&bom).1, TextEncoding::Utf8Bom);
        assert_eq!(decode(&bom).0, text);
        assert_eq!(decode(text.as_bytes()).1, TextEncoding::Utf8);
        // 𠮷 (U+20BB7) is not in CP932.
        assert_eq!(encode("𠮷野", TextEncoding::Cp932), Err('𠮷'));
        // A lone lead byte decodes to U+FFFD.
        assert!(decode(b"abc,\x82\n").0.contains('\u{FFFD}'));
    }
}
