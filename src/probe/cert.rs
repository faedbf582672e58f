//! Reads a certificate's `notAfter` straight from its DER encoding, so that a probe can
//! report when a presented chain expires even when the chain failed verification.
//!
//! A small DER walker: `Certificate -> tbsCertificate -> validity -> notAfter`, with
//! `UTCTime` and `GeneralizedTime` (RFC 5280 4.1.2.5). It never panics on bad input; it
//! returns `None`. It does not verify anything.

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const VERSION: u8 = 0xa0; // [0] EXPLICIT, constructed
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// Unix seconds of the certificate's `notAfter`, or `None` if `der` is not a certificate
/// this walker can read.
pub fn not_after(der: &[u8]) -> Option<i64> {
    let (cert, _) = expect(der, SEQUENCE)?;
    let (tbs, _) = expect(cert, SEQUENCE)?;
    let mut rest = tbs;
    if rest.first() == Some(&VERSION) {
        rest = tlv(rest)?.2;
    }
    rest = expect(rest, INTEGER)?.1; // serialNumber
    rest = expect(rest, SEQUENCE)?.1; // signature AlgorithmIdentifier
    rest = expect(rest, SEQUENCE)?.1; // issuer Name
    let (validity, _) = expect(rest, SEQUENCE)?;
    let (_, _, after_not_before) = tlv(validity)?;
    let (tag, time, _) = tlv(after_not_before)?;
    match tag {
        UTC_TIME => utc_time(time),
        GENERALIZED_TIME => generalized_time(time),
        _ => None,
    }
}

/// The earliest `notAfter` among the certificates that can be read.
pub fn earliest_not_after<'a>(chain: impl IntoIterator<Item = &'a [u8]>) -> Option<i64> {
    chain.into_iter().filter_map(not_after).min()
}

/// One TLV: (tag, value, rest). Only what certificates use: low tag numbers and definite
/// lengths of at most 4 length bytes.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let (bytes, after) = rest.split_at_checked(n)?;
        rest = after;
        bytes
            .iter()
            .fold(0usize, |acc, b| acc << 8 | usize::from(*b))
    };
    let (value, rest) = rest.split_at_checked(len)?;
    Some((tag, value, rest))
}

/// A TLV with this tag: (value, rest).
fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (t, value, rest) = tlv(input)?;
    (t == tag).then_some((value, rest))
}

/// `YYMMDDHHMMSSZ`; years 50-99 are 19xx (RFC 5280).
fn utc_time(s: &[u8]) -> Option<i64> {
    if s.len() != 13 || s[12] != b'Z' {
        return None;
    }
    let yy = digits(&s[0..2])?;
    let year = if yy >= 50 { 1900 + yy } else { 2000 + yy };
    civil_to_unix(year, &s[2..12])
}

/// `YYYYMMDDHHMMSSZ` (DER: no fractional seconds).
fn generalized_time(s: &[u8]) -> Option<i64> {
    if s.len() != 15 || s[14] != b'Z' {
        return None;
    }
    civil_to_unix(digits(&s[0..4])?, &s[4..14])
}

/// `MMDDHHMMSS` of `year` to unix seconds.
fn civil_to_unix(year: i64, s: &[u8]) -> Option<i64> {
    let month = digits(&s[0..2])?;
    let day = digits(&s[2..4])?;
    let hour = digits(&s[4..6])?;
    let minute = digits(&s[6..8])?;
    let second = digits(&s[8..10])?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second)
}

fn digits(s: &[u8]) -> Option<i64> {
    s.iter().try_fold(0i64, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn make(not_after: impl Fn(&mut rcgen::CertificateParams)) -> (Vec<u8>, i64) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["example.test".into()]).unwrap();
        not_after(&mut params);
        let expected = params.not_after.unix_timestamp();
        (params.self_signed(&key).unwrap().der().to_vec(), expected)
    }

    #[test]
    fn reads_not_after_from_rcgen_certificates() {
        let cases: [(i32, u8, u8, u64); 6] = [
            (2020, 1, 1, 0),           // UTCTime
            (2049, 12, 31, 86_399),    // last UTCTime second
            (2050, 1, 1, 1),           // GeneralizedTime
            (1960, 2, 29, 3_661),      // UTCTime 19xx, before the epoch
            (2024, 2, 29, 12 * 3_600), // leap day
            (4096, 1, 1, 0),           // rcgen's default, far future
        ];
        for (y, m, d, secs) in cases {
            let (der, expected) = make(|p| {
                p.not_after = rcgen::date_time_ymd(y, m, d) + Duration::from_secs(secs);
            });
            assert_eq!(not_after(&der), Some(expected), "{y}-{m}-{d} +{secs}s");
        }
    }

    #[test]
    fn known_values() {
        assert_eq!(utc_time(b"200101000000Z"), Some(1_577_836_800));
        assert_eq!(utc_time(b"700101000000Z"), Some(0));
        assert_eq!(generalized_time(b"20380119031408Z"), Some(2_147_483_648));
        assert_eq!(utc_time(b"201301000000Z"), None);
        assert_eq!(utc_time(b"2001010000Z"), None);
        assert_eq!(generalized_time(b"20200101000000.5Z"), None);
    }

    #[test]
    fn earliest_of_a_chain() {
        let (a, ea) = make(|p| p.not_after = rcgen::date_time_ymd(2030, 5, 1));
        let (b, eb) = make(|p| p.not_after = rcgen::date_time_ymd(2029, 5, 1));
        assert!(eb < ea);
        assert_eq!(earliest_not_after([&a[..], &b[..], b"junk"]), Some(eb));
        assert_eq!(earliest_not_after([b"junk".as_slice()]), None);
    }

    #[test]
    fn garbage_is_none_not_a_panic() {
        let (der, _) = make(|_| {});
        for len in 0..der.len() {
            assert_eq!(not_after(&der[..len]), None, "truncated at {len}");
        }
        assert_eq!(not_after(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(not_after(&[0x30, 0x80, 0x00, 0x00]), None);
    }
}
