//! A demo office with synthetic members and batches at every stage, for a first look at the app and
//! for trying things out. No real personal data.

use crate::{Office, Result, StepRecord};
use kenshin_domain::{fiscal_year, Action, ProcessId, Role};
use std::path::Path;

const APPROVER: &str = "決裁 太郎";
const VERIFIER: &str = "検認 花子";
const CONTRACTOR: &str = "委託 一郎";
const CONTRACTOR_2: &str = "委託 二郎";

/// One recorded step of the demo script: who, which step, how, and what they counted or said.
type Scripted = (
    &'static str,
    u8,
    Action,
    &'static [&'static str],
    Option<&'static str>,
);

fn run(dir: &Path, batch: &str, script: &[Scripted]) -> Result<()> {
    for (who, step, action, counts, send_back) in script {
        let mut as_member = Office::open(dir, Some(who))?;
        as_member.record(
            batch,
            *step,
            *action,
            StepRecord {
                counts: counts.iter().map(|c| c.to_string()).collect(),
                note: None,
                send_back: send_back.map(str::to_string),
            },
        )?;
    }
    Ok(())
}

/// Creates the demo office in a new home, acting as its founder (an approver and admin).
pub fn create_demo(dir: &Path) -> Result<Office> {
    use Action::{Approve as A, Do as D, Verify as V};
    let mut office = Office::init(dir, "デモ市 健康推進課（特定健診）", APPROVER)?;
    office.add_member(VERIFIER, Role::Section, false)?;
    office.add_member(CONTRACTOR, Role::Contractor, false)?;
    office.add_member(CONTRACTOR_2, Role::Contractor, false)?;

    let fy = fiscal_year(chrono::Utc::now().date_naive());
    let may = office.new_batch(
        ProcessId::MonthlyIssuance,
        &format!("{fy}-05 月次"),
        Some(fy),
    )?;
    run(
        dir,
        &may.batch_id,
        &[
            (CONTRACTOR, 1, D, &["targets=412"], None),
            (VERIFIER, 2, V, &[], None),
            (APPROVER, 3, A, &[], None),
            (CONTRACTOR, 4, D, &["production=412", "pulled_out=7"], None),
            (VERIFIER, 5, V, &[], None),
            (APPROVER, 6, A, &[], None),
            (CONTRACTOR_2, 7, D, &["pulled_out=7", "blank=2"], None),
            (VERIFIER, 8, V, &[], None),
            (CONTRACTOR, 9, D, &["envelopes=405"], None),
            (VERIFIER, 10, V, &[], None),
            (CONTRACTOR, 11, D, &["sent=405"], None),
        ],
    )?;

    let june = office.new_batch(
        ProcessId::MonthlyIssuance,
        &format!("{fy}-06 月次"),
        Some(fy),
    )?;
    run(
        dir,
        &june.batch_id,
        &[
            (CONTRACTOR, 1, D, &["targets=388"], None),
            (VERIFIER, 2, V, &[], None),
            (APPROVER, 3, A, &[], None),
            (CONTRACTOR, 4, D, &["production=388", "pulled_out=4"], None),
            (
                VERIFIER,
                5,
                V,
                &[],
                Some("郵便番号別件数リストの合計が本番リストと一致しない"),
            ),
        ],
    )?;

    let reaching_75 = office.new_batch(
        ProcessId::Reaching75,
        &format!("{} 4~5月 75歳到達", fy + 1),
        Some(fy),
    )?;
    run(
        dir,
        &reaching_75.batch_id,
        &[(CONTRACTOR, 1, D, &["targets=1260"], None)],
    )?;

    let annual = office.new_batch(
        ProcessId::AnnualIssuance,
        &format!("{fy} 年次更新"),
        Some(fy),
    )?;
    run(
        dir,
        &annual.batch_id,
        &[(APPROVER, 1, D, &["sent=150000"], None)],
    )?;

    let calls = office.new_batch(
        ProcessId::EligibilityInquiry,
        &format!("{fy}-06 問合せ"),
        Some(fy),
    )?;
    run(
        dir,
        &calls.batch_id,
        &[
            (CONTRACTOR, 1, D, &["calls=3"], None),
            (CONTRACTOR_2, 1, D, &["calls=2"], None),
        ],
    )?;
    Ok(office)
}
