//! The log of API requests a test reads back to count what its tool did.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// One API request as received and answered. Credentials are never kept.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mock = ghes_mock::GhesMock::start().await;
/// reqwest::get(format!("{}/meta?access_token=sekrit", mock.api_url())).await.unwrap();
/// let logged = mock.received_requests(&Default::default());
/// assert_eq!(logged[0].path, "/api/v3/meta?access_token=REDACTED");
/// assert_eq!(logged[0].status, 200);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path with its query; token-like query values are redacted.
    pub path: String,
    /// The status it was answered with.
    pub status: u16,
    /// When it arrived, on the mock clock.
    pub time: String,
    /// The `X-GitHub-Request-Id` it was answered with.
    pub request_id: String,
    /// Who made it, as far as it was authenticated: `token` (a personal
    /// access token), `app:ID` (an App's JWT), `installation:ID` (an
    /// installation token), or `none`. Never the credential itself.
    pub actor: String,
}

/// Which requests to list; both filters are optional.
///
/// ```
/// let lists = ghes_mock::RequestFilter {
///     method: Some("GET".into()),
///     path_prefix: Some("/api/v3/orgs/octo-org/actions/runners".into()),
/// };
/// # drop(lists);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RequestFilter {
    /// Only this method, case-insensitively.
    pub method: Option<String>,
    /// Only paths starting with this, `/api/v3` included.
    pub path_prefix: Option<String>,
}

/// The most recent requests, oldest first. Bounded, so a long load run
/// cannot grow it without limit.
#[derive(Debug)]
pub struct RequestLog {
    entries: Mutex<VecDeque<LoggedRequest>>,
    capacity: usize,
}

const CAPACITY: usize = 10_000;

/// Query parameters whose values are credentials.
const SECRET_PARAMETERS: &[&str] = &["access_token", "token", "client_secret", "client_id"];

impl Default for RequestLog {
    fn default() -> Self {
        RequestLog {
            entries: Mutex::new(VecDeque::new()),
            capacity: CAPACITY,
        }
    }
}

impl RequestLog {
    pub fn record(&self, request: LoggedRequest) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(request);
    }

    pub fn list(&self, filter: &RequestFilter) -> Vec<LoggedRequest> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .iter()
            .filter(|r| {
                filter
                    .method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(&r.method))
            })
            .filter(|r| {
                filter
                    .path_prefix
                    .as_deref()
                    .is_none_or(|p| r.path.starts_with(p))
            })
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// `path?query` with the values of credential parameters replaced.
pub fn redacted_path(path: &str, query: Option<&str>) -> String {
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return path.to_owned();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| {
            // Compare the name as the server reads it: `access%5Ftoken` too.
            let decoded = form_urlencoded::parse(pair.as_bytes()).next();
            match decoded {
                Some((name, _))
                    if SECRET_PARAMETERS.contains(&name.to_ascii_lowercase().as_str()) =>
                {
                    let raw_name = pair.split('=').next().unwrap_or_default();
                    format!("{raw_name}=REDACTED")
                }
                _ => pair.to_owned(),
            }
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(method: &str, path: &str) -> LoggedRequest {
        LoggedRequest {
            method: method.into(),
            path: path.into(),
            status: 200,
            time: String::new(),
            request_id: String::new(),
            actor: "token".into(),
        }
    }

    #[test]
    fn filters_by_method_and_path_prefix_and_keeps_only_the_newest() {
        let log = RequestLog {
            entries: Mutex::default(),
            capacity: 2,
        };
        log.record(entry("GET", "/api/v3/meta"));
        log.record(entry("GET", "/api/v3/orgs/o/actions/runners"));
        log.record(entry(
            "POST",
            "/api/v3/orgs/o/actions/runners/registration-token",
        ));

        let all = log.list(&RequestFilter::default());
        let gets = log.list(&RequestFilter {
            method: Some("get".into()),
            path_prefix: None,
        });
        let orgs = log.list(&RequestFilter {
            method: None,
            path_prefix: Some("/api/v3/orgs".into()),
        });

        assert_eq!(all.len(), 2, "the oldest was dropped");
        assert_eq!(gets, [entry("GET", "/api/v3/orgs/o/actions/runners")]);
        assert_eq!(orgs.len(), 2);
    }

    #[test]
    fn credentials_in_the_query_are_redacted() {
        assert_eq!(
            redacted_path("/api/v3/meta", Some("access_token=sekrit&per_page=2")),
            "/api/v3/meta?access_token=REDACTED&per_page=2"
        );
        assert_eq!(redacted_path("/api/v3/meta", Some("")), "/api/v3/meta");
        assert_eq!(
            redacted_path("/api/v3/meta", Some("Access%5FToken=x&TOKEN")),
            "/api/v3/meta?Access%5FToken=REDACTED&TOKEN=REDACTED"
        );
    }
}
