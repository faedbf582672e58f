//! Failures of the monitor itself (docs/results.md, "unknown"): a probe that could not
//! leave this host says nothing about the agency's system, so it is `unknown` with error
//! kind `vantage`, never `down`. Sorted by the OS error of the socket call.

use std::io;

/// Why `err` is the monitor's own failure, or `None` when it may be the target's.
/// `EHOSTUNREACH` is left to the target: a router on the agency's side can send it.
pub(crate) fn local_cause(err: &io::Error) -> Option<&'static str> {
    Some(match err.raw_os_error()? {
        libc::EMFILE => "no free file descriptor in emcd",
        libc::ENFILE => "no free file descriptor on the monitor host",
        libc::EADDRNOTAVAIL => "no such local address, or no local port free",
        libc::EADDRINUSE => "no local port free",
        libc::ENETUNREACH => "the monitor host has no route to that network",
        libc::ENETDOWN => "the monitor host's network is down",
        libc::ENOBUFS | libc::ENOMEM => "the monitor host is out of socket memory",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitor_side_errors_are_sorted_from_the_target_s() {
        let os = io::Error::from_raw_os_error;
        for code in [
            libc::EMFILE,
            libc::ENFILE,
            libc::EADDRNOTAVAIL,
            libc::ENETUNREACH,
        ] {
            assert!(local_cause(&os(code)).is_some(), "{}", os(code));
        }
        for code in [
            libc::ECONNREFUSED,
            libc::ETIMEDOUT,
            libc::EHOSTUNREACH,
            libc::ECONNRESET,
        ] {
            assert_eq!(local_cause(&os(code)), None, "{}", os(code));
        }
        assert_eq!(local_cause(&io::Error::other("x")), None);
    }
}
