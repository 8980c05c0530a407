//! Unit tests of the poller's pure parts.

use super::*;
use tokio::time::Instant;

#[test]
fn due_follows_interval_and_backoff() {
    let t0 = Instant::now();
    let iv = Duration::from_secs(120);
    let mut s = StreamState::default();
    assert!(due(&s, iv, t0), "never polled: due");
    s.succeeded(t0);
    assert!(!due(&s, iv, t0 + Duration::from_secs(119)));
    assert!(due(&s, iv, t0 + iv));
    s.failed(t0 + iv, Duration::from_secs(30));
    assert_eq!(s.failures, 1);
    assert!(!due(&s, iv, t0 + iv + Duration::from_secs(29)));
    assert!(due(&s, iv, t0 + iv + Duration::from_secs(30)));
    s.succeeded(t0 + iv * 2);
    assert_eq!(s.failures, 0);
    assert!(s.retry_at.is_none());
}

#[test]
fn backoff_doubles_with_jitter_and_a_cap() {
    let base = Duration::from_secs(30);
    let cap = Duration::from_secs(1800);
    assert_eq!(backoff(1, base, cap, 0.0), Duration::from_secs(15));
    assert_eq!(backoff(1, base, cap, 1.0), Duration::from_secs(30));
    assert_eq!(backoff(2, base, cap, 1.0), Duration::from_secs(60));
    assert_eq!(backoff(3, base, cap, 0.5), Duration::from_secs(90));
    assert_eq!(backoff(30, base, cap, 1.0), cap);
    assert_eq!(backoff(30, base, cap, 0.0), cap / 2);
    for f in 1..40 {
        let d = backoff(f, base, cap, 0.99);
        assert!(d <= cap);
    }
}

#[test]
fn events_serialize_with_a_type_tag() {
    let e = Event::Blind {
        connection: "c".into(),
        side: Side::Graph,
        reason: "down".into(),
    };
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["type"], "blind");
    assert_eq!(v["side"], "graph");
}
