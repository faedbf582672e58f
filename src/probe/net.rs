//! A fresh TCP connection for a probe: resolve, then connect to each address in turn
//! until one accepts, charging the `resolve` and `connect` phases; from
//! `probing.source_address` when it is set. The caller bounds the
//! time (the probe's deadline); nothing here retries beyond the resolved addresses.

use std::io;
use std::net::{IpAddr, SocketAddr};

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
    let socket = match (source, addr) {
        (IpAddr::V4(_), SocketAddr::V4(_)) => TcpSocket::new_v4()?,
        (IpAddr::V6(_), SocketAddr::V6(_)) => TcpSocket::new_v6()?,
        _ => return Err(io::Error::from_raw_os_error(libc::EADDRNOTAVAIL)),
    };
    socket.bind(SocketAddr::new(source, 0))?;
    socket.connect(addr).await
}
