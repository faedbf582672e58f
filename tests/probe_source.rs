//! `probing.source_address`: probes leave from the configured local address (how a
//! multi-homed probe host picks its network, and how tests make one vantage differ from
//! another on one machine), and a source the monitor cannot use is the monitor's failure,
//! `unknown` / `vantage`, never `down`. Loopback only: 127.0.0.0/8 and ::1.

mod support;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use emcd::result::{ErrorKind, ResultKind};
use support::{policy, tcp_spec};
use tokio::net::TcpListener;

/// A listener that reports the source address of the first connection it accepts.
async fn first_peer() -> (SocketAddr, tokio::task::JoinHandle<IpAddr>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (
        addr,
        tokio::spawn(async move { listener.accept().await.unwrap().1.ip() }),
    )
}

fn prober(source: &str) -> emcd::probe::Prober {
    support::prober(&[]).with_source_address(Some(source.parse().unwrap()))
}

#[tokio::test]
async fn probes_leave_from_the_source_address() {
    let (addr, peer) = first_peer().await;
    let p = policy(Duration::from_secs(2), Duration::from_secs(2));
    let o = prober("127.0.0.2").tcp(&tcp_spec(addr, false), &p).await;
    assert_eq!(o.result, ResultKind::Up, "{:?}", o.message);
    assert_eq!(peer.await.unwrap(), "127.0.0.2".parse::<IpAddr>().unwrap());
}

#[tokio::test]
async fn a_source_address_the_host_lacks_is_the_monitor_s_failure() {
    let (addr, _peer) = first_peer().await;
    let p = policy(Duration::from_secs(2), Duration::from_secs(2));
    // Not an address of this host (TEST-NET-1): binding fails before anything is sent.
    let o = prober("192.0.2.1").tcp(&tcp_spec(addr, false), &p).await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Unknown, Some(ErrorKind::Vantage)),
        "{:?}",
        o.message
    );
    // An IPv6 source cannot reach an IPv4 target.
    let o = prober("::1").tcp(&tcp_spec(addr, false), &p).await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Unknown, Some(ErrorKind::Vantage)),
        "{:?}",
        o.message
    );
    let message = o.message.unwrap_or_default();
    assert!(message.contains("no such local address"), "{message}");
}
