//! A member's signing key sealed under their own secret (暗証番号・パスフレーズ): Argon2id at the
//! cost the home's passphrase uses, a fresh salt and nonce each time, XChaCha20-Poly1305. The
//! sealed text lives in the home's local settings; the secret is never kept.

use crate::error::{Result, StoreError};
use crate::key::{derive, ARGON_M_KIB, ARGON_T};
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::XChaCha20Poly1305;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

#[derive(Serialize, Deserialize)]
struct Sealed {
    m_kib: u32,
    t: u32,
    salt: String,
    nonce: String,
    sealed: String,
}

fn bad(why: impl Into<String>) -> StoreError {
    StoreError::BadSealedKey(why.into())
}

/// Seals `plain` under `secret`; the text to keep (one line of JSON, no spaces).
pub fn seal_with_secret(secret: &str, plain: &[u8]) -> Result<String> {
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let kek = derive(secret, &salt, ARGON_M_KIB, ARGON_T).map_err(bad)?;
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = XChaCha20Poly1305::new(kek.as_slice().into())
        .encrypt(&nonce, plain)
        .map_err(|_| bad("sealing failed"))?;
    let text = serde_json::to_string(&Sealed {
        m_kib: ARGON_M_KIB,
        t: ARGON_T,
        salt: hex::encode(salt),
        nonce: hex::encode(nonce),
        sealed: hex::encode(sealed),
    })
    .map_err(|e| bad(e.to_string()))?;
    Ok(text)
}

/// Opens what [`seal_with_secret`] sealed: None when the secret is not the one it was sealed
/// under. The cost is read from the text but capped, so a tampered setting cannot make a try
/// take all the memory.
pub fn open_with_secret(text: &str, secret: &str) -> Result<Option<Zeroizing<Vec<u8>>>> {
    let s: Sealed = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    if s.m_kib > 4 * ARGON_M_KIB || s.t > 4 * ARGON_T {
        return Err(bad("its Argon2 cost is beyond what this build allows"));
    }
    let hex = |what: &str, v: &str| hex::decode(v).map_err(|_| bad(format!("{what} is not hex")));
    let (salt, nonce, sealed) = (
        hex("salt", &s.salt)?,
        hex("nonce", &s.nonce)?,
        hex("sealed", &s.sealed)?,
    );
    if nonce.len() != 24 {
        return Err(bad("the nonce is not 24 bytes"));
    }
    let kek = derive(secret, &salt, s.m_kib, s.t).map_err(bad)?;
    Ok(XChaCha20Poly1305::new(kek.as_slice().into())
        .decrypt(nonce.as_slice().into(), sealed.as_slice())
        .ok()
        .map(Zeroizing::new))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_only_with_its_secret() {
        let text = seal_with_secret("135790", b"the seed").unwrap();
        assert!(!text.contains(' '));
        assert_eq!(
            open_with_secret(&text, "135790").unwrap().as_deref(),
            Some(&b"the seed".to_vec())
        );
        assert_eq!(open_with_secret(&text, "135791").unwrap(), None);
        // Sealed twice, two texts (fresh salt and nonce).
        assert_ne!(text, seal_with_secret("135790", b"the seed").unwrap());
        assert!(open_with_secret("{}", "135790").is_err());
        let costly = text.replace(&format!("\"t\":{ARGON_T}"), "\"t\":1000");
        assert!(open_with_secret(&costly, "135790").is_err());
    }
}
