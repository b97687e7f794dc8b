//! Where GitHub's error bodies point: the docs of the operation that was
//! called, as GHES 3.1's OpenAPI description links them.

use axum::http::Method;

/// `3.1.0` → `https://docs.github.com/enterprise-server@3.1/rest`.
pub fn generic(version: &str) -> String {
    format!(
        "https://docs.github.com/enterprise-server@{}/rest",
        major_minor(version)
    )
}

/// The rate-limiting section of the REST API's docs.
pub fn rate_limiting(version: &str) -> String {
    format!(
        "https://docs.github.com/enterprise-server@{}/rest/overview/resources-in-the-rest-api#rate-limiting",
        major_minor(version)
    )
}

/// The docs URL of the operation behind a matched route, if it has one.
pub fn operation(version: &str, method: &Method, matched_path: &str) -> Option<String> {
    let path = matched_path.strip_prefix("/api/v3")?;
    let (page, anchor) = match path {
        "/meta" => ("meta", "get-github-meta-information".to_owned()),
        "/rate_limit" => (
            "rate-limit",
            "get-rate-limit-status-for-the-authenticated-user".to_owned(),
        ),
        "/orgs/{org}" => ("orgs", "get-an-organization".to_owned()),
        "/repos/{owner}/{repo}" => ("repos", "get-a-repository".to_owned()),
        _ => runner_operation(method, path)?,
    };
    Some(format!(
        "https://docs.github.com/enterprise-server@{}/rest/reference/{page}#{anchor}",
        major_minor(version)
    ))
}

fn runner_operation(method: &Method, path: &str) -> Option<(&'static str, String)> {
    let scopes = [
        (
            "/enterprises/{enterprise}/actions/runners",
            "enterprise-admin",
            "an-enterprise",
        ),
        ("/orgs/{org}/actions/runners", "actions", "an-organization"),
        (
            "/repos/{owner}/{repo}/actions/runners",
            "actions",
            "a-repository",
        ),
    ];
    let (rest, page, target) = scopes
        .iter()
        .find_map(|(prefix, page, target)| Some((path.strip_prefix(prefix)?, *page, *target)))?;
    let anchor = match (method.as_str(), rest) {
        ("GET", "") => format!("list-self-hosted-runners-for-{target}"),
        ("GET", "/downloads") => format!("list-runner-applications-for-{target}"),
        ("POST", "/registration-token") => format!("create-a-registration-token-for-{target}"),
        ("POST", "/remove-token") => format!("create-a-remove-token-for-{target}"),
        ("GET", "/{runner_id}") => format!("get-a-self-hosted-runner-for-{target}"),
        // GitHub's own anchor for the enterprise one lacks the article.
        ("DELETE", "/{runner_id}") if page == "enterprise-admin" => {
            format!("delete-self-hosted-runner-from-{target}")
        }
        ("DELETE", "/{runner_id}") => format!("delete-a-self-hosted-runner-from-{target}"),
        _ => return None,
    };
    Some((page, anchor))
}

fn major_minor(version: &str) -> &str {
    match version.match_indices('.').nth(1) {
        Some((second_dot, _)) => &version[..second_dot],
        None => version,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_link_their_ghes_docs() {
        assert_eq!(
            operation(
                "3.1.0",
                &Method::DELETE,
                "/api/v3/enterprises/{enterprise}/actions/runners/{runner_id}"
            )
            .unwrap(),
            "https://docs.github.com/enterprise-server@3.1/rest/reference/enterprise-admin#delete-self-hosted-runner-from-an-enterprise"
        );
        assert_eq!(
            operation(
                "3.1.0",
                &Method::GET,
                "/api/v3/repos/{owner}/{repo}/actions/runners"
            )
            .unwrap(),
            "https://docs.github.com/enterprise-server@3.1/rest/reference/actions#list-self-hosted-runners-for-a-repository"
        );
        assert_eq!(
            operation("3.1.0", &Method::PUT, "/api/v3/orgs/{org}/actions/runners"),
            None
        );
        assert_eq!(
            generic("3.22.4"),
            "https://docs.github.com/enterprise-server@3.22/rest"
        );
    }
}
