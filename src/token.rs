//! Push tokens (docs/configuration.md): random bearer tokens; the config holds only their SHA-256.

use ring::rand::{SecureRandom, SystemRandom};

/// Hex of some bytes, lower case.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a token, as stored in the config.
pub fn digest(token: &str) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    d.as_ref().try_into().expect("SHA-256 is 32 bytes")
}

/// A new random token (`emcd_` + 32 random bytes in hex) and its `sha256:` digest line.
pub fn generate() -> (String, String) {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system random source is available");
    let token = format!("emcd_{}", hex(&bytes));
    let digest = format!("sha256:{}", hex(&digest(&token)));
    (token, digest)
}

/// Whether an `Authorization` header value is `Bearer TOKEN` with a token whose SHA-256
/// is `expected`, compared in constant time (push checks' and indicators' tokens).
pub fn bearer_matches(authorization: Option<&str>, expected: &[u8; 32]) -> bool {
    authorization
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .is_some_and(|t| equal(&digest(t), expected))
}

/// Constant-time equality of two secrets (length may leak, content does not).
pub fn equal(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_compares_whole_secrets() {
        assert!(equal(b"abc", b"abc"));
        assert!(!equal(b"abc", b"abd"));
        assert!(!equal(b"abc", b"ab"));
    }

    #[test]
    fn bearer_tokens_match_their_digest() {
        let d = digest("test");
        assert!(bearer_matches(Some("Bearer test"), &d));
        assert!(bearer_matches(Some("Bearer  test "), &d));
        assert!(!bearer_matches(Some("Bearer tesT"), &d));
        assert!(!bearer_matches(Some("test"), &d));
        assert!(!bearer_matches(Some("Basic test"), &d));
        assert!(!bearer_matches(None, &d));
    }

    #[test]
    fn digest_matches_known_vector() {
        assert_eq!(
            hex(&digest("test")),
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        );
    }

    #[test]
    fn tokens_are_random_and_digest_matches() {
        let (a, da) = generate();
        let (b, _) = generate();
        assert_ne!(a, b);
        assert_eq!(da, format!("sha256:{}", hex(&digest(&a))));
        assert_eq!(a.len(), 5 + 64);
    }
}
