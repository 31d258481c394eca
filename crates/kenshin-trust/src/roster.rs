//! Which roster entries hold, checked from the office's anchor (the founder's key, pinned in every
//! home when it was founded or joined) down through admins and invites, and who signed a sign-off.

use crate::identity::verify;
use kenshin_domain::erasure::{ErasureCertificate, ErasureOrder};
use kenshin_domain::filing::YearClose;
use kenshin_domain::retention::{purge_holds, redaction_holds, Purge, Redaction};
use kenshin_domain::roster::{
    deputy_payload, invite_payload, member_payload, removal_payload, role_change_payload,
    DeputySetting, Invite, Removal, RoleChange, RosterEntry,
};
use kenshin_domain::settings::{settings_payload, OfficeSettings, SettingsRecord};
use kenshin_domain::signed::{kept_mark, Signed};
use kenshin_domain::Member;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The roster as this laptop judges it.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    pub office: String,
    valid: BTreeMap<String, RosterEntry>,
    /// Entries that do not hold, and why.
    pub invalid: Vec<(RosterEntry, String)>,
    removals: BTreeMap<String, Removal>,
    invites: BTreeMap<String, Invite>,
    /// Removed members, by the index of their removal record (for causal checks).
    removed_at: BTreeMap<String, usize>,
    /// The deputy settings (代決者の指定) that hold, per member, oldest first.
    deputies: BTreeMap<String, Vec<DeputySetting>>,
    /// The role changes (役割の変更) that hold, per member, oldest first.
    role_changes: BTreeMap<String, Vec<RoleChange>>,
    /// The settings records (事務所の設定) that hold.
    settings: Vec<SettingsRecord>,
    /// The fiscal years closed (年度締め), by a close that holds: the first of each year.
    year_closes: BTreeMap<i32, YearClose>,
    /// The fiscal years deleted (保存期間満了による削除), by a deletion that holds.
    purges: BTreeMap<i32, Purge>,
    /// Deletions of departed persons' rows (資格喪失者の削除) that hold, by id.
    redactions: BTreeMap<String, Redaction>,
    /// 消去命令 that hold, the first per removed member.
    erasure_orders: BTreeMap<String, ErasureOrder>,
    /// 消去証明 that hold, by id.
    erasures: BTreeMap<String, ErasureCertificate>,
}

/// See [`Roster::signer_digests`]. Borrows the roster, so it cannot change underneath.
pub struct SignerDigests<'r> {
    roster: &'r Roster,
    /// The digest of the records no member's entry is part of.
    rest: std::cell::OnceCell<String>,
    /// Each set of signers' digest, once worked out (most batches name the same few).
    done: std::cell::RefCell<BTreeMap<BTreeSet<String>, String>>,
}

impl SignerDigests<'_> {
    pub fn of<'a>(&self, members: impl IntoIterator<Item = &'a str>) -> String {
        use sha2::{Digest, Sha256};
        let members: BTreeSet<String> = members.into_iter().map(str::to_string).collect();
        if let Some(done) = self.done.borrow().get(&members) {
            return done.clone();
        }
        let r = self.roster;
        let valid: Vec<_> = r
            .valid
            .iter()
            .filter(|(id, _)| members.contains(id.as_str()))
            .collect();
        let invalid: Vec<_> = r
            .invalid
            .iter()
            .filter(|(e, _)| members.contains(e.member.id.as_str()))
            .collect();
        let rest = self.rest.get_or_init(|| {
            Roster {
                valid: BTreeMap::new(),
                invalid: Vec::new(),
                invites: BTreeMap::new(),
                ..r.clone()
            }
            .digest()
        });
        let digest = hex::encode(Sha256::digest(
            format!("{valid:?}{invalid:?}{rest}").as_bytes(),
        ));
        self.done.borrow_mut().insert(members, digest.clone());
        digest
    }
}

const INVITE_PREFIX: &str = "invite:";

impl Roster {
    /// A digest of everything judged: equal digests judge every record the same way. (Its `Debug`
    /// form holds every field in a fixed order, maps sorted; a build whose form differs only makes
    /// a laptop judge its batches again once.)
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(format!("{self:?}").as_bytes()))
    }

    /// The digest of what judging the records signed by `members` reads: their entries (held or
    /// not), and every record that is not a member's entry or an invite (removals, roles, deputies,
    /// settings, closes, deletions). Another member joining, or an invite, changes no judgement of
    /// such records; a claimed signer's entry arriving does.
    pub fn digest_for<'a>(&self, members: impl IntoIterator<Item = &'a str>) -> String {
        self.signer_digests().of(members)
    }

    /// [`Roster::digest_for`] for many sets of signers (a projection's batches): what every set
    /// reads alike is digested once.
    pub fn signer_digests(&self) -> SignerDigests<'_> {
        SignerDigests {
            roster: self,
            rest: std::cell::OnceCell::new(),
            done: Default::default(),
        }
    }

    /// Checks every entry. `anchor` is the founder's Ed25519 key as this home pinned it. `before(a,
    /// b)` says whether record `a` was in the past of record `b`, over the entries, then the invites,
    /// then the removals (in that order); a record past the end is after everything.
    pub fn check(
        office: &str,
        anchor: &str,
        entries: &[RosterEntry],
        invites: &[Invite],
        removals: &[Removal],
        before: impl Fn(usize, usize) -> bool,
    ) -> Roster {
        // Once without removals, to know who may remove; then again, with each removed admin's
        // signature counting only on what their removal had seen.
        let first = Roster::pass(office, anchor, entries, invites, &BTreeMap::new(), &before);
        let base = entries.len() + invites.len();
        let mut removed_at = BTreeMap::new();
        for (i, rm) in removals.iter().enumerate() {
            if !removed_at.contains_key(&rm.member)
                && first.admin_signed(&rm.by, &removal_payload(office, rm), &rm.signature)
            {
                removed_at.insert(rm.member.clone(), (base + i, rm.clone()));
            }
        }
        let mut r = Roster::pass(office, anchor, entries, invites, &removed_at, &before);
        for (i, rm) in removals.iter().enumerate() {
            if !r.removals.contains_key(&rm.member)
                && r.admin_signed_at(
                    &rm.by,
                    &removal_payload(office, rm),
                    &rm.signature,
                    base + i,
                    &before,
                )
            {
                r.removals.insert(rm.member.clone(), rm.clone());
            }
        }
        r
    }

    fn pass(
        office: &str,
        anchor: &str,
        entries: &[RosterEntry],
        invites: &[Invite],
        removed_at: &BTreeMap<String, (usize, Removal)>,
        before: &impl Fn(usize, usize) -> bool,
    ) -> Roster {
        let mut r = Roster {
            office: office.to_string(),
            ..Roster::default()
        };
        r.removed_at = removed_at
            .iter()
            .map(|(m, (i, _))| (m.clone(), *i))
            .collect();
        let order = before;
        let mut pending: Vec<(usize, &RosterEntry)> = entries.iter().enumerate().collect();
        let mut taken: Vec<(RosterEntry, String)> = Vec::new();
        // Admins vouch for members and invites; repeat until nothing new holds.
        loop {
            let before_len = r.valid.len() + r.invites.len();
            for (k, inv) in invites.iter().enumerate() {
                let at = entries.len() + k;
                if !r.invites.contains_key(&inv.id)
                    && r.admin_signed_at(
                        &inv.by,
                        &invite_payload(office, inv),
                        &inv.signature,
                        at,
                        &order,
                    )
                {
                    r.invites.insert(inv.id.clone(), inv.clone());
                }
            }
            pending.retain(|&(at, e)| {
                if r.vouched(anchor, e, at, &order).is_none() {
                    return true;
                }
                // A member id belongs to whoever held it first: a later entry cannot take it over.
                if r.valid.contains_key(&e.member.id) {
                    taken.push((
                        e.clone(),
                        format!("member id {} is already in the roster", e.member.id),
                    ));
                } else {
                    r.valid.insert(e.member.id.clone(), e.clone());
                }
                false
            });
            if r.valid.len() + r.invites.len() == before_len {
                break;
            }
        }
        for (at, e) in pending {
            let why = r.why_not(anchor, e, at, &order);
            r.invalid.push((e.clone(), why));
        }
        r.invalid.extend(taken);
        r
    }

    /// Whether `by` is an admin of the roster and signed `payload`.
    fn admin_signed(&self, by: &str, payload: &[u8], signature: &str) -> bool {
        self.valid
            .get(by)
            .is_some_and(|a| a.member.admin && verify(&a.sign_key, payload, signature).is_ok())
    }

    /// Like [`Self::admin_signed`], for the record at `at`: a removed admin's signature holds only
    /// on what their removal had seen.
    fn admin_signed_at(
        &self,
        by: &str,
        payload: &[u8],
        signature: &str,
        at: usize,
        before: &impl Fn(usize, usize) -> bool,
    ) -> bool {
        let in_time = self
            .removed_at
            .get(by)
            .is_none_or(|&removal| before(at, removal));
        in_time && self.admin_signed(by, payload, signature)
    }

    fn vouched(
        &self,
        anchor: &str,
        e: &RosterEntry,
        at: usize,
        before: &impl Fn(usize, usize) -> bool,
    ) -> Option<()> {
        let payload = member_payload(&self.office, e);
        let ok = match e.added_by.as_deref() {
            None => e.sign_key == anchor && verify(anchor, &payload, &e.signature).is_ok(),
            Some(by) => match by.strip_prefix(INVITE_PREFIX) {
                Some(invite) => self.invites.get(invite).is_some_and(|inv| {
                    inv.name == e.member.name
                        && inv.role == e.member.role
                        && inv.approver == e.member.approver
                        && !e.member.admin
                        && !self
                            .valid
                            .values()
                            .any(|v| v.added_by.as_deref() == Some(by))
                        && verify(&inv.key, &payload, &e.signature).is_ok()
                }),
                None => self.admin_signed_at(by, &payload, &e.signature, at, before),
            },
        };
        ok.then_some(())
    }

    fn why_not(
        &self,
        anchor: &str,
        e: &RosterEntry,
        at: usize,
        before: &impl Fn(usize, usize) -> bool,
    ) -> String {
        match e.added_by.as_deref() {
            None if e.sign_key != anchor => {
                "claims to be the founder but is not the office's anchor key".into()
            }
            None => "the founder's signature does not match".into(),
            Some(by) => match by.strip_prefix(INVITE_PREFIX) {
                Some(invite) if !self.invites.contains_key(invite) => {
                    format!("joined with invite {invite}, which no admin signed")
                }
                Some(invite) => {
                    format!("does not match invite {invite}, or the invite was already used")
                }
                None if !self.valid.get(by).is_some_and(|a| a.member.admin) => {
                    format!("added by {by}, who is not an admin of the roster")
                }
                None if self.removed_at.get(by).is_some_and(|&r| !before(at, r)) => {
                    format!("signed by {by} after their removal from the roster")
                }
                None => format!("the signature of {by} does not match"),
            },
        }
    }

    /// Takes the admins' office-wide records: deputy settings (代決者の指定), role changes (役割の変更)
    /// and settings (事務所の設定). One holds when an admin signed it before any removal of theirs,
    /// like an invite; `first` is the index of the first deputy setting in `before`'s order, the
    /// role changes and the settings following. Returns why each other does not hold.
    pub fn judge_admin_records(
        &mut self,
        deputies: &[DeputySetting],
        roles: &[RoleChange],
        settings: &[SettingsRecord],
        first: usize,
        before: &impl Fn(usize, usize) -> bool,
    ) -> Vec<String> {
        let office = self.office.clone();
        let mut refused = Vec::new();
        let holds = |by: &str, payload: Vec<u8>, sig: &str, at: usize| {
            self.admin_signed_at(by, &payload, sig, at, before)
        };
        let not_held = |what: &str, id: &str| {
            format!("{what} {id}: not signed by an admin of the roster at the time")
        };
        let mut took_deputies = Vec::new();
        for (k, d) in deputies.iter().enumerate() {
            if holds(&d.by, deputy_payload(&office, d), &d.signature, first + k) {
                took_deputies.push(d.clone());
            } else {
                refused.push(not_held("deputy setting", &d.id));
            }
        }
        let first_role = first + deputies.len();
        let mut took_roles = Vec::new();
        for (k, c) in roles.iter().enumerate() {
            if c.approver && c.role == kenshin_domain::Role::Contractor {
                refused.push(format!("role change {}: a contractor cannot approve", c.id));
            } else if holds(
                &c.by,
                role_change_payload(&office, c),
                &c.signature,
                first_role + k,
            ) {
                took_roles.push(c.clone());
            } else {
                refused.push(not_held("role change", &c.id));
            }
        }
        let first_setting = first_role + roles.len();
        let mut took_settings = Vec::new();
        for (k, r) in settings.iter().enumerate() {
            if holds(
                &r.by,
                settings_payload(&office, r),
                &r.signature,
                first_setting + k,
            ) {
                took_settings.push(r.clone());
            } else {
                refused.push(not_held("settings", &r.id));
            }
        }
        for d in took_deputies {
            self.deputies.entry(d.member.clone()).or_default().push(d);
        }
        for c in took_roles {
            self.role_changes
                .entry(c.member.clone())
                .or_default()
                .push(c);
        }
        for list in self.deputies.values_mut() {
            list.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        }
        for list in self.role_changes.values_mut() {
            list.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        }
        self.settings = took_settings;
        refused
    }

    /// Takes the closes of fiscal years (年度締め): one holds when a member of the roster, an
    /// approver at its time and not removed before it, signed it. Returns why each other does not.
    pub fn judge_year_closes(&mut self, closes: &[YearClose]) -> Vec<String> {
        let mut refused = Vec::new();
        let office = self.office.clone();
        for c in closes {
            match self.signer(&office, c, None) {
                Ok(m) if self.as_of(m.clone(), c.at).approver => {
                    self.year_closes.entry(c.fiscal_year).or_insert(c.clone());
                }
                Ok(m) => refused.push(format!(
                    "year close {}: {} is not an approver",
                    c.id, m.name
                )),
                Err(why) => refused.push(format!("year close {}: {why}", c.id)),
            }
        }
        refused
    }

    /// Takes the deletions of fiscal years: one holds when a member of the roster, an approver at
    /// its time and not removed before it, signed it, the year was closed, and it was due then and
    /// not dated after `now`. Returns why each other does not. (After [`Roster::judge_year_closes`].)
    pub fn judge_purges(
        &mut self,
        purges: &[Purge],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Vec<String> {
        let mut refused = Vec::new();
        let office = self.office.clone();
        for p in purges {
            let closed = self.year_closes.contains_key(&p.fiscal_year);
            match self.signer(&office, p, None) {
                Ok(m) if !self.as_of(m.clone(), p.at).approver => {
                    refused.push(format!("deletion {}: {} is not an approver", p.id, m.name))
                }
                Ok(_) => match purge_holds(p, closed, now) {
                    Ok(()) => {
                        self.purges.entry(p.fiscal_year).or_insert(p.clone());
                    }
                    Err(why) => refused.push(format!("deletion {}: {why}", p.id)),
                },
                Err(why) => refused.push(format!("deletion {}: {why}", p.id)),
            }
        }
        refused
    }

    /// Takes the deletions of departed persons' rows: one holds when a member of the roster, an
    /// approver at its time and not removed before it, signed it, the persons it took were due then,
    /// and it is not dated after `now`. Returns why each other does not. Whether each new list is
    /// its old one without those rows is for a laptop holding both to check.
    pub fn judge_redactions(
        &mut self,
        redactions: &[Redaction],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Vec<String> {
        let mut refused = Vec::new();
        let office = self.office.clone();
        for r in redactions {
            let held = match self.signer(&office, r, None) {
                Ok(m) if !self.as_of(m.clone(), r.at).approver => {
                    Err(format!("{} is not an approver", m.name))
                }
                Ok(_) => redaction_holds(r, now),
                Err(why) => Err(why),
            };
            match held {
                Ok(()) => {
                    self.redactions.insert(r.id.clone(), r.clone());
                }
                Err(why) => refused.push(format!(
                    "deletion of departed persons' rows {}: {why}",
                    r.id
                )),
            }
        }
        refused
    }

    /// Whether an order to destroy `laptop`, the laptop of `member`, holds: signed by an admin of
    /// the roster, at its time and not removed before it, naming that member and laptop. The
    /// ordered laptop checks the order it is handed with this, against its own roster.
    pub fn order_holds(&self, o: &ErasureOrder, member: &str, laptop: &str) -> Result<(), String> {
        let m = self.signer(&self.office, o, None)?;
        if !self.as_of(m.clone(), o.at).admin {
            return Err(format!("{} is not an admin", m.name));
        }
        if o.member != member || o.laptop != laptop {
            return Err("it names another member or laptop".into());
        }
        Ok(())
    }

    /// Takes the orders to destroy a laptop: one holds when [`Roster::order_holds`] for the member's
    /// laptop as the roster knows it and the member is removed. Returns why each other does not.
    pub fn judge_erasure_orders(&mut self, orders: &[ErasureOrder]) -> Vec<String> {
        let mut refused = Vec::new();
        for o in orders {
            let held = match self.valid.get(&o.member) {
                None => Err(format!("{} is not in the roster", o.member)),
                Some(_) if !self.removals.contains_key(&o.member) => {
                    Err(format!("{} is not removed", o.member))
                }
                Some(e) => self.order_holds(o, &o.member, &e.noise_key),
            };
            match held {
                Ok(()) => {
                    self.erasure_orders
                        .entry(o.member.clone())
                        .or_insert(o.clone());
                }
                Err(why) => refused.push(format!("erasure order {}: {why}", o.id)),
            }
        }
        refused
    }

    /// The order that a removed member's laptop destroy its home, when one holds.
    pub fn erasure_order(&self, member: &str) -> Option<&ErasureOrder> {
        self.erasure_orders.get(member)
    }

    /// Whether a certificate holds: signed with the key of the member it names (removed since or
    /// not), for the laptop the roster holds for them.
    pub fn certificate_holds(
        &self,
        c: &ErasureCertificate,
    ) -> Result<(), kenshin_domain::erasure::CertificateFault> {
        use kenshin_domain::erasure::CertificateFault;
        let entry = self
            .valid
            .get(&c.member)
            .ok_or(CertificateFault::UnknownMember)?;
        if entry.noise_key != c.laptop {
            return Err(CertificateFault::OtherLaptop);
        }
        verify(
            &entry.sign_key,
            &c.payload(&self.office, &self.office),
            &c.signature,
        )
        .map_err(|_| CertificateFault::Signature)
    }

    /// Takes the certificates handed back by destroyed laptops. Returns why each other does not hold.
    pub fn judge_erasures(&mut self, certificates: &[ErasureCertificate]) -> Vec<String> {
        let mut refused = Vec::new();
        for c in certificates {
            match self.certificate_holds(c) {
                Ok(()) => {
                    self.erasures.insert(c.id.clone(), c.clone());
                }
                Err(why) => refused.push(format!("erasure certificate {}: {why}", c.id)),
            }
        }
        refused
    }

    /// The certificates that hold, oldest destruction first.
    pub fn erasures(&self) -> Vec<&ErasureCertificate> {
        let mut all: Vec<&ErasureCertificate> = self.erasures.values().collect();
        all.sort_by(|a, b| (a.destroyed_at, &a.id).cmp(&(b.destroyed_at, &b.id)));
        all
    }

    /// The deletions of departed persons' rows that hold, oldest first.
    pub fn redactions(&self) -> Vec<&Redaction> {
        let mut all: Vec<&Redaction> = self.redactions.values().collect();
        all.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        all
    }

    /// The fiscal years whose documents every laptop deletes, with the deletion that holds.
    pub fn purges(&self) -> impl Iterator<Item = &Purge> {
        self.purges.values()
    }

    /// Whether a fiscal year's documents are deleted.
    pub fn purged(&self, fiscal_year: i32) -> bool {
        self.purges.contains_key(&fiscal_year)
    }

    /// The closes that hold, one per fiscal year.
    pub fn year_closes(&self) -> impl Iterator<Item = &YearClose> {
        self.year_closes.values()
    }

    /// Who may use an office data key: `None` when no admin of the roster signed its record,
    /// `Some(true)` when its signer is an admin now (only such a key seals new work), `Some(false)`
    /// when they were one but are removed (their keys still open what was sealed then).
    pub fn data_key_holds(&self, r: &kenshin_domain::roster::DataKeyRecord) -> Option<bool> {
        let payload = kenshin_domain::roster::data_key_payload(&self.office, r);
        self.admin_signed(&r.by, &payload, &r.signature)
            .then(|| self.current(&r.by).is_some())
    }

    /// The office's settings: the latest record that holds, or the defaults.
    pub fn settings(&self) -> OfficeSettings {
        kenshin_domain::settings::current(&self.settings)
    }

    /// The record the office's settings come from, when one holds.
    pub fn settings_record(&self) -> Option<&kenshin_domain::settings::SettingsRecord> {
        kenshin_domain::settings::latest(&self.settings)
    }

    /// A member as they were at `at`: the role and approver authority of the last change made by
    /// then, or of their roster entry.
    pub fn as_of(&self, member: Member, at: chrono::DateTime<chrono::Utc>) -> Member {
        match self
            .role_changes
            .get(&member.id)
            .and_then(|l| l.iter().rfind(|c| c.at <= at))
        {
            Some(c) => Member {
                role: c.role,
                approver: c.approver,
                ..member
            },
            None => member,
        }
    }

    /// Whether `member` was a deputy (代決者) at `at`: the last setting for them that holds, made
    /// by then, says so.
    pub fn deputy_at(&self, member: &str, at: chrono::DateTime<chrono::Utc>) -> bool {
        self.deputies
            .get(member)
            .and_then(|l| l.iter().rfind(|d| d.at <= at))
            .is_some_and(|d| d.deputy)
    }

    /// A member whose entry holds (removed or not).
    pub fn member(&self, id: &str) -> Option<&RosterEntry> {
        self.valid.get(id)
    }

    pub fn members(&self) -> impl Iterator<Item = &RosterEntry> {
        self.valid.values()
    }

    pub fn invite(&self, id: &str) -> Option<&Invite> {
        self.invites.get(id)
    }

    /// Whether an invite has been used by an entry that holds.
    pub fn invite_used(&self, id: &str) -> bool {
        let by = format!("{INVITE_PREFIX}{id}");
        self.valid
            .values()
            .any(|v| v.added_by.as_deref() == Some(by.as_str()))
    }

    pub fn removal(&self, id: &str) -> Option<&Removal> {
        self.removals.get(id)
    }

    /// A member who may sync now: in the roster, and not removed.
    pub fn current(&self, id: &str) -> Option<&RosterEntry> {
        self.valid
            .get(id)
            .filter(|_| !self.removals.contains_key(id))
    }

    /// The current member whose laptop holds this X25519 key.
    pub fn by_noise_key(&self, key: &str) -> Option<&RosterEntry> {
        self.valid
            .values()
            .find(|e| e.noise_key == key && !self.removals.contains_key(&e.member.id))
    }

    /// Who signed a record of document `doc` (a batch, an access log), or why it counts for
    /// nothing: a bad signature, a signer not in the roster, or one removed before it (a record a
    /// removal kept stays). A record written before signing counts only if a member vouched for it
    /// (`vouched_by`, from the document's migrations).
    pub fn signer<T: Signed>(
        &self,
        doc: &str,
        e: &T,
        vouched_by: Option<&str>,
    ) -> Result<Member, String> {
        let m = self.signed(doc, e, vouched_by)?;
        if let Some(rm) = self.removals.get(e.signer()) {
            // Removals name each kept record with its signature, so a removed member cannot sign a
            // new record under a kept id; removals made before that name the id alone.
            let mark = kept_mark(e.id(), e.signature());
            if !e.signature().is_empty() && !rm.kept.iter().any(|k| *k == mark || k == e.id()) {
                return Err(format!(
                    "recorded by {} after their removal from the roster",
                    m.name
                ));
            }
        }
        Ok(m)
    }

    /// Who signed a record, whether or not they were removed since (a removed member's lookups
    /// stay evidence of what they saw).
    pub fn signed<T: Signed>(
        &self,
        doc: &str,
        e: &T,
        vouched_by: Option<&str>,
    ) -> Result<Member, String> {
        if e.signature().is_empty() {
            // Written before signing: it stands on the word of the member who vouched for it (it
            // may not even name who wrote it, as list references did not).
            let voucher = vouched_by.and_then(|v| self.valid.get(v)).ok_or_else(|| {
                format!(
                    "not signed: written by a Kenshin from before signing, and no member vouched for this {} when upgrading",
                    T::WHAT
                )
            })?;
            let writer = self.valid.get(e.signer()).unwrap_or(voucher);
            return Ok(writer.member.clone());
        }
        let Some(m) = self.valid.get(e.signer()) else {
            return Err(format!(
                "signed as {}, who is not in the roster",
                e.signer()
            ));
        };
        verify(&m.sign_key, &e.payload(&self.office, doc), e.signature())?;
        Ok(m.member.clone())
    }
}

/// The records of one document written before signing that members vouched for when their laptops
/// upgraded it: each legacy mark of its valid migrations, and who vouched.
#[derive(Debug, Clone, Default)]
pub struct Vouched(BTreeMap<String, String>);

impl Vouched {
    /// From the document's migrations that hold (their member and marks).
    pub fn new<'a>(migrations: impl IntoIterator<Item = (&'a str, &'a [String])>) -> Vouched {
        let mut by = BTreeMap::new();
        for (member, marks) in migrations {
            for m in marks {
                by.entry(m.clone()).or_insert_with(|| member.to_string());
            }
        }
        Vouched(by)
    }

    /// The member who vouched for the record with this legacy mark.
    pub fn by(&self, mark: &str) -> Option<&str> {
        self.0.get(mark).map(String::as_str)
    }
}

/// The marks a removal keeps: every record of the removed member, by id and signature.
pub fn kept<'a, T: Signed + 'a>(
    member: &str,
    records: impl IntoIterator<Item = &'a T>,
) -> Vec<String> {
    let mut seen = HashSet::new();
    records
        .into_iter()
        .filter(|e| e.signer() == member)
        .map(|e| kept_mark(e.id(), e.signature()))
        .filter(|m| seen.insert(m.clone()))
        .collect()
}

/// The `added_by` of an entry made with an invite.
pub fn invite_signer(invite_id: &str) -> String {
    format!("{INVITE_PREFIX}{invite_id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Keys;
    use kenshin_domain::Role;
    use kenshin_domain::SignOff;

    fn in_order(a: usize, b: usize) -> bool {
        a < b
    }

    fn at() -> chrono::DateTime<chrono::Utc> {
        "2026-05-01T09:00:00Z".parse().unwrap()
    }

    fn entry(
        id: &str,
        keys: &Keys,
        role: Role,
        admin: bool,
        added_by: Option<String>,
        signer: &Keys,
    ) -> RosterEntry {
        let mut e = RosterEntry {
            member: Member {
                id: id.into(),
                name: id.into(),
                role,
                approver: admin,
                admin,
            },
            sign_key: keys.sign_key(),
            noise_key: keys.noise_key(),
            added_by,
            added_at: at(),
            signature: String::new(),
        };
        e.signature = signer.sign(&member_payload("o", &e));
        e
    }

    /// Invite i1 for a contractor "j", signed by the founder "f".
    fn invite_i1(founder: &Keys, invite_keys: &Keys) -> Invite {
        let mut invite = Invite {
            id: "i1".into(),
            name: "j".into(),
            role: Role::Contractor,
            approver: false,
            key: invite_keys.sign_key(),
            by: "f".into(),
            at: at(),
            signature: String::new(),
        };
        invite.signature = founder.sign(&invite_payload("o", &invite));
        invite
    }

    /// The founder "f", a contractor "c" the founder added, and "j" who joined with invite i1.
    fn founder_clerk_joiner(
        founder: &Keys,
        clerk: &Keys,
        joiner: &Keys,
        invite_keys: &Keys,
    ) -> [RosterEntry; 3] {
        [
            entry("f", founder, Role::Section, true, None, founder),
            entry(
                "c",
                clerk,
                Role::Contractor,
                false,
                Some("f".into()),
                founder,
            ),
            entry(
                "j",
                joiner,
                Role::Contractor,
                false,
                Some(invite_signer("i1")),
                invite_keys,
            ),
        ]
    }

    /// What a batch's projection mark holds of the roster: an invite or another member's entry
    /// (held or not) leaves it as it was; an entry of a member the records name moves it.
    #[test]
    fn a_digest_for_signers_moves_only_with_their_entries() {
        let founder = Keys::generate().unwrap();
        let invite_keys = Keys::generate().unwrap();
        let invite = invite_i1(&founder, &invite_keys);
        let clerk = Keys::generate().unwrap();
        let joiner = Keys::generate().unwrap();
        let [f, c, j] = founder_clerk_joiner(&founder, &clerk, &joiner, &invite_keys);
        // Added by a member who is not an admin: it does not hold.
        let x = entry("x", &joiner, Role::Section, false, Some("c".into()), &clerk);
        let check = |entries: &[&RosterEntry], invites: &[Invite]| {
            let entries: Vec<RosterEntry> = entries.iter().map(|e| (*e).clone()).collect();
            Roster::check("o", &founder.sign_key(), &entries, invites, &[], in_order)
        };
        let before = check(&[&f, &c], &[]);
        let invited = check(&[&f, &c], std::slice::from_ref(&invite));
        let joined = check(&[&f, &c, &j], std::slice::from_ref(&invite));
        let claimed = check(&[&f, &c, &j, &x], &[invite]);
        let cases: [(&str, &Roster, &Roster, &[&str], bool); 6] = [
            ("an invite", &before, &invited, &["f", "c"], true),
            ("another member joins", &invited, &joined, &["f", "c"], true),
            (
                "a named member joins",
                &invited,
                &joined,
                &["c", "j"],
                false,
            ),
            (
                "an entry that does not hold, not named",
                &joined,
                &claimed,
                &["c", "j"],
                true,
            ),
            (
                "an entry that does not hold, named",
                &joined,
                &claimed,
                &["x"],
                false,
            ),
            ("no records", &before, &joined, &[], true),
        ];
        for (what, a, b, signers, same) in cases {
            assert_ne!(a.digest(), b.digest(), "{what}: the roster changed");
            let moved =
                a.digest_for(signers.iter().copied()) != b.digest_for(signers.iter().copied());
            assert_eq!(!moved, same, "{what}");
        }
        // One set of digests for many sets of signers, as a projection takes them: each set's
        // own, whatever was asked before it.
        let digests = joined.signer_digests();
        let sets: [&[&str]; 6] = [&["f"], &[], &["f", "c"], &["c", "f"], &["j"], &["f"]];
        for signers in sets {
            let alone = joined.digest_for(signers.iter().copied());
            assert_eq!(digests.of(signers.iter().copied()), alone, "{signers:?}");
        }
        assert_ne!(digests.of(["f"]), digests.of(["c"]));
    }

    #[test]
    fn entries_hold_from_the_anchor_down() {
        let founder = Keys::generate().unwrap();
        let clerk = Keys::generate().unwrap();
        let joiner = Keys::generate().unwrap();
        let invite_keys = Keys::generate().unwrap();
        let invite = invite_i1(&founder, &invite_keys);
        let mut entries = founder_clerk_joiner(&founder, &clerk, &joiner, &invite_keys).to_vec();
        entries.extend([
            // Signed by a member who is not an admin.
            entry(
                "x",
                &Keys::generate().unwrap(),
                Role::Section,
                false,
                Some("c".into()),
                &clerk,
            ),
            // A second founder.
            entry("y", &clerk, Role::Section, true, None, &clerk),
            // The invite used again, with another key.
            entry(
                "j",
                &clerk,
                Role::Contractor,
                false,
                Some(invite_signer("i1")),
                &invite_keys,
            ),
        ]);
        let roster = Roster::check(
            "o",
            &founder.sign_key(),
            &entries,
            std::slice::from_ref(&invite),
            &[],
            in_order,
        );
        let valid: Vec<&str> = roster.members().map(|e| e.member.id.as_str()).collect();
        assert_eq!(valid, ["c", "f", "j"]);
        let why: Vec<&str> = roster.invalid.iter().map(|(_, w)| w.as_str()).collect();
        assert_eq!(
            why,
            [
                "added by c, who is not an admin of the roster",
                "claims to be the founder but is not the office's anchor key",
                "does not match invite i1, or the invite was already used",
            ]
        );
        // Under another anchor only that anchor's own founder entry holds.
        let other = Roster::check("o", &clerk.sign_key(), &entries, &[invite], &[], in_order);
        let valid: Vec<&str> = other.members().map(|e| e.member.id.as_str()).collect();
        assert_eq!(valid, ["y"]);
    }

    #[test]
    fn a_year_closes_by_an_approver_of_the_roster_only() {
        let founder = Keys::generate().unwrap();
        let clerk = Keys::generate().unwrap();
        let stranger = Keys::generate().unwrap();
        let entries = vec![
            entry("f", &founder, Role::Section, true, None, &founder),
            entry(
                "c",
                &clerk,
                Role::Section,
                false,
                Some("f".into()),
                &founder,
            ),
        ];
        let mut roster = Roster::check("o", &founder.sign_key(), &entries, &[], &[], in_order);
        let close = |id: &str, fy: i32, by: &str, keys: &Keys| {
            let mut c = YearClose {
                id: id.into(),
                fiscal_year: fy,
                by: by.into(),
                at: at(),
                signature: String::new(),
            };
            c.signature = keys.sign(&kenshin_domain::signed::Signed::payload(&c, "o", "o"));
            c
        };
        let mut forged = close("x4", 2023, "f", &founder);
        forged.fiscal_year = 2022;
        let refused = roster.judge_year_closes(&[
            close("x1", 2024, "f", &founder),
            // Not an approver; signed as someone else; not in the roster; altered after signing.
            close("x2", 2025, "c", &clerk),
            close("x3", 2023, "f", &clerk),
            close("x5", 2021, "s", &stranger),
            forged,
            // A second close of a closed year changes nothing.
            close("x6", 2024, "f", &founder),
        ]);
        let closed: Vec<(i32, &str)> = roster
            .year_closes()
            .map(|c| (c.fiscal_year, c.id.as_str()))
            .collect();
        assert_eq!(closed, [(2024, "x1")]);
        assert_eq!(refused.len(), 4, "{refused:?}");
        assert!(refused[0].contains("not an approver"), "{refused:?}");
    }

    #[test]
    fn removal_ends_syncing_and_later_entries() {
        let founder = Keys::generate().unwrap();
        let clerk = Keys::generate().unwrap();
        let entries = vec![
            entry("f", &founder, Role::Section, true, None, &founder),
            entry(
                "c",
                &clerk,
                Role::Contractor,
                false,
                Some("f".into()),
                &founder,
            ),
        ];
        let mut rm = Removal {
            member: "c".into(),
            by: "f".into(),
            at: at(),
            kept: vec!["e1".into()],
            signature: String::new(),
        };
        rm.signature = founder.sign(&removal_payload("o", &rm));
        let roster = Roster::check("o", &founder.sign_key(), &entries, &[], &[rm], in_order);
        assert!(roster.current("c").is_none());
        assert!(roster.by_noise_key(&clerk.noise_key()).is_none());
        assert!(roster.by_noise_key(&founder.noise_key()).is_some());
        let signed = |id: &str| {
            let mut e = SignOff {
                id: id.into(),
                step: 1,
                action: kenshin_domain::Action::Do,
                by: "c".into(),
                at: at(),
                counts: Default::default(),
                note: None,
                send_back: None,
                heads_seen: vec![],
                signature: String::new(),
                marking: None,
            };
            e.signature = clerk.sign(&kenshin_domain::roster::signoff_payload("o", "b", &e));
            e
        };
        assert!(roster.signer("b", &signed("e1"), None).is_ok());
        assert_eq!(
            roster.signer("b", &signed("e2"), None),
            Err("recorded by c after their removal from the roster".into())
        );
        assert!(roster.signer("other-batch", &signed("e1"), None).is_err());
    }

    #[test]
    fn an_erasure_order_holds_from_an_admin_for_a_removed_laptop_and_a_certificate_from_its_member()
    {
        use kenshin_domain::erasure::{CertificateFault, ErasedHome};
        let founder = Keys::generate().unwrap();
        let clerk = Keys::generate().unwrap();
        let section = Keys::generate().unwrap();
        let entries = vec![
            entry("f", &founder, Role::Section, true, None, &founder),
            entry(
                "s",
                &section,
                Role::Section,
                false,
                Some("f".into()),
                &founder,
            ),
            entry(
                "c",
                &clerk,
                Role::Contractor,
                false,
                Some("f".into()),
                &founder,
            ),
        ];
        let mut rm = Removal {
            member: "c".into(),
            by: "f".into(),
            at: at(),
            kept: vec![],
            signature: String::new(),
        };
        rm.signature = founder.sign(&removal_payload("o", &rm));
        let removed = Roster::check("o", &founder.sign_key(), &entries, &[], &[rm], in_order);
        let not_removed = Roster::check("o", &founder.sign_key(), &entries, &[], &[], in_order);
        let order = |id: &str, member: &str, laptop: &Keys, by: &str, signer: &Keys| {
            let mut o = ErasureOrder {
                id: id.into(),
                member: member.into(),
                laptop: laptop.noise_key(),
                by: by.into(),
                at: at(),
                signature: String::new(),
            };
            o.signature = signer.sign(&o.payload("o", "o"));
            o
        };
        let mut tampered = order("o5", "c", &clerk, "f", &founder);
        tampered.at = at() + chrono::Duration::days(1);
        // (order, in the removed roster, in the roster without the removal)
        let table = [
            (order("o1", "c", &clerk, "f", &founder), true, false),
            // Not an admin.
            (order("o2", "c", &clerk, "s", &section), false, false),
            // Another laptop than the roster's for c.
            (order("o3", "c", &section, "f", &founder), false, false),
            // Signed with another key than its signer's.
            (order("o4", "c", &clerk, "f", &section), false, false),
            // Changed after it was signed.
            (tampered, false, false),
        ];
        for (o, in_removed, in_current) in table {
            let mut r = removed.clone();
            assert_eq!(
                r.judge_erasure_orders(std::slice::from_ref(&o)).is_empty(),
                in_removed,
                "{}",
                o.id
            );
            assert_eq!(r.erasure_order("c").is_some(), in_removed, "{}", o.id);
            let mut r = not_removed.clone();
            assert_eq!(
                r.judge_erasure_orders(std::slice::from_ref(&o)).is_empty(),
                in_current,
                "{}",
                o.id
            );
            // The ordered laptop's own check (its roster may not hold the removal yet).
            let holds = removed.order_holds(&o, "c", &clerk.noise_key()).is_ok();
            assert_eq!(holds, in_removed, "{}", o.id);
            assert!(removed.order_holds(&o, "s", &section.noise_key()).is_err());
        }

        let certificate = |laptop: &Keys, signer: &Keys| {
            let mut c = ErasureCertificate {
                id: "e1".into(),
                office: "o".into(),
                office_name: "事務所".into(),
                member: "c".into(),
                member_name: "c".into(),
                laptop: laptop.noise_key(),
                held: ErasedHome {
                    batches: vec!["令和8年度 月次".into()],
                    documents: 3,
                    vouchers: 12,
                    bytes: 4096,
                },
                synced_with: String::new(),
                synced_at: None,
                destroyed_at: at(),
                ordered: Some("o1".into()),
                signature: String::new(),
            };
            c.signature = signer.sign(&c.payload("o", "o"));
            c
        };
        assert_eq!(
            removed.certificate_holds(&certificate(&clerk, &clerk)),
            Ok(())
        );
        assert_eq!(
            removed.certificate_holds(&certificate(&section, &clerk)),
            Err(CertificateFault::OtherLaptop)
        );
        assert_eq!(
            removed.certificate_holds(&certificate(&clerk, &founder)),
            Err(CertificateFault::Signature)
        );
        let mut edited = certificate(&clerk, &clerk);
        edited.ordered = None;
        assert_eq!(
            removed.certificate_holds(&edited),
            Err(CertificateFault::Signature)
        );
        let mut r = removed.clone();
        assert_eq!(
            r.judge_erasures(&[certificate(&clerk, &clerk), edited])
                .len(),
            1
        );
        assert_eq!(r.erasures().len(), 1);
    }

    #[test]
    fn an_id_stays_with_its_first_holder_and_a_removed_admin_vouches_for_nothing_new() {
        let founder = Keys::generate().unwrap();
        let admin = Keys::generate().unwrap();
        let clerk = Keys::generate().unwrap();
        let thief = Keys::generate().unwrap();
        let mut entries = vec![
            entry("f", &founder, Role::Section, true, None, &founder),
            entry("a", &admin, Role::Section, true, Some("f".into()), &founder),
            entry(
                "c",
                &clerk,
                Role::Contractor,
                false,
                Some("f".into()),
                &founder,
            ),
        ];
        // The second admin signs an entry taking the clerk's id, with the thief's keys.
        entries.push(entry(
            "c",
            &thief,
            Role::Section,
            false,
            Some("a".into()),
            &admin,
        ));
        let roster = Roster::check("o", &founder.sign_key(), &entries, &[], &[], in_order);
        assert_eq!(roster.member("c").unwrap().sign_key, clerk.sign_key());
        assert_eq!(roster.invalid[0].1, "member id c is already in the roster");
        // The admin is removed (record 4); what they sign afterwards (record 5) counts for nothing,
        // what they signed before (record 2's sibling 3 here, the clerk) stays.
        let mut rm = Removal {
            member: "a".into(),
            by: "f".into(),
            at: at(),
            kept: vec![],
            signature: String::new(),
        };
        rm.signature = founder.sign(&removal_payload("o", &rm));
        let entries = vec![
            entry("f", &founder, Role::Section, true, None, &founder),
            entry("a", &admin, Role::Section, true, Some("f".into()), &founder),
            entry(
                "x",
                &clerk,
                Role::Contractor,
                false,
                Some("a".into()),
                &admin,
            ),
            entry("y", &thief, Role::Section, true, Some("a".into()), &admin),
        ];
        // Records 0-3 are entries, 4 the removal; "y" (3) was written after the removal.
        let order = |a: usize, b: usize| match (a, b) {
            (3, 4) => false,
            (4, 3) => true,
            _ => a < b,
        };
        let roster = Roster::check("o", &founder.sign_key(), &entries, &[], &[rm], order);
        assert!(
            roster.member("x").is_some(),
            "vouched for before the removal"
        );
        assert!(roster.member("y").is_none());
        assert_eq!(
            roster.invalid[0].1,
            "signed by a after their removal from the roster"
        );
    }
}
