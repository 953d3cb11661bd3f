//! WeChat 人脸核身 2.0 for mini-programs (shared/protocols.md §6.3): the server asks for a `verify_id` for a
//! person (name and resident ID number) and the WeChat user who will be checked, the mini-program runs
//! `wx.requestFacialVerify({verifyId})`, and the server then asks for the verdict, proving it still knows the
//! person by `cert_hash`. No image is involved on kaowu's side.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::client::{WechatApi, WechatApiError};

/// The only certificate type kaowu checks this way: the resident ID card.
pub const CERT_TYPE: &str = "IDENTITY_CARD";
/// `verify_ret` of a check that passed; anything else (90001–901xx: device, cancellation, network, capture,
/// timeout, system) did not.
pub const VERIFY_PASSED: i64 = 10000;

/// `hex(sha256("cert_type=" + b64(type) + "&cert_name=" + b64(name) + "&cert_no=" + b64(number)))`, with
/// standard Base64 of the UTF-8 text.
pub fn cert_hash(cert_type: &str, cert_name: &str, cert_no: &str) -> String {
    let text = format!("cert_type={}&cert_name={}&cert_no={}", STANDARD.encode(cert_type), STANDARD.encode(cert_name), STANDARD.encode(cert_no));
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Whether `out_seq_no` is one WeChat accepts: 5–32 of `[0-9A-Za-z_-]`.
pub fn valid_out_seq_no(out_seq_no: &str) -> bool {
    (5..=32).contains(&out_seq_no.len()) && out_seq_no.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct VerifyId {
    pub verify_id: String,
    pub expires_in: i64,
}

impl WechatApi {
    /// `POST /cityservice/face/identify/getverifyid`: a check of `openid`'s face against the authority's photo
    /// of the person with this name and resident ID number; `out_seq_no` is ours, unique per mini-program.
    pub async fn face_verify_id(&self, access_token: &str, out_seq_no: &str, cert_name: &str, cert_no: &str, openid: &str) -> Result<VerifyId, WechatApiError> {
        let body = json!({"out_seq_no": out_seq_no, "cert_info": {"cert_type": CERT_TYPE, "cert_name": cert_name, "cert_no": cert_no}, "openid": openid});
        self.call(self.post_with_token("/cityservice/face/identify/getverifyid", access_token).json(&body)).await
    }

    /// `POST /cityservice/face/identify/queryverifyinfo`: the verdict (`verify_ret`) of a check.
    pub async fn face_verify_result(&self, access_token: &str, verify_id: &str, out_seq_no: &str, cert_hash: &str, openid: &str) -> Result<i64, WechatApiError> {
        #[derive(Deserialize)]
        struct Verdict {
            verify_ret: i64,
        }
        let body = json!({"verify_id": verify_id, "out_seq_no": out_seq_no, "cert_hash": cert_hash, "openid": openid});
        self.call::<Verdict>(self.post_with_token("/cityservice/face/identify/queryverifyinfo", access_token).json(&body)).await.map(|v| v.verify_ret)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cert_hash_matches_the_published_vector() {
        assert_eq!(super::cert_hash("IDENTITY_CARD", "张三", "310101199801011234"), "3c241f7ff324977aeb91f173bb2a7b06569e6fd784d5573db34a636d8671108b");
    }

    #[test]
    fn out_seq_no_rules() {
        assert!(super::valid_out_seq_no("EXAM20260001"));
        assert!(!super::valid_out_seq_no("abcd"));
        assert!(!super::valid_out_seq_no(&"a".repeat(33)));
        assert!(!super::valid_out_seq_no("EXAM 2026"));
    }
}
