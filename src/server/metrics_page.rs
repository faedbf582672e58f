//! `/metrics` streamed (docs/metrics.md): the page is written off the runtime's workers
//! in chunks of about `metrics::CHUNK` bytes (gzipped as they come when the scraper asks)
//! and sent as they are written, at most a few chunks ahead of the client, so memory
//! stays flat however large the fleet. A page that cannot be finished ends the response
//! with an error, never with a shorter page that would parse.

use std::io::Write;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{header, Request, Response};
use hyper::body::{Frame, Incoming};
use tokio::sync::mpsc;

use crate::api::AppState;
use crate::metrics::{Format, CHUNK};

/// Chunks written but not yet sent that the writer may run ahead by.
const AHEAD: usize = 4;

/// Why a page ended early.
#[derive(Debug, thiserror::Error)]
#[error("writing /metrics failed")]
pub struct PageError;

/// The body of a streamed `/metrics` response.
pub struct Chunks {
    rx: mpsc::Receiver<Result<Bytes, PageError>>,
}

impl hyper::body::Body for Chunks {
    type Data = Bytes;
    type Error = PageError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, PageError>>> {
        self.rx
            .poll_recv(cx)
            .map(|next| next.map(|chunk| chunk.map(Frame::data)))
    }
}

/// The `/metrics` response: in the format the scraper's `Accept` asks for, gzipped
/// when `Accept-Encoding` allows it (as Prometheus does).
pub fn respond(app: &AppState, req: &Request<Incoming>) -> Response<Chunks> {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let format = Format::negotiate(accept);
    let gzip = accepts_gzip(req.headers().get(header::ACCEPT_ENCODING));
    let (tx, rx) = mpsc::channel(AHEAD);
    let (metrics, role) = (app.metrics.clone(), app.role.clone());
    // Writing a large fleet's page takes tens of milliseconds: off the runtime's
    // workers, so that the scheduler and the probes are not held up.
    tokio::task::spawn_blocking(move || {
        let write = std::panic::AssertUnwindSafe(|| {
            let mut sink = Sink::new(&tx, gzip);
            metrics.encode_chunks(format, &role, &mut |chunk| sink.chunk(chunk));
            sink.finish();
        });
        if std::panic::catch_unwind(write).is_err() {
            tracing::error!("writing /metrics failed; the response ends with an error");
            let _ = tx.blocking_send(Err(PageError));
        }
    });
    let mut response = Response::builder().header(header::CONTENT_TYPE, format.content_type());
    if gzip {
        response = response
            .header(header::CONTENT_ENCODING, "gzip")
            .header(header::VARY, "accept-encoding");
    }
    response
        .body(Chunks { rx })
        .expect("static response parts are valid")
}

/// Whether `Accept-Encoding` lists gzip (or x-gzip) with a weight above zero, as
/// Prometheus's `gzip` does.
fn accepts_gzip(value: Option<&header::HeaderValue>) -> bool {
    let Some(value) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    value.split(',').any(|coding| {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let zero = parts.any(|p| {
            p.strip_prefix("q=")
                .is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0))
        });
        (name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip")) && !zero
    })
}

/// The gzip level of `/metrics` (1 fastest, 9 smallest).
const GZIP_LEVEL: u32 = 1;

/// Where the chunks go: straight to the client, or through gzip first.
struct Sink<'a> {
    tx: &'a mpsc::Sender<Result<Bytes, PageError>>,
    gzip: Option<flate2::write::GzEncoder<Vec<u8>>>,
    /// False once the client has gone: the rest is written to nowhere.
    open: bool,
}

impl<'a> Sink<'a> {
    fn new(tx: &'a mpsc::Sender<Result<Bytes, PageError>>, gzip: bool) -> Sink<'a> {
        let level = flate2::Compression::new(GZIP_LEVEL);
        Sink {
            tx,
            gzip: gzip.then(|| flate2::write::GzEncoder::new(Vec::with_capacity(CHUNK), level)),
            open: true,
        }
    }

    fn send(&mut self, bytes: Vec<u8>) {
        if self.open && !bytes.is_empty() {
            self.open = self.tx.blocking_send(Ok(Bytes::from(bytes))).is_ok();
        }
    }

    fn chunk(&mut self, chunk: String) {
        if !self.open {
            return;
        }
        match self.gzip.as_mut() {
            None => self.send(chunk.into_bytes()),
            Some(gz) => {
                gz.write_all(chunk.as_bytes())
                    .expect("writing to a Vec does not fail");
                // Compressed output comes in bursts; send it once it is worth a frame.
                if gz.get_ref().len() >= CHUNK / 8 {
                    let out = std::mem::replace(gz.get_mut(), Vec::with_capacity(CHUNK));
                    self.send(out);
                }
            }
        }
    }

    fn finish(mut self) {
        if let Some(gz) = self.gzip.take() {
            let rest = gz.finish().expect("writing to a Vec does not fail");
            self.send(rest);
        }
    }
}

/// A body for the other routes' responses, beside [`Chunks`].
pub type Whole = http_body_util::Full<Bytes>;

/// Every response the server sends: whole, or `/metrics` in chunks.
pub type ServerBody = http_body_util::Either<Whole, Chunks>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_used_when_listed_with_a_weight_above_zero() {
        let yes = [
            "gzip",
            "GZIP",
            "deflate, gzip",
            "gzip;q=0.5",
            "identity, x-gzip;q=1",
        ];
        let no = [
            "",
            "identity",
            "deflate",
            "gzip;q=0",
            "gzip; q=0.0",
            "br, *",
        ];
        for v in yes {
            assert!(
                accepts_gzip(Some(&header::HeaderValue::from_static(v))),
                "{v}"
            );
        }
        for v in no {
            assert!(
                !accepts_gzip(Some(&header::HeaderValue::from_static(v))),
                "{v}"
            );
        }
        assert!(!accepts_gzip(None));
    }

    /// The gzip sink sends frames as they fill, and they decode to the page.
    #[test]
    fn gzipped_chunks_decode_to_the_page() {
        use std::io::Read;
        let (tx, mut rx) = mpsc::channel(1000);
        let mut sink = Sink::new(&tx, true);
        let chunks: Vec<String> = (0..40)
            .map(|c| {
                (0..CHUNK / 32)
                    .map(|i| format!("emcd_up{{check=\"c{c}-{i}\"}} {}\n", (i * 7919) % 1009))
                    .collect()
            })
            .collect();
        for c in &chunks {
            sink.chunk(c.clone());
        }
        sink.finish();
        let mut gz = Vec::new();
        let mut frames = 0;
        while let Ok(frame) = rx.try_recv() {
            gz.extend_from_slice(&frame.unwrap());
            frames += 1;
        }
        assert!(frames > 1, "{frames} frames");
        let mut page = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut page)
            .unwrap();
        assert_eq!(page, chunks.concat());
        assert!(gz.len() < page.len() / 3, "{} of {}", gz.len(), page.len());
    }

    /// A page the writer did not finish (it failed) gets no gzip trailer, so it does not
    /// decode as a whole page.
    #[test]
    fn an_unfinished_gzipped_page_does_not_decode() {
        use std::io::Read;
        let (tx, mut rx) = mpsc::channel(1000);
        let mut sink = Sink::new(&tx, true);
        let page: String = (0..40_000)
            .map(|i| format!("emcd_up{{check=\"c{i}\"}} {}\n", (i * 7919) % 1009))
            .collect();
        sink.chunk(page);
        drop(sink);
        drop(tx);
        // Every sender gone (the compressor's with its thread): the frames are all here.
        let mut gz = Vec::new();
        while let Some(frame) = rx.blocking_recv() {
            gz.extend_from_slice(&frame.unwrap());
        }
        assert!(
            !gz.is_empty(),
            "the frames compressed before the failure were sent"
        );
        let mut page = String::new();
        let read = flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut page);
        assert!(read.is_err(), "decoded {} bytes", page.len());
    }
}
