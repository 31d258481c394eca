//! A laptop's keys: Ed25519 to sign entries, X25519 to authenticate the laptop on the wire. The
//! secrets live in the home's local settings and never leave it (never synced, never in an invite).

use crate::BadKey;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rand_core::OsRng;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::Mutex;
use zeroize::Zeroizing;

type Result<T> = std::result::Result<T, BadKey>;

/// The Noise pattern every Kenshin connection uses: both ends prove their static keys.
pub const NOISE_PATTERN: &str = "Noise_XX_25519_ChaChaPoly_BLAKE2s";

/// A laptop's Noise keys: they prove the laptop on the wire. They stay open in the home's (encrypted)
/// local settings, since the sync engine runs before anyone signs in; a member's own secret guards
/// only the key that signs.
#[derive(Clone)]
pub struct NoiseKeys {
    secret: Zeroizing<Vec<u8>>,
    public: Vec<u8>,
}

impl NoiseKeys {
    /// The X25519 secret, for the Noise handshake.
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// The X25519 public key, hex.
    pub fn public_hex(&self) -> String {
        hex::encode(&self.public)
    }

    fn to_text(&self) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "x25519:{}:{}",
            *Zeroizing::new(hex::encode(&*self.secret)),
            hex::encode(&self.public)
        ))
    }

    fn from_text(text: &str) -> Option<NoiseKeys> {
        let (secret, public) = text.strip_prefix("x25519:")?.split_once(':')?;
        Some(NoiseKeys {
            secret: Zeroizing::new(hex::decode(secret).ok()?),
            public: hex::decode(public).ok()?,
        })
    }
}

/// One member's (or one invite's) secret keys. The secrets are wiped from memory when dropped.
pub struct Keys {
    /// Zeroized on drop (ed25519-dalek's `zeroize` feature).
    signing: SigningKey,
    noise: NoiseKeys,
}

/// A member's keys as the home keeps them: open, or with the signing key sealed under the member's
/// own secret (暗証番号), which the store seals and opens.
pub enum KeptKeys {
    Open(Keys),
    Sealed { sealed: String, noise: NoiseKeys },
}

const SEALED: &str = "ed25519-sealed:";

impl KeptKeys {
    pub fn from_text(text: &str) -> Result<KeptKeys> {
        let bad = || BadKey("the stored secret keys are not in the expected form".into());
        let (ed, x) = text.split_once(' ').ok_or_else(bad)?;
        match ed.strip_prefix(SEALED) {
            Some(sealed) => Ok(KeptKeys::Sealed {
                sealed: sealed.to_string(),
                noise: NoiseKeys::from_text(x).ok_or_else(bad)?,
            }),
            None => Keys::from_secret_text(text).map(KeptKeys::Open),
        }
    }

    /// The laptop's Noise keys, which need no secret.
    pub fn noise(&self) -> &NoiseKeys {
        match self {
            KeptKeys::Open(k) => &k.noise,
            KeptKeys::Sealed { noise, .. } => noise,
        }
    }

    /// The keys again from the signing seed the member's secret opened.
    pub fn opened(sealed_seed: &[u8], noise: &NoiseKeys) -> Result<Keys> {
        if sealed_seed.len() != 32 {
            return Err(BadKey("the sealed signing key is not 32 bytes".into()));
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(sealed_seed);
        Ok(Keys {
            signing: SigningKey::from_bytes(&seed),
            noise: noise.clone(),
        })
    }
}

impl Keys {
    pub fn generate() -> Result<Keys> {
        let noise = snow::Builder::new(NOISE_PATTERN.parse().map_err(noise_err)?)
            .generate_keypair()
            .map_err(noise_err)?;
        Ok(Keys {
            signing: SigningKey::generate(&mut OsRng),
            noise: NoiseKeys {
                secret: Zeroizing::new(noise.private),
                public: noise.public,
            },
        })
    }

    /// The form kept in the home's local settings (wiped when dropped).
    pub fn to_secret_text(&self) -> Zeroizing<String> {
        let seed = Zeroizing::new(self.signing.to_bytes());
        Zeroizing::new(format!(
            "ed25519:{} {}",
            *Zeroizing::new(hex::encode(*seed)),
            *self.noise.to_text()
        ))
    }

    /// The kept form with the signing key sealed (`sealed`, the store's sealing of [`Keys::seed`]).
    pub fn to_sealed_text(&self, sealed: &str) -> Zeroizing<String> {
        Zeroizing::new(format!("{SEALED}{sealed} {}", *self.noise.to_text()))
    }

    /// The Ed25519 secret seed, to be sealed.
    pub fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing.to_bytes())
    }

    pub fn from_secret_text(text: &str) -> Result<Keys> {
        let bad = || BadKey("the stored secret keys are not in the expected form".into());
        let (ed, x) = text.split_once(' ').ok_or_else(bad)?;
        let seed = seed(ed.strip_prefix("ed25519:").ok_or_else(bad)?).ok_or_else(bad)?;
        Ok(Keys {
            signing: SigningKey::from_bytes(&seed),
            noise: NoiseKeys::from_text(x).ok_or_else(bad)?,
        })
    }

    /// An invite's key: only its signing half is used.
    pub fn from_signing_seed(seed_hex: &str) -> Result<Keys> {
        let seed = seed(seed_hex)
            .ok_or_else(|| BadKey("the invite's key is not 32 bytes of hex".into()))?;
        Ok(Keys {
            signing: SigningKey::from_bytes(&seed),
            noise: NoiseKeys {
                secret: Zeroizing::new(Vec::new()),
                public: Vec::new(),
            },
        })
    }

    /// The Ed25519 secret seed as hex (an invite's travels in its file).
    pub fn signing_seed(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(*Zeroizing::new(self.signing.to_bytes())))
    }

    /// The Ed25519 public key, hex.
    pub fn sign_key(&self) -> String {
        hex::encode(self.signing.verifying_key().to_bytes())
    }

    /// The X25519 public key, hex.
    pub fn noise_key(&self) -> String {
        self.noise.public_hex()
    }

    /// The laptop's Noise keys.
    pub fn noise(&self) -> &NoiseKeys {
        &self.noise
    }

    /// Signs `payload`; the signature as hex.
    pub fn sign(&self, payload: &[u8]) -> String {
        hex::encode(self.signing.sign(payload).to_bytes())
    }
}

/// Signatures this process has already found good, by a digest of (key, payload, signature): every
/// laptop judges a batch again on every change to it, and a day of inquiries would otherwise check
/// each earlier signature again each time. Public data only; bounded (emptied when full).
static VERIFIED: Mutex<Option<HashSet<[u8; 32]>>> = Mutex::new(None);
const VERIFIED_MAX: usize = 200_000;

/// Checks a hex signature by a hex Ed25519 public key. The error says why, for the board.
pub fn verify(
    key_hex: &str,
    payload: &[u8],
    signature_hex: &str,
) -> std::result::Result<(), String> {
    let mut h = Sha256::new();
    for part in [key_hex.as_bytes(), payload, signature_hex.as_bytes()] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    let digest: [u8; 32] = h.finalize().into();
    if VERIFIED
        .lock()
        .is_ok_and(|v| v.as_ref().is_some_and(|v| v.contains(&digest)))
    {
        return Ok(());
    }
    check(key_hex, payload, signature_hex)?;
    if let Ok(mut v) = VERIFIED.lock() {
        let v = v.get_or_insert_with(HashSet::new);
        if v.len() >= VERIFIED_MAX {
            v.clear();
        }
        v.insert(digest);
    }
    Ok(())
}

fn check(key_hex: &str, payload: &[u8], signature_hex: &str) -> std::result::Result<(), String> {
    let key: [u8; 32] = hex::decode(key_hex)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("the signer's public key is malformed")?;
    let key =
        VerifyingKey::from_bytes(&key).map_err(|_| "the signer's public key is not a valid key")?;
    let sig: [u8; 64] = hex::decode(signature_hex)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("the signature is missing or malformed")?;
    key.verify(payload, &Signature::from_bytes(&sig))
        .map_err(|_| {
            "the signature does not match the entry (altered, or signed by another key)".to_string()
        })
}

/// 32 bytes of hex, decoded where it can be wiped.
fn seed(text: &str) -> Option<Zeroizing<[u8; 32]>> {
    let bytes = Zeroizing::new(hex::decode(text).ok()?);
    let mut seed = Zeroizing::new([0u8; 32]);
    if bytes.len() != 32 {
        return None;
    }
    seed.copy_from_slice(&bytes);
    Some(seed)
}

fn noise_err(e: impl std::fmt::Display) -> BadKey {
    BadKey(format!("Noise keys: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_signatures_check() {
        let keys = Keys::generate().unwrap();
        let again = Keys::from_secret_text(&keys.to_secret_text()).unwrap();
        assert_eq!(keys.sign_key(), again.sign_key());
        assert_eq!(keys.noise_key(), again.noise_key());
        let sig = keys.sign(b"entry");
        assert_eq!(verify(&again.sign_key(), b"entry", &sig), Ok(()));
        assert!(verify(&again.sign_key(), b"entry!", &sig).is_err());
        let other = Keys::generate().unwrap();
        assert!(verify(&other.sign_key(), b"entry", &sig).is_err());
        assert!(verify(&keys.sign_key(), b"entry", "").is_err());
        assert!(Keys::from_secret_text("ed25519:zz x25519:00:00").is_err());
        // Sealed, the Noise half still reads; the signing key comes back from its seed.
        let kept = KeptKeys::from_text(&keys.to_sealed_text("{\"sealed\":\"00\"}")).unwrap();
        assert_eq!(kept.noise().public_hex(), keys.noise_key());
        let KeptKeys::Sealed { sealed, noise } = kept else {
            panic!("sealed")
        };
        assert_eq!(sealed, "{\"sealed\":\"00\"}");
        let again = KeptKeys::opened(keys.seed().as_slice(), &noise).unwrap();
        assert_eq!(again.sign_key(), keys.sign_key());
        assert!(KeptKeys::opened(&[1, 2], &noise).is_err());
        assert!(matches!(
            KeptKeys::from_text(&keys.to_secret_text()),
            Ok(KeptKeys::Open(_))
        ));
    }
}
