//! Tencent Cloud FaceID (慧眼人脸核身, shared/protocols.md §6.2): the TC3-HMAC-SHA256 request signature, the API
//! client (two-factor identity check, face verification) and a simulator speaking the same protocol.

mod client;
mod simulator;
pub mod tc3;

pub use client::{DetectAuthStarted, DetectResult, FaceIdApi, FaceIdError, IdCardVerdict, SERVICE, VERSION};
pub use simulator::FaceIdSimulator;
