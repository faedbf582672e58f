//! One page load in a fresh browser context (its own profile: no cookies, no cache):
//! open a tab of the check's viewport, install the observers, navigate, wait for the load
//! event and a quiet spell, read the figures from the page's performance entries, close
//! the context. Bounded by the caller's timeout; the context is closed either way.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};

use super::cdp::{Cdp, CdpError};
use crate::config::Viewport;
use crate::result::PageFigures;

/// After the load event, the page is measured once nothing new (a paint candidate, a
/// long task, a request) happened for this long.
pub const QUIET: Duration = Duration::from_millis(1000);

/// Installed in every document before its own scripts: observers that keep the LCP
/// candidates and long tasks (neither is reliably buffered for a late reader), and the
/// time of the last event seen, for the quiet spell.
const OBSERVE: &str = r#"(() => {
  const E = window.__emcd = { lcp: 0, long: [], last: 0 };
  try { performance.setResourceTimingBufferSize(100000); } catch (e) {}
  const watch = (type, each) => {
    try {
      new PerformanceObserver(list => {
        list.getEntries().forEach(each);
        E.last = performance.now();
      }).observe({ type, buffered: true });
    } catch (e) {}
  };
  watch('largest-contentful-paint', e => { E.lcp = e.startTime; });
  watch('longtask', e => { E.long.push([e.startTime, e.duration]); });
  watch('resource', () => {});
})();"#;

/// Evaluated after navigation: waits for the end of the load event and a quiet spell,
/// then returns the figures (milliseconds from the start of navigation).
const FIGURES: &str = r#"(async () => {
  const E = window.__emcd || { lcp: 0, long: [], last: 0 };
  const nav = () => performance.getEntriesByType('navigation')[0];
  for (;;) {
    const n = nav(), now = performance.now();
    if (n && n.loadEventEnd > 0 && now - Math.max(n.loadEventEnd, E.last) >= QUIET_MS) break;
    await new Promise(r => setTimeout(r, 100));
  }
  const n = nav();
  const paint = performance.getEntriesByType('paint').find(p => p.name === 'first-contentful-paint');
  const fcp = paint ? paint.startTime : null;
  let tbt = 0;
  if (fcp !== null) {
    for (const [start, duration] of E.long) {
      const end = start + duration;
      if (end <= fcp) continue;
      tbt += Math.max(0, end - Math.max(start, fcp) - 50);
    }
  }
  const resources = performance.getEntriesByType('resource');
  let bytes = n.transferSize || 0;
  for (const r of resources) bytes += r.transferSize || 0;
  return { fcp, lcp: E.lcp || null, tbt, load: n.loadEventEnd, requests: resources.length + 1,
           bytes, status: n.responseStatus || null };
})()"#;

/// What the page's script returned.
#[derive(Debug, Deserialize)]
struct Raw {
    fcp: Option<f64>,
    lcp: Option<f64>,
    tbt: f64,
    load: f64,
    requests: u32,
    bytes: f64,
    status: Option<u16>,
}

/// Why a load gave no figures.
#[derive(Debug)]
pub enum LoadError {
    /// Chromium's navigation error, e.g. `net::ERR_CONNECTION_REFUSED`.
    Navigation(String),
    /// The page loaded but painted nothing (no First Contentful Paint).
    NoPaint,
    /// The DevTools session failed.
    Cdp(CdpError),
    /// The page's figures did not parse.
    Figures(String),
}

impl From<CdpError> for LoadError {
    fn from(e: CdpError) -> Self {
        LoadError::Cdp(e)
    }
}

/// A load's figures and the main document's status.
pub struct Loaded {
    pub figures: PageFigures,
    pub status: Option<u16>,
}

/// A browser context opened for one load; [`Context::close`] disposes it (and its tab).
pub struct Context {
    pub id: String,
}

impl Context {
    pub async fn open(cdp: &Cdp) -> Result<Context, CdpError> {
        let answer = cdp
            .call(
                None,
                "Target.createBrowserContext",
                json!({"disposeOnDetach": true}),
            )
            .await?;
        let id = string(&answer, "browserContextId", "Target.createBrowserContext")?;
        Ok(Context { id })
    }

    pub async fn close(&self, cdp: &Cdp) -> Result<(), CdpError> {
        let params = json!({"browserContextId": self.id});
        cdp.call(None, "Target.disposeBrowserContext", params)
            .await
            .map(drop)
    }
}

/// Loads `url` in a new tab of `context`, laid out in `viewport`.
pub async fn load(
    cdp: &Cdp,
    context: &Context,
    url: &str,
    viewport: Viewport,
) -> Result<Loaded, LoadError> {
    let params = json!({
        "url": "about:blank", "browserContextId": context.id,
        "width": viewport.width, "height": viewport.height,
    });
    let target = cdp.call(None, "Target.createTarget", params).await?;
    let target = string(&target, "targetId", "Target.createTarget")?;
    let params = json!({"targetId": target, "flatten": true});
    let session = cdp.call(None, "Target.attachToTarget", params).await?;
    let session = string(&session, "sessionId", "Target.attachToTarget")?;
    let s = Some(session.as_str());
    let metrics = json!({
        "width": viewport.width, "height": viewport.height, "mobile": viewport.mobile,
        "deviceScaleFactor": if viewport.mobile { 2.625 } else { 1.0 },
    });
    cdp.call(s, "Emulation.setDeviceMetricsOverride", metrics)
        .await?;
    if viewport.mobile {
        let touch = json!({"enabled": true, "maxTouchPoints": 5});
        cdp.call(s, "Emulation.setTouchEmulationEnabled", touch)
            .await?;
    }
    cdp.call(s, "Page.enable", json!({})).await?;
    let observe = json!({"source": OBSERVE});
    cdp.call(s, "Page.addScriptToEvaluateOnNewDocument", observe)
        .await?;
    let navigated = cdp.call(s, "Page.navigate", json!({"url": url})).await?;
    if let Some(e) = navigated.get("errorText").and_then(Value::as_str) {
        if !e.is_empty() {
            return Err(LoadError::Navigation(e.to_owned()));
        }
    }
    let expression = FIGURES.replace("QUIET_MS", &QUIET.as_millis().to_string());
    let params = json!({"expression": expression, "awaitPromise": true, "returnByValue": true});
    let answer = cdp.call(s, "Runtime.evaluate", params).await?;
    if let Some(e) = answer.get("exceptionDetails") {
        let text = e.get("text").and_then(Value::as_str).unwrap_or("exception");
        return Err(LoadError::Figures(text.to_owned()));
    }
    let value = answer
        .pointer("/result/value")
        .cloned()
        .unwrap_or(Value::Null);
    let raw: Raw = serde_json::from_value(value).map_err(|e| LoadError::Figures(e.to_string()))?;
    figures(raw)
}

fn figures(raw: Raw) -> Result<Loaded, LoadError> {
    let ms = |v: f64| Duration::from_secs_f64(v.max(0.0) / 1000.0);
    let fcp = raw.fcp.ok_or(LoadError::NoPaint)?;
    let lcp = raw.lcp.unwrap_or(fcp).max(fcp);
    let speed_index = fcp.max(lcp).max(raw.load);
    Ok(Loaded {
        figures: PageFigures {
            fcp: ms(fcp),
            lcp: ms(lcp),
            speed_index: ms(speed_index),
            tbt: ms(raw.tbt),
            load: ms(raw.load),
            requests: raw.requests,
            bytes: raw.bytes.max(0.0) as u64,
        },
        status: raw.status,
    })
}

fn string(answer: &Value, key: &str, method: &str) -> Result<String, CdpError> {
    match answer.get(key).and_then(Value::as_str) {
        Some(s) => Ok(s.to_owned()),
        None => Err(CdpError::Command {
            method: method.to_owned(),
            message: format!("no {key} in the answer"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitute_speed_index_is_the_latest_of_fcp_lcp_and_load() {
        let raw = |fcp, lcp, load| Raw {
            fcp,
            lcp,
            tbt: 0.0,
            load,
            requests: 1,
            bytes: 10.0,
            status: Some(200),
        };
        let l = figures(raw(Some(100.0), Some(900.0), 400.0)).unwrap();
        assert_eq!(l.figures.lcp, Duration::from_millis(900));
        assert_eq!(l.figures.speed_index, Duration::from_millis(900));
        let l = figures(raw(Some(100.0), None, 400.0)).unwrap();
        assert_eq!(l.figures.lcp, Duration::from_millis(100));
        assert_eq!(l.figures.speed_index, Duration::from_millis(400));
        assert!(matches!(
            figures(raw(None, None, 1.0)),
            Err(LoadError::NoPaint)
        ));
    }
}
