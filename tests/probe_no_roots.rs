//! A machine with no CA certificate installed: the prober still builds, trusts only its
//! extra roots, and a verified probe of an unknown issuer fails as `tls`. Alone in its own
//! test binary because it points rustls-native-certs at an empty CA file through the
//! environment, which must not race with other tests.

mod support;

use emcd::result::{ErrorKind, ResultKind};
use support::*;

#[tokio::test]
async fn no_system_roots_means_only_extra_roots() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    std::env::set_var("SSL_CERT_FILE", &empty);
    std::env::remove_var("SSL_CERT_DIR");

    let ca = Ca::new();
    let leaf = ca.leaf(&["localhost"], (2040, 1, 1));
    let server = serve_tls(leaf.acceptor(), |_| reply(200, &[], "")).await;
    let spec = http_spec(&format!("https://localhost:{}/", server.addr.port()));

    let o = prober(ca.roots()).http(&spec, &roomy()).await;
    assert_eq!(o.result, ResultKind::Up, "{o:?}");
    let o = prober(&[]).http(&spec, &roomy()).await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Tls)),
        "{o:?}"
    );
    assert_eq!(o.cert_expiry, Some(leaf.not_after));
}
