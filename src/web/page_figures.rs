//! A browser check's last page load on the status page (docs/results.md, "Page
//! loads"): FCP, LCP, speed index and TBT, each against the check's threshold (the
//! 2025 criteria by default), in words and numbers, marked when over.

use std::fmt::Write;

use super::html::esc;
use super::i18n::{decimal, t, Lang};
use crate::config::PageExpect;
use crate::result::PageFigures;

/// The catalogue key of each figure's name, in the order of `PageFigures::NAMES`.
const NAMES: [&str; 4] = ["page.fcp", "page.lcp", "page.speed_index", "page.tbt"];

/// Seconds with the language's decimal mark: "1,25 s" in vi, "1.25 s" in en.
fn seconds(lang: Lang, d: std::time::Duration) -> String {
    format!("{} s", decimal(lang, d.as_secs_f64(), 2))
}

/// One line per figure: its name, the figure, its threshold; `over` when above it.
pub fn render(out: &mut String, lang: Lang, page: &PageFigures, expect: &PageExpect) {
    let _ = write!(
        out,
        "<ul class=\"page-load\" aria-label=\"{}\">",
        esc(t(lang, "page.title"))
    );
    for ((name, figure), threshold) in NAMES.iter().zip(page.as_array()).zip(expect.as_array()) {
        let over = figure > threshold;
        let _ = write!(
            out,
            "<li{class}>{name}: {figure} <span class=\"muted\">({limit} {threshold})</span></li>",
            class = if over { " class=\"why\"" } else { "" },
            name = esc(t(lang, name)),
            figure = seconds(lang, figure),
            limit = esc(t(lang, "page.limit")),
            threshold = seconds(lang, threshold),
        );
    }
    out.push_str("</ul>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn each_figure_against_its_threshold_with_the_language_s_decimal_mark() {
        let page = PageFigures {
            fcp: Duration::from_millis(1250),
            lcp: Duration::from_millis(4500),
            speed_index: Duration::from_millis(4500),
            tbt: Duration::from_millis(100),
            ..PageFigures::default()
        };
        let mut out = String::new();
        render(&mut out, Lang::Vi, &page, &PageExpect::CRITERIA);
        assert!(out.contains("1,25 s"), "{out}");
        assert!(out.contains("4,00 s"), "{out}");
        assert_eq!(
            out.matches("class=\"why\"").count(),
            1,
            "only LCP is over: {out}"
        );
        let mut en = String::new();
        render(&mut en, Lang::En, &page, &PageExpect::CRITERIA);
        assert!(en.contains("1.25 s") && en.contains("5.80 s"), "{en}");
    }
}
