//! `emcd probe URL` (README.md, "Running"): one HTTP(S) probe now, printed for an agency debugging its
//! endpoint: phase timings, status, TLS certificate expiry, verdict. It uses the same
//! [`Prober`] as the daemon, with the default expectations (status 200-399).

use std::fmt::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use http::{HeaderName, HeaderValue, Method};
use url::Url;

use super::{tls, Outcome, Phases, Prober};
use crate::config::{Expect, HttpSpec, Policy};

/// Arguments of `emcd probe`.
#[derive(Clone, Debug, clap::Args)]
pub struct ProbeArgs {
    /// The http:// or https:// URL to probe.
    pub url: String,
    /// Give up after this long (whole probe, redirects and body included).
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    pub timeout: Duration,
    /// HTTP method.
    #[arg(long, default_value = "GET")]
    pub method: String,
    /// Request header, as 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
}

/// Runs the probe and prints it. `Ok(true)` if the endpoint is up or degraded.
pub async fn probe_command(args: ProbeArgs) -> anyhow::Result<bool> {
    let spec = http_spec(&args)?;
    let policy = policy(args.timeout);
    let user_agent = concat!("emcd/", env!("CARGO_PKG_VERSION"));
    let prober = Prober::new(user_agent, &[]).context("setting up the prober")?;
    let outcome = prober.http(&spec, &policy).await;
    print!("{}", render(&spec, &outcome, SystemTime::now()));
    Ok(outcome.result.is_available())
}

fn http_spec(args: &ProbeArgs) -> anyhow::Result<HttpSpec> {
    let url = Url::parse(&args.url).with_context(|| format!("invalid URL {:?}", args.url))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!(
            "invalid URL {:?}: scheme must be http or https, not {:?}",
            args.url,
            url.scheme()
        );
    }
    if url.host().is_none() {
        bail!("invalid URL {:?}: no host", args.url);
    }
    let method = Method::from_bytes(args.method.to_ascii_uppercase().as_bytes())
        .with_context(|| format!("invalid method {:?}", args.method))?;
    let headers = args
        .headers
        .iter()
        .map(|h| header(h))
        .collect::<anyhow::Result<_>>()?;
    Ok(HttpSpec {
        url,
        method,
        headers,
        body: None,
        follow_redirects: true,
        insecure_skip_verify: false,
        tls: Default::default(),
        expect: Expect {
            status: vec![200..=399],
            body_contains: None,
            body_not_contains: None,
            body_regex: None,
            headers: Vec::new(),
            json: Vec::new(),
            max_response_time: None,
        },
    })
}

fn header(text: &str) -> anyhow::Result<(HeaderName, HeaderValue)> {
    let Some((name, value)) = text.split_once(':') else {
        bail!("invalid header {text:?}: expected 'Name: value'");
    };
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .with_context(|| format!("invalid header name in {text:?}"))?;
    let value = HeaderValue::from_str(value.trim())
        .with_context(|| format!("invalid header value in {text:?}"))?;
    Ok((name, value))
}

/// The docs/configuration.md defaults, with the given timeout.
fn policy(timeout: Duration) -> Policy {
    Policy {
        interval: timeout.saturating_add(Duration::from_secs(1)),
        timeout,
        failure_threshold: 3,
        success_threshold: 2,
        degraded_after: Duration::from_secs(3),
        slo_availability: 99.5,
        cert_min_days: 14,
        vantages: Vec::new(),
        quorum: None,
    }
}

fn render(spec: &HttpSpec, o: &Outcome, now: SystemTime) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {}", spec.method, spec.url);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    for (name, d) in Phases::NAMES.iter().zip(o.phases.as_array()) {
        let _ = writeln!(out, "  {name:<11}{:>10.1} ms", ms(d));
    }
    let _ = writeln!(out, "  {:<11}{:>10.1} ms", "total", ms(o.duration));
    if let Some(status) = o.status_code {
        let _ = writeln!(out, "status       {status}");
    }
    if let Some(expiry) = o.cert_expiry {
        let now = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let days = (expiry - now).div_euclid(86_400);
        let when = tls::rfc3339(expiry);
        let _ = match days < 0 {
            true => writeln!(out, "certificate  expired {when} ({} days ago)", -days),
            false => writeln!(out, "certificate  expires {when} ({days} days left)"),
        };
    }
    let _ = match (o.error, &o.message) {
        (Some(kind), Some(message)) => {
            writeln!(out, "result       {} ({kind}): {message}", o.result)
        }
        _ => writeln!(out, "result       {}", o.result),
    };
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{ErrorKind, ResultKind};

    fn args(url: &str, headers: &[&str]) -> ProbeArgs {
        ProbeArgs {
            url: url.into(),
            timeout: Duration::from_secs(10),
            method: "post".into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
        }
    }

    #[test]
    fn parses_the_command_line() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            probe: ProbeArgs,
        }
        let cli = Cli::try_parse_from(["probe", "http://a.example/"]).unwrap();
        assert_eq!(
            (cli.probe.timeout, cli.probe.method.as_str()),
            (Duration::from_secs(10), "GET")
        );
        let argv = [
            "probe",
            "http://a.example/",
            "--timeout",
            "3s",
            "-H",
            "A: b",
            "-H",
            "C: d",
        ];
        let cli = Cli::try_parse_from(argv).unwrap();
        assert_eq!(cli.probe.timeout, Duration::from_secs(3));
        assert_eq!(cli.probe.headers, ["A: b", "C: d"]);
    }

    #[test]
    fn builds_the_spec() {
        let spec = http_spec(&args("https://a.example/x?y", &["Accept: text/html"])).unwrap();
        assert_eq!(spec.method, Method::POST);
        assert_eq!(spec.headers[0].0, "accept");
        assert_eq!(spec.expect.status, vec![200..=399]);
    }

    #[test]
    fn bad_input_names_what_is_wrong() {
        let err = |url, h: &[&str]| format!("{:#}", http_spec(&args(url, h)).unwrap_err());
        assert!(err("a.example", &[]).starts_with("invalid URL \"a.example\": relative URL"));
        assert!(err("ftp://a.example/", &[]).contains("scheme must be http or https"));
        assert!(err("http://a.example/", &["nocolon"]).contains("expected 'Name: value'"));
    }

    #[test]
    fn renders_phases_expiry_and_verdict() {
        let spec = http_spec(&args("https://a.example/", &[])).unwrap();
        let outcome = Outcome {
            duration: Duration::from_millis(30),
            phases: Phases {
                tls: Duration::from_millis(30),
                ..Phases::default()
            },
            status_code: Some(503),
            cert_expiry: Some(1_577_836_800 + 10 * 86_400),
            result: ResultKind::Down,
            error: Some(ErrorKind::Status),
            message: Some("status 503 not in 200-399".into()),
        };
        let text = render(
            &spec,
            &outcome,
            UNIX_EPOCH + Duration::from_secs(1_577_836_800),
        );
        assert!(text.contains("  tls              30.0 ms\n"), "{text}");
        assert!(text.contains("status       503\n"), "{text}");
        assert!(
            text.contains("expires 2020-01-11T00:00:00Z (10 days left)"),
            "{text}"
        );
        assert!(
            text.ends_with("result       down (status): status 503 not in 200-399\n"),
            "{text}"
        );
    }
}
