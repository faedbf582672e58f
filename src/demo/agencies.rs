//! The reference data the demo fleet is built from: Vietnam's 17 ministries and
//! ministerial-level agencies and 34 provinces and cities, with the typical online
//! services some of them own (`data/agencies.yaml`, embedded in the binary so that
//! `emcd demo` needs no file). Read-only; nothing here knows about checks.

use serde::Deserialize;

/// The embedded data file.
const DATA: &str = include_str!("../../data/agencies.yaml");

/// One agency of the reference data.
#[derive(Clone, Debug, Deserialize)]
pub struct Agency {
    /// ASCII slug, used as the agency id.
    pub id: String,
    /// Short code (`BTP`) or two-digit province code.
    pub code: String,
    /// Vietnamese name, with diacritics.
    pub name: String,
    /// `ministry` (the default for ministries), `ministerial_agency`, `province`, `city`.
    #[serde(default = "ministry")]
    pub kind: String,
}

fn ministry() -> String {
    "ministry".to_owned()
}

/// A typical online public service and the ministry that owns it.
#[derive(Clone, Debug, Deserialize)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub owner: String,
}

/// The whole reference data.
#[derive(Clone, Debug, Deserialize)]
pub struct Reference {
    pub ministries: Vec<Agency>,
    pub provinces: Vec<Agency>,
    pub services: Vec<Service>,
}

impl Reference {
    /// Ministries first, then provinces, in file order.
    pub fn agencies(&self) -> impl Iterator<Item = &Agency> {
        self.ministries.iter().chain(&self.provinces)
    }

    /// The services an agency owns, in file order.
    pub fn services_of<'a>(&'a self, agency: &'a str) -> impl Iterator<Item = &'a Service> {
        self.services.iter().filter(move |s| s.owner == agency)
    }
}

/// The embedded reference data.
pub fn reference() -> Reference {
    serde_saphyr::from_str(DATA).expect("data/agencies.yaml is embedded and valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_data_has_17_ministries_and_34_provinces() {
        let r = reference();
        assert_eq!(r.ministries.len(), 17);
        assert_eq!(r.provinces.len(), 34);
        assert_eq!(r.agencies().count(), 51);
        let bo_tu_phap = r.agencies().find(|a| a.id == "bo-tu-phap").unwrap();
        assert_eq!(
            (bo_tu_phap.name.as_str(), bo_tu_phap.kind.as_str()),
            ("Bộ Tư pháp", "ministry")
        );
        let vpcp = r
            .agencies()
            .find(|a| a.id == "van-phong-chinh-phu")
            .unwrap();
        assert_eq!(vpcp.kind, "ministerial_agency");
        assert_eq!(r.services_of("bo-tu-phap").count(), 5);
    }
}
