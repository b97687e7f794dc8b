//! Injected faults: the next N API requests matching a method and a path
//! prefix answer an error, or are delayed first. Kept in memory; the
//! control API is never faulted.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldError};

/// A fault as the control API takes and shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Assigned when the fault is added.
    #[serde(default)]
    pub id: u64,
    /// Matches any method when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Matched against the request path, `/api/v3` included.
    pub path_prefix: String,
    /// The status to answer; with none, the request is only delayed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// How many matching requests it applies to.
    #[serde(default = "one")]
    pub times: u32,
    /// Wait this long before answering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// `Retry-After` seconds for 403 and 429.
    #[serde(default = "sixty")]
    pub retry_after: u64,
}

impl Fault {
    /// A fault for the requests whose path starts with `path_prefix`
    /// (`/api/v3/orgs/octo-org`); give it a status, a delay, or both.
    ///
    /// ```
    /// let fault = ghes_mock::Fault::new("/api/v3/orgs").method("GET").status(503).times(2);
    /// assert_eq!((fault.status, fault.times), (Some(503), 2));
    /// ```
    pub fn new(path_prefix: impl Into<String>) -> Fault {
        Fault {
            id: 0,
            method: None,
            path_prefix: path_prefix.into(),
            status: None,
            times: 1,
            delay_ms: None,
            retry_after: 60,
        }
    }

    /// Only requests with this method.
    ///
    /// ```
    /// let fault = ghes_mock::Fault::new("/api/v3").method("delete").status(500);
    /// assert_eq!(fault.method.as_deref(), Some("delete"));
    /// ```
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_owned());
        self
    }

    /// Answer this error status (403 and 429 as GitHub's rate limits).
    ///
    /// ```
    /// assert_eq!(ghes_mock::Fault::new("/api/v3").status(429).status, Some(429));
    /// ```
    pub fn status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// How many matching requests the fault applies to (default 1).
    ///
    /// ```
    /// assert_eq!(ghes_mock::Fault::new("/api/v3").status(502).times(3).times, 3);
    /// ```
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }

    /// Wait this long before answering.
    ///
    /// ```
    /// assert_eq!(ghes_mock::Fault::new("/api/v3").delay_ms(250).delay_ms, Some(250));
    /// ```
    pub fn delay_ms(mut self, delay_ms: u64) -> Self {
        self.delay_ms = Some(delay_ms);
        self
    }

    /// `Retry-After` seconds of a 403 or 429 (default 60).
    ///
    /// ```
    /// assert_eq!(ghes_mock::Fault::new("/api/v3").status(403).retry_after(5).retry_after, 5);
    /// ```
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = seconds;
        self
    }
}

fn one() -> u32 {
    1
}
fn sixty() -> u64 {
    60
}

/// What an API request must suffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injection {
    pub delay_ms: Option<u64>,
    pub status: Option<u16>,
    pub retry_after: u64,
}

/// Delays beyond this would only hang a test run.
const MAX_DELAY_MS: u64 = 10 * 60 * 1000;

impl Fault {
    fn check(&self) -> Result<(), Error> {
        let invalid = |field: &str, message: &str| {
            Error::Validation(vec![
                FieldError::new("Fault", field, "invalid").with_message(message),
            ])
        };
        if !self.path_prefix.starts_with('/') {
            return Err(invalid(
                "path_prefix",
                "path_prefix must start with / (for example /api/v3/orgs)",
            ));
        }
        if self.status.is_none() && self.delay_ms.is_none() {
            return Err(invalid("status", "give a status, a delay_ms, or both"));
        }
        if self.status.is_some_and(|s| !(400..=599).contains(&s)) {
            return Err(invalid(
                "status",
                "status must be an error status, 400 to 599",
            ));
        }
        if self.times == 0 {
            return Err(invalid("times", "times must be at least 1"));
        }
        if self.delay_ms.is_some_and(|d| d > MAX_DELAY_MS) {
            return Err(invalid(
                "delay_ms",
                "delay_ms must be at most 600000 (ten minutes)",
            ));
        }
        if self
            .method
            .as_deref()
            .is_some_and(|m| m.is_empty() || !m.bytes().all(|b| b.is_ascii_alphabetic()))
        {
            return Err(invalid(
                "method",
                "method must be an HTTP method such as GET",
            ));
        }
        Ok(())
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && path.starts_with(&self.path_prefix)
    }
}

#[derive(Debug, Default)]
pub struct FaultPlan {
    state: Mutex<Plan>,
}

#[derive(Debug, Default)]
struct Plan {
    next_id: u64,
    faults: Vec<Fault>,
}

impl FaultPlan {
    /// Adds a fault after the ones already planned; returns it with its id.
    pub fn add(&self, mut fault: Fault) -> Result<Fault, Error> {
        fault.check()?;
        let mut plan = self.state.lock().unwrap_or_else(|e| e.into_inner());
        plan.next_id += 1;
        fault.id = plan.next_id;
        fault.method = fault.method.map(|m| m.to_ascii_uppercase());
        plan.faults.push(fault.clone());
        Ok(fault)
    }

    /// The faults still to apply, in order.
    pub fn list(&self) -> Vec<Fault> {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .faults
            .clone()
    }

    pub fn clear(&self) {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .faults
            .clear();
    }

    /// Takes one use of the first fault matching the request, if any.
    pub fn take(&self, method: &str, path: &str) -> Option<Injection> {
        let mut plan = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let index = plan.faults.iter().position(|f| f.matches(method, path))?;
        let fault = &mut plan.faults[index];
        let injection = Injection {
            delay_ms: fault.delay_ms,
            status: fault.status,
            retry_after: fault.retry_after,
        };
        fault.times -= 1;
        if fault.times == 0 {
            plan.faults.remove(index);
        }
        Some(injection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(json: &str) -> Fault {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_fault_applies_to_the_next_n_matching_requests_in_order() {
        let plan = FaultPlan::default();
        plan.add(fault(
            r#"{"path_prefix": "/api/v3/orgs", "status": 502, "times": 2}"#,
        ))
        .unwrap();
        plan.add(fault(
            r#"{"method": "delete", "path_prefix": "/api/v3", "delay_ms": 5}"#,
        ))
        .unwrap();

        assert_eq!(plan.take("GET", "/api/v3/repos/o/r"), None);
        assert_eq!(
            plan.take("GET", "/api/v3/orgs/o").unwrap().status,
            Some(502)
        );
        assert_eq!(
            plan.take("DELETE", "/api/v3/orgs/o").unwrap().status,
            Some(502)
        );
        let delayed = plan.take("DELETE", "/api/v3/orgs/o").unwrap();
        assert_eq!((delayed.status, delayed.delay_ms), (None, Some(5)));
        assert_eq!(plan.take("DELETE", "/api/v3/orgs/o"), None);
    }

    #[test]
    fn faults_that_cannot_apply_are_refused() {
        let plan = FaultPlan::default();
        for bad in [
            r#"{"path_prefix": "api/v3", "status": 500}"#,
            r#"{"path_prefix": "/api/v3"}"#,
            r#"{"path_prefix": "/api/v3", "status": 200}"#,
            r#"{"path_prefix": "/api/v3", "status": 500, "times": 0}"#,
            r#"{"path_prefix": "/api/v3", "delay_ms": 99999999}"#,
            r#"{"path_prefix": "/api/v3", "status": 500, "method": "GE T"}"#,
        ] {
            assert!(plan.add(fault(bad)).is_err(), "{bad}");
        }
        assert!(plan.list().is_empty());
    }
}
