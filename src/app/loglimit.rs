//! Bounded log volume: at most `burst` warnings of one kind per minute. The
//! rest are counted and summed up in one line when the minute is over, so a
//! bucket full of bad objects cannot flood the log. The metrics still count
//! every one.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Per-kind warning budget.
#[derive(Debug)]
pub struct LogLimiter {
    burst: u32,
    window: Duration,
    kinds: HashMap<&'static str, Budget>,
}

#[derive(Debug)]
struct Budget {
    since: Instant,
    logged: u32,
    suppressed: u64,
}

impl LogLimiter {
    /// `burst` warnings per kind per minute (0: no limit).
    pub fn new(burst: u32) -> Self {
        Self {
            burst,
            window: Duration::from_secs(60),
            kinds: HashMap::new(),
        }
    }

    /// Whether a warning of `kind` may be logged now. When a new minute starts for `kind` with
    /// warnings suppressed in the last one, logs how many.
    pub fn allow(&mut self, kind: &'static str) -> bool {
        if self.burst == 0 {
            return true;
        }
        let now = Instant::now();
        let b = self.kinds.entry(kind).or_insert(Budget {
            since: now,
            logged: 0,
            suppressed: 0,
        });
        if now.duration_since(b.since) >= self.window {
            if b.suppressed > 0 {
                tracing::warn!(
                    kind,
                    suppressed = b.suppressed,
                    "similar warnings suppressed in the last minute (the metrics count them all)"
                );
            }
            *b = Budget {
                since: now,
                logged: 0,
                suppressed: 0,
            };
        }
        if b.logged < self.burst {
            b.logged += 1;
            true
        } else {
            if b.suppressed == 0 {
                tracing::warn!(
                    kind,
                    burst = self.burst,
                    "more warnings of this kind this minute are suppressed"
                );
            }
            b.suppressed += 1;
            false
        }
    }

    /// Warnings of `kind` suppressed in the current minute.
    #[cfg(test)]
    pub fn suppressed(&self, kind: &str) -> u64 {
        self.kinds.get(kind).map_or(0, |b| b.suppressed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_per_kind_then_silence_then_a_new_minute() {
        let mut l = LogLimiter::new(3);
        let allowed = (0..100).filter(|_| l.allow("bad_object")).count();
        assert_eq!(allowed, 3);
        assert_eq!(l.suppressed("bad_object"), 97);
        assert!(l.allow("other_kind"), "kinds have their own budget");
        l.window = Duration::ZERO;
        assert!(l.allow("bad_object"), "a new minute");
        assert_eq!(l.suppressed("bad_object"), 0);
        assert!(LogLimiter::new(0).allow("x"));
    }
}
