//! Time for the simulator: real, scaled (for demos) or manual (for tests).

use std::sync::Mutex;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};

/// A source of "now" for everything the simulated tenant does (cycles, token
/// expiry, quarantine retries, provisioning log timestamps).
///
/// Rate limiting and injected latency always use real time: they exist for the
/// client on the other side of the socket, which lives in real time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current simulated time.
    fn now(&self) -> DateTime<Utc>;
    /// How many simulated seconds pass per real second (1.0 for a real clock,
    /// 0.0 for a manual clock that only moves when told).
    fn rate(&self) -> f64;
    /// Move a manual clock forward; other clocks ignore this and return false.
    fn advance(&self, _by: Duration) -> bool {
        false
    }
    /// Set a manual clock (never backwards); other clocks ignore this.
    fn set(&self, _to: DateTime<Utc>) -> bool {
        false
    }
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealClock;

impl Clock for RealClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn rate(&self) -> f64 {
        1.0
    }
}

/// A clock that runs `scale` times faster than real time from a starting point
/// (demos: `--time-scale 60` makes a 40-minute schedule pass in 40 s).
#[derive(Debug, Clone)]
pub struct ScaledClock {
    origin_sim: DateTime<Utc>,
    origin_real: Instant,
    scale: f64,
}

impl ScaledClock {
    /// A clock starting at the current wall time and running `scale` times
    /// faster (non-positive or non-finite scales are treated as 1).
    pub fn new(scale: f64) -> Self {
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        Self {
            origin_sim: Utc::now(),
            origin_real: Instant::now(),
            scale,
        }
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> DateTime<Utc> {
        let real = self.origin_real.elapsed().as_secs_f64();
        let sim_ms = (real * self.scale * 1000.0) as i64;
        self.origin_sim + Duration::milliseconds(sim_ms)
    }
    fn rate(&self) -> f64 {
        self.scale
    }
}

/// A clock that stands still until a test moves it. Use
/// [`crate::SimHandle::advance`] to move it *and* run every cycle that falls due.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A manual clock showing `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// A manual clock at the fixed instant tests use by default
    /// (2025-03-03T09:00:00Z, a Monday).
    pub fn fixed() -> Self {
        Self::new(default_start())
    }
}

/// The default start of manual clocks: 2025-03-03T09:00:00Z.
pub fn default_start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_740_992_400, 0).unwrap_or_default()
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn rate(&self) -> f64 {
        0.0
    }
    fn advance(&self, by: Duration) -> bool {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        if by > Duration::zero() {
            *now += by;
        }
        true
    }
    fn set(&self, to: DateTime<Utc>) -> bool {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        if to > *now {
            *now = to;
        }
        true
    }
}

/// Graph's timestamp format: ISO-8601, UTC, `Z`, fractional seconds only when
/// there are any (`2025-03-03T09:00:00Z`, `2025-03-03T09:00:00.123Z`).
pub fn graph_time(t: DateTime<Utc>) -> String {
    if t.timestamp_subsec_millis() == 0 {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }
}

/// Parse an ISO-8601 duration of the shapes Graph uses (`PT40M`, `PT1M`,
/// `P1DT2H`, `PT0.5S`). Returns `None` for anything else.
pub fn parse_iso_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let rest = s.strip_prefix('P').or_else(|| s.strip_prefix('p'))?;
    let (date, time) = match rest.find(['T', 't']) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let mut total_ms: f64 = 0.0;
    let mut any = false;
    for (part, units) in [
        (date, &[('D', 86_400.0), ('W', 604_800.0)][..]),
        (time, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)][..]),
    ] {
        let mut num = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                num.push(c);
            } else {
                let unit = units.iter().find(|(u, _)| u.eq_ignore_ascii_case(&c))?;
                let v: f64 = num.parse().ok()?;
                total_ms += v * unit.1 * 1000.0;
                num.clear();
                any = true;
            }
        }
        if !num.is_empty() {
            return None;
        }
    }
    if !any || !total_ms.is_finite() {
        return None;
    }
    Some(Duration::milliseconds(total_ms as i64))
}

/// Format a duration the way Graph does for `schedule.interval` (`PT40M`).
pub fn format_iso_duration(d: Duration) -> String {
    let total_ms = d.num_milliseconds().max(0);
    let days = total_ms / 86_400_000;
    let rem = total_ms % 86_400_000;
    let h = rem / 3_600_000;
    let m = (rem % 3_600_000) / 60_000;
    let ms = rem % 60_000;
    let mut out = String::from("P");
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if rem > 0 || days == 0 {
        out.push('T');
        if h > 0 {
            out.push_str(&format!("{h}H"));
        }
        if m > 0 {
            out.push_str(&format!("{m}M"));
        }
        if ms > 0 || (h == 0 && m == 0) {
            if ms % 1000 == 0 {
                out.push_str(&format!("{}S", ms / 1000));
            } else {
                out.push_str(&format!("{}.{:03}S", ms / 1000, ms % 1000));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip() {
        assert_eq!(parse_iso_duration("PT40M"), Some(Duration::minutes(40)));
        assert_eq!(parse_iso_duration("PT1M"), Some(Duration::minutes(1)));
        assert_eq!(parse_iso_duration("P1DT2H"), Some(Duration::hours(26)));
        assert_eq!(
            parse_iso_duration("PT0.5S"),
            Some(Duration::milliseconds(500))
        );
        assert_eq!(parse_iso_duration("40m"), None);
        assert_eq!(parse_iso_duration("P"), None);
        assert_eq!(format_iso_duration(Duration::minutes(40)), "PT40M");
        assert_eq!(format_iso_duration(Duration::hours(26)), "P1DT2H");
        assert_eq!(format_iso_duration(Duration::seconds(90)), "PT1M30S");
    }

    #[test]
    fn manual_clock_moves_only_forward() {
        let c = ManualClock::fixed();
        let t0 = c.now();
        c.advance(Duration::hours(1));
        assert_eq!(c.now() - t0, Duration::hours(1));
        c.set(t0);
        assert_eq!(c.now() - t0, Duration::hours(1));
        assert_eq!(graph_time(t0), "2025-03-03T09:00:00Z");
    }
}
