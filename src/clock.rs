//! The server's clock: wall time plus an offset a test can set, so that token
//! expiry and everything else time-based moves together.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, SecondsFormat, TimeZone, Utc};

#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Milliseconds since the epoch, as stored.
    pub fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }

    /// Sets the clock to wall time + `offset_seconds` (absolute, not added to
    /// an earlier offset).
    pub fn set_offset_seconds(&self, offset_seconds: i64) {
        self.offset_ms
            .store(offset_seconds.saturating_mul(1000), Ordering::Relaxed);
    }

    pub fn offset_seconds(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed) / 1000
    }
}

/// A stored time as GitHub writes it: ISO 8601 with milliseconds and an offset
/// (`2020-01-22T12:13:35.123+00:00`).
pub fn format_ms(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_with_millis_and_an_offset() {
        assert_eq!(
            format_ms(1_579_723_415_123),
            "2020-01-22T20:03:35.123+00:00"
        );
    }

    #[test]
    fn offset_is_absolute_not_cumulative() {
        let clock = Clock::default();
        clock.set_offset_seconds(3600);
        clock.set_offset_seconds(60);
        assert_eq!(clock.offset_seconds(), 60);
        let drift = clock.now() - Utc::now();
        assert!((59..=61).contains(&drift.num_seconds()), "{drift}");
    }
}
