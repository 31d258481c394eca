//! 契約終了: a contractor laptop syncs what it holds with a section laptop, then destroys its home and
//! key and signs a 消去証明 of what it held and when; the section checks that certificate against
//! the office's roster. The rules are `kenshin_domain::erasure`'s.

use crate::error::{CoreError, Result};
use crate::{now, trust, Office};
use chrono::{DateTime, Utc};
use kenshin_domain::erasure::{
    check_erasure, CertificateFault, ErasedHome, ErasureCertificate, ErasureRefusal,
    MAX_CERTIFICATE_BYTES,
};
use kenshin_domain::signed::Signed;
use kenshin_store::HomeDir;
use std::io::Read;

/// A whole sync with a peer (`Syncing::once`): the peer's member id, and when it ended.
#[derive(Debug, Clone)]
pub struct LastSync {
    pub member: String,
    pub at: DateTime<Utc>,
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
    ) -> Result<ErasureCertificate> {
        let office_id = self.office_doc.to_string();
        let (office_name, peer, batches, (documents, vouchers)) = self.home.read(|tx| {
            let roster = trust::roster(tx)?;
            let peer = synced
                .as_ref()
                .and_then(|s| roster.current(&s.member))
                .map(|e| {
                    let m = roster.as_of(e.member.clone(), now());
                    (m.role, m.name)
                });
            let mut batches = Vec::new();
            for b in tx.batches()? {
                if tx.has_document(&kenshin_store::batch_doc_id(&b.batch_id)?)? {
                    batches.push(b.label);
                }
            }
            let name = tx.load_office(&self.office_doc)?.1.name;
            Ok::<_, CoreError>((name, peer, batches, tx.holdings()?))
        })?;
        check_erasure(peer.as_ref().map(|(role, _)| *role), tried)?;
        let synced_with = peer.map(|(_, name)| name).unwrap_or_default();
        let synced_at = synced.map_or_else(now, |s| s.at);
        let db = self.home.db_path();
        let bytes = ["", "-wal"]
            .iter()
            .filter_map(|s| std::fs::metadata(format!("{}{s}", db.display())).ok())
            .map(|m| m.len())
            .sum();
        let Office { home, me, keys, .. } = self;
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
            laptop: keys.noise_key(),
            held: ErasedHome {
                batches,
                documents,
                vouchers,
                bytes,
            },
            synced_with,
            synced_at,
            destroyed_at: now(),
            signature: String::new(),
        };
        certificate.signature = keys.sign(&certificate.payload(&office_id, &office_id));
        Ok(certificate)
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
        let invalid = |why| ErasureRefusal::Invalid { why };
        let entry = self
            .home
            .read(|tx| Ok::<_, CoreError>(trust::roster(tx)?.member(&c.member).cloned()))?
            .ok_or(invalid(CertificateFault::UnknownMember))?;
        if entry.noise_key != c.laptop {
            return Err(invalid(CertificateFault::OtherLaptop).into());
        }
        kenshin_trust::verify(&entry.sign_key, &c.payload(&mine, &mine), &c.signature)
            .map_err(|_| invalid(CertificateFault::Signature))?;
        Ok(c)
    }
}
