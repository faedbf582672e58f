//! What the demo prints on stdout once the daemon is ready: where to look (status page,
//! metrics, API), which simulated checks misbehave and how, how to push a heartbeat and
//! indicators by hand, and how to stop. Logs (state changes included) go to stderr as usual.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;

use tokio_util::sync::CancellationToken;

use super::indicators::Reporter;
use super::plan::PlannedAgency;
use super::pusher::Pusher;
use crate::config::Config;

/// The text, rendered before the daemon starts and printed once it is ready.
pub struct Banner(String);

impl Banner {
    pub fn new(
        config: &Config,
        plan: &[PlannedAgency],
        daemon: SocketAddr,
        (main_file, database): (&Path, &Path),
        pusher: &Pusher,
        reporter: &Reporter,
    ) -> Banner {
        let systems: usize = config.agencies.iter().map(|a| a.systems.len()).sum();
        let base = format!("http://{daemon}");
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\nemcd demo is running: {} agencies, {systems} systems, {} checks against a simulated fleet on 127.0.0.1.\n",
            config.agencies.len(),
            config.checks().count(),
        );
        for a in &config.retired {
            let _ = writeln!(
                out,
                "{} ({}) merged into {} on {}: not probed; reports over earlier periods list it.\n",
                a.name,
                a.id,
                a.lifecycle.successor.as_deref().unwrap_or("-"),
                a.lifecycle
                    .valid_to
                    .map_or(String::new(), |d| crate::sla::time::date_text(
                        config.sla.timezone,
                        d.at
                    )),
            );
        }
        for (what, path) in [
            ("Status page", "/"),
            ("Metrics", "/metrics"),
            ("API status", "/api/v1/status"),
            ("OpenAPI", "/api/v1/openapi.json"),
        ] {
            let _ = writeln!(out, "  {what:<12} {base}{path}");
        }
        let _ = writeln!(
            out,
            "\n  {:<12} {} (and agencies/*.yaml next to it)\n  {:<12} {}\n",
            "Config",
            main_file.display(),
            "Database",
            database.display()
        );
        out.push_str(
            "Alerts go to the demo's own webhook receiver, which prints each notification below as it\n\
             arrives (time, `webhook`, firing or resolved, alert, agency/system/check).\n\n\
             Simulated behaviours (state changes and alerts are also logged, as \"check state changed\" and \"alert\"):\n",
        );
        for a in plan {
            for s in &a.systems {
                if s.checks.is_empty() && s.required != Some(false) {
                    let id = format!("{}/{}", a.agency.id, s.id);
                    let _ = writeln!(
                        out,
                        "  {id:<52} required system with no check: unregistered"
                    );
                }
                for c in &s.checks {
                    if let Some(note) = c.target.note() {
                        let id = format!("{}/{}/{}", a.agency.id, s.id, c.id);
                        let _ = writeln!(out, "  {id:<52} {note}");
                    }
                }
            }
        }
        let _ = writeln!(
            out,
            "  everything else                                      healthy\n\n\
             Push a heartbeat yourself:\n  curl -X POST -H 'Authorization: Bearer {}' -d '{{\"status\":\"up\"}}' {base}{}\n",
            pusher.token, pusher.path
        );
        if let Some((agency, systems)) = reporter.agencies.first() {
            let pushing: Vec<&str> = reporter.agencies.iter().map(|a| a.0.as_str()).collect();
            let system = systems.first().map_or("mot-cua", String::as_str);
            let tz = config.sla.timezone;
            let month = &crate::sla::time::date_text(tz, crate::util::unix_now())[..7];
            let _ = writeln!(
                out,
                "Monthly indicators pushed by {} (see {base}/api/v1/indicators/{agency} and the scorecard at {base}/api/v1/reports/scorecard); push some yourself:\n  \
                 curl -X POST -H 'Authorization: Bearer {}' -d '{{\"month\":\"{month}\",\"systems\":[{{\"system\":\"{system}\",\"received\":120,\"resolved_on_time\":100,\"resolved_late\":8,\"submitted_online\":90,\"paid_online\":40,\"satisfaction\":91.5}}]}}' {base}/api/v1/indicators/{agency}\n",
                pushing.join(", "),
                reporter.token,
            );
        }
        out.push_str("Press Ctrl-C to stop.\n");
        Banner(out)
    }

    /// Prints the banner once `ready` is cancelled, unless `stop` comes first.
    pub async fn print_when_ready(self, ready: CancellationToken, stop: CancellationToken) {
        tokio::select! {
            _ = stop.cancelled() => {}
            _ = ready.cancelled() => println!("{}", self.0),
        }
    }
}
