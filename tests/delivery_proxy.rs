//! Alert deliveries through a proxy and with a receiver's own CA (docs/alerts.md,
//! "Proxies and private CAs"), end to end: the real binary, a real forwarding proxy on
//! loopback (tinyproxy, `support::Tinyproxy`), loopback receivers (plain HTTP, and TLS
//! with a certificate of a CA the test makes) and a check that is DOWN from its first
//! result, so that every receiver gets a CheckDown notification. What is asserted is what
//! the proxy and the receivers saw: the request lines the proxy logged (a forwarded
//! `POST http://…`, a tunnelled `CONNECT host:port`), the `Via` header it adds, the
//! requests that reached each receiver; and what an operator sees of a failed delivery
//! (`/api/v1/notifications`). The environment's proxy variables are given to the emcd
//! child process only (tests run on parallel threads of one process).

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use support::{
    alerting_agency, eventually_or, get, reply, serve_tls, start_target, Ca, Daemon, Hook, Target,
    Tinyproxy,
};

const WAIT: Duration = Duration::from_secs(30);

/// A receiver as a YAML flow mapping: `name` and the rest of its keys.
fn receiver(name: &str, keys: &str) -> (String, String) {
    (name.to_owned(), format!("{{name: {name}, {keys}}}"))
}

/// Writes `emcd.yaml` with `receivers`, each routed every alert, and the agency file whose
/// one check (`portal`, probing `target`'s `/fail` every second) is DOWN at its first
/// result. Returns the main file.
fn write_config(dir: &Path, receivers: &[(String, String)], target: &Target) -> PathBuf {
    let mut yaml =
        String::from("storage: {path: emcd.db}\nalerting:\n  repeat_interval: 0s\n  receivers:\n");
    for (_, r) in receivers {
        yaml.push_str(&format!("    - {r}\n"));
    }
    yaml.push_str("  routes:\n");
    for (name, _) in receivers {
        yaml.push_str(&format!("    - {{receiver: {name}}}\n"));
    }
    yaml.push_str("include: [agencies/*.yaml]\n");
    let main = dir.join("emcd.yaml");
    std::fs::write(&main, yaml).unwrap();
    let url = format!("http://{}/fail", target.addr);
    alerting_agency(dir, &[("portal", url)], (1, 1));
    main
}

/// The notifications of `receiver` in the outbox.
async fn notifications(d: &Daemon, receiver: &str) -> Vec<Value> {
    let Ok((200, body)) = get(&d.addr, "/api/v1/notifications").await else {
        return Vec::new();
    };
    let page: Value = serde_json::from_str(&body).unwrap();
    let all = page["notifications"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    all.into_iter()
        .filter(|n| n["receiver"] == receiver)
        .collect()
}

/// Waits (bounded) for a notification of `receiver` whose `last_error` contains `text`.
async fn failed_with(d: &Daemon, receiver: &str, text: &str) -> Value {
    let found = || async move {
        let list = notifications(d, receiver).await;
        list.into_iter()
            .find(|n| n["last_error"].as_str().is_some_and(|e| e.contains(text)))
    };
    let log = || format!("emcd log:\n{}", d.log());
    let what = format!("a notification of {receiver} failing with {text:?}");
    eventually_or(WAIT, &what, found, log).await
}

/// Waits (bounded) for the first delivery to `hook`; its `Via` header, if any.
async fn via(hook: &Hook) -> Option<String> {
    let got = hook.wait_for(1, WAIT).await;
    got[0].headers.get("via").cloned()
}

/// Waits (bounded) until `server` received a request for `path`.
async fn reached(server: &support::Server, path: &str, d: &Daemon) {
    let arrived = || async move {
        let requests = server.requests();
        requests.iter().any(|r| r.path == path).then_some(())
    };
    let log = || format!("emcd log:\n{}", d.log());
    eventually_or(WAIT, &format!("a delivery to {path}"), arrived, log).await;
}

/// (a) A receiver's own `proxy` (with user and password) carries its plain HTTP
/// deliveries: the proxy forwards the POST and says so in `Via`. Without the password
/// the proxy answers 407, which is retried rather than dead. The password is in no log
/// and no API answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receivers_proxy_carries_its_deliveries_with_its_credentials() {
    const PASSWORD: &str = "pr0xy-s3cret";
    let proxy = Tinyproxy::start("emcd-test-proxy", Some(("alice", PASSWORD))).await;
    let target = start_target().await;
    let hook = Hook::start(vec![]).await;
    let unreached = Hook::start(vec![]).await;
    let dir = tempfile::tempdir().unwrap();
    let with_password = proxy.url(Some(("alice", PASSWORD)));
    let receivers = [
        receiver(
            "ops",
            &format!(
                "proxy: \"{with_password}\", webhook: {{url: \"http://{}/hook\"}}",
                hook.addr
            ),
        ),
        receiver(
            "no-password",
            &format!(
                "proxy: \"{}\", webhook: {{url: \"http://{}/hook\"}}",
                proxy.url(None),
                unreached.addr
            ),
        ),
    ];
    let main = write_config(dir.path(), &receivers, &target);
    let d = Daemon::start(dir.path(), &main);
    d.wait_ready().await;

    let got = hook.wait_for(1, WAIT).await;
    let delivery = &got[0];
    assert_eq!(delivery.json()["alert"]["name"], "CheckDown");
    let via = delivery.headers.get("via").cloned().unwrap_or_default();
    assert!(
        via.contains("emcd-test-proxy"),
        "the proxy's Via header, got {:?}",
        delivery.headers
    );
    let forwarded = format!("POST http://{}/hook HTTP/1.1", hook.addr);
    assert!(
        proxy.requests().contains(&forwarded),
        "the proxy forwarded {forwarded:?}; its requests: {:?}",
        proxy.requests()
    );

    // The proxy refuses a delivery without credentials: HTTP 407, retried, not dead.
    let refused = failed_with(&d, "no-password", "HTTP 407 from the proxy").await;
    assert_eq!(refused["state"], "pending", "{refused}");
    assert!(
        unreached.requests().is_empty(),
        "never reached the receiver"
    );

    let (_, page) = get(&d.addr, "/api/v1/notifications").await.unwrap();
    assert!(!page.contains(PASSWORD), "the API shows no proxy password");
    assert!(
        !d.log().contains(PASSWORD),
        "the log shows no proxy password:\n{}",
        d.log()
    );
}

/// (b) An HTTPS receiver behind a private CA, reached through the proxy by `CONNECT`:
/// delivered when its `ca_file` names the CA, and failing with the issuer problem
/// without it (the CA is in no system trust store).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_receiver_is_reached_through_connect_trusting_its_ca_file() {
    let proxy = Tinyproxy::start("emcd-test-proxy", None).await;
    let target = start_target().await;
    let ca = Ca::new();
    let leaf = ca.leaf(&["localhost"], (2040, 1, 1));
    let server = serve_tls(leaf.acceptor(), |_| reply(200, &[], "")).await;
    let port = server.addr.port();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("noc-ca.pem"), &ca.pem).unwrap();
    let via = proxy.url(None);
    let receivers = [
        receiver(
            "trusted",
            &format!(
                "proxy: \"{via}\", ca_file: noc-ca.pem, webhook: {{url: \"https://localhost:{port}/trusted\"}}"
            ),
        ),
        receiver(
            "untrusted",
            &format!("proxy: \"{via}\", webhook: {{url: \"https://localhost:{port}/untrusted\"}}"),
        ),
    ];
    let main = write_config(dir.path(), &receivers, &target);
    let d = Daemon::start(dir.path(), &main);
    d.wait_ready().await;

    reached(&server, "/trusted", &d).await;
    let tunnel = format!("CONNECT localhost:{port} HTTP/1.1");
    assert!(
        proxy.requests().contains(&tunnel),
        "the proxy tunnelled {tunnel:?}; its requests: {:?}",
        proxy.requests()
    );

    let failed = failed_with(&d, "untrusted", "UnknownIssuer").await;
    let error = failed["last_error"].as_str().unwrap();
    assert_eq!(failed["state"], "pending", "{failed}");
    assert!(
        error.contains("through proxy http://127.0.0.1:") && error.contains("ca_file"),
        "names the proxy and what to do: {error}"
    );
    assert!(
        server.requests().iter().all(|r| r.path != "/untrusted"),
        "no request without a verified certificate"
    );
}

/// (c) With no `proxy` key, deliveries honour `HTTP_PROXY` and `https_proxy` (both cases
/// are read), and `NO_PROXY` sends a host past the proxy; `proxy: direct` ignores the
/// environment, and a receiver's own proxy overrides it, `NO_PROXY` included. Probes
/// never go through the proxy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_proxies_are_honoured_and_no_proxy_bypasses_them() {
    let env_proxy = Tinyproxy::start("env-proxy", None).await;
    let own_proxy = Tinyproxy::start("receiver-proxy", None).await;
    let target = start_target().await;
    let ca = Ca::new();
    let leaf = ca.leaf(&["localhost"], (2040, 1, 1));
    let tls = serve_tls(leaf.acceptor(), |_| reply(200, &[], "")).await;
    let plain = Hook::start(vec![]).await;
    let direct = Hook::start(vec![]).await;
    // 127.0.0.2 is loopback too, and the one host NO_PROXY names.
    let second = || async { tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap() };
    let bypassed = Hook::start_on(second().await, vec![]);
    let own = Hook::start_on(second().await, vec![]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("noc-ca.pem"), &ca.pem).unwrap();
    let hook = |h: &Hook| format!("webhook: {{url: \"http://{}/hook\"}}", h.addr);
    let tls_port = tls.addr.port();
    let receivers = [
        receiver("env-http", &hook(&plain)),
        receiver(
            "env-https",
            &format!(
                "ca_file: noc-ca.pem, webhook: {{url: \"https://localhost:{tls_port}/hook\"}}"
            ),
        ),
        receiver("bypassed", &hook(&bypassed)),
        receiver("direct", &format!("proxy: direct, {}", hook(&direct))),
        receiver(
            "own",
            &format!("proxy: \"{}\", {}", own_proxy.url(None), hook(&own)),
        ),
    ];
    let main = write_config(dir.path(), &receivers, &target);
    let env_url = env_proxy.url(None);
    let d = Daemon::start_with_env(
        dir.path(),
        &main,
        &[
            ("HTTP_PROXY", env_url.as_str()),
            ("https_proxy", env_url.as_str()),
            ("NO_PROXY", "127.0.0.2"),
        ],
    );
    d.wait_ready().await;

    let env_via = via(&plain).await.unwrap_or_default();
    assert!(
        env_via.contains("env-proxy"),
        "HTTP_PROXY used: {env_via:?}"
    );
    reached(&tls, "/hook", &d).await;
    assert_eq!(via(&bypassed).await, None, "NO_PROXY: reached directly");
    assert_eq!(via(&direct).await, None, "proxy: direct: reached directly");
    let own_via = via(&own).await.unwrap_or_default();
    assert!(
        own_via.contains("receiver-proxy"),
        "the receiver's proxy, NO_PROXY notwithstanding: {own_via:?}"
    );

    let seen = env_proxy.requests();
    let expected = [
        format!("POST http://{}/hook HTTP/1.1", plain.addr),
        format!("CONNECT localhost:{tls_port} HTTP/1.1"),
    ];
    for line in &expected {
        assert!(
            seen.contains(line),
            "{line:?} in the proxy's requests {seen:?}"
        );
    }
    assert!(
        seen.iter().all(|l| expected.contains(l)),
        "nothing else went through the environment's proxy: {seen:?}"
    );
    let forwarded = format!("POST http://{}/hook HTTP/1.1", own.addr);
    assert!(
        own_proxy.requests().iter().all(|l| *l == forwarded),
        "{:?}",
        own_proxy.requests()
    );
    // The check probed the target all along, with HTTP_PROXY set: never through it.
    assert!(target.served.load(std::sync::atomic::Ordering::SeqCst) > 0);
    let target_port = format!(":{}/", target.addr.port());
    assert!(
        !env_proxy.log().contains(&target_port),
        "probes never use a proxy:\n{}",
        env_proxy.log()
    );
    assert!(
        d.log().contains("honour these proxy variables"),
        "the start logs the variables:\n{}",
        d.log()
    );
}

/// (d) A bad `proxy` or an unreadable or invalid `ca_file` is a config error that names
/// the key, the receiver and the value (a password hidden), as `emcd check` prints it.
#[test]
fn bad_proxy_urls_and_ca_files_are_config_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("not-a-ca.pem"), "not a certificate\n").unwrap();
    let main = dir.path().join("emcd.yaml");
    std::fs::write(
        &main,
        "alerting:\n  receivers:\n\
         \x20   - name: ops\n      proxy: \"http://ops:hunter2@proxy.gov.vn:99999\"\n      ca_file: missing-ca.pem\n      webhook: {url: \"https://noc.example.gov.vn/hook\"}\n\
         \x20   - name: am\n      proxy: socks5://proxy.gov.vn:1080\n      ca_file: not-a-ca.pem\n      alertmanager: {url: \"https://am.example.gov.vn\"}\n\
         \x20   - name: noc\n      proxy: proxy.gov.vn:3128\n      webhook: {url: \"https://noc.example.gov.vn/hook\"}\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_emcd"))
        .args(["check", "--config"])
        .arg(&main)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let (file, d) = (main.display(), dir.path().display());
    let expected = [
        format!("{file}:4:14: alerting.receivers[0].proxy: receiver \"ops\": invalid proxy URL \"http://ops:***@proxy.gov.vn:99999\": invalid port number"),
        format!("{file}:5:16: alerting.receivers[0].ca_file: receiver \"ops\": cannot read \"{d}/missing-ca.pem\": No such file or directory (os error 2)"),
        format!("{file}:8:14: alerting.receivers[1].proxy: receiver \"am\": unsupported proxy scheme \"socks5\" in \"socks5://proxy.gov.vn:1080\": expected http or https (an HTTP proxy, reached in clear or over TLS)"),
        format!("{file}:9:16: alerting.receivers[1].ca_file: receiver \"am\": CA file \"{d}/not-a-ca.pem\" holds no certificate: expected a PEM block BEGIN CERTIFICATE"),
        format!("{file}:12:14: alerting.receivers[2].proxy: receiver \"noc\": invalid proxy \"proxy.gov.vn:3128\": expected `direct` or a proxy URL such as http://proxy.example.gov.vn:3128 (with its scheme, http:// or https://)"),
    ];
    for line in &expected {
        assert!(text.contains(line.as_str()), "{line}\nnot in:\n{text}");
    }
    assert!(!text.contains("hunter2"), "the password is hidden:\n{text}");
}
