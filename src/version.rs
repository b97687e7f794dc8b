//! Which GHES version the mock presents, and what each version brought: one
//! table that the routes and the serializers consult.

use std::fmt;
use std::str::FromStr;

/// A GHES feature release from 3.1 to 3.22, the range whose runner surface
/// the mock serves.
///
/// ```
/// use ghes_mock::GhesVersion;
/// let version: GhesVersion = "3.22".parse().unwrap();
/// assert_eq!(version.to_string(), "3.22");
/// assert_eq!(version.installed(), "3.22.0");
/// assert!("3.0".parse::<GhesVersion>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GhesVersion {
    minor: u8,
    /// Patch releases change nothing on the runner surface; kept to report.
    patch: u8,
}

/// Something a GHES version added to the runner surface, an operation or a
/// field. [`Feature::since`] is the table of first versions.
///
/// ```
/// use ghes_mock::{Feature, GhesVersion};
/// let v3_10: GhesVersion = "3.10".parse().unwrap();
/// assert!(v3_10.has(Feature::JitConfig));
/// assert!(!v3_10.has(Feature::NameFilter));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Feature {
    /// Webhook deliveries over REST: list, get, redeliver.
    HookDeliveries,
    /// The `workflow_job` webhook, and `labels`, `run_attempt` and the
    /// `runner_*` fields on jobs.
    JobRunnerFields,
    /// The five runner label operations in each scope.
    RunnerLabels,
    /// Run attempts: `run_attempt`, `actor`, `triggering_actor`,
    /// `run_started_at` on runs, and the `attempts/{n}` operations.
    RunAttempts,
    /// `restricted_to_workflows`, `selected_workflows` and
    /// `workflow_restrictions_read_only` on runner groups.
    WorkflowRestrictions,
    /// `visible_to_repository` / `visible_to_organization` on the runner
    /// group lists.
    GroupVisibilityFilter,
    /// `runner_group_id` on runners.
    RunnerGroupId,
    /// `path` and `referenced_workflows` on runs, and `status=pending` on
    /// the run list.
    RunPath,
    /// `workflow_name` and `head_branch` on jobs, `display_title` on runs.
    JobWorkflowName,
    /// `created_at` on jobs.
    JobCreatedAt,
    /// `throttled_at` on deliveries.
    DeliveryThrottledAt,
    /// `generate-jitconfig` in each scope.
    JitConfig,
    /// `name` on the runner lists.
    NameFilter,
    /// `ephemeral` on runners.
    Ephemeral,
    /// `client_id` on App installations.
    InstallationClientId,
    /// `version` on runners.
    RunnerVersion,
    /// `status` (`success`, `failure`) on the delivery lists.
    DeliveryStatusFilter,
}

impl Feature {
    /// The first GHES version that has it (`contract/README.md`, "first
    /// version" tables).
    ///
    /// ```
    /// assert_eq!(ghes_mock::Feature::RunnerLabels.since().to_string(), "3.4");
    /// ```
    pub const fn since(self) -> GhesVersion {
        let minor = match self {
            Feature::HookDeliveries => 2,
            Feature::JobRunnerFields => 3,
            Feature::RunnerLabels => 4,
            Feature::WorkflowRestrictions | Feature::RunAttempts => 5,
            Feature::GroupVisibilityFilter | Feature::RunnerGroupId | Feature::RunPath => 6,
            Feature::JobWorkflowName => 8,
            Feature::JobCreatedAt => 9,
            Feature::DeliveryThrottledAt => 10,
            Feature::JitConfig => 10,
            Feature::NameFilter => 11,
            Feature::Ephemeral => 12,
            Feature::InstallationClientId => 14,
            Feature::RunnerVersion | Feature::DeliveryStatusFilter => 17,
        };
        GhesVersion { minor, patch: 0 }
    }

    /// Every feature, in the order they came.
    pub const ALL: [Feature; 17] = [
        Feature::HookDeliveries,
        Feature::JobRunnerFields,
        Feature::RunnerLabels,
        Feature::WorkflowRestrictions,
        Feature::RunAttempts,
        Feature::GroupVisibilityFilter,
        Feature::RunnerGroupId,
        Feature::RunPath,
        Feature::JobWorkflowName,
        Feature::JobCreatedAt,
        Feature::DeliveryThrottledAt,
        Feature::JitConfig,
        Feature::NameFilter,
        Feature::Ephemeral,
        Feature::InstallationClientId,
        Feature::RunnerVersion,
        Feature::DeliveryStatusFilter,
    ];
}

impl GhesVersion {
    /// The oldest version served, the seed's.
    pub const OLDEST: GhesVersion = GhesVersion { minor: 1, patch: 0 };
    /// The newest version served.
    pub const NEWEST: GhesVersion = GhesVersion {
        minor: 22,
        patch: 0,
    };

    /// Whether this version has a feature.
    ///
    /// ```
    /// use ghes_mock::{Feature, GhesVersion};
    /// assert!(!GhesVersion::OLDEST.has(Feature::RunnerLabels));
    /// assert!(GhesVersion::NEWEST.has(Feature::RunnerVersion));
    /// ```
    pub fn has(self, feature: Feature) -> bool {
        self >= feature.since()
    }

    /// As GHES reports it in `installed_version` and
    /// `X-GitHub-Enterprise-Version`: `3.22.0`.
    ///
    /// ```
    /// let version: ghes_mock::GhesVersion = "3.9.4".parse().unwrap();
    /// assert_eq!((version.to_string(), version.installed()), ("3.9".into(), "3.9.4".into()));
    /// ```
    pub fn installed(self) -> String {
        format!("{self}.{}", self.patch)
    }

    /// The minor number: 22 for 3.22.
    pub fn minor(self) -> u8 {
        self.minor
    }
}

impl Default for GhesVersion {
    fn default() -> Self {
        GhesVersion::OLDEST
    }
}

impl fmt::Display for GhesVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "3.{}", self.minor)
    }
}

impl FromStr for GhesVersion {
    type Err = String;

    /// `3.22`, or with a patch number as GHES writes its own (`3.22.0`).
    fn from_str(text: &str) -> Result<Self, String> {
        let refuse = || {
            format!(
                "unsupported GHES version {text:?}: the mock serves {} to {}",
                GhesVersion::OLDEST,
                GhesVersion::NEWEST
            )
        };
        let mut parts = text.trim().split('.');
        let (Some("3"), Some(minor), patch, None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(refuse());
        };
        let number = |s: &str| {
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u8>().ok())
                .flatten()
        };
        let version = GhesVersion {
            minor: number(minor).ok_or_else(refuse)?,
            patch: match patch {
                None => 0,
                Some(patch) => number(patch).ok_or_else(refuse)?,
            },
        };
        if !(1..=GhesVersion::NEWEST.minor).contains(&version.minor) {
            return Err(refuse());
        }
        Ok(version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_version_from_3_1_to_3_22_parses_and_nothing_else() {
        for minor in 1..=22 {
            let version: GhesVersion = format!("3.{minor}").parse().unwrap();
            assert_eq!(version.minor(), minor);
            assert_eq!(version.installed(), format!("3.{minor}.0"));
            let patched: GhesVersion = format!("3.{minor}.4").parse().unwrap();
            assert_eq!(patched.installed(), format!("3.{minor}.4"));
        }
        for bad in [
            "3.0", "3.23", "2.22", "3", "3.x", "3.1.x", "3.1.0.1", "", "3.-1",
        ] {
            let error = bad.parse::<GhesVersion>().unwrap_err();
            assert!(error.contains("3.1 to 3.22"), "{bad}: {error}");
        }
    }

    #[test]
    fn features_arrive_in_their_first_version_and_stay() {
        let at = |minor| GhesVersion { minor, patch: 0 };
        assert!(!at(3).has(Feature::RunnerLabels));
        assert!(at(4).has(Feature::RunnerLabels));
        assert!(!at(5).has(Feature::RunnerGroupId));
        assert!(at(6).has(Feature::RunnerGroupId));
        assert!(at(16).has(Feature::Ephemeral) && !at(16).has(Feature::RunnerVersion));
        for feature in Feature::ALL {
            assert!(GhesVersion::NEWEST.has(feature), "{feature:?}");
            assert!(!GhesVersion::OLDEST.has(feature), "{feature:?}");
        }
    }
}
