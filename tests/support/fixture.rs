//! The fleet the API tests run against, with secrets in every place a config can hold
//! one, a loopback HTTP target, and a push check whose history is seeded into the
//! database at known times (no result of it arrives while the test runs).

use std::net::SocketAddr;

use emcd::result::ResultKind;

use super::in_process::{now, ConfigDir, Running};
use super::target::{reply, serve, Server};

pub const PUSH_TOKEN: &str = "PUSH-TOKEN-SECRET-7f3a";
/// bo-tu-phap's `indicators_token`.
pub const INDICATORS_TOKEN: &str = "INDICATORS-TOKEN-SECRET-91b2";
pub const HB: &str = "bo-tu-phap/heartbeat/hb";
/// The push check's interval in the config: each result stands for at most 120 s.
pub const HB_INTERVAL: i64 = 60;

/// Strings of the config that no API answer or page may contain.
pub fn secrets() -> Vec<String> {
    vec![
        "URL-SECRET-PW".into(),
        "HEADER-SECRET-VAL".into(),
        "HEADER-SECRET-2".into(),
        "BODY-SECRET".into(),
        "ADMIN-SECRET".into(),
        PUSH_TOKEN.into(),
        digest_hex(PUSH_TOKEN),
        INDICATORS_TOKEN.into(),
        digest_hex(INDICATORS_TOKEN),
    ]
}

fn digest_hex(token: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// A loopback HTTP/1.1 target: `/ok` answers 200 "all good", anything else 503.
pub async fn target() -> Server {
    serve(|r| match r.path.as_str() {
        "/ok" => reply(200, &[], "all good"),
        _ => reply(503, &[], "down"),
    })
    .await
}

/// bo-tu-phap (which may push indicators): ho-tich (good http, bad http), heartbeat
/// (push), mot-cua (no check); ha-noi: cong-dvc (tcp). Checks probe every second and
/// go down after 2 failures.
pub fn write(dir: &ConfigDir, target: SocketAddr) {
    dir.agency(
        "bo-tu-phap",
        &format!(
            r#"agency: {{id: bo-tu-phap, code: BTP, name: "Bộ Tư pháp", kind: ministry, indicators_token: "sha256:{indicators}"}}
systems:
  - id: ho-tich
    name: "Hệ thống đăng ký hộ tịch"
    kind: tthc
    required: true
    checks:
      - id: good
        http:
          url: "http://probe:URL-SECRET-PW@{target}/ok"
          method: POST
          headers: {{Authorization: "Bearer HEADER-SECRET-VAL", X-Api-Key: "HEADER-SECRET-2"}}
          body: "BODY-SECRET"
        expect:
          status: [200]
          body_contains: "good"
      - id: bad
        http: {{url: "http://{target}/fail"}}
  - id: heartbeat
    name: Heartbeat
    kind: other
    required: true
    checks:
      - id: hb
        interval: 60s
        push: {{token: "sha256:{digest}", max_silence: 1h}}
  - id: mot-cua
    name: "Một cửa"
    kind: tthc
    required: true
    checks: []
"#,
            digest = digest_hex(PUSH_TOKEN),
            indicators = digest_hex(INDICATORS_TOKEN),
        ),
    );
    dir.agency(
        "ha-noi",
        &format!(
            r#"agency: {{id: ha-noi, code: "01", name: "Hà Nội", kind: city}}
systems:
  - id: cong-dvc
    name: "Cổng dịch vụ công"
    kind: portal
    required: true
    checks:
      - id: port
        tcp: {{host: 127.0.0.1, port: {port}}}
"#,
            port = target.port()
        ),
    );
}

/// The push check's seeded history relative to `now`, in time order: a stretch across
/// the 24 h boundary, a gap, a stretch with degraded, down, unknown results and short
/// gaps ending 2 h ago, and an old stretch across the 7 d boundary.
pub fn history(now: i64) -> Vec<(i64, ResultKind)> {
    let mut out = Vec::new();
    let h = 3600;
    // 7 d 1 h ago to 6 d 23 h ago: down every third minute.
    for (i, t) in (now - 7 * 86_400 - h..now - 7 * 86_400 + h)
        .step_by(60)
        .enumerate()
    {
        out.push((
            t,
            if i % 3 == 0 {
                ResultKind::Down
            } else {
                ResultKind::Up
            },
        ));
    }
    // 26 h to 22 h ago: up, every tenth down.
    for (i, t) in (now - 26 * h..now - 22 * h).step_by(60).enumerate() {
        out.push((
            t,
            if i % 10 == 9 {
                ResultKind::Down
            } else {
                ResultKind::Up
            },
        ));
    }
    // 10 h to 2 h ago.
    for (i, t) in (now - 10 * h..now - 2 * h).step_by(60).enumerate() {
        let kind = match i {
            0..=59 => ResultKind::Degraded,
            100..=129 => ResultKind::Down,
            200..=204 => continue, // a 6-minute gap: 2 min covered, 4 unknown
            300..=309 => ResultKind::Unknown,
            400 => ResultKind::Maintenance,
            _ => ResultKind::Up,
        };
        // Irregular spacing inside the cap.
        out.push((t + (i as i64 % 7), kind));
    }
    out
}

/// Config written, history seeded, daemon running.
pub struct Started {
    pub dir: ConfigDir,
    pub daemon: Running,
    /// The address of `server`.
    pub target: SocketAddr,
    pub server: Server,
    /// The push check's stored results, oldest first.
    pub history: Vec<(i64, ResultKind)>,
}

pub async fn start() -> Started {
    start_with_storage("").await
}

/// As `start`, with `storage_extra` (indented lines) in the `storage` section.
pub async fn start_with_storage(storage_extra: &str) -> Started {
    let dir = ConfigDir::with_storage(
        "server:\n  admin_token: ADMIN-SECRET-99\ndefaults:\n  interval: 1s\n  timeout: 800ms\n  \
         failure_threshold: 2\n  success_threshold: 1\n",
        storage_extra,
    );
    let server = target().await;
    let target = server.addr;
    write(&dir, target);
    let history = history(now());
    let rows: Vec<_> = history.iter().map(|&(t, k)| (HB, t, k)).collect();
    dir.seed(&rows).await;
    let daemon = Running::start(&dir).await;
    Started {
        dir,
        daemon,
        target,
        server,
        history,
    }
}
