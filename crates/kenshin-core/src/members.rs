//! Invites, joining and removal: how laptops enter and leave the office's roster.

use crate::error::{CoreError, Result};
use crate::trust::{self, keys_setting, ANCHOR, ME};
use crate::{new_keys, new_member, non_empty, now, refuse_duplicate_name, Office};
use kenshin_domain::erasure::ErasureOrder;
use kenshin_domain::roster::{
    deputy_payload, invite_payload, member_payload, removal_payload, role_change_payload,
    DeputySetting, Invite, Removal, RoleChange,
};
use kenshin_domain::settings::{settings_payload, OfficeSettings, SettingsRecord};
use kenshin_domain::signed::Migration;
use kenshin_domain::voucher::InsurerForm;
use kenshin_domain::{Role, RosterEntry};
use kenshin_store::docs::office;
use kenshin_store::{batch_doc_id, DocumentId, Home, HomeDir, Tx, OFFICE_DOC};
use kenshin_trust::{invite_signer, Keys};
use serde::{Deserialize, Serialize};

/// Local setting: a joining laptop's own signed roster entry, presented on its first sync.
pub(crate) const JOIN_ENTRY: &str = "join_entry";

/// The invite file an admin hands to a new laptop (USB stick, or the office's file share). It holds
/// the invite's secret key: whoever has the file can join once, as the person it names.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InviteFile {
    pub kenshin_invite: u32,
    pub office_doc: String,
    pub office_name: String,
    /// The founder's key: the joining laptop pins it and judges the roster from it.
    pub anchor: String,
    pub invite: Invite,
    /// The invite's Ed25519 secret seed (hex).
    pub secret: String,
}

impl InviteFile {
    /// 照合番号, read aloud between the admin and the person joining.
    pub fn fingerprint(&self) -> String {
        kenshin_domain::roster::invite_fingerprint(&self.office_doc, &self.anchor, &self.invite.key)
    }
}

/// What `office join` did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Joined {
    pub office_name: String,
    pub member: String,
    pub name: String,
    /// The invite's 照合番号 (see [`InviteFile::fingerprint`]).
    pub fingerprint: String,
}

impl Office {
    /// Makes an invite for one laptop (admin only): the invite goes into the roster, signed, and its
    /// secret into the file.
    pub fn invite(&mut self, name: &str, role: Role, approver: bool) -> Result<InviteFile> {
        let name = non_empty(name, crate::Blank::MemberName)?;
        self.require_admin("invite laptops")?;
        if approver && role == Role::Contractor {
            return Err(CoreError::ContractorApprover);
        }
        let invite_keys = new_keys()?;
        let office_id = self.office_doc.clone();
        let mut invite = Invite {
            id: uuid::Uuid::new_v4().simple().to_string(),
            name,
            role,
            approver,
            key: invite_keys.sign_key(),
            by: self.me.id.clone(),
            at: now(),
            signature: String::new(),
        };
        invite.signature = self
            .keys
            .sign(&invite_payload(&office_id.to_string(), &invite));
        let office_name = self.home.write(|tx| {
            refuse_duplicate_name(tx, &invite.name)?;
            let (mut doc, office) = trust::office_for_writing(tx, &office_id)?;
            let before = doc.get_heads();
            office::add_invite(&mut doc, &invite)?;
            tx.save_office(&office_id, &mut doc, &before)?;
            Ok::<_, CoreError>(office.name)
        })?;
        let anchor = self
            .home
            .read(|tx| Ok::<_, CoreError>(tx.local(ANCHOR)?.unwrap_or_default()))?;
        Ok(InviteFile {
            kenshin_invite: 1,
            office_doc: office_id.to_string(),
            office_name,
            anchor,
            invite,
            secret: invite_keys.signing_seed().to_string(),
        })
    }

    /// Removes a member (admin only). Their entries this laptop holds stay valid; anything they
    /// record afterwards counts for nothing, and their laptop can no longer sync. With `erase`, the
    /// laptop is also ordered destroyed (消去命令).
    pub fn remove_member(
        &mut self,
        who: &str,
        erase: bool,
    ) -> Result<(Removal, Option<ErasureOrder>)> {
        self.require_admin("remove members")?;
        let office_id = self.office_doc.clone();
        let me = self.me.id.clone();
        let keys = &self.keys;
        self.home.write(|tx| {
            let members = tx.members()?;
            let member = crate::find_member(&members, who)?;
            if member.id == me {
                return Err(CoreError::RemoveSelf);
            }
            // 消去命令 with the removal, in the same change: the laptop cut off now is handed the
            // order when it dials again.
            let order = members
                .iter()
                .find(|e| e.member.id == member.id)
                .filter(|_| erase)
                .map(|e| {
                    crate::erasure::signed_order(keys, &office_id, &e.member.id, &e.noise_key, &me)
                });
            // Everything of theirs this laptop holds stays valid: sign-offs, lists, notes, batches.
            let mut kept = Vec::new();
            for b in tx.batches()? {
                if b.created_by == member.id {
                    kept.extend(kenshin_trust::kept(&member.id, [&b]));
                }
                if let Some(mut doc) = tx.load(&batch_doc_id(&b.batch_id)?)? {
                    let Ok(batch) = kenshin_store::docs::batch::read(&mut doc, &b.batch_id) else {
                        continue;
                    };
                    kept.extend(kenshin_trust::kept(&member.id, &batch.signoffs));
                    kept.extend(kenshin_trust::kept(&member.id, &batch.lists));
                    kept.extend(kenshin_trust::kept(&member.id, &batch.notes));
                }
            }
            let mut removal = Removal {
                member: member.id.clone(),
                by: me.clone(),
                at: now(),
                kept,
                signature: String::new(),
            };
            removal.signature = keys.sign(&removal_payload(&office_id.to_string(), &removal));
            // An office that seals toward a relay gets a new data key, shared with the members who
            // stay only: the removed member's laptop reads nothing sealed with it.
            let read = tx.read_office(&office_id)?;
            let epoch = if read.data_keys.is_empty() {
                None
            } else {
                let roster = trust::roster(tx)?;
                let staying = crate::relay_keys::current_members(&roster)
                    .filter(|m| m.member.id != member.id);
                let migration = raise_office(tx, &office_id, office::KEYS_SCHEMA, keys, &me)?;
                let (record, shares) =
                    crate::relay_keys::new_epoch(tx, &office_id, keys, &me, staying)?;
                Some((migration, record, shares))
            };
            put_in_office(tx, &office_id, |doc| {
                office::add_removal(doc, &removal)?;
                if let Some(order) = &order {
                    office::add_erasure_order(doc, order)?;
                }
                match &epoch {
                    Some((m, record, shares)) => {
                        crate::relay_keys::put_epoch(doc, m.as_ref(), record, shares)
                    }
                    None => Ok(()),
                }
            })?;
            trust::rebuild(tx)?;
            Ok((removal, order))
        })
    }

    /// Designates a section member as deputy (代決者), or ends it (admin only): a signed setting in
    /// the office document, judged on every laptop. A 代決 counts when its maker was a deputy then.
    pub fn set_deputy(&mut self, who: &str, deputy: bool) -> Result<DeputySetting> {
        self.require_admin("designate deputies")?;
        let office_id = self.office_doc.clone();
        let me = self.me.id.clone();
        let keys = &self.keys;
        self.home.write(|tx| {
            let member = crate::find_member(&tx.members()?, who)?;
            if member.role == Role::Contractor {
                return Err(CoreError::ContractorApprover);
            }
            let mut setting = DeputySetting {
                id: uuid::Uuid::new_v4().simple().to_string(),
                member: member.id,
                deputy,
                by: me.clone(),
                at: now(),
                signature: String::new(),
            };
            setting.signature = keys.sign(&deputy_payload(&office_id.to_string(), &setting));
            put_in_office(tx, &office_id, |doc| {
                office::add_deputy_setting(doc, &setting)
            })?;
            trust::rebuild(tx)?;
            Ok(setting)
        })
    }

    /// 暗証番号の再設定 for a member who uses this laptop and forgot their secret (admin only). Their
    /// sealed key cannot be opened again, so they are removed (what they recorded keeps counting)
    /// and added again under the same name, role and approver authority, with new keys and no
    /// secret: they choose a new one at their next sign-in. A member of another laptop is invited
    /// again instead.
    pub fn reset_member_here(&mut self, who: &str) -> Result<RosterEntry> {
        self.require_admin("reset a member's secret")?;
        let member = self.home.read(|tx| {
            let member = crate::find_member(&tx.members()?, who)?;
            // The laptop's own member proves the laptop on the wire: a new key is a new laptop.
            if tx.local(ME)?.as_deref() == Some(member.id.as_str()) {
                return Err(CoreError::ResetHomeMember {
                    member: member.name,
                });
            }
            match trust::kept_keys(tx, &member.id)? {
                Some(_) => Ok(member),
                None => Err(CoreError::KeysElsewhere {
                    member: member.name,
                }),
            }
        })?;
        if member.id == self.me.id {
            return Err(CoreError::RemoveSelf);
        }
        self.remove_member(&member.id, false)?;
        let entry = self.add_member(&member.name, member.role, member.approver)?;
        // The old key opens nothing any more: it goes.
        self.home
            .write(|tx| Ok::<_, CoreError>(tx.remove_local(&keys_setting(&member.id))?))?;
        Ok(entry)
    }

    /// 役割の変更 (admin only): a member's role and approver authority from now on, a signed record
    /// every laptop judges. What they recorded before keeps the authority it was recorded with.
    pub fn change_role(&mut self, who: &str, role: Role, approver: bool) -> Result<RoleChange> {
        self.require_admin("change members' roles")?;
        if approver && role == Role::Contractor {
            return Err(CoreError::ContractorApprover);
        }
        let office_id = self.office_doc.clone();
        let me = self.me.id.clone();
        let keys = &self.keys;
        self.home.write(|tx| {
            let member = crate::find_member(&tx.members()?, who)?;
            let mut change = RoleChange {
                id: uuid::Uuid::new_v4().simple().to_string(),
                member: member.id,
                role,
                approver,
                by: me.clone(),
                at: now(),
                signature: String::new(),
            };
            let office = office_id.to_string();
            change.signature = keys.sign(&role_change_payload(&office, &change));
            let migration = raise_office(tx, &office_id, office::ROLES_SCHEMA, keys, &me)?;
            put_in_office(tx, &office_id, |doc| {
                if let Some(m) = &migration {
                    office::migrate(doc, m)?;
                }
                office::add_role_change(doc, &change)
            })?;
            trust::rebuild(tx)?;
            Ok(change)
        })
    }

    /// The office's settings (事務所の設定): the latest record an admin signed (the defaults when
    /// none holds).
    pub fn settings(&mut self) -> Result<OfficeSettings> {
        self.home.read(|tx| Ok(trust::roster(tx)?.settings()))
    }

    /// Sets the office's settings (admin only), whole: a signed record every laptop takes.
    pub fn set_settings(&mut self, settings: OfficeSettings) -> Result<OfficeSettings> {
        self.require_admin("change the office's settings")?;
        settings.check()?;
        let office_id = self.office_doc.clone();
        let mut record = SettingsRecord {
            id: uuid::Uuid::new_v4().simple().to_string(),
            settings,
            by: self.me.id.clone(),
            at: now(),
            signature: String::new(),
        };
        record.signature = self
            .keys
            .sign(&settings_payload(&office_id.to_string(), &record));
        let keys = &self.keys;
        let me = &self.me.id;
        self.home.write(|tx| {
            // Insurer settings raise the office's schema: a build before them drops the insurer
            // and would find the record's signature broken.
            let migration = match record.settings.insurer {
                Some(_) => raise_office(tx, &office_id, office::INSURER_SCHEMA, keys, me)?,
                None => None,
            };
            put_in_office(tx, &office_id, |doc| {
                if let Some(m) = &migration {
                    office::migrate(doc, m)?;
                }
                office::add_settings(doc, &record)
            })?;
            Ok::<_, CoreError>(())
        })?;
        Ok(record.settings)
    }

    /// Changes the insurer's settings (保険者情報, admin only): what the form names, checked whole,
    /// signed as the office's settings.
    pub fn set_insurer(&mut self, form: &InsurerForm) -> Result<OfficeSettings> {
        self.require_admin("change the office's settings")?;
        let mut settings = self.settings()?;
        settings.insurer = Some(form.apply(settings.insurer.take())?);
        self.set_settings(settings)
    }

    /// The members who are deputies (代決者) now, by id.
    pub fn deputies(&mut self) -> Result<Vec<String>> {
        self.home.read(|tx| Ok(tx.deputies()?))
    }

    pub(crate) fn require_admin(&self, what: &'static str) -> Result<()> {
        if self.me.admin {
            Ok(())
        } else {
            Err(CoreError::NotAdmin {
                member: self.me.name.clone(),
                what,
            })
        }
    }
}

/// A signed migration raising the office document to `schema`, when it is below it.
pub(crate) fn raise_office(
    tx: &Tx<'_>,
    office_id: &DocumentId,
    schema: i64,
    keys: &Keys,
    me: &str,
) -> Result<Option<Migration>> {
    let read = tx.read_office(office_id)?;
    if read.schema >= schema {
        return Ok(None);
    }
    let office = office_id.to_string();
    Ok(Some(crate::migration(keys, &office, &office, me, schema)))
}

/// Puts one admin's signed record into the office document (`add` writes it), in this transaction.
pub(crate) fn put_in_office(
    tx: &Tx<'_>,
    office_id: &DocumentId,
    add: impl FnOnce(&mut automerge::AutoCommit) -> std::result::Result<(), automerge::AutomergeError>,
) -> Result<()> {
    let (mut doc, _) = trust::office_for_writing(tx, office_id)?;
    let before = doc.get_heads();
    add(&mut doc)?;
    tx.save_office(office_id, &mut doc, &before)?;
    Ok(())
}

fn bad_invite(file: &str, why: String) -> CoreError {
    CoreError::BadInvite {
        file: file.to_string(),
        why,
    }
}

/// Accepts an invite on a new home: makes this laptop's keys and its roster entry signed with the
/// invite's key. The office's documents (and the entry's place in the roster) come with the first sync.
pub fn join(home: impl Into<HomeDir>, invite_text: &str, source: &str) -> Result<Joined> {
    let home_dir: HomeDir = home.into();
    let dir = home_dir.path();
    let file: InviteFile =
        serde_json::from_str(invite_text).map_err(|e| bad_invite(source, e.to_string()))?;
    let office_doc: DocumentId = file
        .office_doc
        .parse()
        .map_err(|_| bad_invite(source, "the office document id is malformed".into()))?;
    let invite_keys =
        Keys::from_signing_seed(&file.secret).map_err(|e| bad_invite(source, e.to_string()))?;
    if invite_keys.sign_key() != file.invite.key {
        return Err(bad_invite(
            source,
            "the invite's secret does not match its key".into(),
        ));
    }
    let keys = new_keys()?;
    let member = new_member(
        file.invite.name.clone(),
        file.invite.role,
        file.invite.approver,
        false,
    );
    let mut entry = RosterEntry {
        member: member.clone(),
        sign_key: keys.sign_key(),
        noise_key: keys.noise_key(),
        added_by: Some(invite_signer(&file.invite.id)),
        added_at: now(),
        signature: String::new(),
    };
    entry.signature = invite_keys.sign(&member_payload(&file.office_doc, &entry));
    let mut home = Home::open(&home_dir)?;
    home.write(|tx| {
        if tx.office_doc_id()?.is_some() {
            return Err(CoreError::AlreadyInitialised {
                home: dir.display().to_string(),
                office: file.office_name.clone(),
            });
        }
        tx.set_local(OFFICE_DOC, &office_doc.to_string())?;
        tx.set_local(ANCHOR, &file.anchor)?;
        crate::upgrade::current(tx)?;
        tx.set_local(ME, &member.id)?;
        tx.set_local(&keys_setting(&member.id), &keys.to_secret_text())?;
        tx.set_local(
            JOIN_ENTRY,
            &serde_json::to_string(&entry).map_err(|e| CoreError::Internal(e.to_string()))?,
        )?;
        Ok(())
    })?;
    Ok(Joined {
        fingerprint: file.fingerprint(),
        office_name: file.office_name,
        member: member.id,
        name: member.name,
    })
}
