//! The office over years: a month's archive recorded as filed once a member checked it (月次の保存), and a
//! fiscal year closed (年度締め) once every month of it was filed; a closed year's batches take no
//! new entries and stay readable. The rules are `kenshin_domain::filing`'s.

use crate::error::{CoreError, Result};
use crate::trust::{self, ANCHOR};
use crate::{local_day, now, Office};
use kenshin_domain::dates::Month;
use kenshin_domain::filing::{check_close, check_open, year_ja, Filing, YearClose, YearRefusal};
use kenshin_domain::signed::Signed;
use kenshin_store::docs::office::{self, YEARS_SCHEMA};
use kenshin_trust::roster::Roster;

/// A fiscal year closed (年度締め), for people.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct ClosedYear {
    pub fiscal_year: i32,
    /// 令和7年度.
    pub year_ja: String,
    /// Who closed it (their name).
    pub by: String,
    #[ts(type = "string")]
    pub at: chrono::DateTime<chrono::Utc>,
}

impl Office {
    /// Records that `bytes`, an archive of `month`, checks whole here (every hash, the manifest's
    /// signature, every record judged again, against this laptop's anchor): the month is filed.
    /// Not done by the export, which stays a pure read (the same data gives the same bytes).
    pub fn file_archive(&mut self, month: Month, bytes: &[u8]) -> Result<Filing> {
        let mine = self.office_doc.to_string();
        let anchor = self.home.read(|tx| Ok::<_, CoreError>(tx.local(ANCHOR)?))?;
        let check = crate::verify_archive("archive", bytes, |office| {
            if office == mine {
                Ok(anchor)
            } else {
                Err(CoreError::OtherOfficeArchive {
                    office: office.to_string(),
                    mine: mine.clone(),
                })
            }
        })?;
        if check.month != month || !check.problems.is_empty() {
            return Err(CoreError::ArchiveNotFiled {
                month,
                problems: check.problems.len().max(1),
            });
        }
        let mut filing = Filing {
            id: uuid::Uuid::new_v4().simple().to_string(),
            month,
            sha256: kenshin_store::docs::list::sha256_hex(bytes),
            by: self.me.id.clone(),
            at: now(),
            signature: String::new(),
        };
        filing.signature = self.keys.sign(&filing.payload(&mine, &mine));
        // An earlier build reads past a filing (it only counts toward a close): no raise.
        self.put_year_record(None, |doc| office::add_filing(doc, &filing))?;
        Ok(filing)
    }

    /// 年度締め (approvers): closes `fiscal_year` once it is over and every month of it was filed
    /// after the month ended. Its batches then take no new entries, on every laptop.
    pub fn close_year(&mut self, fiscal_year: i32) -> Result<YearClose> {
        let mine = self.office_doc.to_string();
        let at = now();
        self.home.read(|tx| {
            let (_, read) = tx.load_office(&self.office_doc)?;
            let roster = trust::judge_roster(tx, &self.office_doc, &read)?;
            if !roster.as_of(self.me.clone(), at).approver {
                return Err(CoreError::from(YearRefusal::NotApprover {
                    member: self.me.name.clone(),
                }));
            }
            open_for_entries(&roster, fiscal_year)?;
            let filed: Vec<Filing> = read
                .filings
                .into_iter()
                .filter(|f| roster.signer(&mine, f, None).is_ok())
                .collect();
            Ok(check_close(fiscal_year, local_day(at), &filed)?)
        })?;
        let mut close = YearClose {
            id: uuid::Uuid::new_v4().simple().to_string(),
            fiscal_year,
            by: self.me.id.clone(),
            at,
            signature: String::new(),
        };
        close.signature = self.keys.sign(&close.payload(&mine, &mine));
        // An earlier build would keep taking entries in the closed year: it must see a newer office.
        self.put_year_record(Some(YEARS_SCHEMA), |doc| {
            office::add_year_close(doc, &close)
        })?;
        Ok(close)
    }

    /// The fiscal years closed, oldest first.
    pub fn closed_years(&mut self) -> Result<Vec<ClosedYear>> {
        self.home.read(|tx| {
            let roster = trust::roster(tx)?;
            Ok(roster
                .year_closes()
                .map(|c| ClosedYear {
                    fiscal_year: c.fiscal_year,
                    year_ja: year_ja(c.fiscal_year),
                    by: roster
                        .member(&c.by)
                        .map_or_else(|| c.by.clone(), |e| e.member.name.clone()),
                    at: c.at,
                })
                .collect())
        })
    }

    /// Writes a filing or a close into the office document (raised to `schema` by a signed
    /// migration in the same change, when given), and projects the office.
    fn put_year_record(
        &mut self,
        schema: Option<i64>,
        add: impl FnOnce(
            &mut automerge::AutoCommit,
        ) -> std::result::Result<(), automerge::AutomergeError>,
    ) -> Result<()> {
        let (office_id, me, keys) = (&self.office_doc, &self.me.id, &self.keys);
        self.home.write(|tx| {
            let migration = match schema {
                Some(schema) => crate::members::raise_office(tx, office_id, schema, keys, me)?,
                None => None,
            };
            crate::members::put_in_office(tx, office_id, |doc| {
                if let Some(m) = &migration {
                    office::migrate(doc, m)?;
                }
                add(doc)
            })?;
            trust::project_office(tx, &trust::roster(tx)?)?;
            Ok(())
        })
    }
}

/// Refuses a new entry in a batch of `fiscal_year` when a close of it holds.
pub(crate) fn open_for_entries(roster: &Roster, fiscal_year: i32) -> Result<()> {
    let closes: Vec<YearClose> = roster.year_closes().cloned().collect();
    check_open(fiscal_year, &closes).map_err(|refusal| match refusal {
        // Said with the closer's name, not their id.
        YearRefusal::Closed {
            fiscal_year,
            by,
            on,
        } => YearRefusal::Closed {
            fiscal_year,
            by: roster.member(&by).map_or(by, |e| e.member.name.clone()),
            on,
        }
        .into(),
        other => other.into(),
    })
}
