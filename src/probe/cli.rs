//! `emcd probe TARGET` (README.md, "Running"): one probe now, printed for an agency
//! debugging its endpoint: phase timings, status, TLS certificate expiry, verdict. An
//! http(s) URL is probed like an `http` check with the default expectations (status
//! 200-399), `tcp://host:port` like a `tcp` check (`--tls` for a handshake). The TLS
//! options are those of a check's `tls` (`--cacert`, `--cert`/`--key`, `--server-name`,
//! `--insecure`), read from the files given. It uses the same [`Prober`] as the daemon.
//! `--browser` loads the URL in headless Chromium instead (`cli_browser`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context};
use http::{HeaderName, HeaderValue, Method};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{PrivateKeyDer, ServerName};
use url::Url;

use super::{cli_render, tls, Prober};
use crate::config::{ClientCert, ClientKey, Expect, HttpSpec, PemCerts, Policy, ProbeTls, TcpSpec};

/// Arguments of `emcd probe`.
#[derive(Clone, Debug, clap::Args)]
pub struct ProbeArgs {
    /// What to probe: an http:// or https:// URL, or tcp://HOST:PORT.
    #[arg(value_name = "URL")]
    pub url: String,
    /// Give up after this long (whole probe, redirects and body included). Default 10s,
    /// 30s with --browser.
    #[arg(long, value_parser = humantime::parse_duration)]
    pub timeout: Option<Duration>,
    /// Load the page in headless Chromium, as a `browser` check does, and print its FCP,
    /// LCP, speed index substitute, TBT, requests and bytes.
    #[arg(long)]
    pub browser: bool,
    /// With --browser: a phone's viewport (412x915, touch).
    #[arg(long, requires = "browser")]
    pub mobile: bool,
    /// With --browser: the Chromium executable. Default: chromium, chromium-browser or
    /// google-chrome on PATH.
    #[arg(long, value_name = "FILE", requires = "browser")]
    pub chromium: Option<PathBuf>,
    /// HTTP method.
    #[arg(long, default_value = "GET")]
    pub method: String,
    /// Request header, as 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// With tcp://: complete a TLS handshake after connecting.
    #[arg(long)]
    pub tls: bool,
    /// PEM file of CA certificates to trust besides the system's (a private CA).
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Accept any certificate (its expiry is still read and shown).
    #[arg(short = 'k', long)]
    pub insecure: bool,
    /// PEM client certificate for a server that requires one (mutual TLS); needs --key.
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,
    /// PEM private key of --cert.
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// The TLS name to ask for and verify instead of the target's host (probing by IP).
    #[arg(long, value_name = "NAME")]
    pub server_name: Option<String>,
    /// The local address the probe leaves from.
    #[arg(long, value_name = "IP")]
    pub source_address: Option<std::net::IpAddr>,
}

/// What `emcd probe` probes.
enum Spec {
    Http(Box<HttpSpec>),
    Tcp(TcpSpec),
}

impl Spec {
    /// The first line printed.
    fn title(&self) -> String {
        match self {
            Spec::Http(s) => format!("{} {}", s.method, s.url),
            Spec::Tcp(s) if s.tls => format!("TCP+TLS {}:{}", s.host, s.port),
            Spec::Tcp(s) => format!("TCP {}:{}", s.host, s.port),
        }
    }
}

/// Runs the probe and prints it. `Ok(true)` if the endpoint is up or degraded.
pub async fn probe_command(args: ProbeArgs) -> anyhow::Result<bool> {
    if args.browser {
        let browser = super::cli_browser::BrowserArgs {
            url: &args.url,
            timeout: args.timeout,
            mobile: args.mobile,
            chromium: args.chromium.as_deref(),
        };
        return super::cli_browser::run(browser).await;
    }
    let spec = spec(&args)?;
    let policy = policy(args.timeout.unwrap_or(Duration::from_secs(10)));
    let user_agent = concat!("emcd/", env!("CARGO_PKG_VERSION"));
    let prober = Prober::new(user_agent, &[]).context("setting up the prober")?;
    let prober = prober.with_source_address(args.source_address);
    let outcome = match &spec {
        Spec::Http(s) => prober.http(s, &policy).await,
        Spec::Tcp(s) => prober.tcp(s, &policy).await,
    };
    print!(
        "{}",
        cli_render::render(&spec.title(), &outcome, SystemTime::now())
    );
    Ok(outcome.result.is_available())
}

fn spec(args: &ProbeArgs) -> anyhow::Result<Spec> {
    let url = Url::parse(&args.url).with_context(|| format!("invalid URL {:?}", args.url))?;
    let tls_asked =
        args.cacert.is_some() || args.cert.is_some() || args.server_name.is_some() || args.insecure;
    match url.scheme() {
        "http" | "https" => {
            if args.tls {
                bail!(
                    "--tls is for tcp:// targets ({:?} is {}://)",
                    args.url,
                    url.scheme()
                );
            }
            if url.scheme() == "http" && tls_asked {
                bail!("--cacert, --cert, --key, --server-name and --insecure need TLS: use https:// (not {:?})", args.url);
            }
            Ok(Spec::Http(Box::new(http_spec(args, url)?)))
        }
        "tcp" => {
            if !args.tls && tls_asked {
                bail!("--cacert, --cert, --key, --server-name and --insecure need --tls with a tcp:// target");
            }
            Ok(Spec::Tcp(tcp_spec(args, &url)?))
        }
        other => bail!(
            "invalid URL {:?}: scheme must be http, https or tcp, not {other:?}",
            args.url
        ),
    }
}

fn http_spec(args: &ProbeArgs, url: Url) -> anyhow::Result<HttpSpec> {
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
        insecure_skip_verify: args.insecure,
        tls: probe_tls(args)?,
        expect: Expect::shared_default(true),
    })
}

/// `tcp://HOST:PORT`, nothing else (no path, no user, no query).
fn tcp_spec(args: &ProbeArgs, url: &Url) -> anyhow::Result<TcpSpec> {
    let bad = |why: &str| anyhow::anyhow!("invalid target {:?}: {why}", args.url);
    let host = url.host_str().filter(|h| !h.is_empty());
    let host = host.ok_or_else(|| bad("expected tcp://HOST:PORT"))?;
    let port = url
        .port()
        .ok_or_else(|| bad("no port: expected tcp://HOST:PORT"))?;
    if !matches!(url.path(), "" | "/") || url.query().is_some() || !url.username().is_empty() {
        return Err(bad("expected tcp://HOST:PORT, without path, query or user"));
    }
    Ok(TcpSpec {
        host: host.to_owned(),
        port,
        tls: args.tls,
        insecure_skip_verify: args.insecure,
        tls_options: probe_tls(args)?,
    })
}

/// `--cacert`, `--cert`, `--key` and `--server-name`, read and checked like a check's `tls`.
fn probe_tls(args: &ProbeArgs) -> anyhow::Result<ProbeTls> {
    let ca = match &args.cacert {
        Some(path) => Some(Arc::new(PemCerts {
            certs: tls::parse_certs(&read("--cacert", path)?)
                .with_context(|| format!("--cacert {:?}", path.display().to_string()))?,
            path: path.clone(),
        })),
        None => None,
    };
    let client = match (&args.cert, &args.key) {
        (Some(cert_file), Some(key_file)) => Some(Arc::new(client(cert_file, key_file)?)),
        _ => None,
    };
    if let Some(name) = &args.server_name {
        if ServerName::try_from(name.as_str()).is_err() {
            bail!("invalid --server-name {name:?}: expected a DNS name or an IP address");
        }
    }
    Ok(ProbeTls {
        ca,
        client,
        server_name: args.server_name.clone(),
    })
}

fn client(cert_file: &Path, key_file: &Path) -> anyhow::Result<ClientCert> {
    let chain = tls::parse_certs(&read("--cert", cert_file)?)
        .with_context(|| format!("--cert {:?}", cert_file.display().to_string()))?;
    let key = PrivateKeyDer::from_pem_slice(&read("--key", key_file)?).map_err(|_| {
        anyhow::anyhow!(
            "--key {:?} holds no private key: expected a PEM block PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY",
            key_file.display().to_string()
        )
    })?;
    let provider = rustls::crypto::ring::default_provider();
    rustls::sign::CertifiedKey::from_der(chain.clone(), key.clone_key(), &provider).with_context(
        || {
            format!(
                "--key {:?} does not go with --cert",
                key_file.display().to_string()
            )
        },
    )?;
    Ok(ClientCert {
        cert_file: cert_file.to_owned(),
        key_file: key_file.to_owned(),
        chain,
        key: ClientKey(Arc::new(key)),
    })
}

fn read(option: &str, path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path)
        .with_context(|| format!("cannot read {option} {:?}", path.display().to_string()))
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        probe: ProbeArgs,
    }

    fn args(argv: &[&str]) -> ProbeArgs {
        let argv = std::iter::once("probe").chain(argv.iter().copied());
        Cli::try_parse_from(argv).unwrap().probe
    }

    fn err(argv: &[&str]) -> String {
        format!("{:#}", spec(&args(argv)).err().unwrap())
    }

    #[test]
    fn parses_the_command_line() {
        let a = args(&["http://a.example/"]);
        assert_eq!(
            (a.timeout, a.method.as_str(), a.browser),
            (None, "GET", false)
        );
        let a = args(&[
            "http://a.example/",
            "--timeout",
            "3s",
            "-H",
            "A: b",
            "-H",
            "C: d",
        ]);
        assert_eq!(a.timeout, Some(Duration::from_secs(3)));
        assert_eq!(a.headers, ["A: b", "C: d"]);
        assert!(Cli::try_parse_from(["probe", "https://a.example/", "--cert", "c.pem"]).is_err());
    }

    #[test]
    fn builds_the_specs() {
        let a = args(&[
            "https://a.example/x?y",
            "--method",
            "post",
            "-H",
            "Accept: text/html",
            "-k",
        ]);
        let Ok(Spec::Http(h)) = spec(&a) else {
            panic!("http")
        };
        assert_eq!(h.method, Method::POST);
        assert_eq!(h.headers[0].0, "accept");
        assert_eq!(h.expect.status, vec![200..=399]);
        assert!(h.insecure_skip_verify);
        let a = args(&["tcp://[::1]:853", "--tls", "--server-name", "dns.example"]);
        let Ok(Spec::Tcp(t)) = spec(&a) else {
            panic!("tcp")
        };
        assert_eq!((t.host.as_str(), t.port, t.tls), ("[::1]", 853, true));
        assert_eq!(t.tls_options.server_name.as_deref(), Some("dns.example"));
        assert_eq!(Spec::Tcp(t).title(), "TCP+TLS [::1]:853");
    }

    #[test]
    fn bad_input_names_what_is_wrong() {
        assert!(err(&["a.example"]).starts_with("invalid URL \"a.example\": relative URL"));
        assert!(
            err(&["ftp://a.example/"]).contains("scheme must be http, https or tcp, not \"ftp\"")
        );
        assert!(err(&["http://a.example/", "-H", "nocolon"]).contains("expected 'Name: value'"));
        assert!(err(&["tcp://a.example"]).contains("no port: expected tcp://HOST:PORT"));
        assert!(err(&["tcp://a.example:1/x"]).contains("without path, query or user"));
        assert!(err(&["https://a.example/", "--tls"]).contains("--tls is for tcp:// targets"));
        assert!(err(&["tcp://a.example:1", "-k"]).contains("need --tls"));
        assert!(err(&["http://a.example/", "--cacert", "x"]).contains("use https://"));
        let e = err(&["https://a.example/", "--cacert", "/nonexistent/ca.pem"]);
        assert!(
            e.starts_with("cannot read --cacert \"/nonexistent/ca.pem\": "),
            "{e}"
        );
        let e = err(&["https://a.example/", "--server-name", "a b"]);
        assert!(e.contains("invalid --server-name \"a b\""), "{e}");
    }
}
