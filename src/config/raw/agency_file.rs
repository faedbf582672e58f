//! An agency file (`config/agencies/<agency-id>.yaml`): one agency, its systems and their
//! checks. Any value may use `${VAR}`.

use serde::Deserialize;

use super::{BrowserSection, Headers, PolicyRef, SloSection, Spanned, Text};

/// An agency file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyFile {
    /// Who the agency is.
    pub agency: Spanned<AgencySection>,
    /// Its information systems. May be empty.
    pub systems: Option<Vec<Spanned<SystemSection>>>,
}

/// Only the agency id of an agency file, any other key ignored: read from a file that
/// does not parse as an [`AgencyFile`], so that its id still counts toward uniqueness.
#[derive(Debug, Deserialize)]
pub struct AgencyIdOnly {
    pub agency: AgencyIdSection,
}

#[derive(Debug, Deserialize)]
pub struct AgencyIdSection {
    pub id: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencySection {
    /// `[a-z0-9-]{1,63}`, unique across all agency files, e.g. `bo-tu-phap`.
    pub id: Option<Text>,
    /// Short code, e.g. `BTP` or a province code `01`.
    pub code: Option<Text>,
    /// Full name, e.g. `Bộ Tư pháp`.
    pub name: Option<Text>,
    /// `ministry`, `ministerial_agency`, `government_agency`, `province` or `city`.
    pub kind: Option<Text>,
    /// `YYYY-MM-DD`: the first day the agency exists (local midnight in `sla.timezone`);
    /// reports list it from then on.
    pub valid_from: Option<Text>,
    /// `YYYY-MM-DD`: the first day it no longer exists, e.g. the date of its merger. From
    /// then on it is neither probed nor required.
    pub valid_to: Option<Text>,
    /// The id of the agency it was merged into (needs `valid_to`): reports roll its
    /// history after `valid_to` into that agency's line.
    pub successor: Option<Text>,
    /// `sha256:` + 64 hex digits: the digest of the bearer token the agency sends with
    /// its monthly indicators to `POST /api/v1/indicators/{agency}`, as printed by
    /// `emcd token`. Optional: without it the agency cannot push indicators.
    pub indicators_token: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemSection {
    /// `[a-z0-9-]{1,63}`, unique within the agency.
    pub id: Option<Text>,
    /// Full name, e.g. `Hệ thống đăng ký hộ tịch`.
    pub name: Option<Text>,
    /// `tthc` (administrative-procedure system), `portal` or `other`.
    pub kind: Option<Text>,
    /// Counts toward the connection mandate. Default `true` for `tthc`, else `false`.
    pub required: Option<Text>,
    /// How the system is measured. May be empty: a required system without checks is
    /// "unregistered".
    pub checks: Option<Vec<Spanned<CheckSection>>>,
}

/// A check: an `id`, exactly one of `http`, `tcp`, `push`, `browser`, and optionally any key of
/// `defaults` to override it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSection {
    /// `[a-z0-9-]{1,63}`, unique within the system. The full id is `agency/system/check`.
    pub id: Option<Text>,
    /// Overrides `defaults.interval`.
    pub interval: Option<Text>,
    /// Overrides `defaults.timeout`.
    pub timeout: Option<Text>,
    /// Overrides `defaults.failure_threshold`.
    pub failure_threshold: Option<Text>,
    /// Overrides `defaults.success_threshold`.
    pub success_threshold: Option<Text>,
    /// Overrides `defaults.degraded_after`.
    pub degraded_after: Option<Text>,
    /// Overrides `defaults.slo`.
    pub slo: Option<Spanned<SloSection>>,
    /// Overrides `defaults.cert_min_days`.
    pub cert_min_days: Option<Text>,
    /// Overrides `defaults.vantages`.
    pub vantages: Option<Spanned<Vec<Text>>>,
    /// Overrides `defaults.quorum`.
    pub quorum: Option<Text>,
    /// Probe an HTTP(S) URL.
    pub http: Option<Spanned<HttpSection>>,
    /// Open a TCP connection (and optionally a TLS session).
    pub tcp: Option<Spanned<TcpSection>>,
    /// Accept heartbeats pushed by the system to `POST /api/v1/push/{agency}/{system}/{check}`.
    pub push: Option<Spanned<PushSection>>,
    /// Load a page in headless Chromium and measure it (FCP, LCP, speed index, TBT).
    pub browser: Option<Spanned<BrowserSection>>,
    /// What a successful HTTP response (http checks) or page load (browser checks) looks like.
    pub expect: Option<Spanned<ExpectSection>>,
}

impl CheckSection {
    /// The policy keys of this check, to lay over `defaults`.
    pub fn policy(&self) -> PolicyRef<'_> {
        PolicyRef {
            interval: self.interval.as_ref(),
            timeout: self.timeout.as_ref(),
            failure_threshold: self.failure_threshold.as_ref(),
            success_threshold: self.success_threshold.as_ref(),
            degraded_after: self.degraded_after.as_ref(),
            slo_availability: self
                .slo
                .as_ref()
                .and_then(|s| s.value.availability.as_ref()),
            cert_min_days: self.cert_min_days.as_ref(),
            vantages: self.vantages.as_ref(),
            quorum: self.quorum.as_ref(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSection {
    /// Absolute http(s) URL.
    pub url: Option<Text>,
    /// `GET` (default), `HEAD`, `POST`, `PUT`, `PATCH`, `DELETE` or `OPTIONS`.
    pub method: Option<Text>,
    /// Request headers. Values are never logged.
    pub headers: Option<Spanned<Headers>>,
    /// Request body. Default none.
    pub body: Option<Text>,
    /// Follow up to 10 redirects. Default `true`.
    pub follow_redirects: Option<Text>,
    /// TLS options.
    pub tls: Option<Spanned<TlsSection>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    /// Accept any certificate (still read and reported). Default `false`.
    pub insecure_skip_verify: Option<Text>,
    /// PEM file of CAs trusted for this check besides the system's and
    /// `probing.tls.ca_files`; relative to this file's directory. Default none.
    pub ca_file: Option<Text>,
    /// PEM certificate (chain) presented to a server that asks for one (mutual TLS);
    /// needs `key_file`. Default none.
    pub cert_file: Option<Text>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) of `cert_file`. Never logged.
    pub key_file: Option<Text>,
    /// The name sent (SNI) and verified instead of the URL's host, for probing by IP.
    pub server_name: Option<Text>,
}

impl TlsSection {
    /// The keys shared with `tcp`.
    pub fn files(&self) -> TlsRef<'_> {
        TlsRef {
            ca_file: self.ca_file.as_ref(),
            cert_file: self.cert_file.as_ref(),
            key_file: self.key_file.as_ref(),
            server_name: self.server_name.as_ref(),
        }
    }
}

/// The TLS keys of an `http.tls` or a `tcp` section.
#[derive(Clone, Copy, Default)]
pub struct TlsRef<'a> {
    pub ca_file: Option<&'a Text>,
    pub cert_file: Option<&'a Text>,
    pub key_file: Option<&'a Text>,
    pub server_name: Option<&'a Text>,
}

impl TlsRef<'_> {
    /// The first key given, for a message about all of them.
    pub fn first(&self) -> Option<(&'static str, &Text)> {
        [
            ("ca_file", self.ca_file),
            ("cert_file", self.cert_file),
            ("key_file", self.key_file),
            ("server_name", self.server_name),
        ]
        .into_iter()
        .find_map(|(k, t)| t.map(|t| (k, t)))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TcpSection {
    /// Host name or IP address.
    pub host: Option<Text>,
    /// 1 to 65535.
    pub port: Option<Text>,
    /// Complete a TLS handshake after connecting. Default `false`.
    pub tls: Option<Text>,
    /// With `tls`, accept any certificate (still read and reported). Default `false`.
    pub insecure_skip_verify: Option<Text>,
    /// With `tls`: as `http.tls.ca_file`.
    pub ca_file: Option<Text>,
    /// With `tls`: as `http.tls.cert_file`.
    pub cert_file: Option<Text>,
    /// With `tls`: as `http.tls.key_file`.
    pub key_file: Option<Text>,
    /// With `tls`: as `http.tls.server_name` (for a `host` that is an IP address).
    pub server_name: Option<Text>,
}

impl TcpSection {
    pub fn files(&self) -> TlsRef<'_> {
        TlsRef {
            ca_file: self.ca_file.as_ref(),
            cert_file: self.cert_file.as_ref(),
            key_file: self.key_file.as_ref(),
            server_name: self.server_name.as_ref(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushSection {
    /// `sha256:` + 64 hex digits: the digest of the bearer token the system sends, as
    /// printed by `emcd token`. Never the token itself.
    pub token: Option<Text>,
    /// No push for this long is a failure; `1s` to `31d`. Default twice the check's
    /// `interval`.
    pub max_silence: Option<Text>,
}

/// Every condition given must hold for the probe to succeed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectSection {
    /// Accepted status codes or ranges, e.g. `[200-299, 404]`, each within 100-599.
    /// Default `200-399` when following redirects, else `200-299`.
    pub status: Option<Spanned<Vec<Text>>>,
    /// The body contains this text.
    pub body_contains: Option<Text>,
    /// The body does not contain this text.
    pub body_not_contains: Option<Text>,
    /// The body matches this regex (Rust `regex` syntax).
    pub body_regex: Option<Text>,
    /// Header name -> regex its value must match, e.g. `{content-type: "^text/html"}`.
    pub headers: Option<Spanned<Headers>>,
    /// JSON body conditions.
    pub json: Option<Vec<Spanned<JsonSection>>>,
    /// A slower response is a failure (`degraded_after` only marks it degraded); `1ms`
    /// to `1h`. For a browser check, the end of the load event.
    pub max_response_time: Option<Text>,
    /// Browser checks: First Contentful Paint above it is degraded. Default `3s`.
    pub fcp: Option<Text>,
    /// Browser checks: Largest Contentful Paint above it is degraded. Default `4s`.
    pub lcp: Option<Text>,
    /// Browser checks: the speed index substitute above it is degraded. Default `5.8s`.
    pub speed_index: Option<Text>,
    /// Browser checks: Total Blocking Time above it is degraded. Default `600ms`.
    pub tbt: Option<Text>,
}

/// The value at `path` in the JSON body equals `equals`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonSection {
    /// JSONPath subset: `$`, then `.key` and `[index]` steps, e.g. `$.data.items[0].status`.
    pub path: Text,
    /// Any YAML value (string, number, boolean, null, list, mapping); compared as JSON.
    /// `${VAR}` is substituted inside its strings.
    pub equals: serde_json::Value,
}
