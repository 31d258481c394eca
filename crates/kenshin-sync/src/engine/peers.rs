//! Each peer's status as this laptop sees it: connected, last seen, last synced, documents to sync.

use super::*;
use futures::StreamExt;
use samod::ConnectionId;

pub(super) fn c_peer(c: &samod::ConnectionInfo) -> Option<String> {
    match &c.state {
        samod::ConnectionState::Connected { their_peer_id } => Some(
            their_peer_id
                .to_string()
                .trim_start_matches("kenshin-")
                .to_string(),
        ),
        _ => None,
    }
}

pub(super) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

impl Engine {
    /// Marks peers whose inbound connection ended, and says so on the event stream.
    pub(super) fn report_disconnects(&self, acceptor: samod::AcceptorHandle) {
        let engine = self.clone();
        tokio::spawn(async move {
            let mut events = acceptor.events();
            let mut members: HashMap<ConnectionId, String> = HashMap::new();
            while let Some(event) = events.next().await {
                match event {
                    samod::AcceptorEvent::ClientConnected {
                        peer_info,
                        connection_id,
                    } => {
                        let member = peer_info.peer_id.to_string();
                        members.insert(
                            connection_id,
                            member.trim_start_matches("kenshin-").to_string(),
                        );
                    }
                    samod::AcceptorEvent::ClientDisconnected { connection_id, .. } => {
                        let Some(member) = members.remove(&connection_id) else {
                            continue;
                        };
                        if let Ok(mut peers) = engine.shared.peers.lock() {
                            if let Some(p) = peers.get_mut(&member) {
                                p.connected = false;
                            }
                        }
                        engine.emit(Event::Disconnected { member });
                    }
                }
            }
        });
    }

    pub(super) fn connected(&self, member: &str, address: &str) {
        if let Ok(mut peers) = self.shared.peers.lock() {
            let p = peers
                .entry(member.to_string())
                .or_insert_with(|| PeerStatus {
                    member: member.to_string(),
                    address: None,
                    connected: true,
                    last_seen: None,
                    last_synced: None,
                    pending: 0,
                });
            p.address = Some(address.to_string());
            p.connected = true;
            p.last_seen = Some(now_ms());
        }
        if let Ok(mut caught_up) = self.shared.caught_up.lock() {
            caught_up.remove(member);
        }
        self.emit(Event::Connected {
            member: member.to_string(),
            address: address.to_string(),
        });
        // A new peer may have the documents in scope that are still missing.
        self.open_scope();
    }

    pub(super) fn mark_synced(&self, member: &str) {
        if let Ok(mut peers) = self.shared.peers.lock() {
            if let Some(p) = peers.get_mut(member) {
                p.last_synced = Some(now_ms());
                p.pending = 0;
            }
        }
        self.emit(Event::Synced {
            member: member.to_string(),
        });
    }

    /// Per peer: connected, last seen, last synced, documents pending.
    pub fn status(&self) -> Vec<PeerStatus> {
        let (conns, _) = self.shared.repo.connected_peers();
        let handles: Vec<(DocumentId, DocHandle)> = self
            .shared
            .handles
            .lock()
            .map(|h| h.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let heads: HashMap<DocumentId, Vec<automerge::ChangeHash>> = handles
            .iter()
            .map(|(id, h)| (id.clone(), h.with_document(|d| d.get_heads())))
            .collect();
        let mut peers = self
            .shared
            .peers
            .lock()
            .map(|p| p.clone())
            .unwrap_or_default();
        for p in peers.values_mut() {
            p.connected = false;
        }
        for c in conns {
            let Some(member) = c_peer(&c) else { continue };
            let pending = heads
                .iter()
                .filter(|(id, ours)| {
                    c.docs.get(*id).and_then(|d| d.shared_heads.as_ref()) != Some(*ours)
                })
                .count();
            let p = peers.entry(member.clone()).or_insert_with(|| PeerStatus {
                member: member.clone(),
                address: None,
                connected: true,
                last_seen: None,
                last_synced: None,
                pending,
            });
            p.connected = true;
            p.pending = pending;
            p.last_seen = c
                .last_received
                .map(|t| t.timestamp_millis().max(0) as u64)
                .or(p.last_seen);
            if pending == 0 {
                p.last_synced = Some(now_ms());
            }
        }
        if let Ok(mut stored) = self.shared.peers.lock() {
            stored.clone_from(&peers);
        }
        // A peer that has just caught up is news (the window's sync line follows it); it is news
        // again after it falls behind or reconnects.
        let mut news = Vec::new();
        if let Ok(mut caught_up) = self.shared.caught_up.lock() {
            for p in peers.values() {
                if p.connected && p.pending == 0 {
                    if caught_up.insert(p.member.clone()) {
                        news.push(p.member.clone());
                    }
                } else {
                    caught_up.remove(&p.member);
                }
            }
        }
        for member in news {
            self.emit(Event::Synced { member });
        }
        peers.into_values().collect()
    }
}
