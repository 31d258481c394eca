//! LAN discovery: each serving laptop announces `_kenshin._tcp` with a hash of its office id (never the
//! id itself: the LAN may be shared) and its member id; laptops of the same office dial each other.
//! Only one side of each pair dials (the smaller member id), so two laptops keep one connection.

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
        daemon.register(info).map_err(mdns_err)?;
        let browse = daemon.browse(SERVICE).map_err(mdns_err)?;
        let engine = self.clone();
        let mut stopped = self.stopped();
        tokio::spawn(async move {
            let mut dialed = HashSet::new();
            // Until the engine stops; then the announcement is withdrawn.
            while let Some(Ok(event)) = tokio::select! {
                e = browse.recv_async() => Some(e),
                _ = &mut stopped => None,
            } {
                let ServiceEvent::ServiceResolved(info) = event else {
                    continue;
                };
                let (Some(their_office), Some(member)) = (
                    info.get_property_val_str("office"),
                    info.get_property_val_str("member"),
                ) else {
                    continue;
                };
                if their_office != tag || member <= me.as_str() || dialed.contains(member) {
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
