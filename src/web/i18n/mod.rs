//! The status page's two languages (SPEC 12): which one a request gets, one message
//! catalogue per language (`vi`, `en`, keyed tables with the same keys, checked by a
//! test), and the formats that follow the language: numbers (decimal comma in
//! Vietnamese), percentages, dates (`dd/mm/yyyy` in Vietnamese), relative times and
//! plurals. Names from config never go through here: they are shown as written.
//! No I/O; nothing here escapes HTML (callers do, `html::esc`).

mod en;
mod format;
mod vi;

pub use crate::config::Language as Lang;
pub use format::*;

/// The catalogue of `lang`: (key, text) pairs.
fn catalogue(lang: Lang) -> &'static [(&'static str, &'static str)] {
    match lang {
        Lang::Vi => vi::MESSAGES,
        Lang::En => en::MESSAGES,
    }
}

/// The text of `key` in `lang`; the key itself if the catalogue lacks it (a test makes
/// sure none does).
pub fn t(lang: Lang, key: &'static str) -> &'static str {
    catalogue(lang)
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, text)| text)
}

/// The text of `key` with `{0}`, `{1}`... replaced by `args` (already formatted).
pub fn tf(lang: Lang, key: &'static str, args: &[&str]) -> String {
    let mut out = t(lang, key).to_owned();
    for (i, a) in args.iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), a);
    }
    out
}

/// The language of a request: `?lang=vi|en` first, else the first language of
/// `Accept-Language` (by weight) that the page speaks, else `default`
/// (`server.language`).
pub fn negotiate(query: Option<&str>, accept: Option<&str>, default: Lang) -> Lang {
    let asked = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| {
            let value = pair.strip_prefix("lang=")?;
            Lang::parse(value)
        });
    if let Some(l) = asked {
        return l;
    }
    let mut best: Option<(f32, Lang)> = None;
    for item in accept.unwrap_or_default().split(',') {
        let mut parts = item.split(';').map(str::trim);
        let tag = parts.next().unwrap_or_default();
        let q = parts
            .find_map(|p| p.strip_prefix("q="))
            .map_or(1.0, |q| q.parse::<f32>().unwrap_or(0.0));
        let primary = tag.split('-').next().unwrap_or_default();
        if let Some(l) = Lang::parse(primary).filter(|_| q > 0.0) {
            if best.is_none_or(|(b, _)| q > b) {
                best = Some((q, l));
            }
        }
    }
    best.map_or(default, |(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(lang: Lang) -> BTreeSet<&'static str> {
        catalogue(lang).iter().map(|(k, _)| *k).collect()
    }

    #[test]
    fn both_catalogues_have_every_key_once() {
        for lang in Lang::ALL {
            let all = catalogue(lang);
            assert_eq!(
                keys(lang).len(),
                all.len(),
                "{}: a key is listed twice",
                lang.tag()
            );
            for (k, text) in all {
                assert!(!text.is_empty(), "{}: {k} is empty", lang.tag());
            }
        }
        let (vi, en) = (keys(Lang::Vi), keys(Lang::En));
        let only_vi: Vec<_> = vi.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&vi).collect();
        assert!(only_vi.is_empty(), "missing in en: {only_vi:?}");
        assert!(only_en.is_empty(), "missing in vi: {only_en:?}");
    }

    #[test]
    fn every_key_the_code_uses_is_in_the_catalogues() {
        // The page's source, read at compile time: every `t(lang, "key")` and
        // `tf(lang, "key", ..)`, however rustfmt wraps it.
        let sources = [
            include_str!("../agency.rs"),
            include_str!("../index.rs"),
            include_str!("../bars.rs"),
            include_str!("../html.rs"),
            include_str!("../mod.rs"),
            include_str!("../words.rs"),
            include_str!("../going_on.rs"),
            include_str!("../chart.rs"),
            include_str!("../badge.rs"),
            include_str!("format.rs"),
        ];
        let known = keys(Lang::Vi);
        let mut missing = Vec::new();
        let mut used = 0;
        for src in sources {
            let flat = src.split_whitespace().collect::<Vec<_>>().join(" ");
            let flat = flat.replace("( ", "(");
            for marker in ["t(lang, \"", "tf(lang, \"", "t(l, \""] {
                for rest in flat.split(marker).skip(1) {
                    let key = &rest[..rest.find('"').unwrap()];
                    used += 1;
                    if !known.contains(key) {
                        missing.push(key.to_owned());
                    }
                }
            }
        }
        assert!(used > 80, "only {used} uses found: the scan is broken");
        assert!(
            missing.is_empty(),
            "keys used but not catalogued: {missing:?}"
        );
        for noun in ["check", "alert", "agency", "minute", "hour", "day"] {
            for form in ["one", "many"] {
                let key = format!("{noun}.{form}");
                assert!(known.contains(key.as_str()), "{key}");
            }
        }
    }

    #[test]
    fn the_query_wins_then_accept_language_then_the_default() {
        assert_eq!(negotiate(Some("lang=en"), Some("vi"), Lang::Vi), Lang::En);
        assert_eq!(negotiate(Some("x=1&lang=vi"), None, Lang::En), Lang::Vi);
        assert_eq!(
            negotiate(Some("lang=fr"), Some("en-GB,en;q=0.8"), Lang::Vi),
            Lang::En
        );
        assert_eq!(
            negotiate(None, Some("fr, en;q=0.5, vi;q=0.9"), Lang::En),
            Lang::Vi
        );
        assert_eq!(
            negotiate(None, Some("vi;q=0, en;q=0.1"), Lang::Vi),
            Lang::En
        );
        assert_eq!(negotiate(None, Some("fr, de"), Lang::En), Lang::En);
        assert_eq!(negotiate(None, None, Lang::Vi), Lang::Vi);
    }

    #[test]
    fn arguments_are_put_in_place() {
        assert_eq!(tf(Lang::Vi, "ago", &["5 phút"]), "5 phút trước");
        assert_eq!(
            tf(Lang::En, "standing", &["1", "3", "33.33%"]),
            "1/3 required systems connected (33.33%)"
        );
    }
}
