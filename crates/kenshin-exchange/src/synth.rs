//! Synthetic residents for demos, tests and benchmarks: realistic Japanese names, kana, addresses, postal
//! codes and birth dates, made deterministically from a seed. No real person is in here; the city (城南市)
//! and its towns are invented.

use crate::decode::{encode, TextEncoding};
use chrono::{Days, NaiveDate};
use kenshin_domain::age::target_in_year;
use kenshin_domain::dates::{era_long, era_short};
use kenshin_domain::fiscal::{fiscal_year_end, fiscal_year_start};
use kenshin_domain::rows::Subject;
use kenshin_domain::text::postal_display;

/// splitmix64: small, fast, and the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in 0..n.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const SURNAMES: &[(&str, &str)] = &[
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("髙橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("渡邉", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("齋藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("山﨑", "ヤマザキ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
    ("阿部", "アベ"),
    ("石川", "イシカワ"),
    ("前田", "マエダ"),
    ("藤田", "フジタ"),
    ("岡田", "オカダ"),
    ("後藤", "ゴトウ"),
    ("長谷川", "ハセガワ"),
    ("村上", "ムラカミ"),
    ("近藤", "コンドウ"),
    ("坂本", "サカモト"),
    ("遠藤", "エンドウ"),
    ("青木", "アオキ"),
];

const MEN: &[(&str, &str)] = &[
    ("太郎", "タロウ"),
    ("一郎", "イチロウ"),
    ("健一", "ケンイチ"),
    ("誠", "マコト"),
    ("浩", "ヒロシ"),
    ("隆", "タカシ"),
    ("茂", "シゲル"),
    ("博", "ヒロシ"),
    ("和夫", "カズオ"),
    ("修", "オサム"),
    ("大輔", "ダイスケ"),
    ("拓也", "タクヤ"),
    ("直樹", "ナオキ"),
    ("剛", "ツヨシ"),
    ("勝", "マサル"),
];

const WOMEN: &[(&str, &str)] = &[
    ("花子", "ハナコ"),
    ("恵子", "ケイコ"),
    ("洋子", "ヨウコ"),
    ("幸子", "サチコ"),
    ("久美子", "クミコ"),
    ("由美", "ユミ"),
    ("真由美", "マユミ"),
    ("裕子", "ユウコ"),
    ("明美", "アケミ"),
    ("智子", "トモコ"),
    ("直美", "ナオミ"),
    ("陽子", "ヨウコ"),
    ("美穂", "ミホ"),
    ("千代", "チヨ"),
    ("和子", "カズコ"),
];

const TOWNS: &[&str] = &[
    "本町",
    "栄町",
    "旭町",
    "緑町",
    "桜町",
    "若葉町",
    "中央",
    "東町",
    "西町",
    "南町",
    "北町",
    "城山",
    "松原",
    "大和町",
    "春日",
    "清水町",
    "柳町",
    "宮前",
    "新田",
    "川端",
    "港町",
    "高台",
    "青葉台",
    "富士見",
    "日の出町",
    "朝日町",
    "泉町",
    "錦町",
    "桜ケ丘",
    "みどり野",
];

const BUILDINGS: &[&str] = &[
    "ハイツ城南",
    "コーポ桜",
    "メゾン緑",
    "グランドハイツ①",
    "㈱城南社宅",
];

/// The postal code of a town (invented, in a range no real city uses as a whole).
pub fn town_postal(town: usize) -> String {
    format!("{:07}", 9_990_001 + town as u64 * 3)
}

/// `n` subjects who are targets in `fiscal_year`, with voucher numbers from `first_no` up.
pub fn subjects(seed: u64, fiscal_year: i32, n: usize, first_no: u64) -> Vec<Subject> {
    let mut rng = Rng::new(seed);
    let (start, end) = (fiscal_year_start(fiscal_year), fiscal_year_end(fiscal_year));
    (0..n)
        .map(|i| {
            let birth = target_birth(&mut rng, fiscal_year, start, end);
            person(&mut rng, first_no + i as u64, birth)
        })
        .collect()
}

fn target_birth(rng: &mut Rng, fy: i32, start: NaiveDate, end: NaiveDate) -> NaiveDate {
    loop {
        let birth = end - Days::new(40 * 365 + rng.below(35 * 365 + 8));
        if target_in_year(birth, fy, start).is_ok() {
            return birth;
        }
    }
}

/// One synthetic person holding voucher `no`.
pub fn person(rng: &mut Rng, no: u64, birth: NaiveDate) -> Subject {
    let (surname, surname_kana) = *rng.pick(SURNAMES);
    let male = rng.below(2) == 0;
    let (given, given_kana) = *rng.pick(if male { MEN } else { WOMEN });
    let town = rng.below(TOWNS.len() as u64) as usize;
    let mut address = format!(
        "城南市{}{}丁目{}番{}号",
        TOWNS[town],
        1 + rng.below(5),
        1 + rng.below(30),
        1 + rng.below(20)
    );
    if rng.below(6) == 0 {
        address.push_str(&format!(
            " {} {}号室",
            rng.pick(BUILDINGS),
            101 + rng.below(5) * 100 + rng.below(8)
        ));
    }
    Subject {
        voucher_no: format!("{no:08}"),
        name: format!("{surname} {given}"),
        kana: format!("{surname_kana} {given_kana}"),
        birth,
        sex: if male { "1" } else { "2" }.to_string(),
        postal: town_postal(town),
        address,
    }
}

/// A file as the core system writes it: Japanese headers, dates in era form, postal codes with and without
/// hyphen and some in full width.
pub fn municipal_csv(rows: &[Subject], encoding: TextEncoding) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(rows.len() * 120));
    let header = [
        "受診券整理番号",
        "氏名",
        "カナ氏名",
        "生年月日",
        "性別",
        "郵便番号",
        "住所",
    ];
    w.write_record(header).expect("writing to memory");
    for (i, s) in rows.iter().enumerate() {
        let birth = if i % 2 == 0 {
            era_short(s.birth)
        } else {
            era_long(s.birth)
        };
        let postal = match i % 7 {
            0 => postal_display(&s.postal),
            3 => s.postal.chars().map(full_width_digit).collect(),
            _ => s.postal.clone(),
        };
        w.write_record([
            s.voucher_no.as_str(),
            &s.name,
            &s.kana,
            &birth,
            &s.sex,
            &postal,
            &s.address,
        ])
        .expect("writing to memory");
    }
    let text = String::from_utf8(w.into_inner().expect("writing to memory")).expect("UTF-8 in");
    encode(&text, encoding).expect("synthetic names are all in CP932")
}

fn full_width_digit(c: char) -> char {
    c.to_digit(10)
        .and_then(|d| char::from_u32(0xFF10 + d))
        .unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::import;

    #[test]
    fn deterministic_targets_that_import_back() {
        let a = subjects(7, 2026, 500, 1);
        assert_eq!(a, subjects(7, 2026, 500, 1));
        assert_ne!(a, subjects(8, 2026, 500, 1));
        for s in &a {
            assert!(target_in_year(s.birth, 2026, fiscal_year_start(2026)).is_ok());
        }
        for enc in [TextEncoding::Cp932, TextEncoding::Utf8Bom] {
            let file = municipal_csv(&a, enc);
            let back = import::<Subject>("synth.csv", &file).unwrap();
            assert_eq!(back.rows, a);
            assert_eq!(back.encoding, enc);
        }
    }
}
