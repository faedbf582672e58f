//! What one connection is doing, for the watchdog that closes it: the last byte read or
//! written, the requests in flight, and whether a request is being received. The socket
//! is wrapped in [`Tracked`], which stamps every read and write; the service marks the
//! start and end of each request with [`Activity::request`].

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Shared by the socket wrapper, the service and the watchdog of one connection. Times
/// are milliseconds since the connection was accepted.
#[derive(Debug)]
pub(super) struct Activity {
    accepted: Instant,
    last_io: AtomicU64,
    /// When the last request ended (or the connection was accepted).
    idle_since: AtomicU64,
    in_flight: AtomicUsize,
    /// Bytes arrived since `idle_since`: a request is being received.
    receiving: AtomicBool,
    requests: AtomicU64,
}

/// What the watchdog should do with a connection now.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Leave it; look again after this long.
    Wait(Duration),
    /// Close it: the client took too long to send a request's headers.
    HeaderTimeout,
    /// Close it: no request and no traffic for `idle_timeout`.
    Idle,
}

impl Activity {
    pub(super) fn new() -> Arc<Activity> {
        Arc::new(Activity {
            accepted: Instant::now(),
            last_io: AtomicU64::new(0),
            idle_since: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            receiving: AtomicBool::new(false),
            requests: AtomicU64::new(0),
        })
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.accepted.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn touch(&self, read: bool) {
        self.last_io.store(self.now_ms(), Ordering::Relaxed);
        if read {
            self.receiving.store(true, Ordering::Relaxed);
        }
    }

    /// Marks a request in flight until the guard is dropped.
    pub(super) fn request(self: &Arc<Activity>) -> RequestGuard {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.requests.fetch_add(1, Ordering::Relaxed);
        RequestGuard(self.clone())
    }

    /// The rules (docs/limits.md, "The HTTP server"): with no request in flight, a
    /// request being received (or the first one awaited) must arrive within
    /// `header_timeout` of the connection going idle; between requests, a connection with
    /// no traffic for `idle_timeout` is closed.
    pub(super) fn verdict(&self, header_timeout: Duration, idle_timeout: Duration) -> Verdict {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return Verdict::Wait(idle_timeout.min(header_timeout));
        }
        let now = self.now_ms();
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let awaiting_headers =
            self.receiving.load(Ordering::Relaxed) || self.requests.load(Ordering::Relaxed) == 0;
        let (since, limit, verdict) = if awaiting_headers {
            let since = self.idle_since.load(Ordering::Relaxed);
            (since, ms(header_timeout), Verdict::HeaderTimeout)
        } else {
            let since = self.last_io.load(Ordering::Relaxed);
            (since, ms(idle_timeout), Verdict::Idle)
        };
        let elapsed = now.saturating_sub(since);
        if elapsed >= limit {
            verdict
        } else {
            Verdict::Wait(Duration::from_millis(limit - elapsed))
        }
    }
}

/// Ends a request's time in flight when dropped.
pub(super) struct RequestGuard(Arc<Activity>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        let a = &self.0;
        a.idle_since.store(a.now_ms(), Ordering::Relaxed);
        a.receiving.store(false, Ordering::Relaxed);
        a.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A socket that stamps [`Activity`] on every read and write.
pub(super) struct Tracked<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S> Tracked<S> {
    pub(super) fn new(inner: S, activity: Arc<Activity>) -> Tracked<S> {
        Tracked { inner, activity }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch(true);
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch(false);
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch(false);
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Duration = Duration::from_millis(10_000);
    const I: Duration = Duration::from_millis(60_000);

    #[test]
    fn a_silent_new_connection_has_the_header_timeout() {
        let a = Activity::new();
        assert!(matches!(a.verdict(H, I), Verdict::Wait(d) if d <= H && d > H / 2));
        assert_eq!(
            a.verdict(Duration::ZERO, I),
            Verdict::HeaderTimeout,
            "nothing sent within the header timeout"
        );
    }

    #[test]
    fn between_requests_the_idle_timeout_counts_from_the_last_byte() {
        let a = Activity::new();
        drop(a.request());
        a.touch(false);
        assert!(matches!(a.verdict(H, I), Verdict::Wait(d) if d > H));
        assert_eq!(a.verdict(H, Duration::ZERO), Verdict::Idle);
        // A byte of the next request: the header timeout applies again.
        a.touch(true);
        assert_eq!(a.verdict(Duration::ZERO, I), Verdict::HeaderTimeout);
    }

    #[test]
    fn a_request_in_flight_is_never_closed() {
        let a = Activity::new();
        let guard = a.request();
        assert!(matches!(
            a.verdict(Duration::ZERO, Duration::ZERO),
            Verdict::Wait(_)
        ));
        drop(guard);
        assert_eq!(a.verdict(H, Duration::ZERO), Verdict::Idle);
    }
}
