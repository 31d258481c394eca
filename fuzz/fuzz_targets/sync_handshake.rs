//! The sync listener's side of a connection, over a real loopback socket, against a hostile dialer:
//! - even first byte: the rest is the whole byte stream (frame lengths, Noise handshake messages);
//! - odd first byte: an honest Noise XX handshake, then the rest as hellos, each a properly encrypted
//!   frame (one length byte each), so the JSON hello and the gate see hostile content.
//!
//! `accept` must end with an error or an admission, never a panic or a hang past its timeout.
#![no_main]

use kenshin_domain::erasure::{ErasureCertificate, ErasureOrder};
use kenshin_sync::transport::{accept, Gate, Hello, Refusal};
use kenshin_trust::Keys;
use kenshin_trust::NOISE_PATTERN;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

struct AdmitOffice;

impl Gate for AdmitOffice {
    fn admit(&self, hello: &Hello, _noise_key: &str) -> Result<String, Refusal> {
        match hello {
            Hello::Member { office, member } if office == "office" => Ok(member.clone()),
            _ => Err(Refusal::OtherOffice),
        }
    }
    fn vouch(&self, _member: &str, _noise_key: &str) -> Result<(), Refusal> {
        Ok(())
    }
    fn erasure_order(&self, _member: &str) -> Option<ErasureOrder> {
        None
    }
    fn ordered(&self, _order: &ErasureOrder, _peer: &str) {}
    fn erased(&self, c: &ErasureCertificate, _noise_key: &str) -> Result<(), Refusal> {
        Err(Refusal::Other {
            why: format!("not recorded: {}", c.id),
        })
    }
}

struct World {
    runtime: tokio::runtime::Runtime,
    listener: TcpListener,
    keys: Keys,
    /// The hostile dialer's Noise private key.
    dialer: Vec<u8>,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("loopback");
        World {
            runtime,
            listener,
            keys: Keys::generate().expect("keys"),
            dialer: snow::Builder::new(NOISE_PATTERN.parse().expect("pattern"))
                .generate_keypair()
                .expect("keypair")
                .private,
        }
    })
}

fn frame(bytes: &[u8]) -> Vec<u8> {
    let mut out = (bytes.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(bytes);
    out
}

/// An honest initiator's handshake, then each piece of `rest` sent as an encrypted frame.
async fn honest_then(stream: &mut TcpStream, dialer: &[u8], rest: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncReadExt;
    let mut hs = snow::Builder::new(NOISE_PATTERN.parse().expect("pattern"))
        .local_private_key(dialer)
        .prologue(b"kenshin-sync/1")
        .build_initiator()
        .expect("initiator");
    let mut buf = vec![0u8; 65_535];
    let n = hs.write_message(&[], &mut buf).expect("message 1");
    stream.write_all(&frame(&buf[..n])).await?;
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).await?;
    let mut reply = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut reply).await?;
    hs.read_message(&reply, &mut buf).expect("message 2");
    let n = hs.write_message(&[], &mut buf).expect("message 3");
    stream.write_all(&frame(&buf[..n])).await?;
    let mut noise = hs.into_transport_mode().expect("transport");
    let mut rest = rest;
    while let Some((&len, tail)) = rest.split_first() {
        let (piece, tail) = tail.split_at(usize::from(len).min(tail.len()));
        let n = noise.write_message(piece, &mut buf).expect("encrypt");
        stream.write_all(&frame(&buf[..n])).await?;
        rest = tail;
    }
    Ok(())
}

fuzz_target!(|input: &[u8]| {
    let Some((&mode, rest)) = input.split_first() else {
        return;
    };
    let w = world();
    w.runtime.block_on(async {
        let addr = w.listener.local_addr().expect("address");
        let dial = async {
            let mut stream = TcpStream::connect(addr).await.expect("connect");
            let _ = if mode % 2 == 0 {
                stream.write_all(rest).await
            } else {
                honest_then(&mut stream, &w.dialer, rest).await
            };
            let _ = stream.shutdown().await;
            stream
        };
        let serve = async {
            let (stream, peer) = w.listener.accept().await.expect("accept");
            let received = Default::default();
            accept(
                stream,
                &peer.to_string(),
                w.keys.noise(),
                "hub",
                &AdmitOffice,
                &received,
            )
            .await
        };
        let (_held, _outcome) = tokio::join!(dial, serve);
    });
});
