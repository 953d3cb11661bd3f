//! The official account's message security (shared/protocols.md §1.2, §1.5): the SHA-1 signatures over the
//! sorted token/timestamp/nonce(/Encrypt), and 消息加解密 — AES-256-CBC with the key from EncodingAESKey, IV =
//! its first 16 bytes, PKCS#7 padding to 32-byte blocks, plaintext `random(16) ‖ len(4, BE) ‖ xml ‖ appid`.

use aes::Aes256;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::NoPadding};
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// The padding block size WeChat uses (not AES's 16).
const PAD_BLOCK: usize = 32;

/// `hex(sha1(concat(sort(parts))))`: the URL `signature` (token, timestamp, nonce) and the `msg_signature`
/// (those and the Encrypt value).
pub fn signature(parts: &[&str]) -> String {
    let mut sorted = parts.to_vec();
    sorted.sort_unstable();
    let mut sha1 = Sha1::new();
    for part in sorted {
        sha1.update(part.as_bytes());
    }
    hex::encode(sha1.finalize())
}

/// Compares a received signature with the expected one without leaking where they differ.
pub fn signature_matches(expected: &str, received: &str) -> bool {
    expected.len() == received.len() && bool::from(expected.as_bytes().ct_eq(received.to_ascii_lowercase().as_bytes()))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("EncodingAESKey must be 43 characters of base64")]
    BadKey,
    #[error("the Encrypt value is not valid base64 of whole AES blocks")]
    BadCiphertext,
    #[error("the decrypted message is malformed")]
    BadPlaintext,
    #[error("the message is for another appid")]
    WrongAppId,
}

/// The AES key and the account's appid, from configuration.
#[derive(Clone)]
pub struct MessageCrypto {
    key: [u8; 32],
    appid: String,
}

impl std::fmt::Debug for MessageCrypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageCrypto").field("appid", &self.appid).finish_non_exhaustive()
    }
}

impl MessageCrypto {
    pub fn new(encoding_aes_key: &str, appid: &str) -> Result<MessageCrypto, CryptoError> {
        if encoding_aes_key.len() != 43 {
            return Err(CryptoError::BadKey);
        }
        // The 43rd character carries 4 bits beyond the 32 bytes; WeChat's keys set them freely, so a strict
        // decoder would refuse valid keys.
        let lenient = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
        );
        let bytes = lenient.decode(format!("{encoding_aes_key}=")).map_err(|_| CryptoError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::BadKey)?;
        Ok(MessageCrypto { key, appid: appid.to_owned() })
    }

    /// Encrypts a message with a fresh random prefix.
    pub fn encrypt(&self, message: &str) -> String {
        let mut random = [0u8; 16];
        getrandom::fill(&mut random).expect("the operating system provides randomness");
        self.encrypt_with_random(message, &random)
    }

    /// Encrypts with a given 16-byte prefix (for the published test vectors).
    pub fn encrypt_with_random(&self, message: &str, random: &[u8; 16]) -> String {
        let mut plain = Vec::with_capacity(20 + message.len() + self.appid.len() + PAD_BLOCK);
        plain.extend_from_slice(random);
        plain.extend_from_slice(&(message.len() as u32).to_be_bytes());
        plain.extend_from_slice(message.as_bytes());
        plain.extend_from_slice(self.appid.as_bytes());
        let pad = PAD_BLOCK - plain.len() % PAD_BLOCK;
        plain.resize(plain.len() + pad, pad as u8);
        let length = plain.len();
        let encryptor = cbc::Encryptor::<Aes256>::new(&self.key.into(), self.key[..16].into());
        let cipher = encryptor.encrypt_padded_mut::<NoPadding>(&mut plain, length).expect("padded to whole blocks");
        STANDARD.encode(cipher)
    }

    /// Decrypts an `Encrypt` value and returns the message, checking it was meant for this appid.
    pub fn decrypt(&self, encrypted: &str) -> Result<String, CryptoError> {
        let mut data = STANDARD.decode(encrypted.trim()).map_err(|_| CryptoError::BadCiphertext)?;
        if data.is_empty() || data.len() % 16 != 0 {
            return Err(CryptoError::BadCiphertext);
        }
        let decryptor = cbc::Decryptor::<Aes256>::new(&self.key.into(), self.key[..16].into());
        let plain = decryptor.decrypt_padded_mut::<NoPadding>(&mut data).map_err(|_| CryptoError::BadCiphertext)?;
        let pad = usize::from(*plain.last().ok_or(CryptoError::BadPlaintext)?);
        if pad == 0 || pad > PAD_BLOCK || pad > plain.len() {
            return Err(CryptoError::BadPlaintext);
        }
        let content = &plain[..plain.len() - pad];
        if content.len() < 20 {
            return Err(CryptoError::BadPlaintext);
        }
        let length = u32::from_be_bytes(content[16..20].try_into().expect("4 bytes")) as usize;
        let rest = &content[20..];
        if length > rest.len() {
            return Err(CryptoError::BadPlaintext);
        }
        let (message, appid) = rest.split_at(length);
        if appid != self.appid.as_bytes() {
            return Err(CryptoError::WrongAppId);
        }
        String::from_utf8(message.to_vec()).map_err(|_| CryptoError::BadPlaintext)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // shared/protocols.md §1.5, from wechatpy's tests, recomputed independently.
    const TOKEN: &str = "123456";
    const AES_KEY: &str = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR";
    const APPID: &str = "wx49f0ab532d5d035a";
    const INCOMING: &str = "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=";

    #[test]
    fn url_signature_vector() {
        assert_eq!(signature(&["test", "1410685589", "test"]), "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff");
        assert!(signature_matches("f21891de399b4e33a1a93c9a7b8a8fffb5a443ff", "F21891DE399B4E33A1A93C9A7B8A8FFFB5A443FF"));
        assert!(!signature_matches("f21891de399b4e33a1a93c9a7b8a8fffb5a443ff", "f21891de399b4e33a1a93c9a7b8a8fffb5a443fe"));
    }

    #[test]
    fn decrypts_the_published_message() {
        assert_eq!(signature(&[TOKEN, "1411525903", "461056294", INCOMING]), "74d92dfeb87ba7c714f89d98870ae5eb62dff26d");
        let crypto = MessageCrypto::new(AES_KEY, APPID).unwrap();
        let xml = crypto.decrypt(INCOMING).unwrap();
        assert!(xml.starts_with("<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>\n<FromUserName><![CDATA[messense]]>"));
        assert!(xml.ends_with("<AgentID>1</AgentID>\n</xml>"));
        let stranger = MessageCrypto::new(AES_KEY, "wx0000000000000000").unwrap();
        assert_eq!(stranger.decrypt(INCOMING), Err(CryptoError::WrongAppId));
    }

    #[test]
    fn encrypts_the_published_reply() {
        let reply = "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>";
        let crypto = MessageCrypto::new(AES_KEY, APPID).unwrap();
        let encrypted = crypto.encrypt_with_random(reply, b"1234567890123456");
        assert_eq!(encrypted, "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3");
        assert_eq!(signature(&[TOKEN, "1411525903", "461056294", &encrypted]), "407518b7649e86ef23978113f92d27afa9296533");
        assert_eq!(crypto.decrypt(&crypto.encrypt("往返 ok")).unwrap(), "往返 ok");
    }

    #[test]
    fn garbage_is_refused_not_panicked_on() {
        let crypto = MessageCrypto::new(AES_KEY, APPID).unwrap();
        for bad in ["", "!!!", "AAAA", &STANDARD.encode([0u8; 32]), &STANDARD.encode([7u8; 48])] {
            assert!(crypto.decrypt(bad).is_err(), "{bad}");
        }
        assert_eq!(MessageCrypto::new("short", APPID).err(), Some(CryptoError::BadKey));
    }
}
