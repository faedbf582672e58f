//! An agency's lifecycle (docs/configuration.md, "Lifecycle"; SPEC section 13):
//! `valid_from`, `valid_to` and `successor` in its file. An agency exists from the start
//! of `valid_from` to the start of `valid_to` (local midnights in `sla.timezone`). Past
//! `valid_to` it is no longer probed nor required: [`super::Config::live_at`] moves it to
//! `Config::retired`, where the reports still find it. A merged agency names the agency
//! it was merged into as its `successor`; reports roll its history after `valid_to` into
//! the successor's line.

use chrono::NaiveDate;

/// A date of an agency file, with the instant it stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Day {
    /// As written, `YYYY-MM-DD`.
    pub date: NaiveDate,
    /// Unix seconds of local midnight starting `date` in `sla.timezone`.
    pub at: i64,
}

impl Day {
    /// `YYYY-MM-DD`.
    pub fn text(&self) -> String {
        self.date.format("%Y-%m-%d").to_string()
    }
}

/// `agency.valid_from`, `agency.valid_to`, `agency.successor`; all optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lifecycle {
    /// The first day it exists; reports list it from then on.
    pub valid_from: Option<Day>,
    /// The first day it no longer exists (its merger's effective date); after
    /// `valid_from` when both are given.
    pub valid_to: Option<Day>,
    /// The agency it was merged into: a known agency id, never its own; only with
    /// `valid_to`.
    pub successor: Option<String>,
}

impl Lifecycle {
    /// Whether `valid_to` has come by `now` (unix seconds).
    pub fn ended(&self, now: i64) -> bool {
        self.valid_to.is_some_and(|d| d.at <= now)
    }
}

impl super::Config {
    /// This config as the daemon runs it at `now`: the agencies past their `valid_to`
    /// move from `agencies` to `retired` (not probed, not required, not shown live;
    /// reports over past periods still list them).
    pub fn live_at(mut self, now: i64) -> super::Config {
        let (ended, live): (Vec<_>, Vec<_>) = std::mem::take(&mut self.agencies)
            .into_iter()
            .partition(|a| a.lifecycle.ended(now));
        self.agencies = live;
        self.retired.extend(ended);
        self
    }

    /// Whether an agency the daemon runs has reached its `valid_to` by `now`.
    pub fn retires_by(&self, now: i64) -> bool {
        self.agencies.iter().any(|a| a.lifecycle.ended(now))
    }

    /// Every agency of the files, running or retired.
    pub fn all_agencies(&self) -> impl Iterator<Item = &super::Agency> {
        self.agencies.iter().chain(&self.retired)
    }
}
