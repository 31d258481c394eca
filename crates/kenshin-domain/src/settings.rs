//! The office's settings (事務所の設定), decided by an admin for every laptop: a signed record in the
//! office document holding them whole; the latest that holds is the office's. Issue by issue they
//! grow (the insurer's data lives here); a field a record does not name takes its default.

use crate::signed::{encode, time};
use crate::voucher::{Insurer, InsurerField};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The office's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct OfficeSettings {
    /// Minutes without a key or the pointer before a window locks.
    pub idle_minutes: u32,
    /// 保険者情報, printed on every voucher. Absent from records made before it (so their
    /// signed form is unchanged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insurer: Option<Insurer>,
}

impl Default for OfficeSettings {
    fn default() -> Self {
        OfficeSettings {
            idle_minutes: 10,
            insurer: None,
        }
    }
}

/// The longest idle time an office may set: a window left open longer is a window anyone uses.
pub const MAX_IDLE_MINUTES: u32 = 120;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BadSetting {
    #[error("the idle time must be 1 to {max} minutes, not {given}")]
    IdleMinutes { given: u32, max: u32 },
    #[error("insurer number {given:?}: 8 digits (a 国保 number is written 00 and its 6 digits)")]
    InsurerNo { given: String },
    #[error("insurer number {given}: the last digit should be {expected} (check digit)")]
    InsurerCheckDigit { given: String, expected: u8 },
    #[error("{field}: must not be empty")]
    Blank { field: InsurerField },
    #[error("{field}: at most {max} characters, one line")]
    TooLong { field: InsurerField, max: usize },
    #[error("phone {given:?}: 10 or 11 digits, hyphens allowed")]
    Phone { given: String },
    #[error("payment agent number {given:?}: 8 digits")]
    PaymentAgentNo { given: String },
    #[error("self-pay {given:?}: write basic|detailed|extra|dock=free|N%|N円|max:N円")]
    SelfPay { given: String },
    #[error("valid-until {given:?}: not a date (2027-03-31, 令和9年3月31日)")]
    ValidUntil { given: String },
    #[error("the insurer's settings are needed first: set at least the insurer number and name")]
    NoInsurer,
}

impl OfficeSettings {
    pub fn check(&self) -> Result<(), BadSetting> {
        if !(1..=MAX_IDLE_MINUTES).contains(&self.idle_minutes) {
            return Err(BadSetting::IdleMinutes {
                given: self.idle_minutes,
                max: MAX_IDLE_MINUTES,
            });
        }
        self.insurer.as_ref().map_or(Ok(()), Insurer::check)
    }
}

/// An admin's signed record of the settings, whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsRecord {
    pub id: String,
    pub settings: OfficeSettings,
    pub by: String,
    pub at: DateTime<Utc>,
    pub signature: String,
}

pub fn settings_payload(office: &str, r: &SettingsRecord) -> Vec<u8> {
    encode(serde_json::json!({
        "v": "kenshin/settings/1", "office": office, "id": r.id, "settings": r.settings,
        "by": r.by, "at": time(r.at),
    }))
}

/// The office's settings: the latest record (by time, then id) of those that hold; the defaults
/// when none does.
pub fn current<'a>(records: impl IntoIterator<Item = &'a SettingsRecord>) -> OfficeSettings {
    latest(records)
        .map(|r| r.settings.clone())
        .unwrap_or_default()
}

/// The record whose settings are the office's (a voucher names the one it was made under).
pub fn latest<'a>(
    records: impl IntoIterator<Item = &'a SettingsRecord>,
) -> Option<&'a SettingsRecord> {
    records
        .into_iter()
        .max_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn record(id: &str, minute: u32, idle: u32) -> SettingsRecord {
        SettingsRecord {
            id: id.into(),
            settings: OfficeSettings {
                idle_minutes: idle,
                insurer: None,
            },
            by: "admin".into(),
            at: Utc.with_ymd_and_hms(2026, 12, 4, 9, minute, 0).unwrap(),
            signature: String::new(),
        }
    }

    #[test]
    fn the_latest_record_is_the_offices() {
        assert_eq!(current([]), OfficeSettings::default());
        let (a, b, c) = (record("a", 1, 5), record("b", 2, 15), record("c", 2, 20));
        assert_eq!(current([&b, &a]).idle_minutes, 15);
        assert_eq!(current([&a, &c, &b]).idle_minutes, 20, "same time: by id");
        for (idle, ok) in [(0, false), (1, true), (120, true), (121, false)] {
            assert_eq!(
                OfficeSettings {
                    idle_minutes: idle,
                    insurer: None
                }
                .check()
                .is_ok(),
                ok,
                "{idle}"
            );
        }
        // A record naming no field takes the defaults.
        let read: OfficeSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(read, OfficeSettings::default());
        assert_ne!(
            settings_payload("o", &a),
            settings_payload("o", &record("a", 1, 6))
        );
    }
}
