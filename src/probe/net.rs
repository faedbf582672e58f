//! A fresh TCP connection for a probe: resolve, then connect to each address in turn
//! until one accepts, charging the `resolve` and `connect` phases. The caller bounds the
//! time (the probe's deadline); nothing here retries beyond the resolved addresses.

use tokio::net::TcpStream;

use super::clock::{Clock, Phase};
use super::dns::{self, Target};
use super::Failure;
use crate::result::ErrorKind;

pub(crate) async fn connect(
    target: Target<'_>,
    port: u16,
    clock: &mut Clock,
) -> Result<TcpStream, Failure> {
    clock.enter(Phase::Resolve);
    let addrs = dns::resolve(target, port).await?;
    clock.enter(Phase::Connect);
    let mut last = None;
    let mut tried = 0;
    for addr in addrs.iter() {
        tried += 1;
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                // The request goes out in one write; do not let Nagle hold it back.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last = Some((addr, e)),
        }
    }
    let message = match last {
        Some((addr, e)) if tried > 1 => format!("connect to {addr} ({tried} addresses tried): {e}"),
        Some((addr, e)) => format!("connect to {addr}: {e}"),
        None => "no address to connect to".to_owned(),
    };
    Err(Failure::new(ErrorKind::Connect, message))
}
