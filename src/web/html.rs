//! HTML building blocks: the escaping helper every piece of config and result text
//! goes through, and the page shell (inline CSS, no script, no external asset).

use std::fmt::Write;

use super::i18n::{t, tf, Lang};

/// Escapes text for an HTML element or a double-quoted attribute.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

pub const CSS: &str = "\
:root{--ok:#1a7f37;--warn:#b35900;--bad:#c62828;--none:#9e9e9e;--fg:#1f2328;--muted:#59636e;--line:#d8dee4;--bg:#fff}\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);background:#f6f8fa}\
main{max-width:72rem;margin:0 auto;padding:1rem}\
header.top{background:#0b3d91;color:#fff;padding:.75rem 1rem}\
header.top{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.5rem}\
header.top a{color:#fff;text-decoration:none;font-weight:600}\
nav.lang{font-size:.9rem}nav.lang a{font-weight:400;text-decoration:underline}\
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.2rem;margin:0 0 .25rem}h3{font-size:1rem;margin:0}\
a{color:#0b57d0}\
.muted{color:var(--muted);font-size:.875rem}.rank{color:var(--muted);font-variant-numeric:tabular-nums}.grade{font-weight:600;font-size:.8rem;border:1px solid var(--line);border-radius:1rem;padding:0 .5rem}\
.summary{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0 1rem;padding:0;list-style:none}\
.summary li{background:var(--bg);border:1px solid var(--line);border-radius:.5rem;padding:.5rem .75rem}\
.summary b{font-size:1.25rem;display:block}\
.card{background:var(--bg);border:1px solid var(--line);border-radius:.5rem;padding:.75rem;margin:0 0 .75rem}\
.agencies{list-style:none;padding:0;margin:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(17rem,1fr));gap:.5rem}\
.agencies li{background:var(--bg);border:1px solid var(--line);border-left:.4rem solid var(--none);border-radius:.5rem;padding:.5rem .75rem}\
.agencies li.ok{border-left-color:var(--ok)}.agencies li.warn{border-left-color:var(--warn)}.agencies li.bad{border-left-color:var(--bad)}\
.summary li.bad{border-color:var(--bad)}.summary li.bad b{color:var(--bad)}\
.why{color:var(--bad);font-weight:600}.events{margin:0 0 1rem;padding-left:1.2rem}\
.badge{display:inline-block;border-radius:1rem;padding:0 .5rem;font-size:.8rem;font-weight:600;color:#fff;background:var(--none);white-space:nowrap}\
.badge.ok,.badge.met,.badge.connected,.badge.up{background:var(--ok)}.badge.maintenance{background:#5b6b8c}\
.badge.warn,.badge.partial,.badge.degraded{background:var(--warn)}\
.badge.bad,.badge.none,.badge.disconnected,.badge.down{background:var(--bad)}\
.check{border-top:1px solid var(--line);padding:.5rem 0}\
.check .line{display:flex;flex-wrap:wrap;gap:.25rem .75rem;align-items:baseline}\
.bars{display:flex;gap:1px;height:2rem;margin:.35rem 0 0;padding:0;list-style:none}\
.bars li{flex:1 1 0;min-width:1px;border-radius:1px;background:var(--none)}\
.bars li.ok{background:var(--ok)}.bars li.warn{background:var(--warn)}.bars li.bad{background:var(--bad)}\
.axis{display:flex;justify-content:space-between}\
footer{color:var(--muted);font-size:.8rem;padding:1rem}\
.notice{border:2px solid var(--bad);padding:.5rem .75rem;margin:0 0 1rem}\
svg.chart{width:100%;height:5rem;display:block;margin:.35rem 0 0;border:1px solid var(--line)}\
@media (max-width:40rem){main{padding:.5rem}h1{font-size:1.25rem}.bars{height:1.5rem}}\
";

/// What every page needs besides its body: the language, the path (for the language
/// switch) and the time it was generated (HTML: a `<time>` in the page's zone).
pub struct Shell<'a> {
    pub lang: Lang,
    pub path: &'a str,
    pub generated: &'a str,
}

/// A whole page around `body` (already HTML). `title` is escaped here.
pub fn page(shell: &Shell<'_>, title: &str, body: &str) -> String {
    let lang = shell.lang;
    let mut out = String::with_capacity(body.len() + CSS.len() + 1024);
    // The switch: plain links to this page in each language, the current one marked.
    let switch: Vec<String> = Lang::ALL
        .iter()
        .map(|&l| {
            let name = t(l, "language.name");
            if l == lang {
                format!("<b lang=\"{tag}\">{name}</b>", tag = l.tag())
            } else {
                format!(
                    "<a href=\"{path}?lang={tag}\" hreflang=\"{tag}\" lang=\"{tag}\">{name}</a>",
                    path = esc(shell.path),
                    tag = l.tag()
                )
            }
        })
        .collect();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{tag}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <link rel=\"icon\" href=\"data:,\">\n<title>{title}</title>\n<style>{CSS}</style>\n</head>\n\
         <body>\n<header class=\"top\"><a href=\"/?lang={tag}\">{site}</a>\
         <nav class=\"lang\" aria-label=\"{switch_label}\">{switch}</nav></header>\n<main>\n{body}</main>\n\
         <footer>{generated} \
         {data}: <a href=\"/api/v1/status\">JSON API</a>, <a href=\"/metrics\">metrics</a>.</footer>\n\
         </body>\n</html>\n",
        tag = lang.tag(),
        title = esc(title),
        site = t(lang, "site.name"),
        switch_label = t(lang, "language.switch"),
        switch = switch.join(" · "),
        generated = tf(
            lang,
            "footer.generated",
            &[shell.generated, env!("CARGO_PKG_VERSION")]
        ),
        data = t(lang, "footer.data"),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(esc("a & \"b\" 'c'"), "a &amp; &quot;b&quot; &#39;c&#39;");
        assert_eq!(esc("Bộ Tư pháp"), "Bộ Tư pháp");
    }

    #[test]
    fn page_escapes_its_title() {
        let shell = Shell {
            lang: Lang::Vi,
            path: "/agencies/x",
            generated: "now",
        };
        let p = page(&shell, "<b>", "<p>x</p>");
        assert!(p.contains("<title>&lt;b&gt;</title>"));
        assert!(p.contains("<html lang=\"vi\">"));
        assert!(
            p.contains("<a href=\"/agencies/x?lang=en\" hreflang=\"en\" lang=\"en\">English</a>")
        );
        assert!(p.contains("<p>x</p>"));
        assert!(!p.contains("<script"));
    }
}
