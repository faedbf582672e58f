//! A receiver's `proxy`: `direct`, or the URL of an HTTP(S) proxy. A value may carry
//! `user:password`, so every message quotes it with the password replaced by `***`.

use url::Url;

use super::super::model::{Proxy, ProxyUrl};
use super::Msg;

/// What `proxy: direct` is written as.
pub const DIRECT: &str = "direct";

pub fn proxy(s: &str) -> Result<Proxy, Msg> {
    if s == DIRECT {
        return Ok(Proxy::Direct);
    }
    let shown = redact(s);
    let expected = "expected `direct` or a proxy URL such as http://proxy.example.gov.vn:3128";
    if s.is_empty() {
        return Err(format!("empty proxy: {expected}"));
    }
    if !s.contains("://") {
        return Err(format!(
            "invalid proxy {shown:?}: {expected} (with its scheme, http:// or https://)"
        ));
    }
    let url = Url::parse(s).map_err(|e| format!("invalid proxy URL {shown:?}: {e}"))?;
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Err(format!(
                "unsupported proxy scheme {other:?} in {shown:?}: expected http or https (an HTTP proxy, reached in clear or over TLS)"
            ))
        }
    }
    if url.host().is_none() {
        return Err(format!("proxy URL {shown:?} has no host"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "proxy URL {shown:?} has a path, query or fragment: a proxy is only a scheme, a host and a port (http://HOST:PORT)"
        ));
    }
    Ok(Proxy::Url(ProxyUrl::new(url)))
}

/// `s` with the password of a `[scheme://]user:password@host` replaced by `***`, for
/// messages; `s` itself when it has none.
pub fn redact(s: &str) -> String {
    let start = s.find("://").map_or(0, |i| i + 3);
    let end = s[start..]
        .find(['/', '?', '#'])
        .map_or(s.len(), |i| start + i);
    let Some(at) = s[start..end].rfind('@').map(|i| start + i) else {
        return s.to_owned();
    };
    match s[start..at].find(':').map(|i| start + i) {
        Some(colon) => format!("{}:***{}", &s[..colon], &s[at..]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_and_urls() {
        assert_eq!(proxy("direct"), Ok(Proxy::Direct));
        let Ok(Proxy::Url(u)) = proxy("http://alice:s3cret@proxy.gov.vn:3128") else {
            panic!("a proxy URL");
        };
        assert_eq!(u.url().password(), Some("s3cret"));
        assert_eq!(u.to_string(), "http://alice:***@proxy.gov.vn:3128/");
        assert_eq!(
            format!("{u:?}"),
            "ProxyUrl(http://alice:***@proxy.gov.vn:3128/)"
        );
        assert!(matches!(proxy("https://proxy.gov.vn"), Ok(Proxy::Url(_))));
        assert!(matches!(proxy("http://[::1]:3128/"), Ok(Proxy::Url(_))));
    }

    #[test]
    fn bad_values_are_quoted_without_their_password() {
        let e = proxy("http://bob:hunter2@proxy:99999").unwrap_err();
        assert_eq!(
            e,
            "invalid proxy URL \"http://bob:***@proxy:99999\": invalid port number"
        );
        assert!(!e.contains("hunter2"));
        let e = proxy("socks5://bob:hunter2@proxy:1080").unwrap_err();
        assert!(
            e.starts_with("unsupported proxy scheme \"socks5\" in \"socks5://bob:***@proxy:1080\""),
            "{e}"
        );
        let e = proxy("proxy.gov.vn:3128").unwrap_err();
        assert!(
            e.starts_with("invalid proxy \"proxy.gov.vn:3128\": expected `direct`"),
            "{e}"
        );
        assert!(proxy("none").unwrap_err().contains("expected `direct`"));
        assert!(proxy("").is_err());
        assert!(proxy("http://proxy:3128/path")
            .unwrap_err()
            .contains("has a path"));
        assert!(proxy("http://proxy:3128/?a=b").is_err());
    }

    #[test]
    fn redaction() {
        assert_eq!(redact("http://u:p@h:1/x@y"), "http://u:***@h:1/x@y");
        assert_eq!(redact("http://u@h:1"), "http://u@h:1");
        assert_eq!(redact("http://h:1"), "http://h:1");
        assert_eq!(redact("u:p@h:3128"), "u:***@h:3128");
        assert_eq!(redact("h:3128"), "h:3128");
        assert_eq!(redact("http://u:p:q@r@h"), "http://u:***@h");
    }
}
