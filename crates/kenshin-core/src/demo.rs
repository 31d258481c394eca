//! A demo office with synthetic members, residents and batches at every stage, for a first look at the app
//! and for trying things out. Everything goes through the same calls the front ends use. No real personal
//! data: residents come from `kenshin_exchange::synth`.

use crate::{Office, Result, StepRecord};
use kenshin_domain::rows::Subject;
use kenshin_domain::{fiscal_year, Action, ListKind, ProcessId, Role};
use kenshin_exchange::synth::{municipal_csv, subjects};
use kenshin_exchange::TextEncoding;
use kenshin_store::HomeDir;

const APPROVER: &str = "決裁 太郎";
const VERIFIER: &str = "検認 花子";
const CONTRACTOR: &str = "委託 一郎";
const CONTRACTOR_2: &str = "委託 二郎";

/// One recorded step of the demo script: who, which step, how, and what they counted or said.
type Scripted<'a> = (&'a str, u8, Action, &'a [&'a str], Option<&'a str>);

fn run(dir: &HomeDir, batch: &str, script: &[Scripted<'_>]) -> Result<()> {
    for (who, step, action, counts, send_back) in script {
        let mut as_member = Office::open(dir, Some(who))?;
        as_member.record(
            batch,
            *step,
            *action,
            StepRecord {
                counts: counts
                    .iter()
                    .map(|c| kenshin_domain::workflow::parse_count(c))
                    .collect::<std::result::Result<_, _>>()?,
                send_back: send_back.map(str::to_string),
                ..StepRecord::default()
            },
        )?;
    }
    Ok(())
}

fn csv(header: &str, lines: impl Iterator<Item = String>) -> Vec<u8> {
    let mut text = format!("{header}\r\n");
    for l in lines {
        text.push_str(&l);
        text.push_str("\r\n");
    }
    text.into_bytes()
}

/// Imports synthetic residents as a batch's production list, acting as a contractor.
fn production(office: &mut Office, batch: &str, people: &[Subject]) -> Result<()> {
    let file = municipal_csv(people, TextEncoding::Cp932);
    office.import(ListKind::Production, batch, "本番リスト.csv", &file)?;
    Ok(())
}

fn pullouts(office: &mut Office, batch: &str, people: &[Subject], reasons: &[&str]) -> Result<()> {
    let file = csv(
        "受診券整理番号,引抜理由",
        people
            .iter()
            .zip(reasons)
            .map(|(p, r)| format!("{},{r}", p.voucher_no)),
    );
    office.import(ListKind::Pullouts, batch, "引抜き者リスト.csv", &file)?;
    Ok(())
}

/// The fiscal year's annual issuance (process 1-1): `vouchers` synthetic residents on its production
/// list (numbers from 10000001, given again each year), its first step done.
fn annual(dir: &HomeDir, office: &mut Office, fy: i32, vouchers: usize) -> Result<()> {
    let annual = office.new_batch(
        ProcessId::AnnualIssuance,
        &format!("{fy} 年次更新"),
        Some(fy),
    )?;
    if vouchers > 0 {
        let people = subjects(fy as u64, fy, vouchers, 10_000_001);
        production(office, &annual.batch_id, &people)?;
    }
    run(
        dir,
        &annual.batch_id,
        &[(APPROVER, 1, Action::Do, &[], None)],
    )
}

/// A monthly issuance mailed (process 1-2, steps 1 to 11): `people` on the production list, the first
/// of them pulled out for `reasons`, the rest counted into envelopes and sent.
fn mailed(
    dir: &HomeDir,
    contractor: &mut Office,
    batch: &str,
    people: &[Subject],
    reasons: &[&str],
) -> Result<()> {
    use Action::{Approve as A, Do as D, Verify as V};
    production(contractor, batch, people)?;
    pullouts(contractor, batch, &people[..reasons.len()], reasons)?;
    let targets = format!("targets={}", people.len());
    let envelopes = format!("envelopes={}", people.len() - reasons.len());
    let sent = format!("sent={}", people.len() - reasons.len());
    run(
        dir,
        batch,
        &[
            (CONTRACTOR, 1, D, &[targets.as_str()], None),
            (VERIFIER, 2, V, &[], None),
            (APPROVER, 3, A, &[], None),
            (CONTRACTOR, 4, D, &[], None),
            (VERIFIER, 5, V, &[], None),
            (APPROVER, 6, A, &[], None),
            (CONTRACTOR_2, 7, D, &["blank=1"], None),
            (VERIFIER, 8, V, &[], None),
            (CONTRACTOR, 9, D, &[envelopes.as_str()], None),
            (VERIFIER, 10, V, &[], None),
            (CONTRACTOR, 11, D, &[sent.as_str()], None),
        ],
    )
}

/// A reissue batch (process 3) for two of `people`, requested online in `month`, made and mailed.
fn reissued(
    dir: &HomeDir,
    office: &mut Office,
    contractor: &mut Office,
    month: kenshin_domain::dates::Month,
    fy: i32,
    people: &[Subject],
) -> Result<()> {
    use Action::Do as D;
    let reissue = office.new_batch(ProcessId::Reissue, &format!("{month} 再発行"), Some(fy))?;
    let (y, m) = (month.year, month.month);
    let requests = csv(
        "申請番号,申請日時,受診券整理番号,氏名,カナ氏名,生年月日,送付先郵便番号,送付先住所,再発行理由",
        people.iter().take(2).enumerate().map(|(k, p)| {
            format!(
                "R{y}{m:02}-{:04},{y}/{m:02}/0{} 10:00:00,{},{},{},{},{},{},紛失",
                k + 1,
                k + 1,
                p.voucher_no,
                p.name,
                p.kana,
                p.birth,
                p.postal,
                p.address
            )
        }),
    );
    contractor.import(
        ListKind::ReissueRequests,
        &reissue.batch_id,
        "電子申請.csv",
        &requests,
    )?;
    run(
        dir,
        &reissue.batch_id,
        &[
            (CONTRACTOR, 1, D, &[], None),
            (CONTRACTOR, 2, D, &[], None),
            (CONTRACTOR, 3, D, &[], None),
            (CONTRACTOR, 4, D, &[], None),
            (CONTRACTOR_2, 5, D, &[], None),
        ],
    )
}

/// Creates the demo office in a new home, acting as its founder (an approver and admin). With `vouchers`
/// above zero, the year's annual batch issues that many synthetic vouchers (150,000 is the real scale).
pub fn create_demo(home: impl Into<HomeDir>, vouchers: usize) -> Result<Office> {
    create_demo_years(home, 1, vouchers)
}

/// The demo office over `years` fiscal years: the ones before this one at office scale (see
/// `past_year`), then this one as [`create_demo`] makes it.
pub fn create_demo_years(home: impl Into<HomeDir>, years: u32, vouchers: usize) -> Result<Office> {
    let dir = &home.into();
    use Action::{Approve as A, Do as D, Verify as V};
    let mut office = Office::init(dir, "デモ市 健康推進課（特定健診）", APPROVER)?;
    office.set_insurer(&kenshin_domain::voucher::InsurerForm {
        number: Some("00139998".into()),
        name: Some("デモ市国民健康保険".into()),
        address: Some("デモ県デモ市本町1丁目1番1号".into()),
        phone: Some("0120-000-000".into()),
        contract_org: Some("集合B".into()),
        payment_agent_no: Some("39999999".into()),
        payment_agent_name: Some("デモ県国民健康保険団体連合会".into()),
        valid_until: None,
        self_pay: vec!["extra=10%".into(), "dock=max:20000円".into()],
    })?;
    office.add_member(VERIFIER, Role::Section, false)?;
    office.add_member(CONTRACTOR, Role::Contractor, false)?;
    office.add_member(CONTRACTOR_2, Role::Contractor, false)?;
    let mut contractor = Office::open(dir, Some(CONTRACTOR))?;

    let fy = fiscal_year(chrono::Utc::now().date_naive());
    for back in (1..years).rev() {
        past_year(
            dir,
            &mut office,
            &mut contractor,
            fy - back as i32,
            vouchers,
        )?;
    }
    annual(dir, &mut office, fy, vouchers)?;

    let may_people = subjects(5, fy, 60, 20_000_001);
    let may = office.new_batch(
        ProcessId::MonthlyIssuance,
        &format!("{fy}-05 月次"),
        Some(fy),
    )?;
    mailed(
        dir,
        &mut contractor,
        &may.batch_id,
        &may_people,
        &["転出", "死亡", "社保加入"],
    )?;
    contractor.record_return(
        &may.batch_id,
        &may_people[10].voucher_no,
        None,
        "宛所尋ねあたりません",
    )?;

    let june_people = subjects(6, fy, 48, 20_001_001);
    let june = office.new_batch(
        ProcessId::MonthlyIssuance,
        &format!("{fy}-06 月次"),
        Some(fy),
    )?;
    production(&mut contractor, &june.batch_id, &june_people)?;
    pullouts(
        &mut contractor,
        &june.batch_id,
        &june_people[..1],
        &["転出"],
    )?;
    run(
        dir,
        &june.batch_id,
        &[
            (CONTRACTOR, 1, D, &["targets=48"], None),
            (VERIFIER, 2, V, &[], None),
            (APPROVER, 3, A, &[], None),
            (CONTRACTOR, 4, D, &[], None),
            (
                VERIFIER,
                5,
                V,
                &[],
                Some("引抜き者リストに転出者が1名漏れている"),
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

    let july = kenshin_domain::dates::Month { year: fy, month: 7 };
    reissued(
        dir,
        &mut office,
        &mut contractor,
        july,
        fy,
        &may_people[20..22],
    )?;

    let calls = office.new_batch(
        ProcessId::EligibilityInquiry,
        &format!("{fy}-06 問合せ"),
        Some(fy),
    )?;
    for (p, from, answer) in [
        (&may_people[5], "城南中央クリニック", "有効な受診券です"),
        (
            &may_people[1],
            "みどり健診センター",
            "資格喪失のため無効（死亡）",
        ),
        (&may_people[30], "城南市医師会健診所", "有効な受診券です"),
    ] {
        contractor.log_inquiry(&p.voucher_no, from, answer, None, Some(&calls.batch_id))?;
    }
    run(dir, &calls.batch_id, &[(CONTRACTOR, 1, D, &[], None)])?;
    if years > 1 {
        // The years gone by were archived and checked on the section's laptop (this month's archive
        // holds them: their records carry today's time), so contractor laptops hold this year only.
        let month = kenshin_domain::dates::Month::of(crate::now());
        let (bytes, _) = office.archive_export(month)?;
        office.file_archive(month, &bytes)?;
        // And each of their months was filed and the year closed (年度締め), as an office does each
        // spring: their batches take no entries, and the board opens on this year's work.
        for back in (1..years).rev() {
            let past = fy - back as i32;
            for month in kenshin_domain::filing::months_of(past) {
                let (bytes, _) = office.archive_export(month)?;
                office.file_archive(month, &bytes)?;
            }
            office.close_year(past)?;
        }
    }
    Ok(office)
}

/// A fiscal year gone by, at office scale: its annual issuance (`vouchers` vouchers), and for every
/// month an issuance mailed, its return logged and the batch finished, the batch of those reaching
/// 75, reissues and phone inquiries, each as far as this year's demo takes its kind (49 batches). Its
/// records carry today's time: nothing is signed with a time it was not made at.
fn past_year(
    dir: &HomeDir,
    office: &mut Office,
    contractor: &mut Office,
    fy: i32,
    vouchers: usize,
) -> Result<()> {
    use Action::Do as D;
    annual(dir, office, fy, vouchers)?;
    for (i, month) in kenshin_domain::filing::months_of(fy)
        .into_iter()
        .enumerate()
    {
        let people = subjects(
            1_000 + (fy as u64) * 12 + i as u64,
            fy,
            40,
            20_000_001 + 1_000 * i as u64,
        );
        let monthly = office.new_batch(
            ProcessId::MonthlyIssuance,
            &format!("{month} 月次"),
            Some(fy),
        )?;
        mailed(
            dir,
            contractor,
            &monthly.batch_id,
            &people,
            &["転出", "死亡"],
        )?;
        contractor.record_return(
            &monthly.batch_id,
            &people[10].voucher_no,
            None,
            "宛所尋ねあたりません",
        )?;
        // Kept, the return in the voucher list and checked: finished.
        run(
            dir,
            &monthly.batch_id,
            &[
                (CONTRACTOR, 12, D, &[], None),
                (CONTRACTOR, 13, D, &[], None),
                (VERIFIER, 14, Action::Verify, &[], None),
            ],
        )?;

        let reaching_75 = office.new_batch(
            ProcessId::Reaching75,
            &format!("{month} 75歳到達"),
            Some(fy),
        )?;
        run(
            dir,
            &reaching_75.batch_id,
            &[(CONTRACTOR, 1, D, &["targets=105"], None)],
        )?;

        reissued(dir, office, contractor, month, fy, &people[20..22])?;

        let calls = office.new_batch(
            ProcessId::EligibilityInquiry,
            &format!("{month} 問合せ"),
            Some(fy),
        )?;
        for (p, from) in [
            (&people[5], "城南中央クリニック"),
            (&people[30], "みどり健診センター"),
        ] {
            contractor.log_inquiry(
                &p.voucher_no,
                from,
                "有効な受診券です",
                None,
                Some(&calls.batch_id),
            )?;
        }
        run(dir, &calls.batch_id, &[(CONTRACTOR, 1, D, &[], None)])?;
    }
    Ok(())
}
