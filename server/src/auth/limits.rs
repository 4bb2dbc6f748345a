//! Per-account limit on failed sign-in verifications: after `max` failures
//! in a 15-minute window the account refuses sign-in until the window ends,
//! which caps online guessing whatever the attacker's IP addresses.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Failure counts per lower-case username.
pub struct FailureLimiter {
    max: u32,
    counts: Mutex<HashMap<String, (u32, Instant)>>,
}

impl FailureLimiter {
    pub fn new(max: u32) -> Self {
        Self { max, counts: Mutex::new(HashMap::new()) }
    }

    /// Seconds until the account may try again, if it is paused now.
    pub fn paused_for(&self, user: &str) -> Option<u64> {
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let (n, since) = counts.get(user)?;
        let left = WINDOW.checked_sub(since.elapsed())?;
        (*n >= self.max).then(|| left.as_secs().max(1))
    }

    /// Records a failed verification.
    pub fn record_failure(&self, user: &str) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let entry = counts.entry(user.to_owned()).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 = entry.0.saturating_add(1);
    }

    /// Forgets windows that have ended (maintenance).
    pub fn prune(&self) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.retain(|_, (_, since)| since.elapsed() < WINDOW);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn pauses_after_max_failures() {
        let limiter = super::FailureLimiter::new(2);
        assert_eq!(limiter.paused_for("a"), None);
        limiter.record_failure("a");
        assert_eq!(limiter.paused_for("a"), None);
        limiter.record_failure("a");
        assert!(limiter.paused_for("a").is_some());
        assert_eq!(limiter.paused_for("b"), None);
    }
}
