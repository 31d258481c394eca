//! Connections: accepting laptops, dialing peers and relays, and cutting off a removed member.

use super::*;
use crate::transport::{self, Authenticated, Hearing};
use futures::future::BoxFuture;
use samod::{BackoffConfig, DialError, Dialer, DialerHandle};
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpStream};

pub(super) fn clone_error(e: &SyncError) -> SyncError {
    match e {
        SyncError::Refused { peer, why } => SyncError::Refused {
            peer: peer.clone(),
            why: why.clone(),
        },
        SyncError::UnknownPeer { peer, why } => SyncError::UnknownPeer {
            peer: peer.clone(),
            why: why.clone(),
        },
        other => SyncError::Protocol(other.to_string()),
    }
}

pub(super) struct KenshinDialer {
    engine: Engine,
    address: String,
    /// Why the latest attempt failed, for the message when the retries run out.
    pub(super) last_error: Arc<Mutex<Option<String>>>,
    /// What the peer said of documents on the latest connection.
    pub(super) hearing: Arc<Mutex<Hearing>>,
}

impl KenshinDialer {
    pub(super) fn new(engine: &Engine, address: &str) -> Arc<KenshinDialer> {
        Arc::new(KenshinDialer {
            engine: engine.clone(),
            address: address.to_string(),
            last_error: Arc::new(Mutex::new(None)),
            hearing: Arc::default(),
        })
    }
}

impl Dialer for KenshinDialer {
    type Error = SyncError;

    fn url(&self) -> url::Url {
        url::Url::parse(&format!("kenshin://{}", self.address)).unwrap_or_else(|_| {
            url::Url::parse("kenshin://invalid").expect("a constant url parses")
        })
    }

    fn connect(
        &self,
    ) -> BoxFuture<'static, std::result::Result<samod::Transport, DialError<SyncError>>> {
        let engine = self.engine.clone();
        let address = self.address.clone();
        let last_error = self.last_error.clone();
        let latest = self.hearing.clone();
        // The cause alone: whoever reports it names the address once.
        let note = move |e: &SyncError| {
            let why = match e {
                SyncError::Io { source, .. } => source.to_string(),
                e => e.to_string(),
            };
            if let Ok(mut l) = last_error.lock() {
                *l = Some(why);
            }
        };
        Box::pin(async move {
            let stream = TcpStream::connect(&address).await.map_err(|source| {
                let e = SyncError::Io {
                    addr: address.clone(),
                    source,
                };
                note(&e);
                DialError::transient(e)
            })?;
            let _ = stream.set_nodelay(true);
            engine.feed_local_once().await;
            let shared = &engine.shared;
            let gate: &dyn Gate = shared.office.as_ref();
            match transport::dial(
                stream,
                &address,
                &shared.config.keys,
                &shared.config.hello,
                gate,
                &shared.received,
            )
            .await
            {
                Ok(Authenticated {
                    transport,
                    member,
                    cut,
                    heard,
                    ..
                }) => {
                    if let Ok(mut latest) = latest.lock() {
                        *latest = heard;
                    }
                    engine.connected(&member, &address);
                    engine.cut_when_removed(member, cut);
                    Ok(transport)
                }
                // A refusal will not change by retrying; a broken connection might.
                Err(e) => match e.refusal() {
                    Some((by_peer, why)) => {
                        engine.emit(Event::Refused {
                            address: address.clone(),
                            by_peer,
                            why: why.clone(),
                        });
                        Err(DialError::PermanentFailure(e))
                    }
                    None => {
                        note(&e);
                        Err(DialError::transient(e))
                    }
                },
            }
        })
    }
}

impl Engine {
    /// Accepts laptops on `addr` until the engine stops. Returns the bound address.
    pub async fn listen(&self, addr: &str) -> Result<SocketAddr> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| SyncError::Io {
                addr: addr.to_string(),
                source,
            })?;
        let local = listener.local_addr().map_err(|source| SyncError::Io {
            addr: addr.to_string(),
            source,
        })?;
        let url = url::Url::parse(&format!("tcp://{local}"))
            .map_err(|e| SyncError::Protocol(e.to_string()))?;
        let acceptor = self
            .shared
            .repo
            .make_acceptor(url)
            .map_err(|_| SyncError::Stopped)?;
        self.report_disconnects(acceptor.clone());
        let engine = self.clone();
        let admission = Arc::new(transport::Admission::default());
        let mut stopped = self.stopped();
        tokio::spawn(async move {
            loop {
                // The listener goes with the engine, so the port is free again.
                let accepted = tokio::select! {
                    a = listener.accept() => a,
                    _ = &mut stopped => return,
                };
                let (stream, remote) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors, say: wait rather than spin.
                        tracing::warn!("accepting a connection: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let Some(admitted) = admission.enter(remote.ip()) else {
                    tracing::debug!("{remote}: too many handshakes under way; closed");
                    continue;
                };
                let engine = engine.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let _ = stream.set_nodelay(true);
                    let remote = remote.to_string();
                    // The roster and documents as committed now, before judging the laptop.
                    engine.feed_local_once().await;
                    let gate: &dyn Gate = engine.shared.office.as_ref();
                    let accepted = transport::accept(
                        stream,
                        &remote,
                        &engine.shared.config.keys,
                        &engine.shared.config.me,
                        gate,
                        &engine.shared.received,
                    )
                    .await;
                    drop(admitted);
                    match accepted {
                        Ok(auth) => {
                            let member = auth.member.clone();
                            engine.feed_local_once().await;
                            if acceptor.accept(auth.transport).is_ok() {
                                engine.connected(&member, &remote);
                                engine.cut_when_removed(member, auth.cut);
                            }
                        }
                        Err(SyncError::HandedBack { member }) => {
                            engine.emit(Event::HandedBack { member })
                        }
                        Err(e) => engine.emit(Event::Refused {
                            address: remote,
                            by_peer: false,
                            why: match e.refusal() {
                                Some((_, why)) => why.clone(),
                                None => Refusal::Other { why: e.to_string() },
                            },
                        }),
                    }
                });
            }
        });
        Ok(local)
    }

    /// Ends the connection with `member` as soon as the roster no longer holds them: a removal
    /// made here, or arriving from another laptop, cuts that laptop off at once.
    pub(super) fn cut_when_removed(&self, member: String, cut: transport::Cut) {
        let mut scope = self.shared.scope_tx.subscribe();
        let mut stopped = self.stopped();
        tokio::spawn(async move {
            tokio::select! {
                removed = scope.wait_for(|s| s.joined && s.roster.current(&member).is_none()) => {
                    if removed.is_ok() {
                        tracing::info!(member, "removed from the roster: connection cut");
                        cut.cut();
                    }
                }
                _ = cut.closed() => {}
                _ = &mut stopped => {}
            }
        });
    }

    /// Dials a peer and keeps the connection up (reconnecting with backoff) until the engine stops.
    pub fn dial(&self, address: &str, backoff: BackoffConfig) -> Result<DialerHandle<SyncError>> {
        let dialer = KenshinDialer::new(self, address);
        self.shared
            .repo
            .dial(backoff, dialer)
            .map_err(|_| SyncError::Stopped)
    }
}
