//! The validated, typed configuration the daemon uses. A value of these types is a valid
//! one: everything here was checked by `config::load`. Runtime state (streaks, alert
//! state, counters) never lives here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

pub use super::model_cluster::{Cluster, VantageName};
pub use super::model_delivery::*;
pub use super::model_probe::*;
mod alerting;
mod lifecycle;
mod scoring;
pub use alerting::*;
pub use lifecycle::{Day, Lifecycle};
pub use scoring::{Scoring, Weights, GRADES};

/// The whole configuration: main file plus every included agency file.
#[derive(Clone, Debug)]
pub struct Config {
    /// The main file this config was loaded from.
    pub source: PathBuf,
    pub digest: String, // sha256: of the files as read (docs/cluster.md)
    pub server: Server,
    pub storage: Storage,
    pub probing: Probing,
    pub cluster: Cluster,
    /// `vantages`: the declared vantages with their names; empty when none are declared.
    pub vantages: Vec<VantageName>,
    pub connection: Connection,
    pub sla: Sla,
    pub scoring: Scoring,
    pub alerting: Alerting,
    /// `metrics.per_check`: which per-check series `/metrics` carries.
    pub metrics: PerCheck,
    pub maintenance: Vec<MaintenanceWindow>,
    /// In file order of the include globs (each glob's matches sorted by path). As
    /// loaded, every agency file; as the daemon runs it ([`Config::live_at`]), those not
    /// past their `valid_to`.
    pub agencies: Vec<Agency>,
    /// The agencies past their `valid_to` when the daemon last applied the config: not
    /// probed, not required, not shown live; reports over a period still list them.
    /// Empty as loaded.
    pub retired: Vec<Agency>,
}

#[derive(Clone, Debug)]
pub struct Server {
    pub listen: SocketAddr,
    /// Bearer token for `POST /-/reload` and the admin API. Never logged.
    pub admin_token: Option<Secret>,
    pub public_url: Option<Url>,
    /// Open connections at most (docs/limits.md, "The HTTP server").
    pub max_connections: usize,
    /// Time a client has to send a request's headers.
    pub header_timeout: Duration,
    /// A connection with no request in flight and no traffic for this long is closed.
    pub idle_timeout: Duration,
    /// `server.tls`: HTTPS on `listen`; `None` is plain HTTP.
    pub tls: Option<ServerTls>,
    /// `server.language`: the status page's language when the request names none
    /// (`?lang=`, `Accept-Language`). Default Vietnamese.
    pub language: Language,
}

/// `metrics.per_check` (docs/metrics.md, "Profiles"): every per-check family, or the
/// six series a check that the shipped rules and dashboards need.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PerCheck {
    #[default]
    Full,
    Lean,
}

/// A language the status page speaks (SPEC 12).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Language {
    #[default]
    Vi,
    En,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::Vi, Language::En];

    /// The BCP 47 tag, as `<html lang>` and `?lang=` write it.
    pub fn tag(self) -> &'static str {
        match self {
            Language::Vi => "vi",
            Language::En => "en",
        }
    }

    /// `vi` or `en` (any case); `None` for anything else.
    pub fn parse(s: &str) -> Option<Language> {
        Language::ALL
            .into_iter()
            .find(|l| s.eq_ignore_ascii_case(l.tag()))
    }
}

/// `server.tls`: the listener's certificate chain and private key, read when the config
/// is loaded (at start and on every reload) and checked to belong together, with the
/// same checks as a probe's client certificate.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerTls(pub Arc<ClientCert>);

/// A string that must never be printed: `Debug` shows `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Clone, Debug)]
pub struct Storage {
    /// As written; a relative path is relative to the working directory (like Prometheus's data dir).
    pub path: PathBuf,
    /// `storage.postgres`: a PostgreSQL URL (it may hold a password) instead of the file.
    pub postgres: Option<Secret>,
    pub retention: Retention,
    /// Results held in memory while commits fail; past it the oldest are lost (counted).
    pub max_held_results: usize,
}

#[derive(Clone, Debug)]
pub struct Retention {
    pub raw: Duration,
    pub hourly: Duration,
    pub daily: Duration,
}

#[derive(Clone, Debug)]
pub struct Probing {
    pub max_in_flight: usize,
    /// With `{version}` already replaced.
    pub user_agent: String,
    /// The vantage's reference targets (docs/alerts.md, "VantageImpaired").
    pub canaries: Vec<Canary>,
    pub canary_interval: Duration,
    /// The local address probes leave from, if set.
    pub source_address: Option<std::net::IpAddr>,
    /// `probing.tls`: CAs every probe trusts.
    pub tls: ProbingTls,
    /// `probing.browser`: the Chromium that browser checks drive.
    pub browser: ProbingBrowser,
}

/// A reference target of this vantage: an http or tcp probe, never stored as a result.
#[derive(Clone, Debug)]
pub struct Canary {
    pub id: String,
    /// `Http` or `Tcp`.
    pub kind: CheckKind,
}

#[derive(Clone, Debug)]
pub struct Connection {
    pub window: Duration,
}

#[derive(Clone, Debug)]
pub struct Sla {
    pub timezone: chrono_tz::Tz,
    pub exclude_maintenance: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgencyKind {
    Ministry,
    MinisterialAgency,
    GovernmentAgency,
    Province,
    City,
}

impl AgencyKind {
    /// As written in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::Ministry => "ministry",
            AgencyKind::MinisterialAgency => "ministerial_agency",
            AgencyKind::GovernmentAgency => "government_agency",
            AgencyKind::Province => "province",
            AgencyKind::City => "city",
        }
    }

    /// The league it is ranked in: `ministries` (central agencies) or `provinces`
    /// (provinces and cities), as the status page groups them.
    pub fn league(self) -> &'static str {
        match self {
            AgencyKind::Province | AgencyKind::City => "provinces",
            _ => "ministries",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Agency {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    /// SHA-256 of the bearer token of its indicator pushes (`indicators_token`); `None`:
    /// it cannot push indicators.
    pub indicators_token: Option<[u8; 32]>,
    /// The agency file it came from.
    pub file: PathBuf,
    pub systems: Vec<System>,
    /// `valid_from`, `valid_to`, `successor`.
    pub lifecycle: Lifecycle,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SystemKind {
    Tthc,
    Portal,
    Other,
}

impl SystemKind {
    /// As written in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            SystemKind::Tthc => "tthc",
            SystemKind::Portal => "portal",
            SystemKind::Other => "other",
        }
    }
}

#[derive(Clone, Debug)]
pub struct System {
    pub id: String,
    pub name: String,
    pub kind: SystemKind,
    /// Counts toward the connection mandate.
    pub required: bool,
    /// Shared with the fleet's runtime of each check (`fleet::CheckRuntime::config`):
    /// one copy of a check's config, not two (about 650 bytes a check).
    pub checks: Vec<Arc<Check>>,
}

/// `agency/system/check`, cheap to clone.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CheckId(pub Arc<str>);

impl CheckId {
    pub fn new(agency: &str, system: &str, check: &str) -> Self {
        CheckId(format!("{agency}/{system}/{check}").into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for CheckId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub id: String,
    /// `agency/system/check`.
    pub full_id: CheckId,
    pub policy: Policy,
    pub kind: CheckKind,
}

/// The fields of `defaults`, after inheritance.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub interval: Duration,
    /// Always < interval.
    pub timeout: Duration,
    /// >= 1
    pub failure_threshold: u32,
    /// >= 1
    pub success_threshold: u32,
    pub degraded_after: Duration,
    /// Percent, e.g. 99.5.
    pub slo_availability: f64,
    pub cert_min_days: u32,
    /// The vantages that probe the check; empty: every vantage (docs/cluster.md).
    pub vantages: Vec<String>,
    /// Down when this many vantages see it down; `None`: a majority of them.
    pub quorum: Option<u32>,
}

// Most checks of a fleet are http: boxing that variant would add an allocation and an
// indirection to nearly every check to shrink the few tcp and push ones.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum CheckKind {
    Http(HttpSpec),
    Tcp(TcpSpec),
    Push(PushSpec),
    Browser(BrowserSpec),
}

impl CheckKind {
    pub fn name(&self) -> &'static str {
        match self {
            CheckKind::Http(_) => "http",
            CheckKind::Tcp(_) => "tcp",
            CheckKind::Push(_) => "push",
            CheckKind::Browser(_) => "browser",
        }
    }
}

impl Config {
    /// Every check with its agency and system, in config order.
    pub fn checks(&self) -> impl Iterator<Item = (&Agency, &System, &Arc<Check>)> {
        self.agencies.iter().flat_map(|a| {
            a.systems
                .iter()
                .flat_map(move |s| s.checks.iter().map(move |c| (a, s, c)))
        })
    }
}
