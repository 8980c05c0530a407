//! The pure parts of the engine's one HTTP transport (`engine/src/http.rs`):
//! reading `Retry-After` and telling a loopback host. No IO, no clock: the
//! caller passes `now`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use url::{Host, Url};

/// The longest wait a `Retry-After` is read as (one day); callers apply
/// their own, shorter caps.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(86_400);

/// A `Retry-After` value: delta-seconds (fractional accepted, as Graph
/// sends) or an HTTP date, read against `now`. A negative number or a date
/// in the past means "now" (`Duration::ZERO`); longer than a day is a day;
/// anything else (`soon`, `NaN`, empty) is `None`.
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        if !secs.is_finite() {
            return None;
        }
        let capped = secs.clamp(0.0, MAX_RETRY_AFTER.as_secs_f64());
        return Some(Duration::from_secs_f64(capped));
    }
    let when = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some(
        (when - now)
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(MAX_RETRY_AFTER),
    )
}

/// Whether a URL's host is on this machine (`localhost`, `127.0.0.0/8`,
/// `::1`): plain http is allowed there and no proxy is used.
pub fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2015, 10, 21, 7, 28, 0).unwrap()
    }

    #[test]
    fn retry_after_in_seconds() {
        assert_eq!(retry_after("2", now()), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(" 30 ", now()), Some(Duration::from_secs(30)));
        assert_eq!(retry_after("2.5", now()), Some(Duration::from_millis(2500)));
        assert_eq!(retry_after("0", now()), Some(Duration::ZERO));
        assert_eq!(retry_after("9999999", now()), Some(MAX_RETRY_AFTER));
    }

    #[test]
    fn retry_after_as_an_http_date_is_read_against_now() {
        let at = |v: &str| retry_after(v, now());
        assert_eq!(
            at("Wed, 21 Oct 2015 07:28:30 GMT"),
            Some(Duration::from_secs(30))
        );
        // In the past: now.
        assert_eq!(at("Wed, 21 Oct 2015 07:27:00 GMT"), Some(Duration::ZERO));
        // The same date read an hour earlier is an hour longer.
        let earlier = now() - chrono::Duration::hours(1);
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:30 GMT", earlier),
            Some(Duration::from_secs(3630))
        );
        assert_eq!(at("Fri, 21 Oct 2016 07:28:30 GMT"), Some(MAX_RETRY_AFTER));
    }

    #[test]
    fn retry_after_negative_is_now() {
        assert_eq!(retry_after("-1", now()), Some(Duration::ZERO));
        assert_eq!(retry_after("-0.5", now()), Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_garbage_is_none() {
        for v in [
            "",
            "soon",
            "NaN",
            "inf",
            "-inf",
            "1e999x",
            "Wed, 99 Oct",
            "12 s",
        ] {
            assert_eq!(retry_after(v, now()), None, "{v:?}");
        }
    }

    #[test]
    fn loopback_hosts() {
        let l = |u: &str| is_loopback_host(&Url::parse(u).unwrap());
        for u in [
            "http://localhost:1/x",
            "http://LOCALHOST/x",
            "http://127.0.0.1:8080",
            "http://127.9.9.9",
            "http://[::1]:1/x",
        ] {
            assert!(l(u), "{u}");
        }
        for u in [
            "https://localhost.example.com",
            "https://10.0.0.1",
            "https://[::2]",
            "https://example.com",
        ] {
            assert!(!l(u), "{u}");
        }
        assert!(!is_loopback_host(&Url::parse("data:text/plain,x").unwrap()));
    }
}
