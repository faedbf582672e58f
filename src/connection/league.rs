//! The two leagues agencies are ranked in (docs/results.md, "Leagues"): ministries and
//! ministerial-level agencies on one side, provinces and cities on the other, and the
//! one ranking every report, the status page and `/api/v1/status` use.

use std::cmp::Ordering;

use serde::Serialize;

use crate::config::AgencyKind;

/// Where an agency is ranked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum League {
    /// `ministry`, `ministerial_agency`, `government_agency`.
    Ministries,
    /// `province`, `city`.
    Provinces,
}

impl League {
    pub fn of(kind: AgencyKind) -> League {
        match kind {
            AgencyKind::Ministry | AgencyKind::MinisterialAgency | AgencyKind::GovernmentAgency => {
                League::Ministries
            }
            AgencyKind::Province | AgencyKind::City => League::Provinces,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            League::Ministries => "ministries",
            League::Provinces => "provinces",
        }
    }

    /// The heading of its list on the status page and in tables.
    pub fn title(self) -> &'static str {
        match self {
            League::Ministries => "Ministries and ministerial-level agencies",
            League::Provinces => "Provinces and cities",
        }
    }
}

/// The rank of each item within its league (`league`, from [`League::of`]), in the
/// items' order: standard competition ranking (1, 1, 3) by `better` (`Less` when the
/// first ranks above the second; `Equal` is a tie, and ties share a rank).
pub fn ranks<T>(
    items: &[T],
    league: impl Fn(&T) -> League,
    better: impl Fn(&T, &T) -> Ordering,
) -> Vec<usize> {
    items
        .iter()
        .map(|x| {
            let above = items
                .iter()
                .filter(|y| league(y) == league(x) && better(y, x) == Ordering::Less)
                .count();
            above + 1
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use AgencyKind::*;

    #[test]
    fn leagues_of_every_kind() {
        for (k, l) in [
            (Ministry, League::Ministries),
            (MinisterialAgency, League::Ministries),
            (GovernmentAgency, League::Ministries),
            (Province, League::Provinces),
            (City, League::Provinces),
        ] {
            assert_eq!(League::of(k), l, "{k:?}");
        }
    }

    #[test]
    fn each_league_ranked_on_its_own_and_ties_share_a_rank() {
        let items = [
            (Ministry, 0.5f64),
            (Province, 1.0),
            (GovernmentAgency, 0.9),
            (City, 0.7),
            (MinisterialAgency, 0.9),
            (Province, 0.7),
            (Ministry, 1.0),
            (City, 0.2),
        ];
        let r = ranks(&items, |x| League::of(x.0), |a, b| b.1.total_cmp(&a.1));
        assert_eq!(r, [4, 1, 2, 2, 2, 2, 1, 4]);
    }
}
