//! The `Content-Security-Policy` of every page (docs/api.md, "The status page"): no
//! script and nothing from another origin may run or load; the one inline stylesheet is
//! allowed by its SHA-256 hash, the icon by `data:`. Defence in depth behind escaping.

use std::sync::OnceLock;

/// The header's value for pages whose only stylesheet is `css`.
pub fn policy(css: &str) -> &'static str {
    static POLICY: OnceLock<String> = OnceLock::new();
    POLICY.get_or_init(|| {
        let hash = ring::digest::digest(&ring::digest::SHA256, css.as_bytes());
        format!(
            "default-src 'none'; style-src 'sha256-{}'; img-src data:; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'",
            base64(hash.as_ref())
        )
    })
}

/// Standard base64 with padding (RFC 4648, section 4), as CSP hashes are written.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_as_rfc_4648_gives_it() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain:?}");
        }
        assert_eq!(base64(b"fooba"), "Zm9vYmE=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn the_policy_forbids_scripts_and_other_origins() {
        let p = policy("body{}");
        assert!(
            p.starts_with("default-src 'none'; style-src 'sha256-"),
            "{p}"
        );
        assert!(!p.contains("script") && !p.contains("http"), "{p}");
    }
}
