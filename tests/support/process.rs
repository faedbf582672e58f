//! The `emcd` binary as a child process (`Daemon`): started on a free loopback port
//! with a config of a temporary directory and its log beside it, waited for, signalled,
//! terminated with a bounded wait (`terminate`), killed on drop. It never inherits the
//! proxy variables of the test's environment: a test that wants them passes them.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::eventually_or;
use super::http::get;

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The variables of proxies emcd's deliveries honour; removed from a daemon's inherited
/// environment, so loopback receivers are reached directly unless a test says otherwise.
pub const PROXY_VARIABLES: [&str; 8] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// A running `emcd` process, killed on drop if still running.
pub struct Daemon {
    pub child: Child,
    pub addr: String,
    pub dir: PathBuf,
}

impl Daemon {
    /// Starts `emcd run` on `main_config` with `--listen` on a free port.
    pub fn start(dir: &Path, main_config: &Path) -> Daemon {
        Daemon::start_with_env(dir, main_config, &[])
    }

    /// [`Daemon::start`] with extra environment variables.
    pub fn start_with_env(dir: &Path, main_config: &Path, env: &[(&str, &str)]) -> Daemon {
        Daemon::spawn(dir, main_config, env, &[])
    }

    /// [`Daemon::start`] with extra arguments to `emcd run`.
    pub fn start_args(dir: &Path, main_config: &Path, args: &[&str]) -> Daemon {
        Daemon::spawn(dir, main_config, &[], args)
    }

    fn spawn(dir: &Path, main_config: &Path, env: &[(&str, &str)], args: &[&str]) -> Daemon {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let log = std::fs::File::create(dir.join("emcd.log")).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_emcd"));
        for name in PROXY_VARIABLES {
            command.env_remove(name);
        }
        let child = command
            .args(["run", "--config"])
            .arg(main_config)
            .args(["--listen", &addr, "--log-level", "debug"])
            .args(args)
            .current_dir(dir)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("emcd binary starts");
        Daemon {
            child,
            addr,
            dir: dir.to_owned(),
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("emcd.log")).unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Waits (bounded) until `/readyz` answers 200.
    pub async fn wait_ready(&self) {
        let ready = move || async move {
            matches!(get(&self.addr, "/readyz").await, Ok((200, _))).then_some(())
        };
        let log = || format!("log:\n{}", self.log());
        eventually_or(Duration::from_secs(20), "emcd to be ready", ready, log).await;
    }

    /// Sends a signal (`HUP`, `TERM`, ...) to the process.
    pub fn signal(&self, name: &str) {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .unwrap();
        assert!(ok.success(), "kill -{name} {pid}");
    }

    /// Sends SIGTERM and waits (bounded) for the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let log = self.dir.join("emcd.log");
        terminate(&mut self.child, "emcd", || {
            std::fs::read_to_string(&log).unwrap_or_default()
        })
    }
}

/// Sends SIGTERM to `child` (called `what` in messages) and waits, at most 20 s, for its
/// exit status; `output` is shown if it does not exit.
pub fn terminate(
    child: &mut Child,
    what: &str,
    output: impl Fn() -> String,
) -> std::process::ExitStatus {
    sigterm_and_wait(child, Duration::from_secs(20)).unwrap_or_else(|| {
        panic!(
            "{what} did not exit within 20 s of SIGTERM; output:\n{}",
            output()
        )
    })
}

/// SIGTERM, then the exit status if `child` exits within `wait`.
fn sigterm_and_wait(child: &mut Child, wait: Duration) -> Option<std::process::ExitStatus> {
    // Not reaped yet, so the pid is still this child's: a failed kill shows as no exit.
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + wait;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// Stops `child` if it still runs: SIGTERM, at most 5 s for it to exit, then SIGKILL.
/// An emcd killed outright leaves its Chromium (the demo's page-load check) behind.
pub fn stop(child: &mut Child) {
    if !matches!(child.try_wait(), Ok(None)) {
        return;
    }
    if sigterm_and_wait(child, Duration::from_secs(5)).is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
}
