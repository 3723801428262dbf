//! The sim's clock: real wall time, or a manual clock tests move forward.
//!
//! Every timestamp the cloud stores is unix milliseconds of this clock, so a
//! later process opening the same cloud sees the right status. AWS durations
//! are divided by the provider's speed before they are added to "now".

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where the sim reads the time from.
#[derive(Debug, Clone, Default)]
pub struct SimClock {
    manual: Option<Arc<AtomicU64>>,
}

/// The instant a manual clock starts at (2024-01-01T00:00:00Z), so tests are
/// reproducible.
const MANUAL_START_MS: u64 = 1_704_067_200_000;

impl SimClock {
    /// Real wall time.
    pub fn real() -> Self {
        Self { manual: None }
    }

    /// A clock that only moves when [`SimClock::advance`] is called. Clones
    /// share the same time, so a test keeps one and hands the other to the sim.
    pub fn manual() -> Self {
        Self {
            manual: Some(Arc::new(AtomicU64::new(MANUAL_START_MS))),
        }
    }

    /// Whether this is a manual clock.
    pub fn is_manual(&self) -> bool {
        self.manual.is_some()
    }

    /// Moves a manual clock forward (a real clock ignores this).
    pub fn advance(&self, by: Duration) {
        if let Some(ms) = &self.manual {
            let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
            ms.fetch_add(by, Ordering::SeqCst);
        }
    }

    /// Now, in unix milliseconds.
    pub fn now_ms(&self) -> u64 {
        match &self.manual {
            Some(ms) => ms.load(Ordering::SeqCst),
            None => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                .unwrap_or(0),
        }
    }
}

/// Milliseconds of clock time an AWS duration of `secs` takes at `speed`
/// (an infinite speed makes everything instant).
pub fn scaled_ms(secs: f64, speed: f64) -> u64 {
    if !speed.is_finite() || speed <= 0.0 || secs <= 0.0 {
        return 0;
    }
    let ms = secs * 1000.0 / speed;
    if ms >= u64::MAX as f64 {
        u64::MAX
    } else {
        ms.ceil() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_advanced_and_clones_share_time() {
        let clock = SimClock::manual();
        let other = clock.clone();
        let t0 = clock.now_ms();
        assert_eq!(clock.now_ms(), t0);
        other.advance(Duration::from_secs(3));
        assert_eq!(clock.now_ms(), t0 + 3000);
    }

    #[test]
    fn durations_scale_with_speed() {
        assert_eq!(scaled_ms(600.0, 60.0), 10_000);
        assert_eq!(scaled_ms(600.0, f64::INFINITY), 0);
        assert_eq!(scaled_ms(2.0, 1.0), 2000);
    }
}
