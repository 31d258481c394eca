//! Field rules for municipal data: voucher numbers and postal codes in any width, kana in any width or as
//! hiragana, and the keys the register is searched by. Names and addresses are kept as written.

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// NFKC, skipping the work when the text is already normalised (most fields: imports run this on every
/// cell of 150,000 rows).
pub fn nfkc(s: &str) -> String {
    if s.is_ascii() || is_nfkc_quick(s.chars()) == IsNormalized::Yes {
        s.to_string()
    } else {
        s.nfkc().collect()
    }
}

/// Trims and folds every run of spaces (half or full width) into one ASCII space.
pub fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Why a field of a list cannot be read as what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadText {
    #[error("voucher number must be 4 to 16 digits")]
    VoucherNo,
    #[error("postal code not 7 digits")]
    Postal,
    #[error("kana name is empty")]
    KanaEmpty,
    #[error("kana name must be written in kana")]
    NotKana,
    #[error("sex must be 1 (男) or 2 (女)")]
    Sex,
}

/// 受診券整理番号: 4 to 16 digits, full width accepted.
pub fn voucher_no(s: &str) -> Result<String, BadText> {
    let n: String = nfkc(s).chars().filter(|c| !c.is_whitespace()).collect();
    if (4..=16).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()) {
        Ok(n)
    } else {
        Err(BadText::VoucherNo)
    }
}

/// 郵便番号: 7 digits, written with or without 〒, hyphen or full-width digits.
pub fn postal_code(s: &str) -> Result<String, BadText> {
    let n: String = nfkc(s)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '〒' | '-' | 'ー' | '−' | '‐'))
        .collect();
    if n.len() == 7 && n.bytes().all(|b| b.is_ascii_digit()) {
        Ok(n)
    } else {
        Err(BadText::Postal)
    }
}

/// Postal code as printed: 123-4567.
pub fn postal_display(p: &str) -> String {
    if p.len() == 7 {
        format!("{}-{}", &p[..3], &p[3..])
    } else {
        p.to_string()
    }
}

fn is_kana_char(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | 'ー' | '・' | '゛' | '゜' | ' ' | '　')
}

/// カナ氏名: half-width katakana becomes full width (NFKC); hiragana is accepted as written.
pub fn kana_name(s: &str) -> Result<String, BadText> {
    let k = tidy(&nfkc(s));
    if k.is_empty() {
        return Err(BadText::KanaEmpty);
    }
    if k.chars().all(is_kana_char) {
        Ok(k)
    } else {
        Err(BadText::NotKana)
    }
}

/// The key kana is searched by: katakana, no spaces or dots.
pub fn kana_key(s: &str) -> String {
    let k: String = nfkc(s)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '・')
        .collect();
    if k.chars().any(|c| matches!(c, '\u{3041}'..='\u{3096}')) {
        wana_kana::utils::hiragana_to_katakana::hiragana_to_katakana(&k)
    } else {
        k
    }
}

/// The key a name is searched by: as written, without spaces.
pub fn name_key(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// 性別: 1 (男) or 2 (女), as the core system writes it; empty when not given.
pub fn sex(s: &str) -> Result<String, BadText> {
    match nfkc(s).trim() {
        "" => Ok(String::new()),
        "1" | "男" | "男性" | "M" | "m" => Ok("1".into()),
        "2" | "女" | "女性" | "F" | "f" => Ok("2".into()),
        _ => Err(BadText::Sex),
    }
}

/// What a register search is looking for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// Digits: a voucher number, and when 7 digits also a postal code.
    Number { digits: String },
    /// 123-4567 or 〒1234567.
    Postal(String),
    /// Kana prefix (katakana key).
    Kana(String),
    /// Name prefix, as written without spaces.
    Name(String),
}

pub fn classify_query(q: &str) -> Option<Query> {
    let n: String = nfkc(q).chars().filter(|c| !c.is_whitespace()).collect();
    if n.is_empty() {
        return None;
    }
    if n.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Query::Number { digits: n });
    }
    if n.starts_with('〒') || n.contains('-') {
        if let Ok(p) = postal_code(&n) {
            return Some(Query::Postal(p));
        }
    }
    if n.chars().all(is_kana_char) {
        return Some(Query::Kana(kana_key(&n)));
    }
    Some(Query::Name(name_key(&n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_normalise() {
        assert_eq!(voucher_no("０１２３４５６７"), Ok("01234567".into()));
        assert!(voucher_no("12a45").is_err());
        assert!(voucher_no("123").is_err());
        assert_eq!(postal_code("〒１２３－４５６７"), Ok("1234567".into()));
        assert_eq!(postal_code("123-4567"), Ok("1234567".into()));
        assert_eq!(postal_code("1234567"), Ok("1234567".into()));
        assert!(postal_code("123456").is_err());
        assert!(postal_code("12345678").is_err());
        assert_eq!(kana_name("ﾔﾏﾀﾞ ﾀﾛｳ"), Ok("ヤマダ タロウ".into()));
        assert_eq!(kana_name("ｻｲﾄｳ　ﾊﾅｺ"), Ok("サイトウ ハナコ".into()));
        assert_eq!(kana_name("やまだ たろう"), Ok("やまだ たろう".into()));
        assert!(kana_name("山田").is_err());
        assert_eq!(sex("２"), Ok("2".into()));
        assert_eq!(sex("男"), Ok("1".into()));
        assert!(sex("3").is_err());
    }

    #[test]
    fn search_keys() {
        assert_eq!(kana_key("ﾔﾏﾀﾞ ﾀﾛｳ"), "ヤマダタロウ");
        assert_eq!(kana_key("やまだ　たろう"), "ヤマダタロウ");
        assert_eq!(name_key("山田　太郎"), "山田太郎");
        let table = [
            (
                "12345678",
                Query::Number {
                    digits: "12345678".into(),
                },
            ),
            (
                "１２３４５６７",
                Query::Number {
                    digits: "1234567".into(),
                },
            ),
            ("123-4567", Query::Postal("1234567".into())),
            ("〒1234567", Query::Postal("1234567".into())),
            ("ﾔﾏﾀﾞ", Query::Kana("ヤマダ".into())),
            ("やまだ", Query::Kana("ヤマダ".into())),
            ("山田 太", Query::Name("山田太".into())),
        ];
        for (q, want) in table {
            assert_eq!(classify_query(q), Some(want), "{q}");
        }
        assert_eq!(classify_query("  "), None);
    }
}
