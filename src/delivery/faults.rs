//! Delivery faults: the next N deliveries matching an event, an action or a
//! hook are dropped, sent twice, held back, or sent after the one that
//! follows them, as runner managers meet them in production (SPEC §9).
//! Kept in memory; taken when a delivery is enqueued.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Outgoing;
use crate::error::{Error, FieldError};

/// What a delivery fault does to the deliveries it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryFaultKind {
    /// Not sent at all; recorded as dropped.
    Drop,
    /// Sent twice in a row, with the same GUID and bytes.
    Duplicate,
    /// Held back `delay_ms`, while later deliveries of its hook overtake it.
    Delay,
    /// Held until the next delivery of its hook is sent, then sent after it.
    Reorder,
}

/// A delivery fault as the control API takes and shows it
/// (`{"delivery": "drop", "times": 2, "event": "workflow_job"}`).
///
/// ```
/// use ghes_mock::{DeliveryFault, DeliveryFaultKind};
/// let fault: DeliveryFault =
///     serde_json::from_str(r#"{"delivery": "delay", "delay_ms": 500}"#).unwrap();
/// assert_eq!(fault, DeliveryFault::new(DeliveryFaultKind::Delay).delay_ms(500));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryFault {
    /// Assigned when the fault is added.
    #[serde(default)]
    pub id: u64,
    /// What it does.
    pub delivery: DeliveryFaultKind,
    /// How many matching deliveries it applies to.
    #[serde(default = "one")]
    pub times: u32,
    /// Only deliveries of this event (`workflow_job`, `ping`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Only deliveries with this action (`queued`, `completed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Only deliveries to this hook (for an App, its id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook_id: Option<i64>,
    /// How long a `delay` holds a delivery back, in real time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
}

impl DeliveryFault {
    /// A fault for the next delivery, whatever its event or hook.
    ///
    /// ```
    /// use ghes_mock::{DeliveryFault, DeliveryFaultKind};
    /// let fault = DeliveryFault::new(DeliveryFaultKind::Drop);
    /// assert_eq!((fault.times, fault.event), (1, None));
    /// ```
    pub fn new(delivery: DeliveryFaultKind) -> DeliveryFault {
        DeliveryFault {
            id: 0,
            delivery,
            times: 1,
            event: None,
            action: None,
            hook_id: None,
            delay_ms: None,
        }
    }

    /// How many matching deliveries it applies to (default 1).
    ///
    /// ```
    /// use ghes_mock::{DeliveryFault, DeliveryFaultKind};
    /// assert_eq!(DeliveryFault::new(DeliveryFaultKind::Duplicate).times(3).times, 3);
    /// ```
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }

    /// Only deliveries of this event.
    ///
    /// ```
    /// use ghes_mock::{DeliveryFault, DeliveryFaultKind};
    /// let fault = DeliveryFault::new(DeliveryFaultKind::Drop).event("workflow_job");
    /// assert_eq!(fault.event.as_deref(), Some("workflow_job"));
    /// ```
    pub fn event(mut self, event: &str) -> Self {
        self.event = Some(event.to_owned());
        self
    }

    /// Only deliveries with this action.
    ///
    /// ```
    /// use ghes_mock::{DeliveryFault, DeliveryFaultKind};
    /// let fault = DeliveryFault::new(DeliveryFaultKind::Reorder).action("queued");
    /// assert_eq!(fault.action.as_deref(), Some("queued"));
    /// ```
    pub fn action(mut self, action: &str) -> Self {
        self.action = Some(action.to_owned());
        self
    }

    /// Only deliveries to this hook (for an App's webhook, the App's id).
    ///
    /// ```
    /// use ghes_mock::{DeliveryFault, DeliveryFaultKind};
    /// assert_eq!(DeliveryFault::new(DeliveryFaultKind::Drop).hook_id(7).hook_id, Some(7));
    /// ```
    pub fn hook_id(mut self, hook_id: i64) -> Self {
        self.hook_id = Some(hook_id);
        self
    }

    /// How long a `delay` holds a delivery back.
    ///
    /// ```
    /// use ghes_mock::{DeliveryFault, DeliveryFaultKind};
    /// let fault = DeliveryFault::new(DeliveryFaultKind::Delay).delay_ms(250);
    /// assert_eq!(fault.delay_ms, Some(250));
    /// ```
    pub fn delay_ms(mut self, delay_ms: u64) -> Self {
        self.delay_ms = Some(delay_ms);
        self
    }
}

fn one() -> u32 {
    1
}

/// Delays beyond this would only hang a test run.
const MAX_DELAY_MS: u64 = 10 * 60 * 1000;

impl DeliveryFault {
    fn check(&self) -> Result<(), Error> {
        let invalid = |field: &str, message: &str| {
            Error::Validation(vec![
                FieldError::new("Fault", field, "invalid").with_message(message),
            ])
        };
        if self.times == 0 {
            return Err(invalid("times", "times must be at least 1"));
        }
        match (self.delivery, self.delay_ms) {
            (DeliveryFaultKind::Delay, None) => {
                return Err(invalid("delay_ms", "a delay needs delay_ms"));
            }
            (DeliveryFaultKind::Delay, Some(ms)) if ms > MAX_DELAY_MS => {
                return Err(invalid(
                    "delay_ms",
                    "delay_ms must be at most 600000 (ten minutes)",
                ));
            }
            (DeliveryFaultKind::Delay, Some(_)) | (_, None) => {}
            (_, Some(_)) => {
                return Err(invalid("delay_ms", "delay_ms goes with a delay only"));
            }
        }
        if self.event.as_deref().is_some_and(str::is_empty) {
            return Err(invalid("event", "event must not be empty"));
        }
        if self.action.as_deref().is_some_and(str::is_empty) {
            return Err(invalid("action", "action must not be empty"));
        }
        Ok(())
    }

    fn matches(&self, outgoing: &Outgoing) -> bool {
        let same = |wanted: &Option<String>, actual: Option<&str>| {
            wanted
                .as_deref()
                .is_none_or(|w| actual.is_some_and(|a| a.eq_ignore_ascii_case(w)))
        };
        same(&self.event, Some(&outgoing.event))
            && same(&self.action, outgoing.action.as_deref())
            && self.hook_id.is_none_or(|id| outgoing.hook_id == Some(id))
    }
}

/// What a delivery suffers, once taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    Drop,
    Duplicate,
    Delay(Duration),
    Reorder,
}

/// The delivery faults still to apply, in the order added.
#[derive(Debug, Default)]
pub struct DeliveryFaults {
    state: Mutex<Plan>,
}

#[derive(Debug, Default)]
struct Plan {
    next_id: u64,
    faults: Vec<DeliveryFault>,
}

impl DeliveryFaults {
    fn plan(&self) -> std::sync::MutexGuard<'_, Plan> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a fault after the ones already planned; returns it with its id.
    pub fn add(&self, mut fault: DeliveryFault) -> Result<DeliveryFault, Error> {
        fault.check()?;
        let mut plan = self.plan();
        plan.next_id += 1;
        fault.id = plan.next_id;
        plan.faults.push(fault.clone());
        Ok(fault)
    }

    /// The faults still to apply, in order, with the uses left as `times`.
    pub fn list(&self) -> Vec<DeliveryFault> {
        self.plan().faults.clone()
    }

    pub fn clear(&self) {
        self.plan().faults.clear();
    }

    /// Takes one use of the first fault matching the delivery, if any.
    pub fn take(&self, outgoing: &Outgoing) -> Option<Taken> {
        let mut plan = self.plan();
        let index = plan.faults.iter().position(|f| f.matches(outgoing))?;
        let fault = &mut plan.faults[index];
        let taken = match fault.delivery {
            DeliveryFaultKind::Drop => Taken::Drop,
            DeliveryFaultKind::Duplicate => Taken::Duplicate,
            DeliveryFaultKind::Reorder => Taken::Reorder,
            DeliveryFaultKind::Delay => {
                Taken::Delay(Duration::from_millis(fault.delay_ms.unwrap_or_default()))
            }
        };
        fault.times -= 1;
        if fault.times == 0 {
            plan.faults.remove(index);
        }
        Some(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::{Request, TargetKey};

    fn fault(json: &str) -> DeliveryFault {
        serde_json::from_str(json).unwrap()
    }

    fn outgoing(event: &str, action: Option<&str>, hook_id: i64) -> Outgoing {
        Outgoing {
            delivery_id: 1,
            target: TargetKey::Hook(hook_id),
            url: "http://127.0.0.1:9/".to_owned(),
            insecure_ssl: false,
            guid: "g".to_owned(),
            event: event.to_owned(),
            action: action.map(str::to_owned),
            hook_id: Some(hook_id),
            request: Request {
                headers: Vec::new(),
                body: bytes::Bytes::new(),
            },
        }
    }

    #[test]
    fn a_fault_applies_to_the_next_n_matching_deliveries_in_order() {
        let faults = DeliveryFaults::default();
        let added = faults
            .add(fault(
                r#"{"delivery": "drop", "times": 2, "event": "workflow_job", "action": "queued"}"#,
            ))
            .unwrap();
        assert_eq!(added.id, 1);
        faults
            .add(
                DeliveryFault::new(DeliveryFaultKind::Delay)
                    .hook_id(9)
                    .delay_ms(5),
            )
            .unwrap();
        let queued = outgoing("workflow_job", Some("queued"), 1);

        assert_eq!(faults.take(&outgoing("ping", None, 1)), None);
        assert_eq!(
            faults.take(&outgoing("workflow_job", Some("completed"), 1)),
            None
        );
        assert_eq!(faults.take(&queued), Some(Taken::Drop));
        assert_eq!(faults.list()[0].times, 1);
        assert_eq!(faults.take(&queued), Some(Taken::Drop));
        assert_eq!(faults.take(&queued), None);
        assert_eq!(
            faults.take(&outgoing("ping", None, 9)),
            Some(Taken::Delay(Duration::from_millis(5)))
        );
        assert!(faults.list().is_empty());
    }

    #[test]
    fn an_action_filter_never_matches_an_event_without_action() {
        let faults = DeliveryFaults::default();
        faults
            .add(DeliveryFault::new(DeliveryFaultKind::Duplicate).action("queued"))
            .unwrap();
        assert_eq!(faults.take(&outgoing("ping", None, 1)), None);
        assert_eq!(faults.list().len(), 1);
        faults.clear();
        assert!(faults.list().is_empty());
    }

    #[test]
    fn the_kind_is_written_lowercase_under_delivery() {
        let shown = serde_json::to_value(
            DeliveryFault::new(DeliveryFaultKind::Reorder)
                .event("workflow_job")
                .times(2),
        )
        .unwrap();
        assert_eq!(
            shown,
            serde_json::json!({"id": 0, "delivery": "reorder", "times": 2, "event": "workflow_job"})
        );
    }

    #[test]
    fn faults_that_cannot_apply_are_refused() {
        let faults = DeliveryFaults::default();
        for bad in [
            r#"{"delivery": "delay"}"#,
            r#"{"delivery": "delay", "delay_ms": 99999999}"#,
            r#"{"delivery": "drop", "delay_ms": 10}"#,
            r#"{"delivery": "drop", "times": 0}"#,
            r#"{"delivery": "drop", "event": ""}"#,
        ] {
            assert!(
                matches!(faults.add(fault(bad)), Err(Error::Validation(_))),
                "{bad}"
            );
        }
        for unreadable in [
            r#"{"delivery": "explode"}"#,
            r#"{"delivery": "drop", "path_prefix": "/api"}"#,
            r#"{"times": 1}"#,
        ] {
            assert!(
                serde_json::from_str::<DeliveryFault>(unreadable).is_err(),
                "{unreadable}"
            );
        }
        assert!(faults.list().is_empty());
    }
}
