//! GitHub's hourly request budget per token, counted on the mock clock.

use std::collections::HashMap;
use std::sync::Mutex;

/// GitHub's budget for a token when none is configured.
const DEFAULT_LIMIT: u32 = 5000;
const WINDOW_SECONDS: i64 = 3600;

#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    enforced: bool,
    windows: Mutex<HashMap<String, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    reset: i64,
    used: u32,
}

/// What the `X-RateLimit-*` headers say after a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateStatus {
    pub limit: u32,
    pub remaining: u32,
    /// Epoch seconds at which the window starts afresh.
    pub reset: i64,
    pub used: u32,
}

impl RateLimiter {
    /// `Some(n)` enforces n requests an hour; `None` only counts against
    /// GitHub's default budget.
    pub fn new(limit: Option<u32>) -> RateLimiter {
        RateLimiter {
            limit: limit.unwrap_or(DEFAULT_LIMIT),
            enforced: limit.is_some(),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request of `caller`; `Err` when it is over an enforced
    /// budget (the request is then not counted).
    pub fn hit(&self, caller: &str, now_s: i64) -> Result<RateStatus, RateStatus> {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let window = self.current(&mut windows, caller, now_s);
        if self.enforced && window.used >= self.limit {
            return Err(self.status(*window));
        }
        window.used += 1;
        Ok(self.status(*window))
    }

    /// The caller's budget without counting a request.
    pub fn peek(&self, caller: &str, now_s: i64) -> RateStatus {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let window = *self.current(&mut windows, caller, now_s);
        self.status(window)
    }

    /// Forgets every count, as a reset does.
    pub fn clear(&self) {
        self.windows
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    fn current<'a>(
        &self,
        windows: &'a mut HashMap<String, Window>,
        caller: &str,
        now_s: i64,
    ) -> &'a mut Window {
        let window = windows.entry(caller.to_owned()).or_insert(Window {
            reset: now_s + WINDOW_SECONDS,
            used: 0,
        });
        if now_s >= window.reset {
            *window = Window {
                reset: now_s + WINDOW_SECONDS,
                used: 0,
            };
        }
        window
    }

    fn status(&self, window: Window) -> RateStatus {
        RateStatus {
            limit: self.limit,
            remaining: self.limit.saturating_sub(window.used),
            reset: window.reset,
            used: window.used,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_enforced_budget_refuses_past_the_limit_until_the_window_resets() {
        let limiter = RateLimiter::new(Some(2));
        assert_eq!(limiter.hit("t", 0).unwrap().remaining, 1);
        assert_eq!(limiter.hit("t", 1).unwrap().remaining, 0);
        assert_eq!(limiter.hit("t", 2).unwrap_err().remaining, 0);
        assert_eq!(limiter.hit("other", 2).unwrap().used, 1);
        assert_eq!(limiter.hit("t", 3600).unwrap().used, 1);
    }

    #[test]
    fn an_unenforced_budget_only_counts() {
        let limiter = RateLimiter::new(None);
        for now in 0..3 {
            limiter.hit("t", now).unwrap();
        }
        assert_eq!(
            limiter.peek("t", 3),
            RateStatus {
                limit: 5000,
                remaining: 4997,
                reset: 3600,
                used: 3
            }
        );
    }
}
