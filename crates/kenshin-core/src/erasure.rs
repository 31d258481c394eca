//! 契約終了: a contractor laptop syncs what it holds with a section laptop, then destroys its home and
//! key and signs a 消去証明 of what it held and when, and hands it back to that laptop on one last
//! connection (or as a file); the section checks it against the office's roster.
//!
//! 消去命令: an admin orders a removed member's laptop destroyed. The order reaches that laptop with
//! the refusal of its next connection (kept as a local note once it holds), and the front end
//! destroys it the same way at once, without the sync first (see [`erase_on_order`]).
//! The rules are `kenshin_domain::erasure`'s.

use crate::error::{CoreError, Result};
use crate::{now, trust, Office};
use chrono::{DateTime, Utc};
use kenshin_domain::erasure::{
    check_erasure, ErasedHome, ErasureCertificate, ErasureOrder, ErasureRefusal,
    MAX_CERTIFICATE_BYTES,
};
use kenshin_domain::signed::Signed;
use kenshin_store::docs::office;
use kenshin_store::HomeDir;
use kenshin_trust::{KeptKeys, Keys, NoiseKeys};
use serde::{Deserialize, Serialize};
use std::io::Read;

/// A whole sync with a peer (`Syncing::once`): the peer's member id and address, and when it ended.
#[derive(Debug, Clone)]
pub struct LastSync {
    pub member: String,
    pub address: String,
    pub at: DateTime<Utc>,
}

/// Local setting: an order to destroy this laptop that holds, as it arrived (see `SyncHome`).
pub(crate) const ERASURE_ORDER: &str = "erasure_order";

/// An order to destroy this laptop, and the address of the laptop that handed it over.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderReceived {
    pub order: ErasureOrder,
    pub peer: String,
}

/// Whether an admin's order to destroy this laptop arrived (read without signing in).
pub fn erasure_ordered(home: &HomeDir) -> Result<Option<OrderReceived>> {
    let note = crate::open_home(home)?.read(|tx| tx.local(ERASURE_ORDER))?;
    Ok(note.and_then(|n| serde_json::from_str(&n).ok()))
}

/// An admin's order (`me`, signing with `keys`) that `member`'s laptop, `laptop`, destroy its home.
pub(crate) fn signed_order(
    keys: &Keys,
    office: &kenshin_store::DocumentId,
    member: &str,
    laptop: &str,
    me: &str,
) -> ErasureOrder {
    let mut order = ErasureOrder {
        id: uuid::Uuid::new_v4().simple().to_string(),
        member: member.to_string(),
        laptop: laptop.to_string(),
        by: me.to_string(),
        at: now(),
        signature: String::new(),
    };
    let office = office.to_string();
    order.signature = keys.sign(&order.payload(&office, &office));
    order
}

/// What the section sees of laptops to destroy and destroyed.
#[derive(Debug, Clone, Serialize)]
pub struct Erasures {
    pub removed: Vec<RemovedLaptop>,
    pub certificates: Vec<ErasureCertificate>,
}

/// A removed member's laptop, and the order to destroy it when an admin gave one.
#[derive(Debug, Clone, Serialize)]
pub struct RemovedLaptop {
    pub member: kenshin_domain::Member,
    pub order: Option<ErasureOrder>,
}

/// A destroyed laptop: its certificate, and what it needs to hand it back (its sync keys, kept in
/// memory only, and the laptop to hand it to).
pub struct Erased {
    pub certificate: ErasureCertificate,
    keys: NoiseKeys,
    peer: Option<String>,
}

impl Erased {
    /// Hands the certificate back to the laptop it synced with last (or that handed over the
    /// order), which records it in the office document: the section has it on its next sync. Says
    /// which laptop took it, or why none did (the certificate file is the way then).
    pub async fn hand_back(&self) -> Result<String> {
        if self.certificate.signature.is_empty() {
            return Err(CoreError::Sync(
                "the certificate is not signed (its member's key was not opened)".into(),
            ));
        }
        let peer = self.peer.as_deref().ok_or_else(|| {
            CoreError::Sync("no section laptop to hand the certificate to".into())
        })?;
        let stream = tokio::net::TcpStream::connect(peer)
            .await
            .map_err(|e| CoreError::Sync(format!("{peer}: {e}")))?;
        kenshin_sync::transport::hand_back(stream, peer, &self.keys, &self.certificate)
            .await
            .map_err(|e| CoreError::Sync(e.to_string()))?;
        Ok(peer.to_string())
    }
}

/// Before a laptop is destroyed: one whole sync with a section member's laptop, trying each peer
/// this laptop knows (met before, section members first, or in its settings) until one holds. Says
/// why each other did not.
pub async fn sync_with_the_section(
    home: &HomeDir,
    timeout: std::time::Duration,
) -> Result<(Option<LastSync>, Vec<String>)> {
    let members = crate::members_of(home)?;
    let section = |id: &str| {
        members
            .iter()
            .any(|m| m.member.id == id && m.member.role == kenshin_domain::Role::Section)
    };
    let mut peers = crate::sync::peers(home)?;
    peers.sort_by_key(|p| !section(&p.member));
    let mut addresses: Vec<String> = peers.into_iter().filter_map(|p| p.address).collect();
    addresses.extend(crate::sync::settings(home)?.peers);
    let mut seen = std::collections::HashSet::new();
    addresses.retain(|a| seen.insert(a.clone()));
    let mut tried = Vec::new();
    for address in addresses {
        let syncing = crate::sync::Syncing::start(home.clone()).await?;
        match syncing.once(&address, timeout).await {
            Ok(report) if section(&report.member) => {
                let synced = LastSync {
                    member: report.member,
                    address,
                    at: now(),
                };
                return Ok((Some(synced), tried));
            }
            Ok(_) => tried.push(format!("{address}: 課の端末ではありません")),
            Err(e) => {
                // The reason in the office's words; the details go to the log.
                tracing::warn!(address, %e, "no whole sync before an erasure");
                tried.push(format!(
                    "{address}: 同期できませんでした（応答がないか、接続が切れました）"
                ));
            }
        }
    }
    if tried.is_empty() {
        tried.push("同期したことのある課の端末がありません".into());
    }
    Ok((None, tried))
}

impl Office {
    /// 端末の消去: once `synced` is a whole sync with a section member's laptop made just now (else
    /// refused, `tried` saying why each peer was not, and nothing is destroyed), destroys this
    /// laptop's home (`dir`, whose office this is) and its key, and returns the 消去証明 this member
    /// signs after it: what the home held (no personal data), the sync, the time of destruction.
    pub fn erase(
        mut self,
        dir: &HomeDir,
        synced: Option<LastSync>,
        tried: Vec<String>,
    ) -> Result<Erased> {
        let peer = self.home.read(|tx| {
            let roster = trust::roster(tx)?;
            Ok::<_, CoreError>(synced.as_ref().and_then(|s| {
                let e = roster.current(&s.member)?;
                Some(roster.as_of(e.member.clone(), now()))
            }))
        })?;
        check_erasure(peer.as_ref().map(|m| m.role), tried)?;
        let synced_with = peer.map(|m| m.name).unwrap_or_default();
        let Office {
            home,
            office_doc,
            me,
            keys,
        } = self;
        let last = Last {
            synced_with,
            synced_at: synced.as_ref().map(|s| s.at),
            ordered: None,
            peer: synced.map(|s| s.address),
        };
        destroy(home, dir, &office_doc, &me, Some(&keys), keys.noise(), last)
    }

    /// 消去を命じる (admin): orders the laptop of `who`, a removed member, destroyed; the order
    /// reaches it with the refusal of its next connection to any laptop holding this one's roster.
    pub fn order_erasure(&mut self, who: &str) -> Result<ErasureOrder> {
        self.require_admin("order a laptop destroyed")?;
        let office_id = self.office_doc.clone();
        let (me, keys) = (self.me.id.clone(), self.keys.clone());
        self.home.write(|tx| {
            let roster = trust::roster(tx)?;
            // Removed members are in the roster still, not among the current ones.
            let all: Vec<_> = roster.members().cloned().collect();
            let member = crate::find_member(&all, who)?;
            let entry = roster
                .member(&member.id)
                .filter(|_| roster.removal(&member.id).is_some())
                .ok_or_else(|| ErasureRefusal::NotRemoved {
                    name: member.name.clone(),
                })?;
            let order = signed_order(&keys, &office_id, &member.id, &entry.noise_key, &me);
            crate::members::put_in_office(tx, &office_id, |doc| {
                office::add_erasure_order(doc, &order)
            })?;
            trust::rebuild(tx)?;
            Ok(order)
        })
    }

    /// The removed members with the order given for each laptop, and the 消去証明 destroyed laptops
    /// handed back that hold, oldest first.
    pub fn erasures(&mut self) -> Result<Erasures> {
        self.home.read(|tx| {
            let roster = trust::roster(tx)?;
            let removed = roster
                .members()
                .filter(|e| roster.removal(&e.member.id).is_some())
                .map(|e| RemovedLaptop {
                    member: e.member.clone(),
                    order: roster.erasure_order(&e.member.id).cloned(),
                })
                .collect();
            let certificates = roster.erasures().into_iter().cloned().collect();
            Ok(Erasures {
                removed,
                certificates,
            })
        })
    }

    /// Checks a 消去証明 file against this office's roster: of this office, signed by the member it
    /// names (removed since or not) with their key, for their own laptop.
    pub fn check_erasure(&mut self, path: &std::path::Path) -> Result<ErasureCertificate> {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let unreadable = |why: String| ErasureRefusal::Unreadable {
            why: format!("{name}: {why}"),
        };
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_CERTIFICATE_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|e| unreadable(e.to_string()))?;
        if bytes.len() as u64 > MAX_CERTIFICATE_BYTES {
            return Err(unreadable(format!("larger than {MAX_CERTIFICATE_BYTES} bytes")).into());
        }
        let c: ErasureCertificate = serde_json::from_slice(&bytes)
            .map_err(|e| unreadable(format!("line {}, column {}: {e}", e.line(), e.column())))?;
        let mine = self.office_doc.to_string();
        if c.office != mine {
            return Err(ErasureRefusal::OtherOffice { office: c.office }.into());
        }
        self.home
            .read(|tx| Ok::<_, CoreError>(trust::roster(tx)?.certificate_holds(&c)))?
            .map_err(|why| ErasureRefusal::Invalid { why })?;
        Ok(c)
    }
}

/// How a laptop destroyed on an order signs its certificate: as the member signed in (the window),
/// with their secret (the terminal), or with their key when it has no secret (`Nothing`: refused
/// with `SecretNeeded` when it has one, nothing destroyed); `Unsigned` destroys it even so.
pub enum Unlock<'a> {
    Signer(&'a crate::Signer),
    Secret(&'a str),
    Nothing,
    Unsigned,
}

/// 消去命令に従う消去: destroys this laptop's home on an admin's order that holds against its roster
/// (`ordered`, as it arrived), at once and without the sync first (the laptop is removed; no laptop
/// of the office takes its work any more). Its member's key signs the certificate when `unlock` opens
/// it; otherwise the certificate is unsigned, and the section has only the file's word for it.
pub fn erase_on_order(dir: &HomeDir, ordered: OrderReceived, unlock: Unlock<'_>) -> Result<Erased> {
    let mut home = crate::open_home(dir)?;
    let (office_doc, me, kept) = home.read(|tx| {
        let no_office = || CoreError::NoOffice {
            home: dir.path().display().to_string(),
        };
        let office_doc = tx.office_doc_id()?.ok_or_else(no_office)?;
        let me = tx.local(trust::ME)?.ok_or_else(no_office)?;
        let kept = trust::kept_keys(tx, &me)?
            .ok_or_else(|| CoreError::KeysElsewhere { member: me.clone() })?;
        // Removed members are in the roster still (the removal may have reached this laptop).
        let roster = trust::roster(tx)?;
        roster
            .order_holds(&ordered.order, &me, &kept.noise().public_hex())
            .map_err(|why| CoreError::Sync(format!("the erasure order does not hold: {why}")))?;
        let member = roster.member(&me).ok_or_else(no_office)?.member.clone();
        Ok::<_, CoreError>((office_doc, member, kept))
    })?;
    let noise = kept.noise().clone();
    let keys = match (unlock, kept) {
        (Unlock::Signer(s), _) if s.member.id == me.id => Some(s.keys.clone()),
        (_, KeptKeys::Open(keys)) => Some(std::sync::Arc::new(keys)),
        (Unlock::Secret(secret), KeptKeys::Sealed { sealed, noise }) => {
            let seed = kenshin_store::open_with_secret(&sealed, secret)?.ok_or_else(|| {
                // Not counted: the laptop is destroyed once it opens.
                CoreError::WrongSecret {
                    member: me.name.clone(),
                    left: kenshin_domain::secret::tries_left(0),
                }
            })?;
            let keys =
                KeptKeys::opened(&seed, &noise).map_err(|e| CoreError::Internal(e.to_string()))?;
            Some(std::sync::Arc::new(keys))
        }
        (Unlock::Nothing, KeptKeys::Sealed { .. }) => {
            return Err(CoreError::SecretNeeded { member: me.name })
        }
        _ => None,
    };
    let last = Last {
        synced_with: String::new(),
        synced_at: None,
        ordered: Some(ordered.order.id),
        peer: Some(ordered.peer),
    };
    destroy(home, dir, &office_doc, &me, keys.as_deref(), &noise, last)
}

/// What a certificate says of the laptop's last contact with the office.
struct Last {
    synced_with: String,
    synced_at: Option<DateTime<Utc>>,
    ordered: Option<String>,
    /// Where to hand the certificate back.
    peer: Option<String>,
}

/// Destroys the home in `dir` and its key, and makes the certificate of what it held, signed with
/// `keys` when given.
fn destroy(
    mut home: kenshin_store::Home,
    dir: &HomeDir,
    office_doc: &kenshin_store::DocumentId,
    me: &kenshin_domain::Member,
    keys: Option<&Keys>,
    noise: &NoiseKeys,
    last: Last,
) -> Result<Erased> {
    let office_id = office_doc.to_string();
    let (office_name, batches, (documents, vouchers)) = home.read(|tx| {
        let mut batches = Vec::new();
        for b in tx.batches()? {
            if tx.has_document(&kenshin_store::batch_doc_id(&b.batch_id)?)? {
                batches.push(b.label);
            }
        }
        let name = tx.read_office(office_doc)?.name;
        Ok::<_, CoreError>((name, batches, tx.holdings()?))
    })?;
    let db = home.db_path();
    let bytes = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", db.display())).ok())
        .map(|m| m.len())
        .sum();
    // Every connection closed before the files go.
    drop(home);
    let _ = std::fs::remove_file(dir.path().join(crate::sync::ENGINE_LOCK));
    kenshin_store::destroy(dir)?;
    let mut certificate = ErasureCertificate {
        id: uuid::Uuid::new_v4().simple().to_string(),
        office: office_id.clone(),
        office_name,
        member: me.id.clone(),
        member_name: me.name.clone(),
        laptop: noise.public_hex(),
        held: ErasedHome {
            batches,
            documents,
            vouchers,
            bytes,
        },
        synced_with: last.synced_with,
        synced_at: last.synced_at,
        destroyed_at: now(),
        ordered: last.ordered,
        signature: String::new(),
    };
    if let Some(keys) = keys {
        certificate.signature = keys.sign(&certificate.payload(&office_id, &office_id));
    }
    Ok(Erased {
        certificate,
        keys: noise.clone(),
        peer: last.peer,
    })
}
