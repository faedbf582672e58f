//! An `emcd` `/metrics` page read as samples (full series text -> value), one sample
//! found by name and labels, and a bounded wait until the page shows something.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use super::eventually_or;
use super::http::get;
use super::process::Daemon;

/// Polls `/metrics` (bounded, 30 s) until `ready` holds on its samples; returns the page.
pub async fn wait_metrics(
    d: &Daemon,
    what: &str,
    ready: impl Fn(&HashMap<String, f64>) -> bool,
) -> String {
    let last = Mutex::new(String::new());
    let (seen, ready) = (&last, &ready);
    let poll = move || async move {
        let (_, page) = get(&d.addr, "/metrics").await.unwrap();
        if ready(&samples(&page)) {
            return Some(page);
        }
        *seen.lock().unwrap() = page;
        None
    };
    let context = || format!("metrics:\n{}\nlog:\n{}", last.lock().unwrap(), d.log());
    eventually_or(Duration::from_secs(30), what, poll, context).await
}

/// Parses the samples of a metrics page: full series text (name + labels) -> value.
pub fn samples(page: &str) -> HashMap<String, f64> {
    page.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            Some((series.to_owned(), value.parse().ok()?))
        })
        .collect()
}

/// The value of the first sample whose name is `name` and whose labels include all of
/// `labels` (given as `key="value"` strings).
pub fn sample(samples: &HashMap<String, f64>, name: &str, labels: &[&str]) -> Option<f64> {
    samples.iter().find_map(|(series, v)| {
        let (n, rest) = series.split_once('{').unwrap_or((series, ""));
        (n == name && labels.iter().all(|l| rest.contains(l))).then_some(*v)
    })
}
