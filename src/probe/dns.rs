//! Name resolution for probes. IP literals need no lookup; `localhost` (and
//! `*.localhost`) is loopback; names under `.invalid` fail without any query (RFC 6761,
//! which also keeps tests off the network); anything else goes to the system resolver
//! (`tokio::net::lookup_host`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::{Host, Url};

use super::Failure;
use crate::result::ErrorKind;

/// What a probe connects to, before resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target<'a> {
    Ip(IpAddr),
    Name(&'a str),
}

impl<'a> Target<'a> {
    /// The host of an http(s) URL.
    pub(crate) fn of_url(url: &'a Url) -> Result<Target<'a>, Failure> {
        match url.host() {
            Some(Host::Domain(name)) => Ok(Target::Name(name)),
            Some(Host::Ipv4(ip)) => Ok(Target::Ip(ip.into())),
            Some(Host::Ipv6(ip)) => Ok(Target::Ip(ip.into())),
            None => Err(Failure::new(
                ErrorKind::Http,
                format!("URL {url} has no host"),
            )),
        }
    }

    /// A host as written in a `tcp` check: a name, an IP, or a bracketed IPv6 address.
    pub(crate) fn of_host(host: &'a str) -> Target<'a> {
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        match bare.parse() {
            Ok(ip) => Target::Ip(ip),
            Err(_) => Target::Name(host),
        }
    }
}

/// The addresses to try, in order.
pub(crate) enum Addrs {
    /// Known without a lookup (an IP literal, or the two loopback addresses).
    Fixed([Option<SocketAddr>; 2]),
    Looked(Vec<SocketAddr>),
}

impl Addrs {
    pub(crate) fn iter(&self) -> impl Iterator<Item = SocketAddr> + '_ {
        let (fixed, looked): (&[Option<SocketAddr>], &[SocketAddr]) = match self {
            Addrs::Fixed(a) => (a, &[]),
            Addrs::Looked(v) => (&[], v),
        };
        fixed.iter().flatten().chain(looked).copied()
    }
}

pub(crate) async fn resolve(target: Target<'_>, port: u16) -> Result<Addrs, Failure> {
    let name = match target {
        Target::Ip(ip) => return Ok(Addrs::Fixed([Some(SocketAddr::new(ip, port)), None])),
        Target::Name(name) => name,
    };
    if has_label_suffix(name, "localhost") {
        return Ok(Addrs::Fixed([
            Some(SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port)),
            Some(SocketAddr::new(Ipv6Addr::LOCALHOST.into(), port)),
        ]));
    }
    if has_label_suffix(name, "invalid") {
        return Err(Failure::new(
            ErrorKind::Dns,
            format!("resolve {name}: .invalid names never resolve (RFC 6761)"),
        ));
    }
    match tokio::net::lookup_host((name, port)).await {
        Ok(addrs) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                Err(Failure::new(
                    ErrorKind::Dns,
                    format!("resolve {name}: no address"),
                ))
            } else {
                Ok(Addrs::Looked(addrs))
            }
        }
        Err(e) => Err(Failure::new(ErrorKind::Dns, format!("resolve {name}: {e}"))),
    }
}

/// Whether `name` is `label` or ends with `.label` (ASCII case-insensitive, trailing dot
/// allowed).
fn has_label_suffix(name: &str, label: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name).as_bytes();
    let label = label.as_bytes();
    if name.len() < label.len() {
        return false;
    }
    let (head, tail) = name.split_at(name.len() - label.len());
    tail.eq_ignore_ascii_case(label) && (head.is_empty() || head.ends_with(b"."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_names() {
        assert!(has_label_suffix("localhost", "localhost"));
        assert!(has_label_suffix("API.LocalHost.", "localhost"));
        assert!(!has_label_suffix("notlocalhost", "localhost"));
        assert!(has_label_suffix("down.example.invalid", "invalid"));
        assert!(!has_label_suffix("invalid.example", "invalid"));
    }

    #[test]
    fn tcp_hosts() {
        assert_eq!(
            Target::of_host("[::1]"),
            Target::Ip(Ipv6Addr::LOCALHOST.into())
        );
        assert_eq!(
            Target::of_host("::1"),
            Target::Ip(Ipv6Addr::LOCALHOST.into())
        );
        assert_eq!(
            Target::of_host("127.0.0.1"),
            Target::Ip(Ipv4Addr::LOCALHOST.into())
        );
        assert_eq!(Target::of_host("a.example"), Target::Name("a.example"));
    }

    #[tokio::test]
    async fn resolves_without_queries() {
        let addrs = resolve(Target::Name("localhost"), 80).await.unwrap();
        let got: Vec<_> = addrs.iter().collect();
        assert_eq!(got[0], "127.0.0.1:80".parse().unwrap());
        assert_eq!(got[1], "[::1]:80".parse().unwrap());
        let ip = resolve(Target::Ip(Ipv4Addr::LOCALHOST.into()), 1)
            .await
            .unwrap();
        assert_eq!(ip.iter().count(), 1);
        let err = resolve(Target::Name("x.invalid"), 1).await.err().unwrap();
        assert_eq!(err.kind, ErrorKind::Dns);
    }
}
