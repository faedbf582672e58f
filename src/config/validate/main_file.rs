//! Validates the main file, section by section, into the model (agencies aside: those
//! come from the included files, which `load` reads).

use std::path::PathBuf;
use std::time::Duration;

use serde_saphyr::Location;

use super::super::model::*;
use super::super::raw::{self, MainFile, Spanned};
use super::super::scalar;
use super::{alerting, browser, check, idx, policy, secret, sub, tls, Ctx};

/// Everything the main file defines.
pub struct MainParts {
    pub server: Server,
    pub storage: Storage,
    pub probing: Probing,
    pub cluster: Cluster,
    pub vantages: Vec<VantageName>,
    /// `defaults` laid over the built-in policy: what checks inherit.
    pub defaults: Policy,
    pub connection: Connection,
    pub sla: Sla,
    pub scoring: Scoring,
    pub alerting: Alerting,
    pub metrics: PerCheck,
    pub maintenance: Vec<MaintenanceWindow>,
    pub include: Vec<Include>,
}

/// One `include` glob, substituted, with where it was written.
pub struct Include {
    pub pattern: String,
    pub at: Location,
    pub path: String,
}

fn section<T>(s: &Option<Spanned<T>>) -> Option<&T> {
    s.as_ref().map(|s| &s.value)
}

pub fn main_file(ctx: &mut Ctx<'_>, raw: &MainFile) -> MainParts {
    let vantages = vantages(ctx, raw.vantages.as_deref());
    ctx.vantages = vantages.iter().map(|v| v.id.clone()).collect();
    let defaults = match &raw.defaults {
        Some(d) => policy::layer(ctx, d.value.policy(), "defaults", &policy::builtin()),
        None => policy::builtin(),
    };
    let include = raw
        .include
        .iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, t)| {
            let path = idx("include", i);
            let pattern = ctx.text(t, &path)?;
            Some(Include {
                pattern,
                at: t.referenced,
                path,
            })
        })
        .collect();
    MainParts {
        server: server(ctx, section(&raw.server)),
        storage: storage(ctx, section(&raw.storage)),
        probing: probing(ctx, section(&raw.probing)),
        cluster: Cluster {
            vantage: ctx.or(
                section(&raw.cluster).and_then(|c| c.vantage.as_ref()),
                "cluster.vantage",
                "local".to_owned(),
                scalar::id,
            ),
            lease: ctx.or(
                section(&raw.cluster).and_then(|c| c.lease.as_ref()),
                "cluster.lease",
                Duration::from_secs(15),
                |s| scalar::LEASE.parse(s),
            ),
        },
        vantages,
        defaults,
        connection: Connection {
            window: ctx.or(
                section(&raw.connection).and_then(|c| c.window.as_ref()),
                "connection.window",
                Duration::from_secs(15 * 60),
                |s| scalar::CONNECTION_WINDOW.parse(s),
            ),
        },
        sla: sla(ctx, section(&raw.sla)),
        scoring: super::scoring::scoring(ctx, raw.scoring.as_ref()),
        metrics: ctx.or(
            section(&raw.metrics).and_then(|m| m.per_check.as_ref()),
            "metrics.per_check",
            PerCheck::Full,
            scalar::per_check,
        ),
        alerting: alerting::alerting(ctx, section(&raw.alerting)),
        maintenance: raw
            .maintenance
            .iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, m)| maintenance(ctx, &m.value, &idx("maintenance", i)))
            .collect(),
        include,
    }
}

/// `vantages`: ids unique, names default to the ids.
fn vantages(ctx: &mut Ctx<'_>, list: Option<&[Spanned<raw::VantageSection>]>) -> Vec<VantageName> {
    let mut out: Vec<VantageName> = Vec::new();
    for (i, v) in list.into_iter().flatten().enumerate() {
        let path = idx("vantages", i);
        let Some(id) = ctx
            .required(v.value.id.as_ref(), v.referenced, &path, "id")
            .and_then(|t| ctx.parse(t, &sub(&path, "id"), scalar::id))
        else {
            continue;
        };
        if out.iter().any(|o| o.id == id) {
            ctx.error(
                v.referenced,
                &path,
                format!("vantage {id:?} is listed twice"),
            );
            continue;
        }
        let name = v
            .value
            .name
            .as_ref()
            .and_then(|t| ctx.text(t, &sub(&path, "name")))
            .unwrap_or_else(|| id.clone());
        out.push(VantageName { id, name });
    }
    out
}

fn server(ctx: &mut Ctx<'_>, s: Option<&raw::ServerSection>) -> Server {
    let default_listen = "127.0.0.1:9464".parse().expect("valid address");
    Server {
        listen: ctx.or(
            s.and_then(|s| s.listen.as_ref()),
            "server.listen",
            default_listen,
            scalar::socket_addr,
        ),
        admin_token: secret(
            ctx,
            s.and_then(|s| s.admin_token.as_ref()),
            "server.admin_token",
        ),
        public_url: s
            .and_then(|s| s.public_url.as_ref())
            .and_then(|t| ctx.parse(t, "server.public_url", scalar::http_url)),
        max_connections: ctx.or(
            s.and_then(|s| s.max_connections.as_ref()),
            "server.max_connections",
            512,
            |s| scalar::integer(s, 1, 1_000_000).map(|n| n as usize),
        ),
        header_timeout: ctx.or(
            s.and_then(|s| s.header_timeout.as_ref()),
            "server.header_timeout",
            Duration::from_secs(10),
            |s| scalar::HEADER_TIMEOUT.parse(s),
        ),
        idle_timeout: ctx.or(
            s.and_then(|s| s.idle_timeout.as_ref()),
            "server.idle_timeout",
            Duration::from_secs(60),
            |s| scalar::IDLE_TIMEOUT.parse(s),
        ),
        tls: s
            .and_then(|s| s.tls.as_ref())
            .and_then(|t| tls::server(ctx, t, "server.tls")),
        language: ctx.or(
            s.and_then(|s| s.language.as_ref()),
            "server.language",
            Language::Vi,
            scalar::language,
        ),
    }
}

fn storage(ctx: &mut Ctx<'_>, s: Option<&raw::StorageSection>) -> Storage {
    let r = s.and_then(|s| section(&s.retention));
    let days = |d: u64| Duration::from_secs(d * 86400);
    let postgres = s.and_then(|s| s.postgres.as_ref()).and_then(|t| {
        let url = ctx.parse(t, "storage.postgres", postgres_url)?;
        if s.is_some_and(|s| s.path.is_some()) {
            ctx.error(
                t.referenced,
                "storage.postgres",
                "give either storage.path (a SQLite file) or storage.postgres, not both",
            );
        }
        Some(url)
    });
    Storage {
        postgres,
        path: ctx.or(
            s.and_then(|s| s.path.as_ref()),
            "storage.path",
            PathBuf::from("data/emcd.db"),
            |p| match p {
                "" => Err("expected a file path, e.g. data/emcd.db".into()),
                p => Ok(PathBuf::from(p)),
            },
        ),
        retention: Retention {
            raw: ctx.or(
                r.and_then(|r| r.raw.as_ref()),
                "storage.retention.raw",
                days(14),
                |s| scalar::RETENTION.parse(s),
            ),
            hourly: ctx.or(
                r.and_then(|r| r.hourly.as_ref()),
                "storage.retention.hourly",
                days(90),
                |s| scalar::RETENTION.parse(s),
            ),
            daily: ctx.or(
                r.and_then(|r| r.daily.as_ref()),
                "storage.retention.daily",
                days(800),
                |s| scalar::RETENTION.parse(s),
            ),
        },
        max_held_results: ctx.or(
            s.and_then(|s| s.max_held_results.as_ref()),
            "storage.max_held_results",
            1_000_000,
            |s| scalar::integer(s, 100, 100_000_000).map(|n| n as usize),
        ),
    }
}

/// A `postgres://` URL with a host; messages never repeat the URL (it may hold a
/// password).
fn postgres_url(s: &str) -> Result<Secret, scalar::Msg> {
    let url = url::Url::parse(s).map_err(|e| {
        format!("not a URL ({e}): expected postgres://user:password@host:port/database")
    })?;
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return Err(format!(
            "scheme {:?}: expected postgres://user:password@host:port/database",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("no host: expected postgres://user:password@host:port/database".into());
    }
    Ok(Secret(s.to_owned()))
}

fn probing(ctx: &mut Ctx<'_>, s: Option<&raw::ProbingSection>) -> Probing {
    let user_agent = |s: &str| {
        let ua = s.replace("{version}", env!("CARGO_PKG_VERSION"));
        scalar::header_value(&ua)?;
        Ok(ua)
    };
    Probing {
        max_in_flight: ctx.or(
            s.and_then(|s| s.max_in_flight.as_ref()),
            "probing.max_in_flight",
            1024,
            |s| scalar::integer(s, 1, 1_000_000).map(|n| n as usize),
        ),
        user_agent: ctx.or(
            s.and_then(|s| s.user_agent.as_ref()),
            "probing.user_agent",
            format!("emcd/{}", env!("CARGO_PKG_VERSION")),
            user_agent,
        ),
        canaries: check::canaries(ctx, s.and_then(|s| s.canaries.as_deref())),
        canary_interval: ctx.or(
            s.and_then(|s| s.canary_interval.as_ref()),
            "probing.canary_interval",
            Duration::from_secs(10),
            |s| scalar::CANARY_INTERVAL.parse(s),
        ),
        source_address: s
            .and_then(|s| s.source_address.as_ref())
            .and_then(|t| ctx.parse(t, "probing.source_address", scalar::ip_addr)),
        tls: ProbingTls {
            ca_files: tls::ca_files(
                ctx,
                s.and_then(|s| s.tls.as_ref())
                    .and_then(|t| t.value.ca_files.as_deref()),
                "probing.tls.ca_files",
            ),
        },
        browser: browser::probing(ctx, s.and_then(|s| s.browser.as_ref()).map(|b| &b.value)),
    }
}

fn sla(ctx: &mut Ctx<'_>, s: Option<&raw::SlaSection>) -> Sla {
    Sla {
        timezone: ctx.or(
            s.and_then(|s| s.timezone.as_ref()),
            "sla.timezone",
            chrono_tz::Asia::Ho_Chi_Minh,
            scalar::timezone,
        ),
        exclude_maintenance: ctx.or(
            s.and_then(|s| s.exclude_maintenance.as_ref()),
            "sla.exclude_maintenance",
            true,
            scalar::boolean,
        ),
    }
}

fn maintenance(
    ctx: &mut Ctx<'_>,
    m: &raw::MaintenanceSection,
    path: &str,
) -> Option<MaintenanceWindow> {
    let name = ctx.parse(&m.name, &sub(path, "name"), |s| match s.trim() {
        "" => Err("expected a name".into()),
        _ => Ok(s.to_owned()),
    });
    let schedule = ctx.parse(&m.schedule, &sub(path, "schedule"), scalar::cron);
    let duration = ctx.parse(&m.duration, &sub(path, "duration"), |s| {
        scalar::MAINTENANCE_DURATION.parse(s)
    });
    let matcher = match section(&m.matcher) {
        None => Matcher::default(),
        Some(mm) => {
            let mpath = sub(path, "match");
            Matcher {
                agency: alerting::ids(ctx, mm.agency.as_ref(), &sub(&mpath, "agency")),
                system: alerting::ids(ctx, mm.system.as_ref(), &sub(&mpath, "system")),
                check: alerting::ids(ctx, mm.check.as_ref(), &sub(&mpath, "check")),
                ..Matcher::default()
            }
        }
    };
    Some(MaintenanceWindow {
        name: name?,
        schedule: schedule?,
        duration: duration?,
        matcher,
    })
}
