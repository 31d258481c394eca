//! The authenticated, encrypted connection between two laptops: a Noise XX handshake over TCP (both
//! ends prove their X25519 static keys), then a hello in which the dialer says which member it is (or
//! presents its invite), checked against the acceptor's roster. Only then does samod get the
//! connection, with the peer id pinned to that member. Everything after the first handshake message
//! is encrypted.

use crate::error::{Result, SyncError};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use kenshin_domain::erasure::{ErasureCertificate, ErasureOrder};
use kenshin_domain::roster::{LaptopYearKey, RosterEntry};
pub use kenshin_domain::sync::Refusal;
use kenshin_trust::{NoiseKeys, NOISE_PATTERN};
use samod::{DocumentId, PeerId, Transport};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

/// What the dialing laptop says once the channel is encrypted.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "hello", rename_all = "snake_case")]
pub enum Hello {
    Member {
        office: String,
        member: String,
    },
    /// A laptop joining with an invite: its own roster entry, signed with the invite's key, and its
    /// keys for the fiscal years an office may have (a Kenshin before years' keys neither sends nor
    /// reads them).
    Join {
        office: String,
        entry: RosterEntry,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        year_keys: Vec<LaptopYearKey>,
    },
    /// A destroyed laptop handing back its 消去証明 on its last connection (no sync follows). An
    /// earlier Kenshin does not read this hello and closes the connection.
    Erased {
        office: String,
        certificate: Box<ErasureCertificate>,
    },
}

impl Hello {
    pub fn office(&self) -> &str {
        match self {
            Hello::Member { office, .. }
            | Hello::Join { office, .. }
            | Hello::Erased { office, .. } => office,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
enum Reply {
    /// `member`: who the acceptor is.
    Welcome { member: String },
    /// `why` is the English text earlier Kenshin versions read; `reason` the judgement itself.
    Refused {
        why: String,
        #[serde(default)]
        reason: Option<Refusal>,
        /// To a removed member's laptop: an admin's order that it destroy its home. An earlier
        /// Kenshin ignores it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        erase: Option<Box<ErasureOrder>>,
    },
    /// A certificate handed back was recorded.
    Received,
}

/// The accepting side's questions to its office.
pub trait Gate: Send + Sync + 'static {
    /// Admits the laptop holding `noise_key` that said `hello`: its member id, or why not.
    fn admit(&self, hello: &Hello, noise_key: &str) -> std::result::Result<String, Refusal>;
    /// Whether `member` is a current member whose laptop holds `noise_key` (the dialer checks the
    /// acceptor with this). A laptop that has not joined yet has no roster and trusts its invite.
    fn vouch(&self, member: &str, noise_key: &str) -> std::result::Result<(), Refusal>;
    /// The order that the refused `member`'s laptop destroy its home, when an admin gave one.
    fn erasure_order(&self, member: &str) -> Option<ErasureOrder>;
    /// An order to destroy this laptop, handed over with a refusal by the peer at `peer`: judged
    /// against this laptop's roster, and kept when it holds.
    fn ordered(&self, order: &ErasureOrder, peer: &str);
    /// A destroyed laptop, holding `noise_key`, hands back its certificate: recorded when it holds.
    fn erased(
        &self,
        certificate: &ErasureCertificate,
        noise_key: &str,
    ) -> std::result::Result<(), Refusal>;
}

/// A connection that passed the handshake, ready for samod.
pub struct Authenticated {
    pub transport: Transport,
    /// The remote member.
    pub member: String,
    pub noise_key: String,
    /// Ends the connection from outside (the member was removed from the roster).
    pub cut: Cut,
    /// What the peer said of documents on this connection.
    pub heard: Hearing,
}

/// What a peer said of documents on one connection, read from samod's messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Heard {
    /// Answered "unavailable" (it does not hold one, or will not share it), until it sends one.
    pub unavailable: HashSet<DocumentId>,
    /// Asked for: it holds nothing of them.
    pub requested: HashSet<DocumentId>,
}

/// What the peer said on a connection so far: a laptop's `sync --once` does not wait on what the
/// peer let go, and waits on the dormant documents it asked for.
#[derive(Clone, Default)]
pub struct Hearing(Arc<watch::Sender<Heard>>);

impl Hearing {
    pub fn subscribe(&self) -> watch::Receiver<Heard> {
        self.0.subscribe()
    }

    /// Notes what a whole samod message from the peer says of its document.
    fn heard(&self, message: &[u8]) {
        self.0.send_if_modified(|heard| match about(message) {
            Some(Said::Unavailable(doc)) => heard.unavailable.insert(doc),
            Some(Said::Request(doc)) => {
                heard.unavailable.remove(&doc) | heard.requested.insert(doc)
            }
            Some(Said::Sync(doc)) => heard.unavailable.remove(&doc),
            None => false,
        });
    }
}

/// What a samod message says of its document.
#[derive(Debug, PartialEq)]
enum Said {
    /// The sender does not have it, or will not share it.
    Unavailable(DocumentId),
    /// The sender holds nothing of it and asks for it.
    Request(DocumentId),
    /// The sender syncs it.
    Sync(DocumentId),
}

/// What a samod message says of its document (none for messages about no document, and for what
/// does not read).
fn about(message: &[u8]) -> Option<Said> {
    let mut d = minicbor::Decoder::new(message);
    let fields = d.map().ok()??;
    let (mut kind, mut doc) = (None, None);
    for _ in 0..fields {
        match d.str().ok()? {
            "type" => kind = Some(d.str().ok()?),
            "documentId" => {
                doc = Some(match d.datatype().ok()? {
                    minicbor::data::Type::Bytes => {
                        DocumentId::try_from(d.bytes().ok()?.to_vec()).ok()?
                    }
                    _ => d.str().ok()?.parse().ok()?,
                })
            }
            _ => d.skip().ok()?,
        }
    }
    match kind? {
        "doc-unavailable" => Some(Said::Unavailable(doc?)),
        "request" => Some(Said::Request(doc?)),
        "sync" => Some(Said::Sync(doc?)),
        _ => None,
    }
}

/// Ends one connection: samod sees it fail, and the socket is shut.
pub struct Cut(watch::Sender<bool>);

impl Cut {
    pub fn cut(&self) {
        self.0.send_replace(true);
    }

    /// Resolves when the connection has ended by itself.
    pub async fn closed(&self) {
        self.0.closed().await;
    }
}

/// Resolves once `cut` is set.
async fn until_cut(cut: &mut watch::Receiver<bool>) {
    if cut.wait_for(|c| *c).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// samod's peer id for a member: pinned on every connection, so a laptop cannot speak as another.
pub fn peer_id(member: &str) -> PeerId {
    PeerId::from(format!("kenshin-{member}").as_str())
}

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Plaintext per Noise message: under its 65,535-byte limit with the 16-byte tag and our flag byte.
const MAX_PLAIN: usize = 65_000;
/// The largest samod message a member may send (the annual list travels as one of about 5 MB): a
/// peer that keeps sending pieces without ending a message is cut off, not buffered without end.
const MAX_MESSAGE: usize = 256 * 1024 * 1024;
/// Whole messages waiting between a connection and samod, each way.
const QUEUE: usize = 4;
/// The bytes a connection buffers each way before a system call.
const IO_BUFFER: usize = 64 * 1024;

/// Handshakes under way, limited per remote address and in all. A device on the LAN that opens
/// connections and stalls holds at most `PER_ADDRESS` of them (each ends after the handshake
/// timeout) and cannot keep laptops at other addresses out.
#[derive(Debug, Default)]
pub struct Admission {
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One handshake's place in the [`Admission`]; given back when dropped.
#[derive(Debug)]
pub struct Admitted {
    admission: Arc<Admission>,
    ip: IpAddr,
}

impl Admission {
    pub const PER_ADDRESS: usize = 8;
    pub const IN_ALL: usize = 128;

    /// A place for a handshake from `ip`, or `None` when that address or everyone is at the limit.
    pub fn enter(self: &Arc<Self>, ip: IpAddr) -> Option<Admitted> {
        let mut open = self.open.lock().ok()?;
        let all: usize = open.values().sum();
        let here = open.get(&ip).copied().unwrap_or(0);
        if here >= Self::PER_ADDRESS || all >= Self::IN_ALL {
            return None;
        }
        open.insert(ip, here + 1);
        Some(Admitted {
            admission: self.clone(),
            ip,
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        if let Ok(mut open) = self.admission.open.lock() {
            if let Some(n) = open.get_mut(&self.ip) {
                *n -= 1;
                if *n == 0 {
                    open.remove(&self.ip);
                }
            }
        }
    }
}

async fn write_frame<W: AsyncWrite + Unpin>(w: &mut W, bytes: &[u8]) -> std::io::Result<()> {
    let len = u16::try_from(bytes.len()).map_err(std::io::Error::other)?;
    w.write_all(&len.to_be_bytes()).await?;
    w.write_all(bytes).await
}

async fn read_frame<R: AsyncRead + Unpin>(r: &mut R) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 2];
    r.read_exact(&mut len).await?;
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
    r.read_exact(&mut buf).await?;
    Ok(buf)
}

struct Channel {
    stream: TcpStream,
    noise: snow::TransportState,
    peer: String,
}

impl Channel {
    fn io(&self, source: std::io::Error) -> SyncError {
        SyncError::Io {
            addr: self.peer.clone(),
            source,
        }
    }

    fn remote_key(&self) -> String {
        hex::encode(self.noise.get_remote_static().unwrap_or_default())
    }

    async fn send_json<T: Serialize>(&mut self, value: &T) -> Result<()> {
        let plain = serde_json::to_vec(value).map_err(|e| SyncError::Protocol(e.to_string()))?;
        let mut buf = vec![0u8; plain.len() + 16];
        let n = self
            .noise
            .write_message(&plain, &mut buf)
            .map_err(noise_err)?;
        write_frame(&mut self.stream, &buf[..n])
            .await
            .map_err(|e| self.io(e))
    }

    async fn recv_json<T: for<'de> Deserialize<'de>>(&mut self) -> Result<T> {
        let frame = read_frame(&mut self.stream).await.map_err(|e| self.io(e))?;
        let mut plain = vec![0u8; frame.len()];
        let n = self
            .noise
            .read_message(&frame, &mut plain)
            .map_err(noise_err)?;
        serde_json::from_slice(&plain[..n])
            .map_err(|e| SyncError::Protocol(format!("bad hello: {e}")))
    }

    /// Hands the channel to samod: whole samod messages in, split into Noise messages on the wire.
    /// `received` counts the bytes that arrive (the join screen's progress).
    fn into_transport(self, remote: &str, received: &Arc<AtomicU64>) -> (Transport, Cut, Hearing) {
        let Channel {
            stream,
            noise,
            peer,
        } = self;
        let (cut, mut cut_r) = watch::channel(false);
        let mut cut_w = cut.subscribe();
        let noise = Arc::new(Mutex::new(noise));
        let (reader, writer) = stream.into_split();
        // Frames are read from a buffer (two reads each, length and body, were two system calls).
        let mut reader = tokio::io::BufReader::with_capacity(IO_BUFFER, reader);
        // Bounded both ways: a peer that sends faster than samod takes waits on its own TCP window.
        let (mut in_tx, in_rx) =
            mpsc::channel::<std::result::Result<Vec<u8>, std::io::Error>>(QUEUE);
        let (out_tx, mut out_rx) = mpsc::channel::<Vec<u8>>(QUEUE);
        let noise_r = noise.clone();
        let received = received.clone();
        let hearing = Hearing::default();
        let heard = hearing.clone();
        tokio::spawn(async move {
            let mut message = Vec::new();
            loop {
                let read = tokio::select! {
                    r = read_frame(&mut reader) => r,
                    _ = until_cut(&mut cut_r) => Err(std::io::Error::other("cut off: removed from the roster")),
                };
                let frame = match read {
                    Ok(f) => {
                        received.fetch_add(f.len() as u64, Ordering::Relaxed);
                        f
                    }
                    Err(e) => {
                        let _ = in_tx.send(Err(e)).await;
                        return;
                    }
                };
                let mut plain = vec![0u8; frame.len()];
                let n =
                    match noise_r
                        .lock()
                        .map_err(|_| "poisoned".to_string())
                        .and_then(|mut s| {
                            s.read_message(&frame, &mut plain)
                                .map_err(|e| e.to_string())
                        }) {
                        Ok(n) if n > 0 => n,
                        other => {
                            let why = format!("{peer}: undecryptable frame ({other:?})");
                            let _ = in_tx.send(Err(std::io::Error::other(why))).await;
                            return;
                        }
                    };
                message.extend_from_slice(&plain[1..n]);
                if message.len() > MAX_MESSAGE {
                    let why = format!("{peer}: a message over {MAX_MESSAGE} bytes");
                    let _ = in_tx.send(Err(std::io::Error::other(why))).await;
                    return;
                }
                if plain[0] == 1 {
                    heard.heard(&message);
                    if in_tx.send(Ok(std::mem::take(&mut message))).await.is_err() {
                        return;
                    }
                }
            }
        });
        tokio::spawn(async move {
            let mut buf = vec![0u8; MAX_PLAIN + 1 + 16];
            let mut plain = Vec::with_capacity(MAX_PLAIN + 1);
            // Messages samod sends at once (a cold sync's hundreds of documents) go out in as few
            // writes as the buffer allows: what is queued is written, then flushed.
            let mut writer = tokio::io::BufWriter::with_capacity(IO_BUFFER, writer);
            while let Some(mut message) = tokio::select! {
                m = out_rx.next() => m,
                _ = until_cut(&mut cut_w) => None,
            } {
                loop {
                    let pieces: Vec<&[u8]> = if message.is_empty() {
                        vec![&[]]
                    } else {
                        message.chunks(MAX_PLAIN).collect()
                    };
                    let last = pieces.len() - 1;
                    for (i, piece) in pieces.into_iter().enumerate() {
                        plain.clear();
                        plain.push(u8::from(i == last));
                        plain.extend_from_slice(piece);
                        let n = match noise.lock() {
                            Ok(mut s) => match s.write_message(&plain, &mut buf) {
                                Ok(n) => n,
                                Err(_) => return,
                            },
                            Err(_) => return,
                        };
                        if write_frame(&mut writer, &buf[..n]).await.is_err() {
                            return;
                        }
                    }
                    match out_rx.try_recv() {
                        Ok(next) => message = next,
                        _ => break,
                    }
                }
                if writer.flush().await.is_err() {
                    return;
                }
            }
            let _ = writer.shutdown().await;
        });
        (
            Transport::new(in_rx, out_tx).with_expected_peer_id(peer_id(remote)),
            Cut(cut),
            hearing,
        )
    }
}

fn builder(keys: &NoiseKeys) -> Result<snow::Builder<'_>> {
    Ok(
        snow::Builder::new(NOISE_PATTERN.parse().map_err(noise_err)?)
            .local_private_key(keys.secret())
            .prologue(b"kenshin-sync/1"),
    )
}

fn noise_err(e: impl std::fmt::Display) -> SyncError {
    SyncError::Noise(e.to_string())
}

async fn timed<T>(what: &str, f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    tokio::time::timeout(HANDSHAKE_TIMEOUT, f)
        .await
        .map_err(|_| SyncError::Timeout {
            what: what.to_string(),
            secs: HANDSHAKE_TIMEOUT.as_secs(),
        })?
}

/// The three Noise XX messages (-> e; <- e, ee, s, es; -> s, se): the initiator writes first, then
/// the two sides alternate. Both static keys are proven when it returns.
async fn handshake(
    mut stream: TcpStream,
    peer: &str,
    keys: &NoiseKeys,
    initiator: bool,
) -> Result<Channel> {
    let io = |source| SyncError::Io {
        addr: peer.to_string(),
        source,
    };
    let builder = builder(keys)?;
    let mut hs = if initiator {
        builder.build_initiator()
    } else {
        builder.build_responder()
    }
    .map_err(noise_err)?;
    let mut buf = vec![0u8; 65_535];
    for turn in 0..3 {
        if (turn % 2 == 0) == initiator {
            let n = hs.write_message(&[], &mut buf).map_err(noise_err)?;
            write_frame(&mut stream, &buf[..n]).await.map_err(io)?;
        } else {
            let frame = read_frame(&mut stream).await.map_err(io)?;
            hs.read_message(&frame, &mut buf).map_err(noise_err)?;
        }
    }
    Ok(Channel {
        stream,
        noise: hs.into_transport_mode().map_err(noise_err)?,
        peer: peer.to_string(),
    })
}

/// Dials out on `stream`: handshake, hello, and the acceptor's answer.
pub async fn dial(
    stream: TcpStream,
    peer: &str,
    keys: &NoiseKeys,
    hello: &Hello,
    gate: &dyn Gate,
    received: &Arc<AtomicU64>,
) -> Result<Authenticated> {
    timed("the handshake", async {
        let mut ch = handshake(stream, peer, keys, true).await?;
        ch.send_json(hello).await?;
        match ch.recv_json::<Reply>().await? {
            Reply::Refused { why, reason, erase } => {
                if let Some(order) = erase {
                    gate.ordered(&order, peer);
                }
                Err(SyncError::Refused {
                    peer: peer.to_string(),
                    why: reason.unwrap_or(Refusal::Other { why }),
                })
            }
            Reply::Received => Err(SyncError::Protocol("an answer to no question".into())),
            Reply::Welcome { member } => {
                let noise_key = ch.remote_key();
                gate.vouch(&member, &noise_key)
                    .map_err(|why| SyncError::UnknownPeer {
                        peer: peer.to_string(),
                        why,
                    })?;
                let (transport, cut, heard) = ch.into_transport(&member, received);
                Ok(Authenticated {
                    transport,
                    member,
                    noise_key,
                    cut,
                    heard,
                })
            }
        }
    })
    .await
}

/// Accepts a laptop on `stream`: handshake, then its hello judged by `gate`. A refused laptop is told
/// why before the connection closes.
pub async fn accept(
    stream: TcpStream,
    peer: &str,
    keys: &NoiseKeys,
    me: &str,
    gate: &dyn Gate,
    received: &Arc<AtomicU64>,
) -> Result<Authenticated> {
    timed("the handshake", async {
        let mut ch = handshake(stream, peer, keys, false).await?;
        let hello: Hello = ch.recv_json().await?;
        let noise_key = ch.remote_key();
        if let Hello::Erased { certificate, .. } = &hello {
            let recorded = gate.erased(certificate, &noise_key);
            let reply = match &recorded {
                Ok(()) => Reply::Received,
                Err(why) => refused(why, None),
            };
            ch.send_json(&reply).await?;
            let _ = ch.stream.shutdown().await;
            return Err(match recorded {
                Ok(()) => SyncError::HandedBack {
                    member: certificate.member_name.clone(),
                },
                Err(why) => SyncError::Refused {
                    peer: peer.to_string(),
                    why,
                },
            });
        }
        match gate.admit(&hello, &noise_key) {
            Ok(member) => {
                ch.send_json(&Reply::Welcome {
                    member: me.to_string(),
                })
                .await?;
                let (transport, cut, heard) = ch.into_transport(&member, received);
                Ok(Authenticated {
                    transport,
                    member,
                    noise_key,
                    cut,
                    heard,
                })
            }
            Err(why) => {
                let order = match (&why, &hello) {
                    (Refusal::Removed { .. }, Hello::Member { member, .. }) => {
                        gate.erasure_order(member)
                    }
                    _ => None,
                };
                ch.send_json(&refused(&why, order)).await?;
                let _ = ch.stream.shutdown().await;
                Err(SyncError::Refused {
                    peer: peer.to_string(),
                    why,
                })
            }
        }
    })
    .await
}

fn refused(why: &Refusal, erase: Option<ErasureOrder>) -> Reply {
    Reply::Refused {
        why: why.to_string(),
        reason: Some(why.clone()),
        erase: erase.map(Box::new),
    }
}

/// A destroyed laptop's last connection: hands its certificate to the laptop at `peer`, which
/// records it when it holds. `keys` are the destroyed laptop's, held in memory only.
pub async fn hand_back(
    stream: TcpStream,
    peer: &str,
    keys: &NoiseKeys,
    certificate: &ErasureCertificate,
) -> Result<()> {
    timed(&format!("handing the certificate to {peer}"), async {
        let mut ch = handshake(stream, peer, keys, true).await?;
        ch.send_json(&Hello::Erased {
            office: certificate.office.clone(),
            certificate: Box::new(certificate.clone()),
        })
        .await?;
        match ch.recv_json::<Reply>().await? {
            Reply::Received => Ok(()),
            Reply::Refused { why, reason, .. } => Err(SyncError::Refused {
                peer: peer.to_string(),
                why: reason.unwrap_or(Refusal::Other { why }),
            }),
            Reply::Welcome { .. } => Err(SyncError::Protocol("a welcome to a certificate".into())),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A samod message as the wire carries it: a CBOR map of these fields.
    fn message(fields: &[(&str, Field)]) -> Vec<u8> {
        let mut e = minicbor::Encoder::new(Vec::new());
        e.map(fields.len() as u64).expect("cbor");
        for (key, value) in fields {
            e.str(key).expect("cbor");
            match value {
                Field::Text(t) => e.str(t).expect("cbor"),
                Field::Bytes(b) => e.bytes(b).expect("cbor"),
            };
        }
        e.into_writer()
    }

    enum Field {
        Text(String),
        Bytes(Vec<u8>),
    }

    #[test]
    fn what_a_peer_says_of_a_document_is_read_from_its_message() {
        let doc = DocumentId::try_from((1..=16).collect::<Vec<u8>>()).expect("16 bytes");
        let text = |t: &str| Field::Text(t.into());
        let of = |kind: &str| {
            message(&[
                ("type", text(kind)),
                ("senderId", text("kenshin-a")),
                ("targetId", text("kenshin-b")),
                ("documentId", text(&doc.to_string())),
                ("data", Field::Bytes(vec![0x42; 300])),
            ])
        };
        let as_bytes = message(&[
            ("documentId", Field::Bytes(doc.as_bytes().to_vec())),
            ("type", text("doc-unavailable")),
        ]);
        let cases: Vec<(&str, Vec<u8>, Option<Said>)> = vec![
            (
                "unavailable",
                of("doc-unavailable"),
                Some(Said::Unavailable(doc.clone())),
            ),
            ("sync", of("sync"), Some(Said::Sync(doc.clone()))),
            ("request", of("request"), Some(Said::Request(doc.clone()))),
            (
                "id as bytes, type last",
                as_bytes,
                Some(Said::Unavailable(doc.clone())),
            ),
            ("ephemeral", of("ephemeral"), None),
            ("no document", message(&[("type", text("join"))]), None),
            (
                "not a document id",
                message(&[("type", text("sync")), ("documentId", text("x"))]),
                None,
            ),
            ("cut short", of("doc-unavailable")[..20].to_vec(), None),
            ("not cbor", b"\xff\x00garbage".to_vec(), None),
            ("empty", Vec::new(), None),
        ];
        for (case, bytes, expected) in cases {
            assert_eq!(about(&bytes), expected, "{case}");
        }
        // Unavailable until the peer sends the document after all; asked for once it asks.
        let hearing = Hearing::default();
        let mut seen = hearing.subscribe();
        hearing.heard(&of("doc-unavailable"));
        assert!(seen.has_changed().expect("open"));
        assert!(seen.borrow_and_update().unavailable.contains(&doc));
        hearing.heard(&of("doc-unavailable"));
        assert!(!seen.has_changed().expect("open"), "told only of a change");
        hearing.heard(&of("sync"));
        assert_eq!(*seen.borrow_and_update(), Heard::default());
        hearing.heard(&of("request"));
        assert!(seen.borrow_and_update().requested.contains(&doc));
    }

    #[test]
    fn a_refusal_reads_from_this_and_an_earlier_kenshin() {
        let now = serde_json::to_string(&Reply::Refused {
            why: "委託 一郎 was removed from the roster".into(),
            erase: None,
            reason: Some(Refusal::Removed {
                name: "委託 一郎".into(),
            }),
        })
        .expect("json");
        let earlier = r#"{"reply":"refused","why":"委託 一郎 was removed from the roster"}"#;
        let read = |text: &str| match serde_json::from_str::<Reply>(text).expect("a reply") {
            Reply::Refused { why, reason, .. } => reason.unwrap_or(Refusal::Other { why }),
            Reply::Welcome { .. } | Reply::Received => panic!("a refusal"),
        };
        assert_eq!(
            read(&now),
            Refusal::Removed {
                name: "委託 一郎".into()
            }
        );
        assert_eq!(
            read(earlier),
            Refusal::Other {
                why: "委託 一郎 was removed from the roster".into()
            }
        );
    }

    #[test]
    fn handshakes_are_limited_per_address_and_in_all() {
        let admission = Arc::new(Admission::default());
        let ip = |n: u8| IpAddr::from([127, 0, 0, n]);
        let held: Vec<Admitted> = (0..Admission::PER_ADDRESS)
            .map(|_| admission.enter(ip(2)).expect("under the limit"))
            .collect();
        assert!(
            admission.enter(ip(2)).is_none(),
            "one address is held to its share"
        );
        let other = admission
            .enter(ip(1))
            .expect("another address still gets in");
        drop(held);
        assert!(
            admission.enter(ip(2)).is_some(),
            "places come back when handshakes end"
        );
        drop(other);
        let mut many = Vec::new();
        for n in 0..=255u8 {
            for _ in 0..Admission::PER_ADDRESS {
                if let Some(a) = admission.enter(IpAddr::from([10, 0, 1, n])) {
                    many.push(a);
                }
            }
        }
        assert_eq!(many.len(), Admission::IN_ALL, "no more than IN_ALL in all");
        drop(many);
        assert!(admission.open.lock().unwrap().is_empty());
    }
}
