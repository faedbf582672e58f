//! One headless Chromium process: started with a DevTools port of its own choosing and a
//! throw-away profile directory, killed (and its profile removed) when dropped.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How long Chromium has to print its DevTools address.
const START_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("starting {path}: {source}")]
    Spawn {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} exited before printing its DevTools address{detail}")]
    Exited { path: String, detail: String },
    #[error("{path} printed no DevTools address within {START_TIMEOUT:?}")]
    Slow { path: String },
}

/// A running Chromium.
pub struct Process {
    /// Killed on drop (`kill_on_drop`).
    child: Child,
    /// The profile directory, removed on drop.
    profile: PathBuf,
    /// `ws://127.0.0.1:PORT/devtools/browser/ID`.
    pub ws_url: String,
    /// The task that reads Chromium's stderr (it ends with the process; aborted on drop).
    drain: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        if let Some(d) = &self.drain {
            d.abort();
        }
        let _ = std::fs::remove_dir_all(&self.profile);
        // A dying Chromium may still write to its profile: remove it again once the
        // process is gone, if a runtime is there to wait for it.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let profile = self.profile.clone();
            let pid = self.child.id();
            runtime.spawn(async move {
                for _ in 0..50 {
                    let gone = pid.is_none_or(|p| !Path::new(&format!("/proc/{p}")).exists());
                    if gone {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                let _ = tokio::fs::remove_dir_all(&profile).await;
            });
        }
    }
}

impl Process {
    /// Starts `executable` headless; `n` tells this launch's profile directory apart.
    pub async fn launch(executable: &Path, n: u64) -> Result<Process, LaunchError> {
        let path = executable.display().to_string();
        let profile = profile_dir(n).map_err(|source| LaunchError::Spawn {
            path: path.clone(),
            source,
        })?;
        let mut command = Command::new(executable);
        command
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if is_root() {
            // Chromium refuses to run as root with its sandbox (containers, CI).
            command.arg("--no-sandbox");
        }
        let mut child = command.spawn().map_err(|source| LaunchError::Spawn {
            path: path.clone(),
            source,
        })?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let mut lines = BufReader::new(stderr).lines();
        let mut last = String::new();
        let found = tokio::time::timeout(START_TIMEOUT, async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    return Some(url.trim().to_owned());
                }
                last = line;
            }
            None
        })
        .await;
        let process = |ws_url, drain| Process {
            child,
            profile: profile.clone(),
            ws_url,
            drain,
        };
        match found {
            Ok(Some(url)) => {
                // Keep reading stderr, or Chromium blocks once the pipe is full.
                let drain = tokio::spawn(async move {
                    while let Ok(Some(line)) = lines.next_line().await {
                        tracing::trace!(target: "emcd::chromium", "{line}");
                    }
                });
                Ok(process(url, Some(drain)))
            }
            Ok(None) => {
                drop(process(String::new(), None));
                let detail = match last.is_empty() {
                    true => String::new(),
                    false => format!(": {last}"),
                };
                Err(LaunchError::Exited { path, detail })
            }
            Err(_) => {
                drop(process(String::new(), None));
                Err(LaunchError::Slow { path })
            }
        }
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The process id, for the benchmark's memory readings.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}

/// A new directory under the system's temporary one, named by the process id, `n` and
/// the time (several browsers in one process, as in tests, never share one).
fn profile_dir(n: u64) -> std::io::Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let name = format!("emcd-chromium-{}-{n}-{nanos}", std::process::id());
    let dir = std::env::temp_dir().join(name);
    std::fs::create_dir(&dir)?;
    Ok(dir)
}

/// Headless, no GPU, nothing running in the background that would add requests or CPU
/// to a measurement, and no throttling of the pages' timers (several load at once).
const FLAGS: &[&str] = &[
    "--headless=new",
    "--remote-debugging-port=0",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-renderer-backgrounding",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    "--metrics-recording-only",
    "--mute-audio",
    "--hide-scrollbars",
    "--password-store=basic",
];

/// Whether emcd runs as root (the owner of `/proc/self` is the effective user).
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}
