//! The merged province the demo keeps (data/mergers-2025.yaml): an agency file past its
//! `valid_to`, so never probed, as operators keep a merged agency's file.

/// A province of the 2025 mergers (data/mergers-2025.yaml), kept as operators keep a
/// merged agency's file: past its `valid_to`, so never probed, and its history rolled
/// into its successor's line in reports over periods that cross the merger.
pub struct Merged {
    pub id: &'static str,
    pub code: &'static str,
    pub name: &'static str,
    pub successor: &'static str,
    pub valid_to: &'static str,
}

pub const MERGED: Merged = Merged {
    id: "bac-giang",
    code: "24",
    name: "Bắc Giang",
    successor: "bac-ninh",
    valid_to: "2025-07-01",
};

/// Its agency file, with `header` on top and strings quoted by `q`.
pub fn file(header: &str, q: fn(&str) -> String) -> String {
    let m = &MERGED;
    format!(
        "{header}# Merged into {} on {} (Resolution 202/2025/QH15, data/mergers-2025.yaml):\n\
         # not probed and not required since; kept so that reports over earlier periods list it.\n\
         agency:\n  id: {}\n  code: {}\n  name: {}\n  kind: province\n  valid_to: {}\n  successor: {}\n\
         systems:\n  - id: cong-dich-vu-cong\n    name: {}\n    kind: tthc\n    checks:\n      \
         - {{id: trang-chu, http: {{url: \"https://dichvucong.bacgiang.gov.vn/\"}}}}\n",
        m.successor,
        m.valid_to,
        m.id,
        q(m.code),
        q(m.name),
        m.valid_to,
        m.successor,
        q(&format!("Cổng dịch vụ công {}", m.name)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_merged_province_is_one_of_the_2025_mergers() {
        let data: serde_json::Value =
            serde_saphyr::from_str(include_str!("../../data/mergers-2025.yaml")).unwrap();
        let p = &data["provinces"];
        assert_eq!(p["effective"], MERGED.valid_to);
        let entry = p["merged"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == MERGED.id)
            .expect("bac-giang is in data/mergers-2025.yaml");
        assert_eq!(
            (&entry["code"], &entry["name"], &entry["successor"]),
            (
                &serde_json::json!(MERGED.code),
                &serde_json::json!(MERGED.name),
                &serde_json::json!(MERGED.successor)
            )
        );
    }
}
