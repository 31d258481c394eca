//! LAN discovery: each serving laptop announces `_kenshin._tcp` with a hash of its office id (never the
//! id itself: the LAN may be shared) and its member id; laptops of the same office dial each other.
//! Only one side of each pair dials (the smaller member id), so two laptops keep one connection. A
//! laptop that joined with an invite but has no roster yet is not announced (no one could sync with
//! it) and dials every laptop of its office it finds: its hello carries the invite.

use crate::engine::Engine;
use crate::error::{Result, SyncError};
use mdns_sd::{ServiceDaemon, ServiceEvent, ServiceInfo};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

pub const SERVICE: &str = "_kenshin._tcp.local.";

/// The office id as announced: enough to recognise colleagues, useless to identify the office.
pub fn office_tag(office: &str) -> String {
    hex::encode(&Sha256::digest(format!("kenshin-office/{office}").as_bytes())[..8])
}

fn mdns_err(e: impl std::fmt::Display) -> SyncError {
    SyncError::Discovery(e.to_string())
}

impl Engine {
    /// Announces this laptop on `port` and dials the office's other laptops as they appear.
    pub fn discover(&self, port: u16) -> Result<()> {
        let daemon = ServiceDaemon::new().map_err(mdns_err)?;
        let (office, me) = self.identity();
        let tag = office_tag(&office);
        let host = format!("kenshin-{}.local.", &me[..me.len().min(12)]);
        let info = ServiceInfo::new(
            SERVICE,
            &me,
            &host,
            "",
            port,
            &[("office", tag.as_str()), ("member", me.as_str())][..],
        )
        .map_err(mdns_err)?
        .enable_addr_auto();
        // Kept until this laptop has joined.
        let mut announce = if self.scope().joined {
            daemon.register(info).map_err(mdns_err)?;
            None
        } else {
            Some(info)
        };
        let browse = daemon.browse(SERVICE).map_err(mdns_err)?;
        let engine = self.clone();
        let mut stopped = self.stopped();
        let mut scope = self.scope_changes();
        tokio::spawn(async move {
            let mut dialed = HashSet::new();
            // Until the engine stops; then the announcement is withdrawn.
            loop {
                let event = tokio::select! {
                    e = browse.recv_async() => match e {
                        Ok(e) => e,
                        Err(_) => break,
                    },
                    changed = scope.changed(), if announce.is_some() => {
                        if changed.is_err() {
                            break;
                        }
                        if scope.borrow_and_update().joined {
                            if let Some(Err(e)) = announce.take().map(|i| daemon.register(i)) {
                                tracing::warn!(%e, "announcing this laptop on the LAN");
                            }
                        }
                        continue;
                    }
                    _ = &mut stopped => break,
                };
                let ServiceEvent::ServiceResolved(info) = event else {
                    continue;
                };
                let (Some(their_office), Some(member)) = (
                    info.get_property_val_str("office"),
                    info.get_property_val_str("member"),
                ) else {
                    continue;
                };
                let joined = engine.scope().joined;
                if their_office != tag
                    || dialed.contains(member)
                    || (joined && member <= me.as_str())
                {
                    continue;
                }
                // IPv4 only: a link-local IPv6 address needs a scope the announcement does not carry.
                // An announcement without one is followed by another that has it.
                let Some(ip) = info.get_addresses().iter().find(|a| a.is_ipv4()) else {
                    continue;
                };
                dialed.insert(member.to_string());
                let address = std::net::SocketAddr::new(*ip, info.get_port()).to_string();
                tracing::info!(member, address, "found on the LAN");
                if let Err(e) = engine.dial(&address, Default::default()) {
                    tracing::warn!(%e, "dialing a discovered laptop");
                }
            }
            let _ = daemon.shutdown();
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_hides_the_office_id_but_is_stable() {
        assert_eq!(office_tag("abc"), office_tag("abc"));
        assert_ne!(office_tag("abc"), office_tag("abd"));
        assert_eq!(office_tag("abc").len(), 16);
        assert!(!office_tag("abc").contains("abc"));
    }
}
