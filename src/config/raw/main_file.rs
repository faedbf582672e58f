//! The main file (`config/emcd.yaml`), key by key. Every key is optional and has the
//! default stated here (an empty file is valid). Durations are written like `30s`, `5m`, `14d`,
//! each within the bounds stated here (all listed in `docs/limits.md`); any value may use
//! `${VAR}` (an environment variable; `$${` is a literal `${`).

use serde::Deserialize;

use super::{Headers, MetricsSection, ProbingBrowserSection, Spanned, Text};

/// The main file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MainFile {
    /// The HTTP server: `/metrics`, `/api/v1`, the status page and the push endpoint.
    pub server: Option<Spanned<ServerSection>>,
    /// The SQLite database.
    pub storage: Option<Spanned<StorageSection>>,
    /// Limits that apply to all probes.
    pub probing: Option<Spanned<ProbingSection>>,
    /// Where this node probes from (docs/configuration.md, "cluster").
    pub cluster: Option<Spanned<ClusterSection>>,
    /// Names of the vantages, for the status page and reports (docs/cluster.md). When
    /// given, it is the list of every vantage: checks and nodes may name only these.
    pub vantages: Option<Vec<Spanned<VantageSection>>>,
    /// Values every check inherits unless it sets them itself.
    pub defaults: Option<Spanned<PolicySection>>,
    /// The connection mandate.
    pub connection: Option<Spanned<ConnectionSection>>,
    /// SLA reports.
    pub sla: Option<Spanned<SlaSection>>,
    /// The scorecard (docs/results.md, "Scorecard").
    pub scoring: Option<Spanned<ScoringSection>>,
    /// Where alerts go.
    pub alerting: Option<Spanned<AlertingSection>>,
    /// What `/metrics` carries per check (docs/metrics.md, "Profiles").
    pub metrics: Option<Spanned<MetricsSection>>,
    /// Maintenance windows: results inside them never alert and can be left out of SLAs.
    pub maintenance: Option<Vec<Spanned<MaintenanceSection>>>,
    /// Globs of agency files, relative to the directory of this file; each must match at
    /// least one file; matches are read in path order. One agency per file. Without
    /// `include` there are no agencies.
    pub include: Option<Vec<Text>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    /// `IP:PORT` to listen on. Default `127.0.0.1:9464`.
    pub listen: Option<Text>,
    /// Bearer token for `POST /-/reload` and the admin API; write it as
    /// `${EMCD_ADMIN_TOKEN}` rather than in the file. Optional: without it those
    /// endpoints are disabled.
    pub admin_token: Option<Text>,
    /// The public URL of this server, used in alert links. Optional.
    pub public_url: Option<Text>,
    /// Open connections at most; past it new ones are closed at once. Default 512.
    pub max_connections: Option<Text>,
    /// Time a client has to send a request's headers. Default `10s`.
    pub header_timeout: Option<Text>,
    /// A connection with no request and no traffic for this long is closed. Default `60s`.
    pub idle_timeout: Option<Text>,
    /// HTTPS on `listen` instead of plain HTTP. Default none (plain HTTP).
    pub tls: Option<Spanned<ServerTlsSection>>,
    /// The status page's language when the request asks for none (`?lang=`,
    /// `Accept-Language`): `vi` or `en`. Default `vi`.
    pub language: Option<Text>,
}

/// `server.tls`: the certificate the listener presents. Both files are read again on
/// every reload (SIGHUP, `POST /-/reload`); a bad pair keeps the running one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerTlsSection {
    /// PEM certificate chain, the server's certificate first; a relative path is
    /// relative to this file's directory. Required.
    pub cert_file: Option<Text>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) of `cert_file`. Required. Never logged.
    pub key_file: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSection {
    /// The database file, created with its directory if missing. Relative to the working
    /// directory. Default `data/emcd.db`.
    pub path: Option<Text>,
    /// A PostgreSQL database instead of the file: `postgres://user:${PASSWORD}@host:port/db`.
    pub postgres: Option<Text>,
    /// How long each resolution of results is kept: each from `1h` to `100y`.
    pub retention: Option<Spanned<RetentionSection>>,
    /// Results held in memory while the database cannot commit. Default 1,000,000.
    pub max_held_results: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSection {
    /// Raw results. Default `14d`.
    pub raw: Option<Text>,
    /// Hourly rollups. Default `90d`.
    pub hourly: Option<Text>,
    /// Daily rollups. Default `800d`.
    pub daily: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbingSection {
    /// Probes running at once, across all checks; at least 1. Default `1024`.
    pub max_in_flight: Option<Text>,
    /// `User-Agent` of HTTP probes; `{version}` is replaced by emcd's version.
    /// Default `emcd/{version}`.
    pub user_agent: Option<Text>,
    /// Reference targets: half or more failing in a round make the vantage impaired.
    pub canaries: Option<Vec<Spanned<CanarySection>>>,
    /// How often the canaries are probed. Default `10s`.
    pub canary_interval: Option<Text>,
    /// The local address every probe leaves from. Default: the system's choice.
    pub source_address: Option<Text>,
    /// TLS of every probe.
    pub tls: Option<Spanned<ProbingTlsSection>>,
    /// The headless Chromium of browser checks.
    pub browser: Option<Spanned<ProbingBrowserSection>>,
}

/// `probing.tls`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbingTlsSection {
    /// PEM files of CAs every probe trusts besides the system's (a private government
    /// PKI); a relative path is relative to this file's directory. Default none.
    pub ca_files: Option<Vec<Text>>,
}

/// The check policy: in `defaults`, and in any check to override `defaults`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySection {
    /// Time between two probes; `1s` to `1d`. Default `60s`.
    pub interval: Option<Text>,
    /// A probe taking longer fails; `1ms` to `1h`, and shorter than `interval`. Default `10s`.
    pub timeout: Option<Text>,
    /// Consecutive failures before a check is DOWN; at least 1. Default `3`.
    pub failure_threshold: Option<Text>,
    /// Consecutive successes before a DOWN check is UP again; at least 1. Default `2`.
    pub success_threshold: Option<Text>,
    /// A successful probe slower than this is DEGRADED (still available); `1ms` to `1h`.
    /// Default `3s`.
    pub degraded_after: Option<Text>,
    /// Service-level objective.
    pub slo: Option<Spanned<SloSection>>,
    /// Alert when a TLS certificate expires in fewer days than this. Default `14`.
    pub cert_min_days: Option<Text>,
    /// The vantages that probe a check. Default: every vantage.
    pub vantages: Option<Spanned<Vec<Text>>>,
    /// Down only when this many of the check's vantages see it down; 1 to their number.
    /// Default: a majority of them.
    pub quorum: Option<Text>,
}

/// One entry of `vantages`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VantageSection {
    /// `[a-z0-9-]{1,63}`, what `cluster.vantage` and `--vantage` name.
    pub id: Option<Text>,
    /// As shown to people, e.g. "Hà Nội (VNPT)". Default: the id.
    pub name: Option<Text>,
}

impl PolicySection {
    pub fn policy(&self) -> PolicyRef<'_> {
        PolicyRef {
            interval: self.interval.as_ref(),
            timeout: self.timeout.as_ref(),
            failure_threshold: self.failure_threshold.as_ref(),
            success_threshold: self.success_threshold.as_ref(),
            degraded_after: self.degraded_after.as_ref(),
            slo_availability: self
                .slo
                .as_ref()
                .and_then(|s| s.value.availability.as_ref()),
            cert_min_days: self.cert_min_days.as_ref(),
            vantages: self.vantages.as_ref(),
            quorum: self.quorum.as_ref(),
        }
    }
}

/// The policy keys set at one level (`defaults` or a check), whichever struct holds them.
#[derive(Clone, Copy, Debug, Default)]
pub struct PolicyRef<'a> {
    pub interval: Option<&'a Text>,
    pub timeout: Option<&'a Text>,
    pub failure_threshold: Option<&'a Text>,
    pub success_threshold: Option<&'a Text>,
    pub degraded_after: Option<&'a Text>,
    pub slo_availability: Option<&'a Text>,
    pub cert_min_days: Option<&'a Text>,
    pub vantages: Option<&'a Spanned<Vec<Text>>>,
    pub quorum: Option<&'a Text>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SloSection {
    /// Target availability in percent, above 0 and at most 100. Default `99.5` (a
    /// project default, not a legal figure).
    pub availability: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionSection {
    /// A system is connected when one of its checks succeeded within this window; `1s`
    /// to `31d`. Default `15m`.
    pub window: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaSection {
    /// IANA time zone of report days and months. Default `Asia/Ho_Chi_Minh`.
    pub timezone: Option<Text>,
    /// Leave maintenance windows out of availability. Default `true`.
    pub exclude_maintenance: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringSection {
    /// The points of each part of the scorecard, whole numbers adding up to 100.
    /// Default `{connection: 30, availability: 30, response_time: 20, indicators: 20}`.
    pub weights: Option<Spanned<WeightsSection>>,
    /// The lowest total of each grade, whole numbers from 0 to 100, A above B above C
    /// above D; below D is E. Default `{A: 90, B: 80, C: 65, D: 50}` (the bands of the
    /// 2024 criteria for procedure systems).
    pub grades: Option<Spanned<GradesSection>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightsSection {
    /// The period's compliance with the connection mandate. Default `30`.
    pub connection: Option<Text>,
    /// Availability against the SLO. Default `30`.
    pub availability: Option<Text>,
    /// p95 response time against `degraded_after`. Default `20`.
    pub response_time: Option<Text>,
    /// The indicators agencies push (dossiers resolved on time, submitted and paid
    /// online, satisfaction). Default `20`.
    pub indicators: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradesSection {
    /// Default `90`.
    #[serde(rename = "A")]
    pub a: Option<Text>,
    /// Default `80`.
    #[serde(rename = "B")]
    pub b: Option<Text>,
    /// Default `65`.
    #[serde(rename = "C")]
    pub c: Option<Text>,
    /// Default `50`.
    #[serde(rename = "D")]
    pub d: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertingSection {
    /// Re-notify a still-firing alert this often; `0` = never, else `1m` to `31d`.
    /// Default `4h`.
    pub repeat_interval: Option<Text>,
    /// Named destinations of alerts.
    pub receivers: Option<Vec<Spanned<ReceiverSection>>>,
    /// Every route whose `match` holds sends the alert to its receiver.
    pub routes: Option<Vec<Spanned<RouteSection>>>,
    /// Alert name -> runbook URL, with `{agency}`, `{system}`, `{check}` (and
    /// `{vantage}`) replaced by the alert's ids. Default none.
    pub runbook_url: Option<Spanned<Headers>>,
}

/// A receiver: a `name` and exactly one of `webhook`, `alertmanager`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiverSection {
    /// Unique name, `[a-z0-9-]{1,63}`, used by routes.
    pub name: Text,
    /// POST a JSON body per notification.
    pub webhook: Option<Spanned<WebhookSection>>,
    /// Send alerts to a Prometheus Alertmanager (`POST /api/v2/alerts`).
    pub alertmanager: Option<Spanned<AlertmanagerSection>>,
    /// `direct`, or the URL of the HTTP(S) proxy every delivery to this receiver goes
    /// through (`http://user:password@proxy:3128`), whatever the environment says.
    /// Default: `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY` of the environment.
    pub proxy: Option<Text>,
    /// PEM file of CA certificates trusted for this receiver besides the system's;
    /// relative to this file.
    pub ca_file: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSection {
    /// Absolute http(s) URL.
    pub url: Text,
    /// `emcd` (default) or `alertmanager` (the body of Alertmanager's webhook, version 4).
    pub format: Option<Text>,
    /// HMAC-SHA256 key for the `X-Emcd-Signature` header; write it as `${VAR}`. Optional.
    pub secret: Option<Text>,
    /// Extra request headers. Optional.
    pub headers: Option<Spanned<Headers>>,
    /// Timeout of one delivery attempt; `1ms` to `10m`. Default `5s`.
    pub timeout: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertmanagerSection {
    /// Base URL of Alertmanager, e.g. `http://127.0.0.1:9093`.
    pub url: Text,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSection {
    /// Name of a receiver.
    pub receiver: Text,
    /// Labels the alert must have; no `match` = every alert.
    #[serde(rename = "match")]
    pub matcher: Option<Spanned<RouteMatch>>,
}

/// Each key is a list of accepted values; an alert matches when every key given holds.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteMatch {
    /// Alert names, e.g. `SLOBudgetBurn`, `VantageImpaired`.
    pub alertname: Option<Vec<Text>>,
    /// Vantage ids (only `VantageImpaired` has a vantage).
    pub vantage: Option<Vec<Text>>,
    /// `critical` and/or `warning`.
    pub severity: Option<Vec<Text>>,
    /// Agency ids.
    pub agency: Option<Vec<Text>>,
    /// System ids.
    pub system: Option<Vec<Text>>,
    /// Check ids.
    pub check: Option<Vec<Text>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceSection {
    /// A name for humans.
    pub name: Text,
    /// When windows start: cron with seconds (`sec min hour day-of-month month
    /// day-of-week [year]`), in `sla.timezone`. E.g. `0 0 2 * * Sun`.
    pub schedule: Text,
    /// Length of each window; `1s` to `31d`.
    pub duration: Text,
    /// Which checks the window covers; no `match` = every check.
    #[serde(rename = "match")]
    pub matcher: Option<Spanned<MaintenanceMatch>>,
}

/// Each key is a list of ids; a check is covered when every key given holds.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceMatch {
    pub agency: Option<Vec<Text>>,
    pub system: Option<Vec<Text>>,
    pub check: Option<Vec<Text>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanarySection {
    /// `[a-z0-9-]{1,63}`, unique among the canaries.
    pub id: Text,
    /// A TCP target, as in a check.
    pub tcp: Option<Spanned<super::agency_file::TcpSection>>,
    /// An HTTP(S) target, as in a check (no `expect`: any answer below 400 passes).
    pub http: Option<Spanned<super::agency_file::HttpSection>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSection {
    /// The id of this node's vantage, `[a-z0-9-]{1,63}`. Default `local`.
    pub vantage: Option<Text>,
    /// How long the leader's lease and a node's heartbeat last (PostgreSQL only).
    /// Default `15s`.
    pub lease: Option<Text>,
}
