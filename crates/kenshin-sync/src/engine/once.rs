//! One sync with one peer, until both sides hold the same documents (and `quiet`, which a sync
//! through a relay waits on).

use super::connect::{clone_error, KenshinDialer};
use super::*;
use crate::transport::{Heard, Hearing};
use automerge::ReadDoc;
use futures::StreamExt;
use samod::{BackoffConfig, ConnectionId, DialerHandle, PeerId};
use std::time::Instant;

/// Dialing for one sync: a few quick attempts (samod 0.16 can fail the very first attempt of a new
/// dialer with "no dialer registered", a race inside `Repo::dial`).
pub(super) const ONCE: BackoffConfig = BackoffConfig {
    initial_delay: Duration::from_millis(50),
    max_delay: Duration::from_millis(200),
    max_retries: Some(3),
};

/// What one `sync_once` did.
#[derive(Debug, Clone)]
pub struct SyncReport {
    pub member: String,
    pub documents: usize,
    pub elapsed: Duration,
    /// Through a relay: what was sealed and opened.
    pub sealed: Option<super::Sealed>,
}

impl Engine {
    /// Syncs with one peer until both hold the same heads of every document in scope, then returns.
    pub async fn sync_once(&self, address: &str, timeout: Duration) -> Result<SyncReport> {
        let dialer = KenshinDialer::new(self, address);
        let handle = self
            .shared
            .repo
            .dial(ONCE, dialer.clone())
            .map_err(|_| SyncError::Stopped)?;
        let hearing = dialer.hearing.clone();
        self.settle_with(handle, address, timeout, hearing, |e| match e {
            samod::DialerFailed::PermanentFailure(e) => clone_error(&e),
            _ => {
                let why = dialer.last_error.lock().ok().and_then(|e| e.clone());
                SyncError::Unreachable {
                    address: address.to_string(),
                    why: why.unwrap_or_else(|| "no answer".into()),
                }
            }
        })
        .await
    }

    pub(super) async fn settle_with<E: std::error::Error + Send + Sync + 'static>(
        &self,
        handle: DialerHandle<E>,
        address: &str,
        timeout: Duration,
        hearing: Arc<Mutex<Hearing>>,
        failed: impl FnOnce(samod::DialerFailed<E>) -> SyncError,
    ) -> Result<SyncReport> {
        let started = Instant::now();
        let peer = handle.established().await.map_err(failed)?;
        let member = peer
            .peer_id
            .to_string()
            .trim_start_matches("kenshin-")
            .to_string();
        let conn = handle.connection_id().ok_or(SyncError::Stopped)?;
        let heard = hearing.lock().map_err(|_| SyncError::Stopped)?.subscribe();
        let mut events = handle.events();
        let lost = async {
            while let Some(e) = events.next().await {
                if let samod::DialerEvent::Disconnected { reason } = e {
                    return reason;
                }
            }
            "the dialer stopped".to_string()
        };
        let settled = tokio::select! {
            r = tokio::time::timeout(timeout, self.settle(conn, &peer.peer_id, heard)) => r,
            reason = lost => {
                handle.close();
                return Err(SyncError::Lost { peer: address.to_string(), reason });
            }
        };
        handle.close();
        let documents = settled.map_err(|_| SyncError::Timeout {
            what: format!("documents to match with {address}"),
            secs: timeout.as_secs(),
        })??;
        self.mark_synced(&member);
        Ok(SyncReport {
            member,
            documents,
            elapsed: started.elapsed(),
            sealed: None,
        })
    }

    /// Waits until every document in scope is open and the same on both ends of `conn`, but for
    /// what is not shared with `peer`, what it may let go and did, and what is dormant here and it
    /// did not ask for.
    pub(super) async fn settle(
        &self,
        conn: ConnectionId,
        peer: &PeerId,
        mut heard: watch::Receiver<Heard>,
    ) -> Result<usize> {
        loop {
            let mut moved = self.scope_changes();
            let scope = self.scope();
            let wanted: Vec<&DocumentId> = {
                let heard = heard.borrow_and_update();
                scope
                    .documents
                    .iter()
                    .filter(|d| {
                        share(&scope, d, peer).access != samod::ShareAccess::None
                            && !(scope.optional.contains(*d) && heard.unavailable.contains(*d))
                            && (!scope.dormant.contains(*d) || heard.requested.contains(*d))
                    })
                    .collect()
            };
            let handles: Vec<DocHandle> = {
                let h = self.shared.handles.lock().map_err(|_| SyncError::Stopped)?;
                wanted.iter().filter_map(|d| h.get(*d).cloned()).collect()
            };
            if handles.len() < wanted.len() {
                self.want(
                    wanted
                        .iter()
                        .copied()
                        .filter(|d| scope.dormant.contains(*d)),
                );
                self.open_scope();
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
            let same = async {
                for h in &handles {
                    futures::join!(h.they_have_our_changes(conn), h.we_have_their_changes(conn));
                }
            };
            // A document can leave the scope while its peer will never answer for it (a fiscal
            // year deleted there, a member removed): take the scope again when it moves.
            tokio::select! {
                () = same => {}
                _ = moved.changed() => continue,
                _ = heard.changed() => continue,
            }
            // What arrived may have widened the scope (a new batch, a new list): give samod a moment
            // to store it, wait for its projection, and settle only if the scope is as this round
            // took it (else the handles above may miss a new document). A projection that left it
            // as it was (the last few arrivals, stored after the others) is no reason for another
            // round.
            tokio::time::sleep(Duration::from_millis(50)).await;
            self.wait_projected().await;
            let now = self.scope();
            if Arc::ptr_eq(&scope, &now) || scope.shares_alike(&now) {
                return Ok(handles.len());
            }
        }
    }
}

/// Through a relay: every document's heads were sent, we hold every head it told us of, and
/// nothing has come from it for a moment. That server (0.2.8, not sharing generously) stores what it
/// is sent but never answers for a document it was not asked for, so "in sync" means just that.
pub(super) async fn quiet(repo: &Repo, handles: &[DocHandle], conn: ConnectionId) {
    const QUIET: Duration = Duration::from_millis(300);
    let mut since = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let settled = handles.iter().all(|h| {
            let state = h.peers().0.get(&conn).cloned();
            h.with_document(|d| {
                let ours = d.get_heads();
                state.is_some_and(|s| {
                    let sent = s.last_sent_heads.as_ref() == Some(&ours)
                        || s.shared_heads.as_ref() == Some(&ours);
                    let theirs = s
                        .their_heads
                        .as_ref()
                        .is_none_or(|t| t.iter().all(|c| d.get_change_by_hash(c).is_some()));
                    sent && theirs
                })
            })
        });
        let received = repo
            .connected_peers()
            .0
            .into_iter()
            .find(|c| c.id == conn)
            .and_then(|c| c.last_received);
        let recent = received.is_some_and(|t| {
            chrono::Utc::now()
                .signed_duration_since(t)
                .to_std()
                .unwrap_or_default()
                < QUIET
        });
        if !settled || recent {
            since = Instant::now();
        }
        if since.elapsed() >= QUIET {
            return;
        }
    }
}
