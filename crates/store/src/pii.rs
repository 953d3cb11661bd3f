//! Encryption of personal data at rest (security.md): AES-256-GCM with a key id stored beside each ciphertext so
//! keys can rotate, and a keyed HMAC-SHA256 blind index for uniqueness and lookup without decrypting.

use crate::StoreError;
use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::Arc;

pub const KEY_LEN: usize = 32;

/// Bytes from the operating system's secure random source (keys, nonces, salts, tokens, ids).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    bytes
}
const NONCE_LEN: usize = 12;

/// Key material as configured: the current encryption key (new writes), older keys still able to decrypt, and
/// the blind-index key (which must never change while data indexed with it exists).
#[derive(Clone)]
pub struct PiiKeys {
    pub current_key_id: String,
    pub encryption_keys: HashMap<String, [u8; KEY_LEN]>,
    pub blind_index_key: [u8; KEY_LEN],
}

impl std::fmt::Debug for PiiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PiiKeys {{ current_key_id: {:?}, keys: *** }}", self.current_key_id)
    }
}

#[derive(Clone)]
pub struct PiiVault {
    current_key_id: Arc<str>,
    ciphers: Arc<HashMap<String, Aes256Gcm>>,
    blind_index_key: Arc<[u8; KEY_LEN]>,
}

impl PiiVault {
    pub fn new(keys: &PiiKeys) -> Result<PiiVault, String> {
        if !keys.encryption_keys.contains_key(&keys.current_key_id) {
            return Err(format!("no encryption key with id {:?}", keys.current_key_id));
        }
        let ciphers = keys
            .encryption_keys
            .iter()
            .map(|(id, key)| (id.clone(), Aes256Gcm::new(key.into())))
            .collect();
        Ok(PiiVault {
            current_key_id: keys.current_key_id.as_str().into(),
            ciphers: Arc::new(ciphers),
            blind_index_key: Arc::new(keys.blind_index_key),
        })
    }

    /// Encrypts `plaintext` under the current key. `context` (e.g. the row id) is authenticated, so a
    /// ciphertext copied into another row fails to decrypt.
    pub fn seal(&self, plaintext: &str, context: &str) -> (Vec<u8>, String) {
        let nonce: [u8; NONCE_LEN] = random_bytes();
        let cipher = &self.ciphers[&*self.current_key_id];
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext.as_bytes(), aad: context.as_bytes() })
            .expect("AES-GCM encryption of a short value cannot fail");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        (out, self.current_key_id.to_string())
    }

    pub fn open(&self, sealed: &[u8], key_id: &str, context: &str) -> Result<String, StoreError> {
        let failure = || StoreError::Decrypt(key_id.to_string());
        let cipher = self.ciphers.get(key_id).ok_or_else(failure)?;
        if sealed.len() < NONCE_LEN {
            return Err(failure());
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let plain = cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad: context.as_bytes() })
            .map_err(|_| failure())?;
        String::from_utf8(plain).map_err(|_| failure())
    }

    /// The id of the key new values are sealed under.
    pub fn current_key_id(&self) -> &str {
        &self.current_key_id
    }

    /// Deterministic keyed digest of a canonical value, hex-encoded.
    pub fn blind_index(&self, canonical: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&*self.blind_index_key).expect("HMAC takes any key length");
        mac.update(b"kaowu.id_number.v1\0");
        mac.update(canonical.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault(current: &str) -> PiiVault {
        let mut encryption_keys = HashMap::new();
        encryption_keys.insert("k1".to_string(), [1u8; KEY_LEN]);
        encryption_keys.insert("k2".to_string(), [2u8; KEY_LEN]);
        PiiVault::new(&PiiKeys { current_key_id: current.into(), encryption_keys, blind_index_key: [9u8; KEY_LEN] })
            .unwrap()
    }

    #[test]
    fn seals_opens_and_binds_the_context() {
        let v = vault("k1");
        let (sealed, key_id) = v.seal("11010519491231002X", "account-1");
        assert_eq!(key_id, "k1");
        assert!(!sealed.windows(6).any(|w| w == b"110105"), "no plaintext in the ciphertext");
        assert_eq!(v.open(&sealed, "k1", "account-1").unwrap(), "11010519491231002X");
        assert!(v.open(&sealed, "k1", "account-2").is_err(), "moved to another row");
    }

    #[test]
    fn old_keys_still_decrypt_after_rotation() {
        let (sealed, key_id) = vault("k1").seal("E12345678", "a");
        assert_eq!(vault("k2").open(&sealed, &key_id, "a").unwrap(), "E12345678");
    }

    #[test]
    fn blind_index_is_stable_and_keyed() {
        let v = vault("k1");
        assert_eq!(v.blind_index("X"), v.blind_index("X"));
        assert_ne!(v.blind_index("X"), v.blind_index("Y"));
    }
}
