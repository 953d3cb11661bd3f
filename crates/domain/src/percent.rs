//! Percent-encoding for URL query values: everything but RFC 3986's unreserved characters is encoded, as
//! Python's `urllib.parse.quote(value, safe="")` does — what WeChat's own SDKs send.

pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_unreserved_characters_stay() {
        assert_eq!(super::encode("http://localhost/a b?x=1&y=~_.-"), "http%3A%2F%2Flocalhost%2Fa%20b%3Fx%3D1%26y%3D~_.-");
        assert_eq!(super::encode("考"), "%E8%80%83");
    }
}
