//! What the demo fleet is made of: for each of the 51 agencies, its systems and checks,
//! and how each check's endpoint behaves. Pure data derived from the reference data,
//! with no addresses and no I/O (`config` renders it against the running endpoints).
//! Most checks are healthy; the few that are not are chosen here, by id, so that the
//! generated config and the banner always tell the same story.

use std::time::Duration;

use super::agencies::{Agency, Reference, Service};
use super::fleet::{Page, FLAP_PHASE, SLOW, UNSTABLE_EVERY};
use super::pusher::PUSH_EVERY;

/// The push-only system's check: `agency/system/check`.
pub const PUSH_CHECK: (&str, &str, &str) = ("bo-quoc-phong", "mot-cua", "heartbeat");
/// The required system registered without any check.
pub const UNREGISTERED: (&str, &str) = ("thanh-tra-chinh-phu", "mot-cua");
/// The agencies that push their monthly indicators, best first (`demo::indicators`).
pub const INDICATORS: [&str; 5] = ["bo-tu-phap", "bo-cong-an", "ha-noi", "da-nang", "cao-bang"];
/// The HTTPS check whose certificate expires soon.
pub const TLS_CHECK: (&str, &str, &str) = ("bo-cong-an", "cong-dich-vu-cong", "trang-chu");
/// How long the demo's TLS certificate has left when the demo starts: 5 days, and an
/// hour so that "expires in 5 days" stays true (rounded down) for the first hour.
pub const CERT_VALIDITY: Duration = Duration::from_secs(5 * 86_400 + 3_600);

/// Where a check points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A page of the simulated HTTP (or, with `tls`, HTTPS) server, checked as a portal
    /// page or, with `json`, as a JSON health endpoint.
    Http { page: Page, tls: bool, json: bool },
    /// A TCP connect to the HTTP server's port (`open`) or to a closed port.
    Tcp { open: bool },
    /// No probe: heartbeats pushed by the demo.
    Push,
}

impl Target {
    /// What the demo makes this check do, or `None` for an ordinary healthy check.
    pub fn note(self) -> Option<String> {
        let secs = |d: Duration| d.as_secs();
        Some(match self {
            Target::Http { tls: true, .. } => format!(
                "HTTPS, its certificate (demo CA) expires in {} days: UP, see probe_ssl_earliest_cert_expiry",
                secs(CERT_VALIDITY) / 86_400
            ),
            Target::Http { page, .. } => match page {
                Page::Portal | Page::Health => return None,
                Page::Slow => format!(
                    "answers after {} s, over degraded_after (3s): DEGRADED",
                    secs(SLOW)
                ),
                Page::Flapping => format!(
                    "200 for {0} s, then 503 for {0} s, and so on: flaps between UP and DOWN",
                    secs(FLAP_PHASE)
                ),
                Page::Unstable => format!(
                    "every {UNSTABLE_EVERY}th request fails: single misses, stays UP (failure_threshold 2)"
                ),
                Page::Down => "always 503: DOWN, its system disconnected".to_owned(),
                Page::Broken => {
                    "200, but the page says \"Lỗi hệ thống\": DOWN (error kind body)".to_owned()
                }
                Page::HealthDown => {
                    "health JSON says \"status\": \"DOWN\": DOWN (error kind json)".to_owned()
                }
            },
            Target::Tcp { open: true } => return None,
            Target::Tcp { open: false } => {
                "nothing listens on the port: DOWN (error kind connect)".to_owned()
            }
            Target::Push => format!(
                "no probe: the demo pushes a heartbeat every {} s",
                secs(PUSH_EVERY)
            ),
        })
    }
}

/// One check of the plan.
#[derive(Clone, Debug)]
pub struct PlannedCheck {
    pub id: &'static str,
    pub target: Target,
    /// Overrides of `defaults`, in order, as YAML `key: value` pairs.
    pub overrides: &'static [(&'static str, &'static str)],
}

/// One system of the plan.
#[derive(Clone, Debug)]
pub struct PlannedSystem {
    pub id: String,
    pub name: String,
    /// `tthc` or `portal`.
    pub kind: &'static str,
    /// Written only when set (a `tthc` system is required by default).
    pub required: Option<bool>,
    pub checks: Vec<PlannedCheck>,
}

/// One agency of the plan.
#[derive(Clone, Debug)]
pub struct PlannedAgency {
    pub agency: Agency,
    pub systems: Vec<PlannedSystem>,
}

/// The whole demo fleet: every agency of the reference data, in its order.
pub fn plan(reference: &Reference) -> Vec<PlannedAgency> {
    reference
        .agencies()
        .enumerate()
        .map(|(i, agency)| {
            let place = place(agency);
            let mut systems = vec![portal(agency, &place), mot_cua(i, agency, &place)];
            if let Some(service) = reference.services_of(&agency.id).next() {
                systems.push(service_system(agency, service));
            } else if agency.kind == "city" {
                systems.push(city_portal(&place));
            }
            PlannedAgency {
                agency: agency.clone(),
                systems,
            }
        })
        .collect()
}

/// How a system name refers to its agency: `Bộ Tư pháp`, `tỉnh Cao Bằng`, `thành phố Huế`.
fn place(agency: &Agency) -> String {
    match agency.kind.as_str() {
        "province" => format!("tỉnh {}", agency.name),
        "city" => format!(
            "thành phố {}",
            agency.name.strip_prefix("TP. ").unwrap_or(&agency.name)
        ),
        _ => agency.name.clone(),
    }
}

fn page(page: Page) -> Target {
    Target::Http {
        page,
        tls: false,
        json: false,
    }
}

fn health(page: Page) -> Target {
    Target::Http {
        page,
        tls: false,
        json: true,
    }
}

/// The public-service portal, required here by choice.
fn portal(agency: &Agency, place: &str) -> PlannedSystem {
    let target = match agency.id.as_str() {
        "ho-chi-minh" => page(Page::Slow),
        "ha-noi" => page(Page::Flapping),
        "da-nang" => page(Page::Unstable),
        "dien-bien" => page(Page::Broken),
        id if id == TLS_CHECK.0 => Target::Http {
            page: Page::Portal,
            tls: true,
            json: false,
        },
        _ => page(Page::Portal),
    };
    // The flapping portal is probed more often, so each flap shows within seconds.
    let overrides: &[_] = match target {
        Target::Http {
            page: Page::Flapping,
            ..
        } => &[("interval", "5s"), ("timeout", "4s")],
        _ => &[],
    };
    PlannedSystem {
        id: "cong-dich-vu-cong".into(),
        name: format!("Cổng Dịch vụ công {place}"),
        kind: "portal",
        required: Some(true),
        checks: vec![PlannedCheck {
            id: "trang-chu",
            target,
            overrides,
        }],
    }
}

/// The administrative-procedure (one-stop) system: a JSON health API, sometimes a TCP
/// port too; the push-only and the unregistered systems are of this kind.
fn mot_cua(index: usize, agency: &Agency, place: &str) -> PlannedSystem {
    let id = agency.id.as_str();
    let api = |target| PlannedCheck {
        id: "api",
        target,
        overrides: &[("interval", "5s"), ("timeout", "4s")],
    };
    let port = |open| PlannedCheck {
        id: "cong-ket-noi",
        target: Target::Tcp { open },
        overrides: &[],
    };
    let checks = match id {
        _ if id == UNREGISTERED.0 => Vec::new(),
        _ if id == PUSH_CHECK.0 => vec![PlannedCheck {
            id: PUSH_CHECK.2,
            target: Target::Push,
            overrides: &[("max_silence", "30s")],
        }],
        "lai-chau" => vec![api(health(Page::Down))],
        "bo-y-te" => vec![api(health(Page::HealthDown))],
        "son-la" => vec![api(health(Page::Health)), port(false)],
        _ if index % 6 == 1 => vec![api(health(Page::Health)), port(true)],
        _ => vec![api(health(Page::Health))],
    };
    PlannedSystem {
        id: "mot-cua".into(),
        name: format!("Hệ thống thông tin giải quyết TTHC {place}"),
        kind: "tthc",
        required: None,
        checks,
    }
}

/// The system behind a ministry's first online service.
fn service_system(agency: &Agency, service: &Service) -> PlannedSystem {
    let target = if agency.id == "bo-tai-chinh" {
        page(Page::Slow)
    } else {
        page(Page::Portal)
    };
    let mut name = service.name.chars();
    let lowered: String = name
        .next()
        .into_iter()
        .flat_map(char::to_lowercase)
        .collect();
    PlannedSystem {
        id: service.id.clone(),
        name: format!("Hệ thống {lowered}{}", name.as_str()),
        kind: "tthc",
        required: None,
        checks: vec![PlannedCheck {
            id: "tra-cuu",
            target,
            overrides: &[("interval", "15s")],
        }],
    }
}

/// A city's information portal: not required by the mandate.
fn city_portal(place: &str) -> PlannedSystem {
    PlannedSystem {
        id: "cong-thong-tin".into(),
        name: format!("Cổng thông tin điện tử {place}"),
        kind: "portal",
        required: Some(false),
        checks: vec![PlannedCheck {
            id: "trang-chu",
            target: page(Page::Portal),
            overrides: &[("interval", "15s")],
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::agencies::reference;

    #[test]
    fn every_agency_has_one_to_three_systems_with_unique_ids() {
        let plan = plan(&reference());
        assert_eq!(plan.len(), 51);
        for a in &plan {
            assert!((1..=3).contains(&a.systems.len()), "{}", a.agency.id);
            let mut ids: Vec<&str> = a.systems.iter().map(|s| s.id.as_str()).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), a.systems.len(), "{}", a.agency.id);
        }
    }

    #[test]
    fn one_push_only_system_and_one_unregistered_required_system() {
        let plan = plan(&reference());
        let systems = || {
            plan.iter()
                .flat_map(|a| a.systems.iter().map(move |s| (a, s)))
        };
        let push: Vec<_> = systems()
            .filter(|(_, s)| s.checks.iter().any(|c| c.target == Target::Push))
            .map(|(a, s)| (a.agency.id.as_str(), s.id.as_str(), s.checks.len()))
            .collect();
        assert_eq!(push, [(PUSH_CHECK.0, PUSH_CHECK.1, 1)]);
        let empty: Vec<_> = systems()
            .filter(|(_, s)| s.checks.is_empty())
            .map(|(a, s)| (a.agency.id.as_str(), s.id.as_str(), s.kind))
            .collect();
        assert_eq!(empty, [(UNREGISTERED.0, UNREGISTERED.1, "tthc")]);
    }

    #[test]
    fn every_behaviour_is_used_and_most_checks_are_healthy() {
        let plan = plan(&reference());
        let targets: Vec<Target> = plan
            .iter()
            .flat_map(|a| &a.systems)
            .flat_map(|s| s.checks.iter().map(|c| c.target))
            .collect();
        for p in Page::ALL {
            assert!(
                targets
                    .iter()
                    .any(|t| matches!(t, Target::Http { page, .. } if *page == p)),
                "{p:?} unused"
            );
        }
        let tls = targets
            .iter()
            .filter(|t| matches!(t, Target::Http { tls: true, .. }))
            .count();
        assert_eq!(tls, 1);
        assert!(targets.contains(&Target::Tcp { open: true }));
        assert!(targets.contains(&Target::Tcp { open: false }));
        let special = targets.iter().filter(|t| t.note().is_some()).count();
        assert!(
            special <= 12 && targets.len() > 100,
            "{special} of {}",
            targets.len()
        );
    }

    #[test]
    fn names_read_naturally() {
        let plan = plan(&reference());
        let find = |agency: &str, system: &str| {
            let a = plan.iter().find(|a| a.agency.id == agency).unwrap();
            a.systems
                .iter()
                .find(|s| s.id == system)
                .unwrap()
                .name
                .clone()
        };
        assert_eq!(
            find("cao-bang", "cong-dich-vu-cong"),
            "Cổng Dịch vụ công tỉnh Cao Bằng"
        );
        assert_eq!(
            find("ho-chi-minh", "cong-thong-tin"),
            "Cổng thông tin điện tử thành phố Hồ Chí Minh"
        );
        assert_eq!(
            find("bo-tu-phap", "dang-ky-khai-sinh"),
            "Hệ thống đăng ký khai sinh"
        );
        assert_eq!(
            find("bo-tu-phap", "mot-cua"),
            "Hệ thống thông tin giải quyết TTHC Bộ Tư pháp"
        );
    }
}
