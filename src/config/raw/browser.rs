//! The raw keys of browser checks (SPEC 14): a check's `browser` section and the main
//! file's `probing.browser`.

use serde::Deserialize;

use super::{Spanned, Text};

/// A page load (SPEC 14).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrowserSection {
    /// Absolute http(s) URL of the page.
    pub url: Option<Text>,
    /// `{width, height}` in CSS pixels, each 200 to 10000. Default `{width: 1366,
    /// height: 768}`, or `412x915` with `mobile`.
    pub viewport: Option<Spanned<ViewportSection>>,
    /// Lay the page out as a phone (touch, device scale factor 2.625). Default `false`.
    pub mobile: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewportSection {
    pub width: Option<Text>,
    pub height: Option<Text>,
}

/// `probing.browser`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbingBrowserSection {
    /// Path of the Chromium (or Chrome) executable. Default: the first of `chromium`,
    /// `chromium-browser`, `google-chrome` on `PATH`.
    pub executable: Option<Text>,
    /// Pages loading at once, at most; 1 to 64. Default 2.
    pub max_concurrent: Option<Text>,
}
