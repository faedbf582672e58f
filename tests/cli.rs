//! The command line of the real binary: `emcd check`, `emcd token`, `emcd probe`.

use std::process::Command;

fn emcd(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_emcd"))
        .args(args)
        .env_remove("EMCD_CONFIG")
        .output()
        .expect("emcd runs")
}

#[test]
fn check_passes_on_the_example_config_with_a_summary() {
    let out = emcd(&["check", "--config", "config/emcd.yaml"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("51"),
        "summary counts 51 agencies:\n{stdout}"
    );
}

#[test]
fn check_fails_on_a_broken_file_with_file_line_col() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("agencies")).unwrap();
    let main = dir.path().join("emcd.yaml");
    std::fs::write(&main, "include: [agencies/*.yaml]\n").unwrap();
    std::fs::write(
        dir.path().join("agencies/bo-tu-phap.yaml"),
        "agency: {id: bo-tu-phap, code: BTP, name: Bộ Tư pháp, kind: ministry}\n\
         systems:\n  - id: ho-tich\n    name: Hộ tịch\n    kind: tthc\n    checks:\n\
         \x20     - id: portal\n        http: {url: \"/relative\"}\n\
         \x20     - id: slow\n        interval: 5s\n        timeout: 10s\n        tcp: {host: h.example.gov.vn, port: 443}\n",
    )
    .unwrap();
    let out = emcd(&["check", "--config", main.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let file = dir.path().join("agencies/bo-tu-phap.yaml");
    let file = file.display();
    assert!(
        stderr.contains(&format!(
            "{file}:8:21: systems[0].checks[0].http.url: relative URL \"/relative\": use an absolute http:// or https:// URL"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{file}:11:18: systems[0].checks[1].timeout:")),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 2, "one line per error:\n{stderr}");
}

#[test]
fn check_names_a_missing_file() {
    let out = emcd(&["check", "--config", "/nonexistent/emcd.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/emcd.yaml"));
}

#[test]
fn token_prints_a_token_and_its_digest() {
    let out = emcd(&["token"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let token = text
        .lines()
        .find_map(|l| l.strip_prefix("token:  "))
        .unwrap();
    let digest = format!("sha256:{}", emcd::token::hex(&emcd::token::digest(token)));
    assert!(text.contains(&digest), "{text}");
}

#[test]
fn probe_reports_a_loopback_endpoint_and_exit_code() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in listener.incoming().take(1) {
            let mut s = stream.unwrap();
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    let out = emcd(&["probe", &format!("http://{addr}/"), "--timeout", "2s"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("503"), "{stdout}");
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let out = emcd(&["probe", &format!("http://{closed}/")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("connect"));
}

/// A config whose database lives at `db` in `dir`.
fn report_config(dir: &std::path::Path, db: &str) -> String {
    let main = dir.join("emcd.yaml");
    std::fs::write(&main, format!("storage: {{path: \"{db}\"}}\n")).unwrap();
    main.display().to_string()
}

#[test]
fn report_on_a_missing_database_says_so_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/emcd.db");
    let main = report_config(dir.path(), &db.display().to_string());
    let out = emcd(&["report", "sla", "--config", &main, "--month", "2026-11"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a missing database is an error");
    assert!(
        stderr.contains("does not exist") && stderr.contains("emcd.db"),
        "{stderr}"
    );
    assert!(!dir.path().join("data").exists(), "nothing was created");
}

#[test]
fn report_never_changes_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("emcd.db");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let (store, mut conn) = emcd::store::Store::open(&db).await.unwrap();
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        drop(store);
    });
    // A plain copy, as an auditor would get it: no -wal or -shm beside it.
    let copy = dir.path().join("copy.db");
    std::fs::copy(&db, &copy).unwrap();
    let before = std::fs::read(&copy).unwrap();
    let modified = std::fs::metadata(&copy).unwrap().modified().unwrap();
    let main = report_config(dir.path(), &copy.display().to_string());
    for kind in ["sla", "compliance"] {
        let out = emcd(&[
            "report", kind, "--config", &main, "--month", "2026-11", "--format", "json",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        std::fs::read(&copy).unwrap() == before,
        "the file is byte for byte the same"
    );
    assert_eq!(
        std::fs::metadata(&copy).unwrap().modified().unwrap(),
        modified
    );
}

/// Every argument and option of `emcd report` says what it is for; `--format` lists its
/// values with theirs.
#[test]
fn report_help_describes_every_flag() {
    let out = emcd(&["report", "-h"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "<KIND>", "--config", "--month", "--from", "--to", "--agency", "--format",
    ] {
        let line = help
            .lines()
            .find(|l| l.trim_start().starts_with(flag))
            .unwrap_or_else(|| panic!("{flag} in\n{help}"));
        let text = line
            .trim_start()
            .split_once("  ")
            .map_or("", |(_, text)| text.trim());
        assert!(!text.is_empty(), "{flag} has no help:\n{help}");
    }
    let out = emcd(&["report", "--help"]);
    let long = String::from_utf8_lossy(&out.stdout);
    assert!(long.contains("Output format"), "{long}");
    for value in ["- table: ", "- json: ", "- csv: "] {
        assert!(long.contains(value), "{value} in\n{long}");
    }
}
