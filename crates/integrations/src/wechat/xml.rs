//! The official account's XML (shared/protocols.md §1.3–1.5): a flat `<xml>` of text or CDATA children in,
//! passive replies out. Parsed with quick-xml, which never loads DTDs or external entities; a document type
//! declaration is refused outright.

use std::collections::BTreeMap;

use quick_xml::Reader;
use quick_xml::events::Event;

/// Pushes larger than this are not WeChat's (its messages are a few kilobytes).
pub const MAX_PUSH_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("not a WeChat XML message")]
    Malformed,
    #[error("document type declarations are not accepted")]
    Doctype,
    #[error("message too large")]
    TooLarge,
}

/// The children of `<xml>`, by element name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(BTreeMap<String, String>);

impl Fields {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

pub fn parse(xml: &str) -> Result<Fields, XmlError> {
    if xml.len() > MAX_PUSH_BYTES {
        return Err(XmlError::TooLarge);
    }
    let mut reader = Reader::from_str(xml);
    let mut fields = BTreeMap::new();
    let mut depth = 0usize;
    let mut current: Option<String> = None;
    let mut text = String::new();
    loop {
        match reader.read_event().map_err(|_| XmlError::Malformed)? {
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::Start(start) => {
                depth += 1;
                let name = std::str::from_utf8(start.name().as_ref()).map_err(|_| XmlError::Malformed)?.to_owned();
                match depth {
                    1 if name == "xml" => {}
                    1 => return Err(XmlError::Malformed),
                    2 => {
                        current = Some(name);
                        text.clear();
                    }
                    // Nested structures (e.g. ScanCodeInfo) are not needed: skip their content.
                    _ => {}
                }
            }
            Event::Empty(empty) if depth == 1 => {
                let name = std::str::from_utf8(empty.name().as_ref()).map_err(|_| XmlError::Malformed)?.to_owned();
                fields.insert(name, String::new());
            }
            Event::Text(t) if depth == 2 => text.push_str(&t.decode().map_err(|_| XmlError::Malformed)?),
            Event::GeneralRef(r) if depth == 2 => {
                // Character references and the five predefined entities only; anything else is refused.
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    _ => match r.decode().map_err(|_| XmlError::Malformed)?.as_ref() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        _ => return Err(XmlError::Malformed),
                    },
                };
                text.push(resolved);
            }
            Event::CData(c) if depth == 2 => text.push_str(std::str::from_utf8(&c).map_err(|_| XmlError::Malformed)?),
            Event::End(_) => {
                if depth == 2 {
                    if let Some(name) = current.take() {
                        fields.insert(name, std::mem::take(&mut text));
                    }
                }
                depth = depth.checked_sub(1).ok_or(XmlError::Malformed)?;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if depth != 0 || fields.is_empty() {
        return Err(XmlError::Malformed);
    }
    Ok(Fields(fields))
}

/// A message or event pushed to the callback, as far as kaowu acts on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Push {
    /// The user's openid.
    pub from: String,
    /// The account's original id (gh_…).
    pub to: String,
    pub create_time: i64,
    pub kind: PushKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushKind {
    /// A follow; `scene` is set when it came from a parametric QR code (`qrscene_` stripped).
    Subscribe { scene: Option<String>, ticket: Option<String> },
    Unsubscribe,
    /// A parametric QR code scanned by a follower.
    Scan { scene: String, ticket: Option<String> },
    Text { msg_id: Option<String>, content: String },
    /// Anything else (other events, images, locations…): acknowledged, not acted on.
    Other { msg_type: String, event: Option<String>, msg_id: Option<String> },
}

impl Push {
    pub fn from_fields(fields: &Fields) -> Result<Push, XmlError> {
        let field = |name: &str| fields.get(name).map(str::to_owned);
        let from = field("FromUserName").filter(|v| !v.is_empty()).ok_or(XmlError::Malformed)?;
        let to = field("ToUserName").unwrap_or_default();
        let create_time = fields.get("CreateTime").and_then(|v| v.trim().parse().ok()).ok_or(XmlError::Malformed)?;
        let msg_type = field("MsgType").ok_or(XmlError::Malformed)?;
        let event = field("Event");
        let ticket = field("Ticket").filter(|t| !t.is_empty());
        let key = field("EventKey").filter(|k| !k.is_empty());
        let kind = match (msg_type.as_str(), event.as_deref().map(str::to_ascii_lowercase).as_deref()) {
            ("event", Some("subscribe")) => {
                PushKind::Subscribe { scene: key.and_then(|k| k.strip_prefix("qrscene_").map(str::to_owned)), ticket }
            }
            ("event", Some("unsubscribe")) => PushKind::Unsubscribe,
            ("event", Some("scan")) => match key {
                Some(scene) => PushKind::Scan { scene, ticket },
                None => PushKind::Other { msg_type, event, msg_id: None },
            },
            ("text", _) => PushKind::Text { msg_id: field("MsgId"), content: field("Content").unwrap_or_default() },
            _ => PushKind::Other { msg_type, event, msg_id: field("MsgId") },
        };
        Ok(Push { from, to, create_time, kind })
    }

    /// The key WeChat's retries share: `MsgId` for messages, `FromUserName + CreateTime` for events.
    pub fn dedup_key(&self) -> String {
        let msg_id = match &self.kind {
            PushKind::Text { msg_id, .. } | PushKind::Other { msg_id, .. } => msg_id.as_deref(),
            _ => None,
        };
        match msg_id {
            Some(id) => format!("msg:{id}"),
            None => format!("event:{}:{}", self.from, self.create_time),
        }
    }
}

/// A passive text reply to `push`.
pub fn text_reply(push: &Push, content: &str, now: i64) -> String {
    format!(
        "<xml>\n<ToUserName><![CDATA[{}]]></ToUserName>\n<FromUserName><![CDATA[{}]]></FromUserName>\n<CreateTime>{now}</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[{}]]></Content>\n</xml>",
        cdata(&push.from),
        cdata(&push.to),
        cdata(content)
    )
}

/// The safe-mode envelope around an encrypted reply.
pub fn encrypted_reply(encrypt: &str, msg_signature: &str, timestamp: &str, nonce: &str) -> String {
    format!(
        "<xml>\n<Encrypt><![CDATA[{}]]></Encrypt>\n<MsgSignature><![CDATA[{}]]></MsgSignature>\n<TimeStamp>{}</TimeStamp>\n<Nonce><![CDATA[{}]]></Nonce>\n</xml>",
        cdata(encrypt),
        cdata(msg_signature),
        timestamp.chars().filter(char::is_ascii_digit).collect::<String>(),
        cdata(nonce)
    )
}

/// Text inside CDATA cannot contain its terminator; split it the standard way.
fn cdata(text: &str) -> String {
    text.replace("]]>", "]]]]><![CDATA[>")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(xml: &str) -> Push {
        Push::from_fields(&parse(xml).unwrap()).unwrap()
    }

    #[test]
    fn reads_the_events_kaowu_acts_on() {
        let follow = push("<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><FromUserName><![CDATA[oOPENID]]></FromUserName><CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>");
        assert_eq!(follow.kind, PushKind::Subscribe { scene: None, ticket: None });
        assert_eq!((follow.from.as_str(), follow.to.as_str(), follow.create_time), ("oOPENID", "gh_123456789abc", 123456789));
        assert_eq!(follow.dedup_key(), "event:oOPENID:123456789");

        let by_qr = push("<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName><CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket></xml>");
        assert_eq!(by_qr.kind, PushKind::Subscribe { scene: Some("123123".into()), ticket: Some("TICKET".into()) });

        let scan = push("<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName><CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[SCENE_VALUE]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket></xml>");
        assert_eq!(scan.kind, PushKind::Scan { scene: "SCENE_VALUE".into(), ticket: Some("TICKET".into()) });

        let text = push("<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>\n<FromUserName><![CDATA[messense]]></FromUserName>\n<CreateTime>1411525903</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<MsgId>4363689963896700987</MsgId>\n<AgentID>1</AgentID>\n</xml>");
        assert_eq!(text.kind, PushKind::Text { msg_id: Some("4363689963896700987".into()), content: "test".into() });
        assert_eq!(text.dedup_key(), "msg:4363689963896700987");
    }

    #[test]
    fn refuses_what_is_not_a_wechat_message() {
        let doctype = "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><xml><FromUserName>&x;</FromUserName></xml>";
        assert_eq!(parse(doctype), Err(XmlError::Doctype));
        assert!(parse("<xml><FromUserName>&x;</FromUserName></xml>").is_err(), "unknown entities are refused");
        assert_eq!(parse("<html></html>"), Err(XmlError::Malformed));
        assert_eq!(parse("<xml><a>1</a>"), Err(XmlError::Malformed));
        assert_eq!(parse(&"x".repeat(MAX_PUSH_BYTES + 1)), Err(XmlError::TooLarge));
        assert!(Push::from_fields(&parse("<xml><MsgType>event</MsgType></xml>").unwrap()).is_err(), "no sender");
        assert_eq!(parse("<xml><Content>a &amp; b &#x4E2D;</Content></xml>").unwrap().get("Content"), Some("a & b 中"));
    }

    #[test]
    fn replies_keep_cdata_intact() {
        let p = push("<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content></xml>");
        let reply = text_reply(&p, "绑定成功 ]]> ok", 5);
        let back = parse(&reply).unwrap();
        assert_eq!(back.get("Content"), Some("绑定成功 ]]> ok"));
        assert_eq!((back.get("ToUserName"), back.get("FromUserName")), (Some("o1"), Some("gh_1")));
    }
}
