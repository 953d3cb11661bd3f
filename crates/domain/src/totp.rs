//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): the second factor of the authorities'
//! console, as authenticator apps (Google Authenticator, Microsoft Authenticator, 腾讯身份验证器) compute it —
//! HMAC-SHA1, 6 digits, 30-second steps.

use hmac::{Hmac, Mac};

pub const STEP_SECS: i64 = 30;
const DIGITS: u32 = 6;
/// Steps either side of now that still count, for clocks a little off and codes typed as they roll over.
const SKEW_STEPS: i64 = 1;

/// A shared secret: 160 random bits (RFC 4226's recommendation), shown to the admin once as base32.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

impl TotpSecret {
    pub fn from_bytes(bytes: Vec<u8>) -> TotpSecret {
        TotpSecret(bytes)
    }

    pub fn from_base32(text: &str) -> Option<TotpSecret> {
        let cleaned: String = text.chars().filter(|c| !c.is_whitespace() && *c != '=').collect::<String>().to_ascii_uppercase();
        data_encoding::BASE32_NOPAD.decode(cleaned.as_bytes()).ok().filter(|b| b.len() >= 10).map(TotpSecret)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Base32 without padding, in groups of four for reading aloud or typing.
    pub fn to_base32(&self) -> String {
        data_encoding::BASE32_NOPAD.encode(&self.0)
    }

    /// The `otpauth://` address an authenticator app reads from a QR code.
    pub fn provisioning_uri(&self, issuer: &str, account: &str) -> String {
        let label = crate::percent::encode(&format!("{issuer}:{account}"));
        format!("otpauth://totp/{label}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}", self.to_base32(), crate::percent::encode(issuer))
    }

    /// The code for time step `step` (unix seconds / 30).
    pub fn code_at_step(&self, step: i64) -> String {
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(&(step as u64).to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = (digest[19] & 0x0f) as usize;
        let binary = u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
        format!("{:0width$}", binary % 10u32.pow(DIGITS), width = DIGITS as usize)
    }

    /// The step whose code `code` is, within the skew around `now`, and only if it is later than
    /// `last_used_step`: each code opens the console once.
    pub fn verify(&self, code: &str, now: i64, last_used_step: i64) -> Option<i64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let current = now.div_euclid(STEP_SECS);
        (current - SKEW_STEPS..=current + SKEW_STEPS)
            .filter(|step| *step > last_used_step)
            .find(|step| constant_time_eq(self.code_at_step(*step).as_bytes(), code.as_bytes()))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 (8-digit codes there; the last 6 digits are the 6-digit code).
    #[test]
    fn rfc_6238_vectors() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        for (time, eight_digits) in [
            (59i64, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ] {
            assert_eq!(secret.code_at_step(time / STEP_SECS), eight_digits[2..], "at {time}");
        }
    }

    #[test]
    fn a_code_is_accepted_once_and_only_near_its_time() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        let now = 1_234_567_890;
        let code = secret.code_at_step(now / STEP_SECS);
        let step = secret.verify(&code, now, 0).expect("current code");
        assert_eq!(secret.verify(&code, now, step), None, "replayed");
        assert!(secret.verify(&code, now + 30, 0).is_some(), "one step late still counts");
        assert_eq!(secret.verify(&code, now + 90, 0), None, "three steps late does not");
        assert_eq!(secret.verify("12345", now, 0), None);
        assert_eq!(secret.verify("abcdef", now, 0), None);
    }

    #[test]
    fn base32_round_trip() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        assert_eq!(secret.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(TotpSecret::from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq"), Some(secret.clone()));
        assert!(secret.provisioning_uri("kaowu", "admin1").starts_with("otpauth://totp/kaowu%3Aadmin1?secret=GEZDGNBV"));
    }
}
