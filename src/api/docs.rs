//! GitHub's runner operations as its descriptions list them: where each
//! one's docs live (GHES 3.1 links the old reference pages, newer versions
//! the pages of today), and which answer a 422 with `errors` as plain
//! strings (`validation-error-simple`) rather than objects.

use axum::http::Method;

use crate::version::GhesVersion;

/// One operation of GitHub's description.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    pub method: &'static str,
    /// The path template under `/api/v3`.
    pub path: &'static str,
    /// `page#anchor` under the 3.1 docs' `/rest/reference/`, when 3.1 had it.
    legacy: Option<&'static str>,
    /// `page#anchor` under today's `/rest/`.
    current: &'static str,
    /// GitHub's 422 for it is `validation-error-simple`.
    pub simple_errors: bool,
}

const fn op(
    method: &'static str,
    path: &'static str,
    legacy: Option<&'static str>,
    current: &'static str,
    simple_errors: bool,
) -> Operation {
    Operation {
        method,
        path,
        legacy,
        current,
        simple_errors,
    }
}

/// The first version whose docs use today's pages. Older versions' docs
/// kept the reference pages GHES 3.1 links (a guess for 3.2 and 3.3, whose
/// descriptions were not read).
const CURRENT_DOCS_SINCE: u8 = 4;

/// Every runner and runner group operation of GHES 3.22, generated from its
/// description (`ghes-3.22-runners.json`), with the 3.1 reference links of
/// those 3.1 had; then the GitHub App operations (`ghes-3.22-apps.json`),
/// whose 3.1 links are the apps reference page's; then the hook, workflow
/// run and job operations (`ghes-3.22-hooks-jobs.json`), with the 3.1 links
/// of GHES 3.1's description.
pub const OPERATIONS: &[Operation] = &[
    op(
        "GET",
        "/enterprises/{enterprise}/actions/runner-groups",
        Some("enterprise-admin#list-self-hosted-runner-groups-for-an-enterprise"),
        "actions/self-hosted-runner-groups#list-self-hosted-runner-groups-for-an-enterprise",
        false,
    ),
    op(
        "POST",
        "/enterprises/{enterprise}/actions/runner-groups",
        Some("enterprise-admin#create-self-hosted-runner-group-for-an-enterprise"),
        "actions/self-hosted-runner-groups#create-a-self-hosted-runner-group-for-an-enterprise",
        false,
    ),
    op(
        "GET",
        "/enterprises/{enterprise}/actions/runner-groups/{runner_group_id}",
        Some("enterprise-admin#get-a-self-hosted-runner-group-for-an-enterprise"),
        "actions/self-hosted-runner-groups#get-a-self-hosted-runner-group-for-an-enterprise",
        false,
    ),
    op(
        "PATCH",
        "/enterprises/{enterprise}/actions/runner-groups/{runner_group_id}",
        Some("enterprise-admin#update-a-self-hosted-runner-group-for-an-enterprise"),
        "actions/self-hosted-runner-groups#update-a-self-hosted-runner-group-for-an-enterprise",
        false,
    ),
    op(
        "DELETE",
        "/enterprises/{enterprise}/actions/runner-groups/{runner_group_id}",
        Some("enterprise-admin#delete-a-self-hosted-runner-group-from-an-enterprise"),
        "actions/self-hosted-runner-groups#delete-a-self-hosted-runner-group-from-an-enterprise",
        false,
    ),
    op(
        "GET",
        "/enterprises/{enterprise}/actions/runner-groups/{runner_group_id}/organizations",
        Some(
            "enterprise-admin#list-organization-access-to-a-self-hosted-runner-group-in-a-enterprise",
        ),
        "actions/self-hosted-runner-groups#list-organization-access-to-a-self-hosted-runner-group-in-an-enterprise",
        false,
    ),
    op(
        "PUT",
        "/enterprises/{enterprise}/actions/runner-groups/{runner_group_id}/organizations",
        Some(
            "enterprise-admin#set-organization-access-to-a-self-hosted-runner-group-in-an-enterprise",
        ),
        "actions/self-hosted-runner-groups#set-organization-access-for-a-self-hosted-runner-group-in-an-enterprise",
        false,
    ),
    op(
        "PUT",
        "/enterprises/{enterprise}/actions/runner-groups/{runner_group_id}/organizations/{org_id}",
        Some(
            "enterprise-admin#add-organization-access-to-a-self-hosted-runner-group-in-an-enterprise",
        ),
        "actions/self-hosted-runner-groups#add-organization-access-to-a-self-hosted-runner-group-in-an-enterprise",
        false,
    ),
    op(
        "DELETE",
        "/enterprises/{enterprise}/actions/runner-groups/{runner_group_id}/organizations/{org_id}",
        Some(
            "enterprise-admin#remove-organization-access-to-a-self-hosted-runner-group-in-an-enterprise",
        ),
        "actions/self-hosted-runner-groups#remove-organization-access-to-a-self-hosted-runner-group-in-an-enterprise",
        false,
    ),
    op(
        "GET",
        "/enterprises/{enterprise}/actions/runner-groups/{runner_group_id}/runners",
        Some("enterprise-admin#list-self-hosted-runners-in-a-group-for-an-enterprise"),
        "actions/self-hosted-runner-groups#list-self-hosted-runners-in-a-group-for-an-enterprise",
        false,
    ),
    op(
        "PUT",
        "/enterprises/{enterprise}/actions/runner-groups/{runner_group_id}/runners",
        Some("enterprise-admin#set-self-hosted-runners-in-a-group-for-an-enterprise"),
        "actions/self-hosted-runner-groups#set-self-hosted-runners-in-a-group-for-an-enterprise",
        false,
    ),
    op(
        "PUT",
        "/enterprises/{enterprise}/actions/runner-groups/{runner_group_id}/runners/{runner_id}",
        Some("enterprise-admin#add-a-self-hosted-runner-to-a-group-for-an-enterprise"),
        "actions/self-hosted-runner-groups#add-a-self-hosted-runner-to-a-group-for-an-enterprise",
        false,
    ),
    op(
        "DELETE",
        "/enterprises/{enterprise}/actions/runner-groups/{runner_group_id}/runners/{runner_id}",
        Some("enterprise-admin#remove-a-self-hosted-runner-from-a-group-for-an-enterprise"),
        "actions/self-hosted-runner-groups#remove-a-self-hosted-runner-from-a-group-for-an-enterprise",
        false,
    ),
    op(
        "GET",
        "/enterprises/{enterprise}/actions/runners",
        Some("enterprise-admin#list-self-hosted-runners-for-an-enterprise"),
        "actions/self-hosted-runners#list-self-hosted-runners-for-an-enterprise",
        false,
    ),
    op(
        "GET",
        "/enterprises/{enterprise}/actions/runners/downloads",
        Some("enterprise-admin#list-runner-applications-for-an-enterprise"),
        "actions/self-hosted-runners#list-runner-applications-for-an-enterprise",
        false,
    ),
    op(
        "POST",
        "/enterprises/{enterprise}/actions/runners/generate-jitconfig",
        None,
        "actions/self-hosted-runners#create-configuration-for-a-just-in-time-runner-for-an-enterprise",
        true,
    ),
    op(
        "POST",
        "/enterprises/{enterprise}/actions/runners/registration-token",
        Some("enterprise-admin#create-a-registration-token-for-an-enterprise"),
        "actions/self-hosted-runners#create-a-registration-token-for-an-enterprise",
        false,
    ),
    op(
        "POST",
        "/enterprises/{enterprise}/actions/runners/remove-token",
        Some("enterprise-admin#create-a-remove-token-for-an-enterprise"),
        "actions/self-hosted-runners#create-a-remove-token-for-an-enterprise",
        false,
    ),
    op(
        "GET",
        "/enterprises/{enterprise}/actions/runners/{runner_id}",
        Some("enterprise-admin#get-a-self-hosted-runner-for-an-enterprise"),
        "actions/self-hosted-runners#get-a-self-hosted-runner-for-an-enterprise",
        false,
    ),
    op(
        "DELETE",
        "/enterprises/{enterprise}/actions/runners/{runner_id}",
        Some("enterprise-admin#delete-self-hosted-runner-from-an-enterprise"),
        "actions/self-hosted-runners#delete-a-self-hosted-runner-from-an-enterprise",
        true,
    ),
    op(
        "GET",
        "/enterprises/{enterprise}/actions/runners/{runner_id}/labels",
        None,
        "actions/self-hosted-runners#list-labels-for-a-self-hosted-runner-for-an-enterprise",
        false,
    ),
    op(
        "POST",
        "/enterprises/{enterprise}/actions/runners/{runner_id}/labels",
        None,
        "actions/self-hosted-runners#add-custom-labels-to-a-self-hosted-runner-for-an-enterprise",
        true,
    ),
    op(
        "PUT",
        "/enterprises/{enterprise}/actions/runners/{runner_id}/labels",
        None,
        "actions/self-hosted-runners#set-custom-labels-for-a-self-hosted-runner-for-an-enterprise",
        true,
    ),
    op(
        "DELETE",
        "/enterprises/{enterprise}/actions/runners/{runner_id}/labels",
        None,
        "actions/self-hosted-runners#remove-all-custom-labels-from-a-self-hosted-runner-for-an-enterprise",
        true,
    ),
    op(
        "DELETE",
        "/enterprises/{enterprise}/actions/runners/{runner_id}/labels/{name}",
        None,
        "actions/self-hosted-runners#remove-a-custom-label-from-a-self-hosted-runner-for-an-enterprise",
        true,
    ),
    op(
        "GET",
        "/orgs/{org}/actions/runner-groups",
        Some("actions#list-self-hosted-runner-groups-for-an-organization"),
        "actions/self-hosted-runner-groups#list-self-hosted-runner-groups-for-an-organization",
        false,
    ),
    op(
        "POST",
        "/orgs/{org}/actions/runner-groups",
        Some("actions#create-a-self-hosted-runner-group-for-an-organization"),
        "actions/self-hosted-runner-groups#create-a-self-hosted-runner-group-for-an-organization",
        false,
    ),
    op(
        "GET",
        "/orgs/{org}/actions/runner-groups/{runner_group_id}",
        Some("actions#get-a-self-hosted-runner-group-for-an-organization"),
        "actions/self-hosted-runner-groups#get-a-self-hosted-runner-group-for-an-organization",
        false,
    ),
    op(
        "PATCH",
        "/orgs/{org}/actions/runner-groups/{runner_group_id}",
        Some("actions#update-a-self-hosted-runner-group-for-an-organization"),
        "actions/self-hosted-runner-groups#update-a-self-hosted-runner-group-for-an-organization",
        false,
    ),
    op(
        "DELETE",
        "/orgs/{org}/actions/runner-groups/{runner_group_id}",
        Some("actions#delete-a-self-hosted-runner-group-from-an-organization"),
        "actions/self-hosted-runner-groups#delete-a-self-hosted-runner-group-from-an-organization",
        false,
    ),
    op(
        "GET",
        "/orgs/{org}/actions/runner-groups/{runner_group_id}/repositories",
        Some("actions#list-repository-access-to-a-self-hosted-runner-group-in-an-organization"),
        "actions/self-hosted-runner-groups#list-repository-access-to-a-self-hosted-runner-group-in-an-organization",
        false,
    ),
    op(
        "PUT",
        "/orgs/{org}/actions/runner-groups/{runner_group_id}/repositories",
        Some("actions#set-repository-access-to-a-self-hosted-runner-group-in-an-organization"),
        "actions/self-hosted-runner-groups#set-repository-access-for-a-self-hosted-runner-group-in-an-organization",
        false,
    ),
    op(
        "PUT",
        "/orgs/{org}/actions/runner-groups/{runner_group_id}/repositories/{repository_id}",
        Some("actions#add-repository-acess-to-a-self-hosted-runner-group-in-an-organization"),
        "actions/self-hosted-runner-groups#add-repository-access-to-a-self-hosted-runner-group-in-an-organization",
        false,
    ),
    op(
        "DELETE",
        "/orgs/{org}/actions/runner-groups/{runner_group_id}/repositories/{repository_id}",
        Some("actions#remove-repository-access-to-a-self-hosted-runner-group-in-an-organization"),
        "actions/self-hosted-runner-groups#remove-repository-access-to-a-self-hosted-runner-group-in-an-organization",
        false,
    ),
    op(
        "GET",
        "/orgs/{org}/actions/runner-groups/{runner_group_id}/runners",
        Some("actions#list-self-hosted-runners-in-a-group-for-an-organization"),
        "actions/self-hosted-runner-groups#list-self-hosted-runners-in-a-group-for-an-organization",
        false,
    ),
    op(
        "PUT",
        "/orgs/{org}/actions/runner-groups/{runner_group_id}/runners",
        Some("actions#set-self-hosted-runners-in-a-group-for-an-organization"),
        "actions/self-hosted-runner-groups#set-self-hosted-runners-in-a-group-for-an-organization",
        false,
    ),
    op(
        "PUT",
        "/orgs/{org}/actions/runner-groups/{runner_group_id}/runners/{runner_id}",
        Some("actions#add-a-self-hosted-runner-to-a-group-for-an-organization"),
        "actions/self-hosted-runner-groups#add-a-self-hosted-runner-to-a-group-for-an-organization",
        false,
    ),
    op(
        "DELETE",
        "/orgs/{org}/actions/runner-groups/{runner_group_id}/runners/{runner_id}",
        Some("actions#remove-a-self-hosted-runner-from-a-group-for-an-organization"),
        "actions/self-hosted-runner-groups#remove-a-self-hosted-runner-from-a-group-for-an-organization",
        false,
    ),
    op(
        "GET",
        "/orgs/{org}/actions/runners",
        Some("actions#list-self-hosted-runners-for-an-organization"),
        "actions/self-hosted-runners#list-self-hosted-runners-for-an-organization",
        false,
    ),
    op(
        "GET",
        "/orgs/{org}/actions/runners/downloads",
        Some("actions#list-runner-applications-for-an-organization"),
        "actions/self-hosted-runners#list-runner-applications-for-an-organization",
        false,
    ),
    op(
        "POST",
        "/orgs/{org}/actions/runners/generate-jitconfig",
        None,
        "actions/self-hosted-runners#create-configuration-for-a-just-in-time-runner-for-an-organization",
        true,
    ),
    op(
        "POST",
        "/orgs/{org}/actions/runners/registration-token",
        Some("actions#create-a-registration-token-for-an-organization"),
        "actions/self-hosted-runners#create-a-registration-token-for-an-organization",
        false,
    ),
    op(
        "POST",
        "/orgs/{org}/actions/runners/remove-token",
        Some("actions#create-a-remove-token-for-an-organization"),
        "actions/self-hosted-runners#create-a-remove-token-for-an-organization",
        false,
    ),
    op(
        "GET",
        "/orgs/{org}/actions/runners/{runner_id}",
        Some("actions#get-a-self-hosted-runner-for-an-organization"),
        "actions/self-hosted-runners#get-a-self-hosted-runner-for-an-organization",
        false,
    ),
    op(
        "DELETE",
        "/orgs/{org}/actions/runners/{runner_id}",
        Some("actions#delete-a-self-hosted-runner-from-an-organization"),
        "actions/self-hosted-runners#delete-a-self-hosted-runner-from-an-organization",
        true,
    ),
    op(
        "GET",
        "/orgs/{org}/actions/runners/{runner_id}/labels",
        None,
        "actions/self-hosted-runners#list-labels-for-a-self-hosted-runner-for-an-organization",
        false,
    ),
    op(
        "POST",
        "/orgs/{org}/actions/runners/{runner_id}/labels",
        None,
        "actions/self-hosted-runners#add-custom-labels-to-a-self-hosted-runner-for-an-organization",
        true,
    ),
    op(
        "PUT",
        "/orgs/{org}/actions/runners/{runner_id}/labels",
        None,
        "actions/self-hosted-runners#set-custom-labels-for-a-self-hosted-runner-for-an-organization",
        true,
    ),
    op(
        "DELETE",
        "/orgs/{org}/actions/runners/{runner_id}/labels",
        None,
        "actions/self-hosted-runners#remove-all-custom-labels-from-a-self-hosted-runner-for-an-organization",
        false,
    ),
    op(
        "DELETE",
        "/orgs/{org}/actions/runners/{runner_id}/labels/{name}",
        None,
        "actions/self-hosted-runners#remove-a-custom-label-from-a-self-hosted-runner-for-an-organization",
        true,
    ),
    op(
        "GET",
        "/repos/{owner}/{repo}/actions/runners",
        Some("actions#list-self-hosted-runners-for-a-repository"),
        "actions/self-hosted-runners#list-self-hosted-runners-for-a-repository",
        false,
    ),
    op(
        "GET",
        "/repos/{owner}/{repo}/actions/runners/downloads",
        Some("actions#list-runner-applications-for-a-repository"),
        "actions/self-hosted-runners#list-runner-applications-for-a-repository",
        false,
    ),
    op(
        "POST",
        "/repos/{owner}/{repo}/actions/runners/generate-jitconfig",
        None,
        "actions/self-hosted-runners#create-configuration-for-a-just-in-time-runner-for-a-repository",
        true,
    ),
    op(
        "POST",
        "/repos/{owner}/{repo}/actions/runners/registration-token",
        Some("actions#create-a-registration-token-for-a-repository"),
        "actions/self-hosted-runners#create-a-registration-token-for-a-repository",
        false,
    ),
    op(
        "POST",
        "/repos/{owner}/{repo}/actions/runners/remove-token",
        Some("actions#create-a-remove-token-for-a-repository"),
        "actions/self-hosted-runners#create-a-remove-token-for-a-repository",
        false,
    ),
    op(
        "GET",
        "/repos/{owner}/{repo}/actions/runners/{runner_id}",
        Some("actions#get-a-self-hosted-runner-for-a-repository"),
        "actions/self-hosted-runners#get-a-self-hosted-runner-for-a-repository",
        false,
    ),
    op(
        "DELETE",
        "/repos/{owner}/{repo}/actions/runners/{runner_id}",
        Some("actions#delete-a-self-hosted-runner-from-a-repository"),
        "actions/self-hosted-runners#delete-a-self-hosted-runner-from-a-repository",
        true,
    ),
    op(
        "GET",
        "/repos/{owner}/{repo}/actions/runners/{runner_id}/labels",
        None,
        "actions/self-hosted-runners#list-labels-for-a-self-hosted-runner-for-a-repository",
        false,
    ),
    op(
        "POST",
        "/repos/{owner}/{repo}/actions/runners/{runner_id}/labels",
        None,
        "actions/self-hosted-runners#add-custom-labels-to-a-self-hosted-runner-for-a-repository",
        true,
    ),
    op(
        "PUT",
        "/repos/{owner}/{repo}/actions/runners/{runner_id}/labels",
        None,
        "actions/self-hosted-runners#set-custom-labels-for-a-self-hosted-runner-for-a-repository",
        true,
    ),
    op(
        "DELETE",
        "/repos/{owner}/{repo}/actions/runners/{runner_id}/labels",
        None,
        "actions/self-hosted-runners#remove-all-custom-labels-from-a-self-hosted-runner-for-a-repository",
        false,
    ),
    op(
        "DELETE",
        "/repos/{owner}/{repo}/actions/runners/{runner_id}/labels/{name}",
        None,
        "actions/self-hosted-runners#remove-a-custom-label-from-a-self-hosted-runner-for-a-repository",
        true,
    ),
    op(
        "GET",
        "/app",
        Some("apps#get-the-authenticated-app"),
        "apps/apps#get-the-authenticated-app",
        false,
    ),
    op(
        "GET",
        "/app/installations",
        Some("apps#list-installations-for-the-authenticated-app"),
        "apps/apps#list-installations-for-the-authenticated-app",
        false,
    ),
    op(
        "GET",
        "/app/installations/{installation_id}",
        Some("apps#get-an-installation-for-the-authenticated-app"),
        "apps/apps#get-an-installation-for-the-authenticated-app",
        false,
    ),
    op(
        "DELETE",
        "/app/installations/{installation_id}",
        Some("apps#delete-an-installation-for-the-authenticated-app"),
        "apps/apps#delete-an-installation-for-the-authenticated-app",
        false,
    ),
    op(
        "POST",
        "/app/installations/{installation_id}/access_tokens",
        Some("apps#create-an-installation-access-token-for-an-app"),
        "apps/apps#create-an-installation-access-token-for-an-app",
        false,
    ),
    op(
        "GET",
        "/installation/repositories",
        Some("apps#list-repositories-accessible-to-the-app-installation"),
        "apps/installations#list-repositories-accessible-to-the-app-installation",
        false,
    ),
    op(
        "DELETE",
        "/installation/token",
        Some("apps#revoke-an-installation-access-token"),
        "apps/installations#revoke-an-installation-access-token",
        false,
    ),
    op(
        "GET",
        "/orgs/{org}/installation",
        Some("apps#get-an-organization-installation-for-the-authenticated-app"),
        "apps/apps#get-an-organization-installation-for-the-authenticated-app",
        false,
    ),
    op(
        "GET",
        "/repos/{owner}/{repo}/installation",
        Some("apps#get-a-repository-installation-for-the-authenticated-app"),
        "apps/apps#get-a-repository-installation-for-the-authenticated-app",
        false,
    ),
    op(
        "GET",
        "/users/{username}/installation",
        Some("apps#get-a-user-installation-for-the-authenticated-app"),
        "apps/apps#get-a-user-installation-for-the-authenticated-app",
        false,
    ),
    op(
        "GET",
        "/admin/hooks",
        Some("enterprise-admin#list-global-webhooks"),
        "enterprise-admin/global-webhooks#list-global-webhooks",
        false,
    ),
    op(
        "POST",
        "/admin/hooks",
        Some("enterprise-admin#create-a-global-webhook"),
        "enterprise-admin/global-webhooks#create-a-global-webhook",
        false,
    ),
    op(
        "GET",
        "/admin/hooks/{hook_id}",
        Some("enterprise-admin#get-a-global-webhook"),
        "enterprise-admin/global-webhooks#get-a-global-webhook",
        false,
    ),
    op(
        "PATCH",
        "/admin/hooks/{hook_id}",
        Some("enterprise-admin#update-a-global-webhook"),
        "enterprise-admin/global-webhooks#update-a-global-webhook",
        false,
    ),
    op(
        "DELETE",
        "/admin/hooks/{hook_id}",
        Some("enterprise-admin#delete-a-global-webhook"),
        "enterprise-admin/global-webhooks#delete-a-global-webhook",
        false,
    ),
    op(
        "POST",
        "/admin/hooks/{hook_id}/pings",
        Some("enterprise-admin#ping-a-global-webhook"),
        "enterprise-admin/global-webhooks#ping-a-global-webhook",
        false,
    ),
    op(
        "GET",
        "/orgs/{org}/hooks",
        Some("orgs#list-organization-webhooks"),
        "orgs/webhooks#list-organization-webhooks",
        false,
    ),
    op(
        "POST",
        "/orgs/{org}/hooks",
        Some("orgs#create-an-organization-webhook"),
        "orgs/webhooks#create-an-organization-webhook",
        false,
    ),
    op(
        "GET",
        "/orgs/{org}/hooks/{hook_id}",
        Some("orgs#get-an-organization-webhook"),
        "orgs/webhooks#get-an-organization-webhook",
        false,
    ),
    op(
        "PATCH",
        "/orgs/{org}/hooks/{hook_id}",
        Some("orgs#update-an-organization-webhook"),
        "orgs/webhooks#update-an-organization-webhook",
        false,
    ),
    op(
        "DELETE",
        "/orgs/{org}/hooks/{hook_id}",
        Some("orgs#delete-an-organization-webhook"),
        "orgs/webhooks#delete-an-organization-webhook",
        false,
    ),
    op(
        "GET",
        "/orgs/{org}/hooks/{hook_id}/config",
        Some("orgs#get-a-webhook-configuration-for-an-organization"),
        "orgs/webhooks#get-a-webhook-configuration-for-an-organization",
        false,
    ),
    op(
        "PATCH",
        "/orgs/{org}/hooks/{hook_id}/config",
        Some("orgs#update-a-webhook-configuration-for-an-organization"),
        "orgs/webhooks#update-a-webhook-configuration-for-an-organization",
        false,
    ),
    op(
        "GET",
        "/orgs/{org}/hooks/{hook_id}/deliveries",
        None,
        "orgs/webhooks#list-deliveries-for-an-organization-webhook",
        false,
    ),
    op(
        "GET",
        "/orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}",
        None,
        "orgs/webhooks#get-a-webhook-delivery-for-an-organization-webhook",
        false,
    ),
    op(
        "POST",
        "/orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}/attempts",
        None,
        "orgs/webhooks#redeliver-a-delivery-for-an-organization-webhook",
        false,
    ),
    op(
        "POST",
        "/orgs/{org}/hooks/{hook_id}/pings",
        Some("orgs#ping-an-organization-webhook"),
        "orgs/webhooks#ping-an-organization-webhook",
        false,
    ),
    op(
        "GET",
        "/repos/{owner}/{repo}/actions/jobs/{job_id}",
        Some("actions#get-a-job-for-a-workflow-run"),
        "actions/workflow-jobs#get-a-job-for-a-workflow-run",
        false,
    ),
    op(
        "GET",
        "/repos/{owner}/{repo}/actions/runs",
        Some("actions#list-workflow-runs-for-a-repository"),
        "actions/workflow-runs#list-workflow-runs-for-a-repository",
        false,
    ),
    op(
        "GET",
        "/repos/{owner}/{repo}/actions/runs/{run_id}",
        Some("actions#get-a-workflow-run"),
        "actions/workflow-runs#get-a-workflow-run",
        false,
    ),
    op(
        "DELETE",
        "/repos/{owner}/{repo}/actions/runs/{run_id}",
        Some("actions#delete-a-workflow-run"),
        "actions/workflow-runs#delete-a-workflow-run",
        false,
    ),
    op(
        "GET",
        "/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}",
        None,
        "actions/workflow-runs#get-a-workflow-run-attempt",
        false,
    ),
    op(
        "GET",
        "/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs",
        None,
        "actions/workflow-jobs#list-jobs-for-a-workflow-run-attempt",
        false,
    ),
    op(
        "GET",
        "/repos/{owner}/{repo}/actions/runs/{run_id}/jobs",
        Some("actions#list-jobs-for-a-workflow-run"),
        "actions/workflow-jobs#list-jobs-for-a-workflow-run",
        false,
    ),
    op(
        "GET",
        "/repos/{owner}/{repo}/hooks",
        Some("repos#list-repository-webhooks"),
        "repos/webhooks#list-repository-webhooks",
        false,
    ),
    op(
        "POST",
        "/repos/{owner}/{repo}/hooks",
        Some("repos#create-a-repository-webhook"),
        "repos/webhooks#create-a-repository-webhook",
        false,
    ),
    op(
        "GET",
        "/repos/{owner}/{repo}/hooks/{hook_id}",
        Some("repos#get-a-repository-webhook"),
        "repos/webhooks#get-a-repository-webhook",
        false,
    ),
    op(
        "PATCH",
        "/repos/{owner}/{repo}/hooks/{hook_id}",
        Some("repos#update-a-repository-webhook"),
        "repos/webhooks#update-a-repository-webhook",
        false,
    ),
    op(
        "DELETE",
        "/repos/{owner}/{repo}/hooks/{hook_id}",
        Some("repos#delete-a-repository-webhook"),
        "repos/webhooks#delete-a-repository-webhook",
        false,
    ),
    op(
        "GET",
        "/repos/{owner}/{repo}/hooks/{hook_id}/config",
        Some("repos#get-a-webhook-configuration-for-a-repository"),
        "repos/webhooks#get-a-webhook-configuration-for-a-repository",
        false,
    ),
    op(
        "PATCH",
        "/repos/{owner}/{repo}/hooks/{hook_id}/config",
        Some("repos#update-a-webhook-configuration-for-a-repository"),
        "repos/webhooks#update-a-webhook-configuration-for-a-repository",
        false,
    ),
    op(
        "GET",
        "/repos/{owner}/{repo}/hooks/{hook_id}/deliveries",
        None,
        "repos/webhooks#list-deliveries-for-a-repository-webhook",
        false,
    ),
    op(
        "GET",
        "/repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}",
        None,
        "repos/webhooks#get-a-delivery-for-a-repository-webhook",
        false,
    ),
    op(
        "POST",
        "/repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts",
        None,
        "repos/webhooks#redeliver-a-delivery-for-a-repository-webhook",
        false,
    ),
    op(
        "POST",
        "/repos/{owner}/{repo}/hooks/{hook_id}/pings",
        Some("repos#ping-a-repository-webhook"),
        "repos/webhooks#ping-a-repository-webhook",
        false,
    ),
    op(
        "POST",
        "/repos/{owner}/{repo}/hooks/{hook_id}/tests",
        Some("repos#test-the-push-repository-webhook"),
        "repos/webhooks#test-the-push-repository-webhook",
        false,
    ),
];

/// The operation behind a matched route (`/api/v3/orgs/{org}/actions/runners`).
pub fn find(method: &Method, matched_path: &str) -> Option<&'static Operation> {
    let path = matched_path.strip_prefix("/api/v3")?;
    OPERATIONS
        .iter()
        .find(|op| op.path == path && op.method == method.as_str())
}

fn base(version: GhesVersion) -> String {
    format!("https://docs.github.com/enterprise-server@{version}/rest")
}

/// `https://docs.github.com/enterprise-server@3.1/rest`.
pub fn generic(version: GhesVersion) -> String {
    base(version)
}

/// The rate-limiting section of the REST API's docs.
pub fn rate_limiting(version: GhesVersion) -> String {
    format!(
        "{}/overview/resources-in-the-rest-api#rate-limiting",
        base(version)
    )
}

/// The docs URL of the operation behind a matched route, if it has one.
pub fn operation(version: GhesVersion, method: &Method, matched_path: &str) -> Option<String> {
    let current = version.minor() >= CURRENT_DOCS_SINCE;
    let path = matched_path.strip_prefix("/api/v3")?;
    let page = match (path, current) {
        ("/meta", false) => "reference/meta#get-github-meta-information",
        ("/meta", true) => "meta/meta#get-apiname-meta-information",
        ("/rate_limit", false) => {
            "reference/rate-limit#get-rate-limit-status-for-the-authenticated-user"
        }
        ("/rate_limit", true) => {
            "rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user"
        }
        ("/orgs/{org}", false) => "reference/orgs#get-an-organization",
        ("/orgs/{org}", true) => "orgs/orgs#get-an-organization",
        ("/repos/{owner}/{repo}", false) => "reference/repos#get-a-repository",
        ("/repos/{owner}/{repo}", true) => "repos/repos#get-a-repository",
        _ => {
            let op = find(method, matched_path)?;
            return Some(match op.legacy.filter(|_| !current) {
                Some(legacy) => format!("{}/reference/{legacy}", base(version)),
                None => format!("{}/{}", base(version), op.current),
            });
        }
    };
    Some(format!("{}/{page}", base(version)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(text: &str) -> GhesVersion {
        text.parse().unwrap()
    }

    #[test]
    fn operations_link_the_docs_of_the_version_presented() {
        assert_eq!(
            operation(
                version("3.1"),
                &Method::DELETE,
                "/api/v3/enterprises/{enterprise}/actions/runners/{runner_id}"
            )
            .unwrap(),
            "https://docs.github.com/enterprise-server@3.1/rest/reference/enterprise-admin#delete-self-hosted-runner-from-an-enterprise"
        );
        assert_eq!(
            operation(
                version("3.22"),
                &Method::GET,
                "/api/v3/repos/{owner}/{repo}/actions/runners"
            )
            .unwrap(),
            "https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runners#list-self-hosted-runners-for-a-repository"
        );
        assert_eq!(
            operation(version("3.10"), &Method::GET, "/api/v3/meta").unwrap(),
            "https://docs.github.com/enterprise-server@3.10/rest/meta/meta#get-apiname-meta-information"
        );
        assert_eq!(
            operation(
                version("3.1"),
                &Method::PUT,
                "/api/v3/orgs/{org}/actions/runners"
            ),
            None
        );
        assert_eq!(
            generic(version("3.22.4")),
            "https://docs.github.com/enterprise-server@3.22/rest"
        );
    }

    #[test]
    fn the_table_holds_every_operation_once_and_3_1_links_for_the_3_1_surface() {
        assert_eq!(
            OPERATIONS.len(),
            62 + 10 + 36,
            "63 runner operations, /meta aside, 10 App ones and 36 of hooks, runs and jobs"
        );
        for (i, op) in OPERATIONS.iter().enumerate() {
            assert!(
                !OPERATIONS[..i]
                    .iter()
                    .any(|o| o.method == op.method && o.path == op.path),
                "{} {} twice",
                op.method,
                op.path
            );
        }
        let legacy = OPERATIONS.iter().filter(|op| op.legacy.is_some()).count();
        assert_eq!(
            legacy,
            44 + 10 + 28,
            "45 runner operations in 3.1, /meta aside, the Apps' and 28 of hooks, runs and jobs"
        );
    }
}
