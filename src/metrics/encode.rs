//! The `/metrics` page (docs/metrics.md): the process metrics and the per-system and
//! per-agency families through prometheus-client, the per-check families (most of the
//! page) written directly by `page`. Whole (`Metrics::encode`) or in chunks of about
//! [`CHUNK`] bytes handed out as they are written (`Metrics::encode_chunks`), so that
//! serving a page of 100,000 checks does not hold the whole page in memory.

use std::sync::Arc;

use prometheus_client::registry::Registry;

use super::{page, Format, Metrics};
use crate::fleet::Fleet;
use crate::role::Role;

/// The size a chunk of the page reaches before it is handed out (a chunk ends at a
/// line's end, so it may be a line longer).
pub const CHUNK: usize = 64 * 1024;

impl Metrics {
    /// The `/metrics` page in the given format: the process metrics and the per-system
    /// and per-agency families through prometheus-client, the per-check families (most
    /// of the page) written directly by `page`.
    ///
    /// In a cluster (docs/cluster.md, "Metrics") every node exports the probe families
    /// of the checks it probes and the durations of its own probes; only the leader
    /// exports the check, system, agency and alert families, so that sums over every
    /// node's page answer as one node's page does.
    pub fn encode(&self, format: Format, role: &Role) -> String {
        let checks = self.fleet.current().checks.len();
        let out = String::with_capacity(page::estimate(checks));
        self.encode_with(format, role, out, None)
    }

    /// The page as [`Metrics::encode`] writes it, handed to `chunk` in pieces of about
    /// [`CHUNK`] bytes, in order, as they are written.
    pub fn encode_chunks(&self, format: Format, role: &Role, chunk: &mut dyn FnMut(String)) {
        let mut flush = |out: &mut String| {
            chunk(std::mem::replace(out, String::with_capacity(CHUNK + 4096)));
        };
        let out = String::with_capacity(CHUNK + 4096);
        let rest = self.encode_with(format, role, out, Some(&mut flush));
        if !rest.is_empty() {
            chunk(rest);
        }
    }

    /// Writes the page into `out`; with `flush`, hands `out` to it whenever it has
    /// reached [`CHUNK`] bytes at a line's end. Returns what is left in `out`.
    fn encode_with(
        &self,
        format: Format,
        role: &Role,
        mut out: String,
        mut flush: Option<&mut dyn FnMut(&mut String)>,
    ) -> String {
        let leader = role.is_leader();
        let fleet = self.fleet.current();
        let sums = self
            .availability
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let fixed = self.fixed_for(&fleet);
        let snapshot = page::snapshot(&fleet, fixed, &sums, crate::util::unix_now(), role);
        let mut part = String::with_capacity(64 * 1024);
        let mut registry_part = |out: &mut String, registry: &Registry, eof: bool| {
            part.clear();
            prometheus_client::encoding::text::encode_registry(&mut part, registry)
                .expect("writing to a String cannot fail");
            match format {
                Format::OpenMetrics => {
                    out.push_str(&part);
                    if eof {
                        out.push_str("# EOF\n");
                    }
                }
                Format::Text => out.push_str(&openmetrics_to_text(&part)),
            }
        };
        registry_part(&mut out, &self.registry, false);
        let checks_flush = flush
            .as_mut()
            .map(|f| &mut **f as &mut dyn FnMut(&mut String));
        page::encode_checks(&mut out, checks_flush, &fleet, &snapshot, format, leader);
        registry_part(&mut out, &self.durations_registry, !leader);
        if leader {
            registry_part(&mut out, &self.fleet_registry, true);
        }
        out
    }

    /// The label sets of `fleet`'s checks: made at its first scrape, then kept until
    /// a reload brings another generation.
    fn fixed_for(&self, fleet: &Arc<Fleet>) -> Arc<page::Fixed> {
        let mut kept = self.fixed.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(fixed) = kept.as_ref().filter(|f| f.is_of(fleet)) {
            return fixed.clone();
        }
        let fixed = Arc::new(page::Fixed::new(fleet));
        *kept = Some(fixed.clone());
        fixed
    }
}

/// Rewrites prometheus-client's OpenMetrics output as Prometheus text 0.0.4: counter
/// families are named with their `_total` suffix, and `# UNIT` / `# EOF` lines go.
/// Sample lines are identical in both formats and pass through untouched.
pub(super) fn openmetrics_to_text(om: &str) -> String {
    let mut out = String::with_capacity(om.len());
    let mut lines = om.lines().peekable();
    while let Some(line) = lines.next() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap_or("");
            let counter = lines
                .peek()
                .is_some_and(|t| t.strip_prefix("# TYPE ") == Some(&format!("{name} counter")));
            if counter {
                lines.next();
                out.push_str(&format!("# HELP {name}_total{}\n", &rest[name.len()..]));
                out.push_str(&format!("# TYPE {name}_total counter\n"));
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_format_names_counters_with_total_and_drops_eof() {
        let om = "# HELP emcd_probes Results.\n# TYPE emcd_probes counter\nemcd_probes_total{a=\"b\"} 3\n\
                  # HELP g A gauge.\n# TYPE g gauge\n# UNIT g seconds\ng 1\n# EOF\n";
        assert_eq!(
            openmetrics_to_text(om),
            "# HELP emcd_probes_total Results.\n# TYPE emcd_probes_total counter\nemcd_probes_total{a=\"b\"} 3\n\
             # HELP g A gauge.\n# TYPE g gauge\ng 1\n"
        );
    }

    /// A fleet of `n` checks in one agency, loaded from a config as the daemon does.
    fn fleet(n: usize) -> Fleet {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("agencies")).unwrap();
        std::fs::write(dir.path().join("emcd.yaml"), "include: [agencies/*.yaml]\n").unwrap();
        let mut file = String::from(
            "agency: {id: a, code: A, name: A, kind: province}\n\
             systems:\n  - id: s\n    name: S\n    kind: tthc\n    checks:\n",
        );
        for i in 0..n {
            file.push_str(&format!(
                "      - {{id: c{i}, tcp: {{host: 127.0.0.1, port: 9}}}}\n"
            ));
        }
        std::fs::write(dir.path().join("agencies/a.yaml"), file).unwrap();
        page::tests::build(&dir.path().join("emcd.yaml"))
    }

    #[test]
    fn the_page_in_chunks_is_the_whole_page_cut_at_lines() {
        let metrics = Metrics::new(crate::fleet::FleetHandle::new(fleet(2000)));
        let role = Role::single("n", "local");
        for format in [Format::Text, Format::OpenMetrics] {
            // The page has the time in it (ages, windows): a second may pass between
            // the two writings, so a few tries.
            let (whole, chunks) = (0..3)
                .map(|_| {
                    let mut chunks = Vec::new();
                    metrics.encode_chunks(format, &role, &mut |c| chunks.push(c));
                    (metrics.encode(format, &role), chunks)
                })
                .find(|(whole, chunks)| *whole == chunks.concat())
                .expect("the chunks put together are the whole page");
            assert!(
                chunks.len() > 10,
                "{} chunks of {} bytes",
                chunks.len(),
                whole.len()
            );
            let (last, full) = chunks.split_last().unwrap();
            for c in full {
                assert!(c.ends_with('\n'), "a chunk ends at a line's end");
                assert!((CHUNK..CHUNK + 4096).contains(&c.len()), "{}", c.len());
            }
            assert!(last.len() < CHUNK + 4096 && last.ends_with('\n'));
            if format == Format::OpenMetrics {
                assert!(last.ends_with("# EOF\n"));
            }
        }
    }

    #[test]
    fn the_label_sets_kept_between_scrapes_follow_a_reload() {
        let handle = crate::fleet::FleetHandle::new(fleet(2));
        let metrics = Metrics::new(handle.clone());
        let role = Role::single("n", "local");
        let line = |i: usize| format!("emcd_check_up{{agency=\"a\",system=\"s\",check=\"c{i}\"}} ");
        let page = metrics.encode(Format::Text, &role);
        assert!(
            page.contains(&line(1)) && !page.contains(&line(2)),
            "{page}"
        );
        let kept = metrics.fixed_for(&handle.current());
        assert!(Arc::ptr_eq(&kept, &metrics.fixed_for(&handle.current())));
        handle.replace(fleet(3));
        let page = metrics.encode(Format::Text, &role);
        assert!(!Arc::ptr_eq(&kept, &metrics.fixed_for(&handle.current())));
        assert!(page.contains(&line(1)) && page.contains(&line(2)), "{page}");
    }
}
