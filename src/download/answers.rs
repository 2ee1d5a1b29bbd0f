//! Reading a gateway's answers on the client side: the code and message of an error body,
//! the SHA-256 of an RFC 9530 `Content-Digest`, and where a redirect points.

use base64::Engine;

use crate::domain::Sha256Digest;

/// The message of a modelgate error body (`{"error":{"code","message"}}`), or the start
/// of whatever else came.
pub async fn error_message(response: reqwest::Response) -> String {
    let (code, message) = error_code_and_message(response).await;
    format!("{message} ({code})")
}

/// The code and message of a modelgate error body; `error` and the start of the body for
/// anything else.
pub(super) async fn error_code_and_message(response: reqwest::Response) -> (String, String) {
    let body = response.bytes().await.unwrap_or_default();
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(json) if json["error"]["message"].is_string() => (
            json["error"]["code"].as_str().unwrap_or("error").to_owned(),
            json["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ),
        _ => (
            "error".to_owned(),
            String::from_utf8_lossy(&body).chars().take(200).collect(),
        ),
    }
}

/// The SHA-256 of an RFC 9530 digest field (`sha-256=:<base64>:`), if it has one.
pub(super) fn parse_sha256_field(value: &str) -> Option<Sha256Digest> {
    value.split(',').find_map(|member| {
        let (algorithm, encoded) = member.split_once('=')?;
        if algorithm.trim() != "sha-256" {
            return None;
        }
        let encoded = encoded.trim().strip_prefix(':')?.strip_suffix(':')?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()?;
        Some(Sha256Digest::from_bytes(bytes.try_into().ok()?))
    })
}

/// Where a redirect answer sends the client, resolved against the request's URL.
pub(super) fn redirect_target(response: &reqwest::Response) -> Option<reqwest::Url> {
    if !response.status().is_redirection() {
        return None;
    }
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)?
        .to_str()
        .ok()?;
    response.url().join(location).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rfc9530_digest_fields() {
        let digest = Sha256Digest::of(b"abc");
        let encoded = base64::engine::general_purpose::STANDARD.encode(digest.as_bytes());
        assert_eq!(
            parse_sha256_field(&format!("sha-512=:AAAA:, sha-256=:{encoded}:")),
            Some(digest)
        );
        assert_eq!(parse_sha256_field("sha-256=:not base64:"), None);
        assert_eq!(parse_sha256_field("md5=:AAAA:"), None);
    }
}
