//! A real PostgreSQL for the tests: Debian's `postgresql` package, initialised in a
//! temporary directory and started on a free loopback port (as the `postgres` user when
//! the tests run as root, since PostgreSQL refuses to run as root), stopped on drop.
//! Password authentication over TCP, as a deployment has it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The password of the test cluster's `emcd` user.
pub const PASSWORD: &str = "emcd-test-secret-pw";

pub struct Postgres {
    pub port: u16,
    bin: PathBuf,
    data: PathBuf,
    /// `pg_ctl -o` options and log file, to start it again on the same port.
    opts: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// The newest installed PostgreSQL's binaries, if any.
fn bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| Some(e.ok()?.path().join("bin")))
        .filter(|b| b.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    // SAFETY-free: the effective uid from /proc, as `id -u` prints it.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// `program args` as the user PostgreSQL runs as.
fn command(program: &Path, args: &[&str]) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program).args(args);
        c
    } else {
        let mut c = Command::new(program);
        c.args(args);
        c
    }
}

fn run(mut c: Command, what: &str) {
    let out = c.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Postgres {
    /// Starts a fresh cluster. Panics with what to install when PostgreSQL is missing.
    pub fn start() -> Postgres {
        let bin = bin_dir().expect(
            "PostgreSQL is not installed: `apt-get install -y postgresql` (.ci/run does it)",
        );
        let dir = tempfile::Builder::new()
            .prefix("emcd-pg")
            .tempdir()
            .unwrap();
        let data = dir.path().join("data");
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, PASSWORD).unwrap();
        if is_root() {
            run(
                {
                    let mut c = Command::new("chown");
                    c.args(["-R", "postgres"]).arg(dir.path());
                    c
                },
                "chown",
            );
        }
        let pw = format!("--pwfile={}", pwfile.display());
        run(
            command(
                &bin.join("initdb"),
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-U",
                    "emcd",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    &pw,
                    "-E",
                    "UTF8",
                    "--no-sync",
                ],
            ),
            "initdb",
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=100",
            dir.path().display()
        );
        let pg = Postgres {
            port,
            bin,
            data,
            opts,
            log: dir.path().join("log"),
            _dir: dir,
        };
        pg.start_again();
        pg
    }

    /// Starts the server (again, after [`Postgres::stop`]) on the same port and data.
    pub fn start_again(&self) {
        run(
            command(
                &self.bin.join("pg_ctl"),
                &[
                    "-D",
                    self.data.to_str().unwrap(),
                    "-o",
                    &self.opts,
                    "-l",
                    self.log.to_str().unwrap(),
                    "-w",
                    "start",
                ],
            ),
            "pg_ctl start",
        );
    }

    /// The URL of database `db` (created by [`Postgres::create`]).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://emcd:{PASSWORD}@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates database `db`; returns its URL.
    pub async fn create(&self, db: &str) -> String {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(&self.url("postgres"))
            .await
            .expect("connect to the test PostgreSQL");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{db}\"")))
            .execute(&mut c)
            .await
            .unwrap();
        self.url(db)
    }

    /// Stops the server at once (a crash, as far as clients see it).
    pub fn stop(&self) {
        let _ = command(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                self.data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        )
        .output();
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}
