//! The request of a delivery, built once when the event happens: GHES's
//! headers, the body in the hook's content type, and the signatures over the
//! exact bytes sent (for a form hook, over the whole `payload=…` body, as
//! go-github and other receivers check it).

use bytes::Bytes;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;

use super::{EngineSettings, Target};

/// `User-Agent` of every delivery: GHES's hookshot and a short commit.
pub const HOOKSHOT_USER_AGENT: &str = "GitHub-Hookshot/5f7d1c2";

/// How a hook wants its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentType {
    /// The JSON as the body, `application/json`.
    Json,
    /// `payload=<url-encoded JSON>`, `application/x-www-form-urlencoded`.
    Form,
}

impl ContentType {
    /// A hook config's `content_type` (`json` or `form`).
    pub fn parse(value: &str) -> Option<ContentType> {
        match value {
            "json" => Some(ContentType::Json),
            "form" => Some(ContentType::Form),
            _ => None,
        }
    }

    /// The `Content-Type` header it is sent with.
    pub fn mime(self) -> &'static str {
        match self {
            ContentType::Json => "application/json",
            ContentType::Form => "application/x-www-form-urlencoded",
        }
    }
}

/// The request as sent: headers in GitHub's spelling and order, and the
/// exact body bytes. Its `Debug` leaves out the signatures and the body.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let signature = name.to_ascii_lowercase().starts_with("x-hub-signature");
                (name.as_str(), if signature { "[redacted]" } else { value })
            })
            .collect();
        f.debug_struct("Request")
            .field("headers", &headers)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

impl Request {
    /// The value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Builds the request of one delivery of `event` with the compact JSON
/// payload `json`.
pub fn build_request(
    target: &Target,
    settings: &EngineSettings,
    guid: &str,
    event: &str,
    json: &[u8],
) -> Request {
    let body = match target.content_type {
        ContentType::Json => Bytes::copy_from_slice(json),
        ContentType::Form => form_body(json),
    };
    let mut headers: Vec<(String, String)> = [
        ("Accept", "*/*"),
        ("User-Agent", HOOKSHOT_USER_AGENT),
        ("X-GitHub-Delivery", guid),
        ("X-GitHub-Event", event),
        ("X-GitHub-Hook-ID", &target.key.hook_id().to_string()),
        (
            "X-GitHub-Hook-Installation-Target-ID",
            &target.target_id.to_string(),
        ),
        ("X-GitHub-Hook-Installation-Target-Type", target.target_type),
        ("X-GitHub-Enterprise-Version", &settings.enterprise_version),
        ("X-GitHub-Enterprise-Host", &settings.enterprise_host),
        ("Content-Type", target.content_type.mime()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect();
    // A hook saved with an empty secret has none, as on GitHub.
    if let Some(secret) = target.secret.as_deref().filter(|s| !s.is_empty()) {
        let secret = secret.as_bytes();
        headers.push(("X-Hub-Signature".to_owned(), signature_sha1(secret, &body)));
        headers.push((
            "X-Hub-Signature-256".to_owned(),
            signature_sha256(secret, &body),
        ));
    }
    Request { headers, body }
}

/// `payload=` and the JSON url-encoded (spaces as `+`, like Ruby's
/// `URI.encode_www_form`).
fn form_body(json: &[u8]) -> Bytes {
    let mut body = String::from("payload=");
    body.extend(form_urlencoded::byte_serialize(json));
    Bytes::from(body)
}

/// `X-Hub-Signature-256`: `sha256=` and the HMAC-SHA256 of `body`, lowercase hex.
pub fn signature_sha256(secret: &[u8], body: &[u8]) -> String {
    format!("sha256={}", hex_mac::<Hmac<Sha256>>(secret, body))
}

/// `X-Hub-Signature`: `sha1=` and the HMAC-SHA1 of `body`, lowercase hex.
pub fn signature_sha1(secret: &[u8], body: &[u8]) -> String {
    format!("sha1={}", hex_mac::<Hmac<Sha1>>(secret, body))
}

fn hex_mac<M: Mac + KeyInit>(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes a key of any length (a long one is hashed first).
    let mut mac = <M as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::TargetKey;

    #[test]
    fn the_signature_matches_githubs_test_vector() {
        assert_eq!(
            signature_sha256(b"It's a Secret to Everybody", b"Hello, World!"),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }

    #[test]
    fn a_form_body_is_the_url_encoded_json_under_payload() {
        assert_eq!(
            form_body(br#"{"a":"b c&d=e","n":1}"#),
            "payload=%7B%22a%22%3A%22b+c%26d%3De%22%2C%22n%22%3A1%7D"
        );
    }

    #[test]
    fn debug_output_shows_no_signature_and_no_secret() {
        let target = Target {
            key: TargetKey::Hook(1),
            url: "http://127.0.0.1:9/".to_owned(),
            secret: Some("sekrit".to_owned()),
            content_type: ContentType::Form,
            target_type: "repository",
            target_id: 2,
        };
        let request = build_request(&target, &EngineSettings::default(), "g", "ping", b"{}");
        let signature = request.header("X-Hub-Signature-256").unwrap().to_owned();
        let shown = format!("{request:?} {target:?}");
        assert!(
            !shown.contains(&signature[7..]) && !shown.contains("sekrit"),
            "{shown}"
        );
        assert!(shown.contains("X-GitHub-Event"), "{shown}");
    }

    #[test]
    fn an_empty_secret_signs_nothing() {
        let target = Target {
            key: TargetKey::Hook(1),
            url: "http://127.0.0.1:9/".to_owned(),
            secret: Some(String::new()),
            content_type: ContentType::Json,
            target_type: "repository",
            target_id: 2,
        };
        let request = build_request(&target, &EngineSettings::default(), "g", "ping", b"{}");
        assert_eq!(request.header("x-hub-signature-256"), None);
        assert_eq!(request.header("X-Hub-Signature"), None);
        assert_eq!(request.header("content-type"), Some("application/json"));
    }
}
