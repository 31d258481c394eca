//! The reading side of deciding an entry: what a step's evidence needs from the batch's lists and the
//! register, read inside the write transaction and handed to `kenshin_domain::decide`, which decides.

use crate::lists::{current, how_to_get, returns};
use crate::{CoreError, Result};
use kenshin_domain::decide::{needs, BatchOf, Lists, Refused, Registered};
use kenshin_domain::register::{EventKind, NoteKind};
use kenshin_domain::rows::ReissueRequest;
use kenshin_domain::{ListKind, SignOff};
use kenshin_store::{Batch, Tx};
use std::collections::BTreeMap;

pub(crate) fn batch_of(batch: &Batch) -> BatchOf {
    BatchOf {
        process: batch.meta.process,
        fiscal_year: batch.meta.fiscal_year,
    }
}

/// Reads what deciding `entry` on `batch` needs (and nothing else).
pub(crate) fn read(tx: &Tx<'_>, batch: &Batch, entry: &SignOff) -> Result<Lists> {
    let n = needs(
        batch.meta.process,
        entry.step,
        entry.action,
        entry.send_back.is_some(),
    );
    let mut lists = Lists::default();
    if n.production {
        lists.production = current(tx, batch, ListKind::Production)?;
    }
    if n.pullouts {
        lists.pullouts = current(tx, batch, ListKind::Pullouts)?;
    }
    if n.postal_counts {
        lists.postal_counts = current(tx, batch, ListKind::PostalCounts)?;
    }
    if n.reissues {
        lists.reissues = current(tx, batch, ListKind::Reissues)?;
    }
    if n.requests {
        if let Some(requests) = current::<ReissueRequest>(tx, batch, ListKind::ReissueRequests)? {
            lists.register = registered(tx, batch, &requests)?;
            lists.requests = Some(requests);
        }
    }
    if n.returns {
        lists.returns = returns(tx, batch)?;
    }
    if n.inquiries {
        lists.inquiries = batch.notes_of(NoteKind::Inquiry).count();
    }
    Ok(lists)
}

/// What the register holds of each requested voucher, for reissue eligibility.
pub(crate) fn registered(
    tx: &Tx<'_>,
    batch: &Batch,
    requests: &[ReissueRequest],
) -> Result<BTreeMap<String, Registered>> {
    let mut out = BTreeMap::new();
    for r in requests {
        if out.contains_key(&r.voucher_no) {
            continue;
        }
        if let Some(e) = tx.register_entry(&r.voucher_no, batch.meta.fiscal_year)? {
            let of = |k: EventKind| e.events.iter().filter(move |ev| ev.kind == k);
            out.insert(
                r.voucher_no.clone(),
                Registered {
                    pulled_out: of(EventKind::PulledOut).next().is_some(),
                    reissued_elsewhere: of(EventKind::Reissued)
                        .filter(|ev| ev.batch_id != batch.meta.batch_id)
                        .count(),
                    subject: e.subject,
                },
            );
        }
    }
    Ok(out)
}

/// A decision's refusal as the front ends show it (members by name, how to get a missing list).
pub(crate) fn refusal(tx: &Tx<'_>, refused: Refused) -> CoreError {
    match refused {
        Refused::Rule(r) => crate::name_members(tx, r),
        Refused::Missing { step, kind } => CoreError::MissingList {
            step,
            kind: kind.to_string(),
            how: how_to_get(kind),
        },
        Refused::Evidence { step, why } => CoreError::Evidence { step, why },
    }
}
