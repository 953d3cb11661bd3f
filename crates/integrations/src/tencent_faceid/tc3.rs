//! TC3-HMAC-SHA256, Tencent Cloud API 3.0's request signature (shared/protocols.md §6.2): the client signs, the
//! simulator checks, each rebuilding the canonical request from the headers the `SignedHeaders` list names.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "TC3-HMAC-SHA256";

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The UTC date (`YYYY-MM-DD`) of a unix timestamp: part of the credential scope.
pub fn utc_date(timestamp: i64) -> String {
    let date = time::OffsetDateTime::from_unix_timestamp(timestamp).map(|t| t.date()).unwrap_or(time::Date::MIN);
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// One signed request's inputs. `headers` are the canonical headers to sign, names lower-case, values as sent
/// (the action header's value lower-cased, as Tencent's SDKs do).
pub struct Signing<'a> {
    pub secret_key: &'a str,
    pub service: &'a str,
    pub timestamp: i64,
    pub headers: &'a [(&'a str, &'a str)],
    pub payload: &'a [u8],
}

impl Signing<'_> {
    /// `(SignedHeaders, Signature)`.
    pub fn sign(&self) -> (String, String) {
        let signed_headers = self.headers.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(";");
        let canonical_headers: String = self.headers.iter().map(|(name, value)| format!("{name}:{}\n", value.trim())).collect();
        let canonical_request = format!("POST\n/\n\n{canonical_headers}\n{signed_headers}\n{}", sha256_hex(self.payload));
        let date = utc_date(self.timestamp);
        let scope = format!("{date}/{}/tc3_request", self.service);
        let string_to_sign = format!("{ALGORITHM}\n{}\n{scope}\n{}", self.timestamp, sha256_hex(canonical_request.as_bytes()));
        let k_date = hmac(format!("TC3{}", self.secret_key).as_bytes(), &date);
        let k_service = hmac(&k_date, self.service);
        let k_signing = hmac(&k_service, "tc3_request");
        (signed_headers, hex::encode(hmac(&k_signing, &string_to_sign)))
    }
}

/// The parts of an `Authorization: TC3-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub secret_id: String,
    pub date: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

impl Authorization {
    pub fn header(secret_id: &str, date: &str, service: &str, signed_headers: &str, signature: &str) -> String {
        format!("{ALGORITHM} Credential={secret_id}/{date}/{service}/tc3_request, SignedHeaders={signed_headers}, Signature={signature}")
    }

    pub fn parse(header: &str) -> Option<Authorization> {
        let rest = header.strip_prefix(ALGORITHM)?.trim();
        let mut credential = None;
        let mut signed = None;
        let mut signature = None;
        for part in rest.split(',') {
            let (key, value) = part.trim().split_once('=')?;
            match key {
                "Credential" => credential = Some(value),
                "SignedHeaders" => signed = Some(value),
                "Signature" => signature = Some(value),
                _ => {}
            }
        }
        let mut scope = credential?.split('/');
        let (secret_id, date, service, terminator) = (scope.next()?, scope.next()?, scope.next()?, scope.next()?);
        if terminator != "tc3_request" || scope.next().is_some() {
            return None;
        }
        Some(Authorization {
            secret_id: secret_id.to_owned(),
            date: date.to_owned(),
            service: service.to_owned(),
            signed_headers: signed?.split(';').map(str::to_owned).collect(),
            signature: signature?.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_round_trips_through_the_header() {
        let headers = [("content-type", "application/json; charset=utf-8"), ("host", "faceid.tencentcloudapi.com")];
        let signing = Signing { secret_key: "k", service: "faceid", timestamp: 1_700_000_000, headers: &headers, payload: b"{}" };
        let (signed, signature) = signing.sign();
        assert_eq!(signed, "content-type;host");
        assert_eq!(signature.len(), 64);
        let header = Authorization::header("AKIDtest", &utc_date(1_700_000_000), "faceid", &signed, &signature);
        let parsed = Authorization::parse(&header).unwrap();
        assert_eq!((parsed.secret_id.as_str(), parsed.date.as_str(), parsed.service.as_str()), ("AKIDtest", "2023-11-14", "faceid"));
        assert_eq!(parsed.signature, signature);
        let other = Signing { payload: b"{ }", ..signing };
        assert_ne!(other.sign().1, signature, "the body is signed");
        assert!(Authorization::parse("TC3-HMAC-SHA256 Credential=a/b/c/other, SignedHeaders=host, Signature=x").is_none());
        assert!(Authorization::parse("garbage").is_none());
    }
}
