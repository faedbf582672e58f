//! A fresh TCP connection for a probe: resolve, then connect to each address in turn
//! until one accepts, charging the `resolve` and `connect` phases; from
//! `probing.source_address` when it is set. The caller bounds the
//! time (the probe's deadline); nothing here retries beyond the resolved addresses.

use std::io;
use std::net::{IpAddr, SocketAddr};

use nix::sys::socket::{setsockopt, sockopt::IpBindAddressNoPort};
use tokio::net::{TcpSocket, TcpStream};

use super::clock::{Clock, Phase};
use super::dns::{self, Target};
use super::vantage;
use super::Failure;
use crate::result::ErrorKind;

pub(crate) async fn connect(
    target: Target<'_>,
    port: u16,
    source: Option<IpAddr>,
    clock: &mut Clock,
) -> Result<TcpStream, Failure> {
    clock.enter(Phase::Resolve);
    let addrs = dns::resolve(target, port).await?;
    clock.enter(Phase::Connect);
    // The last failure that may be the target's, else the last of the monitor's own.
    let (mut last, mut local) = (None, None);
    let mut tried = 0;
    for addr in addrs.iter() {
        tried += 1;
        match open(addr, source).await {
            Ok(stream) => {
                // The request goes out in one write; do not let Nagle hold it back.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => match vantage::local_cause(&e) {
                Some(why) => local = Some((addr, e, why)),
                None => last = Some((addr, e)),
            },
        }
    }
    let tried = match tried {
        1 => String::new(),
        n => format!(" ({n} addresses tried)"),
    };
    Err(match (last, local) {
        (Some((addr, e)), _) => {
            Failure::new(ErrorKind::Connect, format!("connect to {addr}{tried}: {e}"))
        }
        (None, Some((addr, e, why))) => Failure::new(
            ErrorKind::Vantage,
            format!("connect to {addr}{tried}: {e} ({why})"),
        ),
        (None, None) => Failure::new(ErrorKind::Connect, "no address to connect to"),
    })
}

/// A connection to `addr`, leaving from `source` when set (`probing.source_address`).
/// A source of the other address family cannot reach `addr`: that is the monitor's
/// limit (`EADDRNOTAVAIL`), not the target's.
async fn open(addr: SocketAddr, source: Option<IpAddr>) -> io::Result<TcpStream> {
    let Some(source) = source else {
        return TcpStream::connect(addr).await;
    };
    bound(source, addr)?.connect(addr).await
}

/// A socket bound to `source` for a connection to `addr`, its port left to `connect()`.
/// A port taken at `bind()` must be free of every connection, those in TIME_WAIT too,
/// which held a source address to a few hundred new connections a second (each lasts
/// 60 s in TIME_WAIT) and spent most of the CPU in the kernel's search for one
/// (docs/BENCHMARKS.md, "Three vantages from three source addresses");
/// `connect()` picks it for the whole 4-tuple, as it does without a source address.
fn bound(source: IpAddr, addr: SocketAddr) -> io::Result<TcpSocket> {
    let socket = match (source, addr) {
        (IpAddr::V4(_), SocketAddr::V4(_)) => TcpSocket::new_v4()?,
        (IpAddr::V6(_), SocketAddr::V6(_)) => TcpSocket::new_v6()?,
        _ => return Err(io::Error::from_raw_os_error(libc::EADDRNOTAVAIL)),
    };
    // Linux 4.2 and later; an older kernel refuses it and binds as before.
    let _ = setsockopt(&socket, IpBindAddressNoPort, &true);
    socket.bind(SocketAddr::new(source, 0))?;
    Ok(socket)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_source_address_is_bound_without_a_port_until_connect() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let to = listener.local_addr().unwrap();
        let source: IpAddr = "127.0.0.2".parse().unwrap();
        let socket = bound(source, to).unwrap();
        assert!(nix::sys::socket::getsockopt(&socket, IpBindAddressNoPort).unwrap());
        // Bound to the address only: the kernel has not taken a port yet.
        assert_eq!(socket.local_addr().unwrap(), SocketAddr::new(source, 0));
        let stream = socket.connect(to).await.unwrap();
        let (_, peer) = listener.accept().await.unwrap();
        assert_eq!(peer.ip(), source);
        assert_ne!(stream.local_addr().unwrap().port(), 0);
        assert_eq!(stream.local_addr().unwrap(), peer);
    }

    #[tokio::test]
    async fn a_source_of_the_other_family_is_the_monitors_limit() {
        let e = bound("::1".parse().unwrap(), "127.0.0.1:80".parse().unwrap()).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EADDRNOTAVAIL));
    }
}
