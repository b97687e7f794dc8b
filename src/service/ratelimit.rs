//! GitHub's hourly request budgets per token, counted on the mock clock: the
//! `core` resource, and `actions_runner_registration` for the registration
//! and remove token endpoints.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;

/// The budgets GitHub gives a token when none is configured.
const DEFAULT_CORE: u32 = 5000;
const DEFAULT_REGISTRATION: u32 = 10_000;
const WINDOW_SECONDS: i64 = 3600;
/// Past this many callers, windows that are over are forgotten: in open mode
/// every token is a caller, and clients may send any number of them.
const PRUNE_AT: usize = 10_000;

/// The budget a request draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    Core,
    ActionsRunnerRegistration,
}

impl Resource {
    /// As `X-RateLimit-Resource` and `/rate_limit` name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Core => "core",
            Resource::ActionsRunnerRegistration => "actions_runner_registration",
        }
    }
}

#[derive(Debug)]
pub struct RateLimiter {
    core: Budget,
    registration: Budget,
    windows: Mutex<HashMap<(String, Resource), Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Budget {
    limit: u32,
    enforced: bool,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    reset: i64,
    used: u32,
}

/// What the `X-RateLimit-*` headers say after a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RateStatus {
    pub limit: u32,
    pub remaining: u32,
    /// Epoch seconds at which the window starts afresh.
    pub reset: i64,
    pub used: u32,
}

impl RateLimiter {
    /// `Some(n)` enforces n requests an hour on a resource; `None` only
    /// counts against GitHub's default budget.
    pub fn new(core: Option<u32>, registration: Option<u32>) -> RateLimiter {
        let budget = |limit: Option<u32>, default| Budget {
            limit: limit.unwrap_or(default),
            enforced: limit.is_some(),
        };
        RateLimiter {
            core: budget(core, DEFAULT_CORE),
            registration: budget(registration, DEFAULT_REGISTRATION),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request of `caller`; `Err` when it is over an enforced
    /// budget (the request is then not counted).
    pub fn hit(
        &self,
        caller: &str,
        resource: Resource,
        now_s: i64,
    ) -> Result<RateStatus, RateStatus> {
        let budget = self.budget(resource);
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= PRUNE_AT {
            windows.retain(|_, window| is_current(*window, now_s));
        }
        let window = current(&mut windows, caller, resource, now_s);
        if budget.enforced && window.used >= budget.limit {
            return Err(status(budget, *window));
        }
        window.used += 1;
        Ok(status(budget, *window))
    }

    /// The caller's budget without counting a request (nor remembering the
    /// caller).
    pub fn peek(&self, caller: &str, resource: Resource, now_s: i64) -> RateStatus {
        let windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let window = windows
            .get(&(caller.to_owned(), resource))
            .copied()
            .filter(|window| is_current(*window, now_s))
            .unwrap_or_else(|| fresh(now_s));
        status(self.budget(resource), window)
    }

    /// Forgets every count, as a reset does.
    pub fn clear(&self) {
        self.windows
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    fn budget(&self, resource: Resource) -> Budget {
        match resource {
            Resource::Core => self.core,
            Resource::ActionsRunnerRegistration => self.registration,
        }
    }
}

fn current<'a>(
    windows: &'a mut HashMap<(String, Resource), Window>,
    caller: &str,
    resource: Resource,
    now_s: i64,
) -> &'a mut Window {
    let window = windows
        .entry((caller.to_owned(), resource))
        .or_insert(fresh(now_s));
    if !is_current(*window, now_s) {
        *window = fresh(now_s);
    }
    window
}

fn fresh(now_s: i64) -> Window {
    Window {
        reset: now_s + WINDOW_SECONDS,
        used: 0,
    }
}

/// The window follows the mock clock both ways: a clock moved past the reset
/// starts a new hour, and so does one moved back before its start.
fn is_current(window: Window, now_s: i64) -> bool {
    now_s < window.reset && now_s >= window.reset - WINDOW_SECONDS
}

fn status(budget: Budget, window: Window) -> RateStatus {
    RateStatus {
        limit: budget.limit,
        remaining: budget.limit.saturating_sub(window.used),
        reset: window.reset,
        used: window.used,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Resource::{ActionsRunnerRegistration as Registration, Core};

    #[test]
    fn an_enforced_budget_refuses_past_the_limit_until_the_window_resets() {
        let limiter = RateLimiter::new(Some(2), None);
        assert_eq!(limiter.hit("t", Core, 0).unwrap().remaining, 1);
        assert_eq!(limiter.hit("t", Core, 1).unwrap().remaining, 0);
        assert_eq!(limiter.hit("t", Core, 2).unwrap_err().remaining, 0);
        assert_eq!(limiter.hit("other", Core, 2).unwrap().used, 1);
        assert_eq!(limiter.hit("t", Core, 3600).unwrap().used, 1);
    }

    #[test]
    fn resources_have_budgets_of_their_own() {
        let limiter = RateLimiter::new(Some(1), Some(2));
        limiter.hit("t", Core, 0).unwrap();
        assert!(limiter.hit("t", Core, 0).is_err());
        assert_eq!(limiter.hit("t", Registration, 0).unwrap().remaining, 1);
        assert_eq!(limiter.peek("t", Registration, 0).limit, 2);
    }

    #[test]
    fn peeking_remembers_no_caller_and_old_windows_are_pruned() {
        let limiter = RateLimiter::new(None, None);
        for i in 0..PRUNE_AT {
            limiter.peek(&format!("bad-{i}"), Core, 0);
            limiter.hit(&format!("t-{i}"), Core, 0).unwrap();
        }
        assert_eq!(limiter.windows.lock().unwrap().len(), PRUNE_AT);
        limiter.hit("late", Core, 7200).unwrap();
        assert_eq!(limiter.windows.lock().unwrap().len(), 1);
    }

    #[test]
    fn an_unenforced_budget_only_counts() {
        let limiter = RateLimiter::new(None, None);
        for now in 0..3 {
            limiter.hit("t", Core, now).unwrap();
        }
        assert_eq!(
            limiter.peek("t", Core, 3),
            RateStatus {
                limit: 5000,
                remaining: 4997,
                reset: 3600,
                used: 3
            }
        );
        assert_eq!(limiter.peek("t", Registration, 3).limit, 10_000);
    }
}
