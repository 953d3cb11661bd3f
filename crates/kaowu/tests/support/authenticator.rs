//! A software passkey authenticator for the HTTP tests: it answers WebAuthn options as a phone would (ES256 key,
//! "none" attestation, user verified) and builds the JSON a browser's `PublicKeyCredential.toJSON()` sends.
//! Written from the WebAuthn and CTAP2 specifications (canonical CBOR), not from the server's library, so the
//! two cannot share a mistake.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use p256::ecdsa::{Signature, SigningKey, signature::Signer};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub struct Passkey {
    pub credential_id: Vec<u8>,
    key: SigningKey,
    user_handle: Vec<u8>,
    rp_id: String,
    counter: u32,
}

const UP: u8 = 0x01;
const UV: u8 = 0x04;
const AT: u8 = 0x40;

fn cbor_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    cbor_head(out, 2, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn cbor_text(out: &mut Vec<u8>, text: &str) {
    cbor_head(out, 3, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

fn cbor_head(out: &mut Vec<u8>, major: u8, value: u64) {
    let major = major << 5;
    match value {
        0..=23 => out.push(major | value as u8),
        24..=0xff => out.extend([major | 24, value as u8]),
        0x100..=0xffff => {
            out.push(major | 25);
            out.extend((value as u16).to_be_bytes());
        }
        _ => {
            out.push(major | 26);
            out.extend((value as u32).to_be_bytes());
        }
    }
}

fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

impl Passkey {
    /// Answers `navigator.credentials.create()` options from `origin`; the new passkey and the
    /// RegistrationResponseJSON to send.
    pub fn create(options: &Value, origin: &str) -> (Passkey, Value) {
        let seed: [u8; 32] = Sha256::digest(uuid::Uuid::new_v4().as_bytes()).into();
        let key = SigningKey::from_bytes(&seed.into()).expect("a signing key");
        let credential_id = Sha256::digest(seed).to_vec();
        let rp_id = options["rp"]["id"].as_str().expect("rp.id").to_owned();
        let user_handle = B64.decode(options["user"]["id"].as_str().expect("user.id")).expect("user id");
        let passkey = Passkey { credential_id, key, user_handle, rp_id, counter: 0 };
        let client_data = json!({"type": "webauthn.create", "challenge": options["challenge"], "origin": origin, "crossOrigin": false}).to_string();
        let point = passkey.key.verifying_key().to_encoded_point(false);
        // COSE_Key (EC2, ES256, P-256) with its keys in canonical order: 1, 3, -1, -2, -3.
        let mut cose = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21];
        cbor_bytes(&mut cose, point.x().expect("x"));
        cose.push(0x22);
        cbor_bytes(&mut cose, point.y().expect("y"));
        let mut auth_data = passkey.auth_data_head(UP | UV | AT, 0);
        auth_data.extend([0u8; 16]); // AAGUID: none, as "none" attestation allows
        auth_data.extend((passkey.credential_id.len() as u16).to_be_bytes());
        auth_data.extend(&passkey.credential_id);
        auth_data.extend(&cose);
        // {"fmt": "none", "attStmt": {}, "authData": …}: shorter keys first, as canonical CBOR orders them.
        let mut attestation = vec![0xa3];
        cbor_text(&mut attestation, "fmt");
        cbor_text(&mut attestation, "none");
        cbor_text(&mut attestation, "attStmt");
        attestation.push(0xa0);
        cbor_text(&mut attestation, "authData");
        cbor_bytes(&mut attestation, &auth_data);
        let id = b64(&passkey.credential_id);
        let response = json!({
            "id": id, "rawId": id, "type": "public-key", "authenticatorAttachment": "platform", "clientExtensionResults": {},
            "response": {"clientDataJSON": b64(client_data.as_bytes()), "attestationObject": b64(&attestation), "transports": ["internal"]},
        });
        (passkey, response)
    }

    fn auth_data_head(&self, flags: u8, counter: u32) -> Vec<u8> {
        let mut data = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend(counter.to_be_bytes());
        data
    }

    /// Answers `navigator.credentials.get()` options from `origin`: the AuthenticationResponseJSON.
    pub fn sign(&mut self, options: &Value, origin: &str) -> Value {
        self.counter += 1;
        self.sign_with(options, origin, &self.key.clone(), UP | UV)
    }

    /// The same answer signed by another key than the one registered (a forged passkey).
    pub fn forge(&mut self, options: &Value, origin: &str) -> Value {
        self.counter += 1;
        let other = SigningKey::from_bytes(&Sha256::digest(b"someone else").into()).expect("a signing key");
        self.sign_with(options, origin, &other, UP | UV)
    }

    /// An answer without user verification (someone touched the key; no face or fingerprint).
    pub fn sign_unverified(&mut self, options: &Value, origin: &str) -> Value {
        self.counter += 1;
        self.sign_with(options, origin, &self.key.clone(), UP)
    }

    fn sign_with(&self, options: &Value, origin: &str, key: &SigningKey, flags: u8) -> Value {
        assert_eq!(options["rpId"], self.rp_id.as_str(), "the options name this passkey's site");
        let client_data = json!({"type": "webauthn.get", "challenge": options["challenge"], "origin": origin, "crossOrigin": false}).to_string();
        let auth_data = self.auth_data_head(flags, self.counter);
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(client_data.as_bytes()));
        let signature: Signature = key.sign(&signed);
        let id = b64(&self.credential_id);
        json!({
            "id": id, "rawId": id, "type": "public-key", "authenticatorAttachment": "platform", "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64(client_data.as_bytes()), "authenticatorData": b64(&auth_data),
                "signature": b64(signature.to_der().as_bytes()), "userHandle": b64(&self.user_handle),
            },
        })
    }
}
