//! A real forwarding proxy on loopback for the delivery tests (`Tinyproxy`): tinyproxy
//! (the `tinyproxy` package) as a child process in the foreground (`-d`), with a config
//! file written to its own temporary directory, on a free loopback port, its log
//! (every request it forwards or tunnels) read back by the tests.
//!
//! The config names no `User` or `Group`: tinyproxy then keeps the user that started it
//! (as root, CI's case, it only warns "You SHOULD set a UserName"; as anyone else it
//! cannot switch users anyway), so it runs the same as root and not.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::eventually_or;
use super::process::free_port;

/// A running tinyproxy, killed (and reaped) on drop.
pub struct Tinyproxy {
    child: Child,
    pub port: u16,
    /// The name it puts in the `Via` header of the requests it forwards.
    pub name: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tinyproxy {
    /// Starts tinyproxy on 127.0.0.1, naming itself `name` in `Via`, requiring Basic
    /// authentication with `auth` (user, password) when given; waits (bounded) until it
    /// accepts connections.
    pub async fn start(name: &str, auth: Option<(&str, &str)>) -> Tinyproxy {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut conf = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 50\nLogLevel Info\n\
             ViaProxyName \"{name}\"\n"
        );
        if let Some((user, password)) = auth {
            conf.push_str(&format!("BasicAuth {user} {password}\n"));
        }
        let conf_path = dir.path().join("tinyproxy.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let log = dir.path().join("tinyproxy.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("tinyproxy does not run ({e}); it comes with the tinyproxy package")
            });
        let proxy = Tinyproxy {
            child,
            port,
            name: name.to_owned(),
            log,
            _dir: dir,
        };
        let listening = || async move {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .ok()
                .map(|_| ())
        };
        let log = || format!("tinyproxy log:\n{}", proxy.log());
        eventually_or(
            Duration::from_secs(10),
            "tinyproxy to listen",
            listening,
            log,
        )
        .await;
        proxy
    }

    /// `http://127.0.0.1:PORT`, with `user:password@` when given.
    pub fn url(&self, auth: Option<(&str, &str)>) -> String {
        match auth {
            Some((u, p)) => format!("http://{u}:{p}@127.0.0.1:{}", self.port),
            None => format!("http://127.0.0.1:{}", self.port),
        }
    }

    /// Everything it logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The request lines it logged (`POST http://… HTTP/1.1`, `CONNECT host:port HTTP/1.1`).
    pub fn requests(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter_map(|l| l.split_once("): ").filter(|_| l.contains(" Request (")))
            .map(|(_, request)| request.to_owned())
            .collect()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
