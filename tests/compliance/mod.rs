//! The synthetic month of `reports_compliance.rs` (#[cfg(test)] helpers): the fleet's
//! config, each check's history by formula, the simulation through writer, recorder and
//! periodic round, and the independent computations the reports are held to.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use emcd::result::ResultKind;
use emcd::store::writer::{self, ResultRow, WriterMetrics};
use emcd::store::{pack, Store, StoredResult};

use crate::support::ConfigDir;

pub const TOKEN: &str = "compliance-push-token";
pub const INTERVAL: i64 = 300;
pub const WINDOW: i64 = 900;

/// (agency, kind, pattern): agencies of the same pattern get the same history (a tie).
pub const AGENCIES: [(&str, &str, u64); 7] = [
    ("bo-a", "ministry", 1),
    ("bo-b", "ministerial_agency", 2),
    ("bo-c", "government_agency", 3),
    ("bo-d", "ministry", 1),
    ("tinh-a", "province", 4),
    ("tinh-b", "city", 5),
    ("tinh-c", "province", 4),
];

/// (system, required, checks): `s3` is not required, `s4` is required with no check.
pub const SYSTEMS: [(&str, bool, usize); 4] = [
    ("s1", true, 2),
    ("s2", true, 1),
    ("s3", false, 1),
    ("s4", true, 0),
];

pub fn digest() -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, TOKEN.as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

pub fn write_config(dir: &ConfigDir) {
    for (id, kind, _) in AGENCIES {
        let mut y = format!(
            "agency: {{id: {id}, code: {id}, name: \"Cơ quan {id}\", kind: {kind}, indicators_token: \"sha256:{}\"}}\nsystems:\n",
            digest()
        );
        for (s, required, checks) in SYSTEMS {
            y.push_str(&format!("  - id: {s}\n    name: System {s}\n    kind: tthc\n    required: {required}\n    checks:{}\n", if checks == 0 { " []" } else { "" }));
            for c in 0..checks {
                y.push_str(&format!(
                    "      - {{id: c{c}, interval: 5m, degraded_after: 400ms, push: {{token: \"sha256:{}\", max_silence: 1h}}}}\n",
                    digest()
                ));
            }
        }
        dir.agency(id, &y);
    }
}

/// A small deterministic hash (splitmix64).
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The history of check `c` of system `s` of pattern `p` from `start`: a result every
/// 5 minutes, but in some hours none at all, in others all down, and here and there one
/// down; a pattern's failures are rarer the lower its number.
pub fn history(p: u64, s: usize, c: usize, start: i64, end: i64) -> Vec<(i64, ResultKind)> {
    let seed = p * 1000 + s as u64 * 10 + c as u64;
    let offset = (mix(seed) % INTERVAL as u64) as i64;
    let mut out = Vec::new();
    let mut t = start + offset;
    while t < end {
        let hour = (t - start) / 3600;
        let h = mix(seed ^ (hour as u64).wrapping_mul(7919)) % 100;
        let k = mix(seed ^ (t as u64)) % 100;
        let trouble = p * 2;
        if h >= trouble + 3 {
            let down = h < trouble + 3 + p || k < 3;
            out.push((
                t,
                if down {
                    ResultKind::Down
                } else {
                    ResultKind::Up
                },
            ));
        } else if h >= trouble {
            out.push((t, ResultKind::Down));
        }
        t += INTERVAL;
    }
    out
}

/// Seconds of `[from, to)` a system with these results was connected, second by second:
/// connected while a success lies within the window before (docs/results.md).
pub fn connected_seconds(results: &[(i64, ResultKind)], from: i64, to: i64) -> i64 {
    let mut ok: Vec<i64> = results
        .iter()
        .filter(|r| r.1 == ResultKind::Up)
        .map(|r| r.0)
        .collect();
    ok.sort();
    let (mut next, mut latest, mut n) = (0, None, 0);
    for s in from..to {
        while next < ok.len() && ok[next] <= s {
            latest = Some(ok[next]);
            next += 1;
        }
        if latest.is_some_and(|t| s - t <= WINDOW) {
            n += 1;
        }
    }
    n
}

/// Competition ranks (1, 1, 3) of `values` (higher is better) within each league.
pub fn ranks(rows: &[(&str, &str, f64)]) -> HashMap<String, usize> {
    let league = |k: &str| matches!(k, "province" | "city");
    rows.iter()
        .map(|(id, kind, v)| {
            let above = rows
                .iter()
                .filter(|(_, k, w)| league(k) == league(kind) && w > v)
                .count();
            (id.to_string(), above + 1)
        })
        .collect()
}

/// One synthetic result.
#[derive(Clone, Debug)]
pub struct Event {
    pub t: i64,
    pub agency: &'static str,
    pub system: &'static str,
    pub check: usize,
    pub kind: ResultKind,
    pub duration_ms: i64,
}

/// A result's response time: slower the higher the pattern, 400 ms being
/// `degraded_after`.
fn duration_ms(p: u64, s: usize, c: usize, t: i64) -> i64 {
    20 + p as i64 * 60 + (mix((p * 31 + s as u64 * 7 + c as u64) ^ t as u64) % 300) as i64
}

/// The results of each system, in time order.
pub fn by_system(events: &[Event]) -> HashMap<(String, String), Vec<(i64, ResultKind)>> {
    let mut out: HashMap<(String, String), Vec<(i64, ResultKind)>> = HashMap::new();
    for (a, _, _) in AGENCIES {
        for (s, _, _) in SYSTEMS {
            out.insert((a.into(), s.into()), Vec::new());
        }
    }
    for e in events {
        out.get_mut(&(e.agency.into(), e.system.into()))
            .unwrap()
            .push((e.t, e.kind));
    }
    out
}

/// Runs the month (and the day before it) through writer, recorder and periodic round;
/// returns every result, in time order.
pub async fn simulate(dir: &ConfigDir, from: i64, to: i64) -> Vec<Event> {
    let config = Arc::new(dir.config());
    let (store, mut conn) = Store::open(&config.storage.path).await.unwrap();
    let ids = writer::register(&mut conn, &emcd::reload::check_list(&config))
        .await
        .unwrap();
    let fleet = emcd::fleet::FleetHandle::new(emcd::fleet::Fleet::build(config.clone(), &ids));
    let (w, task) = writer::spawn(conn, WriterMetrics::new(), 4096);
    let recorder = emcd::recorder::Recorder::new(
        w.clone(),
        fleet.clone(),
        emcd::vantage::Vantage::new("local"),
        emcd::role::Role::single("local", "local"),
    );
    let start = from - 86_400;
    let mut events = Vec::new();
    for (agency, _, p) in AGENCIES {
        for (si, (system, _, checks)) in SYSTEMS.iter().enumerate() {
            for check in 0..*checks {
                for (t, kind) in history(p, si, check, start, to) {
                    let duration_ms = duration_ms(p, si, check, t);
                    events.push(Event {
                        t,
                        agency,
                        system,
                        check,
                        kind,
                        duration_ms,
                    });
                }
            }
        }
    }
    events.sort_by(|x, y| {
        (x.t, x.agency, x.system, x.check).cmp(&(y.t, y.agency, y.system, y.check))
    });
    let current = fleet.current();
    let mut next = 0;
    for minute in (start..to + 3600).step_by(60) {
        while next < events.len() && events[next].t <= minute {
            let e = &events[next];
            let id = format!("{}/{}/c{}", e.agency, e.system, e.check);
            let check = &current.checks[current.by_id[id.as_str()]];
            let row = ResultRow {
                check_id: check.db_id,
                vantage: None,
                ts: e.t,
                code: pack(e.kind, None, None),
                duration_ms: e.duration_ms,
                message: None,
            };
            w.send(row, Default::default()).await.unwrap();
            let stored = StoredResult {
                seq: 0,
                ts: e.t,
                result: e.kind,
                error: None,
                status_code: None,
                duration_ms: e.duration_ms,
                message: None,
                vantage: None,
            };
            recorder.stored(check, &stored).await.unwrap();
            next += 1;
        }
        recorder.periodic(minute).await.unwrap();
    }
    drop((recorder, w, current, fleet));
    tokio::time::timeout(Duration::from_secs(60), task)
        .await
        .unwrap()
        .unwrap();
    drop(store);
    events
}

/// The month before the current one, as `YYYY-MM`, and its bounds.
pub fn last_month(tz: chrono_tz::Tz) -> (String, i64, i64) {
    let this = emcd::sla::time::date_text(tz, crate::support::now())[..7].to_owned();
    let (start, _) = emcd::sla::time::month(tz, &this).unwrap();
    let m = emcd::sla::time::date_text(tz, start - 1)[..7].to_owned();
    let (from, to) = emcd::sla::time::month(tz, &m).unwrap();
    (m, from, to)
}
