//! One consistent read of the fleet for a response: every agency with its mandate
//! figures, its systems with their connection, and their checks with a copy of their
//! live state. The JSON API and the status page both render from it, so they never
//! disagree. Reads only; nothing here changes live state.

use std::sync::Arc;

use crate::check::state::CheckStatus;
use crate::config::{AgencyKind, SystemKind};
use crate::connection::league::{self, League};
use crate::connection::{self, AgencyStanding, Connection};
use crate::fleet::{CheckRuntime, Fleet, Live};

/// The fleet as seen at `now`.
pub struct Snapshot {
    pub fleet: Arc<Fleet>,
    /// Unix seconds the snapshot was taken.
    pub now: i64,
    /// In config order.
    pub agencies: Vec<AgencyView>,
}

pub struct AgencyView {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    pub standing: AgencyStanding,
    pub systems: Vec<SystemView>,
}

pub struct SystemView {
    pub id: String,
    pub name: String,
    pub kind: SystemKind,
    pub required: bool,
    pub connection: Connection,
    pub checks: Vec<CheckView>,
}

pub struct CheckView {
    pub runtime: Arc<CheckRuntime>,
    /// Copied once, so one response shows one state of each check.
    pub live: Live,
}

/// Checks by state and systems by connection, over the whole fleet or one agency.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub checks_up: u32,
    pub checks_degraded: u32,
    pub checks_down: u32,
    pub systems_connected: u32,
    pub systems_disconnected: u32,
    pub systems_unregistered: u32,
}

impl Totals {
    pub fn checks(&self) -> u32 {
        self.checks_up + self.checks_degraded + self.checks_down
    }

    pub fn systems(&self) -> u32 {
        self.systems_connected + self.systems_disconnected + self.systems_unregistered
    }

    fn add(&mut self, other: &Totals) {
        self.checks_up += other.checks_up;
        self.checks_degraded += other.checks_degraded;
        self.checks_down += other.checks_down;
        self.systems_connected += other.systems_connected;
        self.systems_disconnected += other.systems_disconnected;
        self.systems_unregistered += other.systems_unregistered;
    }
}

impl Snapshot {
    pub fn take(fleet: Arc<Fleet>, now: i64) -> Snapshot {
        let standings = connection::systems(&fleet, now);
        let per_agency = connection::agencies(&fleet, &standings);
        let mut next_system = 0;
        let agencies = fleet
            .config
            .agencies
            .iter()
            .zip(per_agency)
            .map(|(agency, (_, standing))| {
                let systems = agency
                    .systems
                    .iter()
                    .map(|system| {
                        let index = next_system;
                        next_system += 1;
                        let checks = fleet.system_checks[index]
                            .iter()
                            .map(|&i| CheckView {
                                runtime: fleet.checks[i].clone(),
                                live: fleet.checks[i].live(),
                            })
                            .collect();
                        SystemView {
                            id: system.id.clone(),
                            name: system.name.clone(),
                            kind: system.kind,
                            required: system.required,
                            connection: standings[index].connection,
                            checks,
                        }
                    })
                    .collect();
                AgencyView {
                    id: agency.id.clone(),
                    code: agency.code.clone(),
                    name: agency.name.clone(),
                    kind: agency.kind,
                    standing,
                    systems,
                }
            })
            .collect();
        Snapshot {
            fleet,
            now,
            agencies,
        }
    }

    pub fn agency(&self, id: &str) -> Option<&AgencyView> {
        self.agencies.iter().find(|a| a.id == id)
    }

    /// Each agency's league and rank in it (in `agencies` order), by its ratio of
    /// connected required systems now; ties share a rank.
    pub fn ranks(&self) -> Vec<(League, usize)> {
        let league = |a: &AgencyView| League::of(a.kind);
        let by_ratio =
            |x: &AgencyView, y: &AgencyView| y.standing.ratio().total_cmp(&x.standing.ratio());
        let ranks = league::ranks(&self.agencies, league, by_ratio);
        self.agencies.iter().map(league).zip(ranks).collect()
    }

    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for a in &self.agencies {
            t.add(&a.totals());
        }
        t
    }
}

impl AgencyView {
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for s in &self.systems {
            match s.connection {
                Connection::Connected => t.systems_connected += 1,
                Connection::Disconnected => t.systems_disconnected += 1,
                Connection::Unregistered => t.systems_unregistered += 1,
            }
            for c in &s.checks {
                match c.live.state.status {
                    CheckStatus::Up => t.checks_up += 1,
                    CheckStatus::Degraded => t.checks_degraded += 1,
                    CheckStatus::Down => t.checks_down += 1,
                }
            }
        }
        t
    }

    /// How the agency stands under the mandate, as one word.
    pub fn mandate(&self) -> Mandate {
        let s = &self.standing;
        if s.connected == s.required {
            Mandate::Met
        } else if s.connected > 0 {
            Mandate::Partial
        } else {
            Mandate::None
        }
    }
}

/// An agency's standing under the connection mandate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mandate {
    /// Every required system connected (or none required).
    Met,
    /// Some, not all.
    Partial,
    /// None of its required systems is connected.
    None,
}

impl Mandate {
    pub fn as_str(self) -> &'static str {
        match self {
            Mandate::Met => "met",
            Mandate::Partial => "partial",
            Mandate::None => "none",
        }
    }
}

pub fn agency_kind(kind: AgencyKind) -> &'static str {
    match kind {
        AgencyKind::Ministry => "ministry",
        AgencyKind::MinisterialAgency => "ministerial_agency",
        AgencyKind::GovernmentAgency => "government_agency",
        AgencyKind::Province => "province",
        AgencyKind::City => "city",
    }
}

pub fn system_kind(kind: SystemKind) -> &'static str {
    match kind {
        SystemKind::Tthc => "tthc",
        SystemKind::Portal => "portal",
        SystemKind::Other => "other",
    }
}
