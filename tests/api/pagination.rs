//! Pagination of the runner list as GitHub pages it: `page`/`per_page` read
//! with GitHub's defaults and cap, and a `Link` header that a client such as
//! PyGithub can follow from the first page to the last.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ApiResponse, SCOPES, TOKEN, TestApp, runners_path, spawn_seeded};

const ORG: &str = "orgs/octo-org";

/// The runner counts around each page boundary of 30 and 100.
const COUNTS: [usize; 7] = [0, 1, 30, 31, 100, 101, 250];

/// A fixture with the three scopes of `SCOPES` and `count` runners named
/// `runner-0`… in each of `scopes`, in that order.
fn fixture(scopes: &[&str], count: usize) -> Value {
    let runners: Vec<Value> = scopes
        .iter()
        .flat_map(|scope| {
            (0..count).map(move |i| json!({"scope": scope, "name": format!("runner-{i}")}))
        })
        .collect();
    json!({
        "enterprises": ["octo-enterprise"],
        "orgs": ["octo-org"],
        "repos": ["octo-org/octo-repo"],
        "runners": runners,
    })
}

/// The `Link` header's entries as (rel, URL), in the order sent. Each entry
/// must be written `<URL>; rel="REL"` and entries joined by `, `.
fn parse_link(header: &str) -> Vec<(String, String)> {
    header
        .split(", ")
        .map(|entry| {
            let (url, rel) = entry.split_once(">; rel=\"").unwrap_or_else(|| {
                panic!("entry {entry:?} is not `<URL>; rel=\"REL\"` in {header:?}")
            });
            let url = url
                .strip_prefix('<')
                .unwrap_or_else(|| panic!("{entry:?} does not open with <"));
            let rel = rel
                .strip_suffix('"')
                .unwrap_or_else(|| panic!("{entry:?} does not close with \""));
            assert!(
                !url.contains(['<', '>', ' ', ',']),
                "odd URL {url:?} in {header:?}"
            );
            assert!(!rel.contains('"'), "odd rel {rel:?} in {header:?}");
            (rel.to_owned(), url.to_owned())
        })
        .collect()
}

/// The parsed `Link` header of an answer; empty when there is none.
fn links(response: &ApiResponse) -> Vec<(String, String)> {
    response.header("link").map(parse_link).unwrap_or_default()
}

fn rels(links: &[(String, String)]) -> Vec<&str> {
    links.iter().map(|(rel, _)| rel.as_str()).collect()
}

fn url_of<'a>(links: &'a [(String, String)], rel: &str) -> Option<&'a str> {
    links
        .iter()
        .find(|(r, _)| r == rel)
        .map(|(_, url)| url.as_str())
}

/// The value of `page` in a URL's query.
fn page_in(url: &str) -> u64 {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let page = query
        .split('&')
        .filter_map(|pair| pair.strip_prefix("page="))
        .collect::<Vec<_>>();
    assert_eq!(page.len(), 1, "exactly one page parameter in {url}");
    page[0]
        .parse()
        .unwrap_or_else(|_| panic!("page is not a number in {url}"))
}

/// What the `Link` header of page `page` of `last` must hold: `next` and
/// `last` while a later page exists, `first` and `prev` after the first,
/// in that order, each the request's URL with `page` set.
fn expected_links(page_url: impl Fn(u64) -> String, page: u64, last: u64) -> Vec<(String, String)> {
    let mut expected = Vec::new();
    if page < last {
        expected.push(("next".to_owned(), page_url(page + 1)));
        expected.push(("last".to_owned(), page_url(last)));
    }
    if page > 1 {
        expected.push(("first".to_owned(), page_url(1)));
        expected.push(("prev".to_owned(), page_url((page - 1).min(last))));
    }
    expected
}

/// GETs an absolute URL the server handed out, verbatim, with the default
/// token, through the harness's contract and header checks.
async fn get_url(app: &TestApp, url: &str) -> ApiResponse {
    let api_url = app.mock.api_url();
    let path = url
        .strip_prefix(&api_url)
        .unwrap_or_else(|| panic!("{url} is not under the server's {api_url}"));
    let request = app
        .client
        .get(url)
        .header("Authorization", format!("token {TOKEN}"));
    app.send_api(Method::GET, path, request).await
}

/// Walks a list the way PyGithub does: the first page, then each `next`
/// URL verbatim until there is none. Bounded so that a `next` loop fails.
async fn follow_next(app: &TestApp, first_url: &str) -> Vec<ApiResponse> {
    let mut pages = Vec::new();
    let mut next = Some(first_url.to_owned());
    while let Some(url) = next {
        assert!(
            pages.len() < 50,
            "more than 50 pages: the next links loop (at {url})"
        );
        let page = get_url(app, &url).await;
        assert_eq!(page.status, 200, "{url}: {:?}", page.body);
        next = url_of(&links(&page), "next").map(str::to_owned);
        pages.push(page);
    }
    pages
}

/// The ids of a scope's runners, from the control API's state dump.
async fn ids_in_state(app: &TestApp, scope: &str) -> Vec<i64> {
    let state = app.control(Method::GET, "/state", None).await;
    assert_eq!(state.status, 200, "{:?}", state.body);
    let entry = state.body["scopes"]
        .as_array()
        .expect("scopes")
        .iter()
        .find(|s| s["scope"] == scope)
        .unwrap_or_else(|| panic!("{scope} is not in the state: {}", state.body));
    entry["runners"]
        .as_array()
        .expect("runners")
        .iter()
        .map(|r| r["id"].as_i64().expect("an id"))
        .collect()
}

fn runners_of(page: &ApiResponse) -> &Vec<Value> {
    page.body["runners"].as_array().expect("a runners array")
}

/// Walks a scope of `count` seeded runners from `?{query}` by its `next`
/// links and checks every page: total_count, the runners it holds, and its
/// exact `Link` header. `query` is empty or ends with `&`
/// (`per_page=100&`); `per_page` is what the server should apply.
async fn assert_walk(app: &TestApp, scope: &str, query: &str, per_page: usize, count: usize) {
    let base = app.url(&runners_path(scope));
    let first_url = match query.strip_suffix('&') {
        Some(query) => format!("{base}?{query}"),
        None => base.clone(),
    };
    let what = format!("{count} runners in {scope}, first page {first_url}");
    let origin = format!("http://127.0.0.1:{}/api/v3/", app.mock.address().port());
    let last = count.div_ceil(per_page).max(1) as u64;

    let pages = follow_next(app, &first_url).await;

    assert_eq!(pages.len() as u64, last, "{what}: pages visited");
    if let Some(last_url) = url_of(&links(&pages[0]), "last") {
        assert_eq!(
            page_in(last_url),
            pages.len() as u64,
            "{what}: rel=last names the page count"
        );
    }
    let mut walked: Vec<i64> = Vec::new();
    for (index, page) in pages.iter().enumerate() {
        let number = index as u64 + 1;
        let at = format!("{what}, page {number}");
        assert_eq!(page.body["total_count"], count, "{at}");
        assert_eq!(
            page.body.as_object().expect("an object").len(),
            2,
            "{at}: only total_count and runners"
        );
        let runners = runners_of(page);
        let offset = index * per_page;
        assert_eq!(
            runners.len(),
            per_page.min(count - offset.min(count)),
            "{at}: items on the page"
        );
        for (i, runner) in runners.iter().enumerate() {
            assert_eq!(
                runner["name"],
                format!("runner-{}", offset + i),
                "{at}: runners in id order"
            );
        }
        let ids: Vec<i64> = runners
            .iter()
            .map(|r| r["id"].as_i64().expect("an id"))
            .collect();
        for pair in ids.windows(2) {
            assert_eq!(
                pair[1],
                pair[0] + 1,
                "{at}: ids ascend without gaps: {ids:?}"
            );
        }
        if let (Some(previous), Some(first)) = (walked.last(), ids.first()) {
            assert_eq!(
                *first,
                previous + 1,
                "{at}: the page continues where the last one stopped"
            );
        }
        walked.extend(&ids);

        let found = links(page);
        match page.header("link") {
            None => assert_eq!(
                last, 1,
                "{at}: a Link header is needed when there are {last} pages"
            ),
            Some(header) => {
                let rebuilt: Vec<String> = found
                    .iter()
                    .map(|(rel, url)| format!("<{url}>; rel=\"{rel}\""))
                    .collect();
                assert_eq!(
                    rebuilt.join(", "),
                    header,
                    "{at}: written exactly as GitHub does"
                );
            }
        }
        let expected = expected_links(|n| format!("{base}?{query}page={n}"), number, last);
        assert_eq!(
            rels(&found),
            rels(&expected),
            "{at}: which rels, in GitHub's order"
        );
        assert_eq!(found, expected, "{at}: Link relations, order and URLs");
        for (rel, url) in &found {
            assert!(
                url.starts_with(&origin),
                "{at}: {rel} {url} is not absolute under {origin}"
            );
        }
    }
    assert_eq!(walked.len(), count, "{what}: every runner once");
    assert_eq!(
        walked.iter().collect::<HashSet<_>>().len(),
        count,
        "{what}: no runner twice"
    );
    assert_eq!(
        walked,
        ids_in_state(app, scope).await,
        "{what}: the walk saw every runner of the scope"
    );
}

#[tokio::test]
async fn following_next_links_visits_every_runner_once_at_every_page_boundary() {
    for count in COUNTS {
        // Arrange
        let app = spawn_seeded(fixture(&[ORG], count)).await;

        // Act + Assert: the default of 30 a page, then 100 a page
        assert_walk(&app, ORG, "", 30, count).await;
        assert_walk(&app, ORG, "per_page=100&", 100, count).await;
    }
}

#[tokio::test]
async fn every_scope_kind_paginates_alike() {
    // Arrange
    let app = spawn_seeded(fixture(&SCOPES, 31)).await;

    for scope in SCOPES {
        // Act + Assert
        assert_walk(&app, scope, "", 30, 31).await;
        assert_walk(&app, scope, "per_page=10&", 10, 31).await;
    }
}

#[tokio::test]
async fn the_second_of_two_pages_is_linked_exactly_as_github_writes_it() {
    // Arrange
    let app = spawn_seeded(fixture(&[ORG], 31)).await;
    let base = app.url(&runners_path(ORG));

    // Act
    let first = app.get(&runners_path(ORG)).await;
    let second = app.get(&format!("{}?page=2", runners_path(ORG))).await;

    // Assert
    assert_eq!(
        first.header("link"),
        Some(format!("<{base}?page=2>; rel=\"next\", <{base}?page=2>; rel=\"last\"").as_str())
    );
    assert_eq!(
        second.header("link"),
        Some(format!("<{base}?page=1>; rel=\"first\", <{base}?page=1>; rel=\"prev\"").as_str())
    );
    assert_eq!(runners_of(&second).len(), 1);
    assert_eq!(second.body["runners"][0]["name"], "runner-30");
}

#[tokio::test]
async fn per_page_is_capped_at_100_and_the_last_page_counts_with_the_cap() {
    // Arrange
    let app = spawn_seeded(fixture(&[ORG], 250)).await;
    let base = app.url(&runners_path(ORG));

    for asked in ["1000", "101", "99999999999999999999"] {
        // Act
        let page = app
            .get(&format!("{}?per_page={asked}", runners_path(ORG)))
            .await;

        // Assert
        assert_eq!(page.status, 200, "per_page={asked}");
        assert_eq!(page.body["total_count"], 250);
        assert_eq!(runners_of(&page).len(), 100, "per_page={asked}");
        assert_eq!(page.body["runners"][99]["name"], "runner-99");
        assert_eq!(
            links(&page),
            [
                ("next".to_owned(), format!("{base}?per_page={asked}&page=2")),
                ("last".to_owned(), format!("{base}?per_page={asked}&page=3")),
            ],
            "per_page={asked}: last page is 3 at 100 a page, and per_page is kept as sent"
        );
    }
}

#[tokio::test]
async fn per_page_below_one_means_the_default_of_30() {
    // Arrange
    let app = spawn_seeded(fixture(&[ORG], 250)).await;
    let base = app.url(&runners_path(ORG));

    for asked in ["0", "-1", "-30", "-99999999999999999999"] {
        // Act
        let page = app
            .get(&format!("{}?per_page={asked}", runners_path(ORG)))
            .await;

        // Assert
        assert_eq!(page.status, 200, "per_page={asked}");
        assert_eq!(runners_of(&page).len(), 30, "per_page={asked}");
        assert_eq!(page.body["runners"][29]["name"], "runner-29");
        assert_eq!(
            links(&page),
            [
                ("next".to_owned(), format!("{base}?per_page={asked}&page=2")),
                ("last".to_owned(), format!("{base}?per_page={asked}&page=9")),
            ],
            "per_page={asked}"
        );
    }
}

#[tokio::test]
async fn page_below_one_is_the_first_page_with_no_first_or_prev() {
    // Arrange
    let app = spawn_seeded(fixture(&[ORG], 31)).await;
    let base = app.url(&runners_path(ORG));
    let first_page = app.get(&runners_path(ORG)).await;

    for asked in ["0", "-3", "-99999999999999999999"] {
        // Act
        let page = app
            .get(&format!("{}?page={asked}", runners_path(ORG)))
            .await;

        // Assert
        assert_eq!(page.status, 200, "page={asked}");
        assert_eq!(page.body, first_page.body, "page={asked} is page 1");
        assert_eq!(
            page.header("link"),
            Some(format!("<{base}?page=2>; rel=\"next\", <{base}?page=2>; rel=\"last\"").as_str()),
            "page={asked}"
        );
    }
}

#[tokio::test]
async fn a_page_beyond_the_end_is_empty_and_links_back_to_the_last_page() {
    // (runners, per_page, page asked, last page)
    let cases = [
        (31, 30, "3", 2),
        (31, 30, "50", 2),
        (250, 100, "4", 3),
        (0, 30, "2", 1),
        (1, 30, "7", 1),
    ];
    for (count, per_page, asked, last) in cases {
        // Arrange
        let app = spawn_seeded(fixture(&[ORG], count)).await;
        let base = app.url(&runners_path(ORG));
        let what = format!("{count} runners, per_page={per_page}, page={asked}");

        // Act
        let page = app
            .get(&format!(
                "{}?per_page={per_page}&page={asked}",
                runners_path(ORG)
            ))
            .await;

        // Assert
        assert_eq!(page.status, 200, "{what}");
        assert_eq!(
            page.body,
            json!({"total_count": count, "runners": []}),
            "{what}"
        );
        assert_eq!(
            page.header("link"),
            Some(
                format!(
                    "<{base}?per_page={per_page}&page=1>; rel=\"first\", <{base}?per_page={per_page}&page={last}>; rel=\"prev\""
                )
                .as_str()
            ),
            "{what}: no next/last, and prev is the last page"
        );
    }
}

#[tokio::test]
async fn a_page_number_too_big_for_64_bits_is_an_empty_page_not_an_error() {
    // Arrange
    let app = spawn_seeded(fixture(&[ORG], 31)).await;
    let base = app.url(&runners_path(ORG));

    // Act
    let page = app
        .get(&format!("{}?page=99999999999999999999", runners_path(ORG)))
        .await;

    // Assert
    assert_eq!(page.status, 200, "{:?}", page.body);
    assert_eq!(page.body, json!({"total_count": 31, "runners": []}));
    assert_eq!(
        page.header("link"),
        Some(format!("<{base}?page=1>; rel=\"first\", <{base}?page=2>; rel=\"prev\"").as_str())
    );
}

#[tokio::test]
async fn other_query_parameters_are_kept_in_order_in_the_link_urls() {
    // Arrange
    let app = spawn_seeded(fixture(&[ORG], 31)).await;
    let base = app.url(&runners_path(ORG));
    let path = runners_path(ORG);

    // Act
    let middle = app.get(&format!("{path}?foo=bar&per_page=10&page=2")).await;
    let without_page = app.get(&format!("{path}?foo=bar&per_page=10")).await;
    let page_first = app
        .get(&format!("{path}?page=3&foo=bar&per_page=10&zed=1"))
        .await;

    // Assert
    let url = |query: &str| format!("{base}?{query}");
    assert_eq!(
        links(&middle),
        [
            ("next".to_owned(), url("foo=bar&per_page=10&page=3")),
            ("last".to_owned(), url("foo=bar&per_page=10&page=4")),
            ("first".to_owned(), url("foo=bar&per_page=10&page=1")),
            ("prev".to_owned(), url("foo=bar&per_page=10&page=1")),
        ]
    );
    assert_eq!(
        links(&without_page),
        [
            ("next".to_owned(), url("foo=bar&per_page=10&page=2")),
            ("last".to_owned(), url("foo=bar&per_page=10&page=4")),
        ],
        "page is appended when the request had none"
    );
    assert_eq!(
        links(&page_first),
        [
            ("next".to_owned(), url("page=4&foo=bar&per_page=10&zed=1")),
            ("last".to_owned(), url("page=4&foo=bar&per_page=10&zed=1")),
            ("first".to_owned(), url("page=1&foo=bar&per_page=10&zed=1")),
            ("prev".to_owned(), url("page=2&foo=bar&per_page=10&zed=1")),
        ],
        "page is replaced where it stood"
    );
    assert_eq!(runners_of(&middle).len(), 10);
    assert_eq!(middle.body["runners"][0]["name"], "runner-10");
}

#[tokio::test]
async fn a_page_or_per_page_that_is_not_an_integer_is_a_validation_failure() {
    // Arrange
    let app = spawn_seeded(fixture(&[ORG], 31)).await;

    for field in ["page", "per_page"] {
        for value in ["abc", "1.5", "", "2x", "0x10"] {
            let what = format!("{field}={value}");

            // Act
            let answer = app.get(&format!("{}?{what}", runners_path(ORG))).await;

            // Assert
            assert_eq!(answer.status, 422, "{what}: {:?}", answer.body);
            assert_eq!(answer.body["message"], "Validation Failed", "{what}");
            assert_eq!(
                answer.body["documentation_url"],
                "https://docs.github.com/enterprise-server@3.1/rest/reference/actions#list-self-hosted-runners-for-an-organization",
                "{what}"
            );
            let errors = answer.body["errors"].as_array().expect("errors");
            assert_eq!(errors.len(), 1, "{what}: {errors:?}");
            assert_eq!(errors[0]["resource"], "Runner", "{what}");
            assert_eq!(errors[0]["field"], field, "{what}");
            assert_eq!(errors[0]["code"], "invalid", "{what}");
            assert!(
                errors[0]["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{what}: {errors:?}"
            );
            assert!(
                answer.header("link").is_none(),
                "{what}: no Link on an error"
            );
        }
    }
}

#[tokio::test]
async fn link_urls_use_the_host_the_client_sent() {
    // Arrange
    let app = spawn_seeded(fixture(&[ORG], 31)).await;
    let path = format!("{}?per_page=10&page=2", runners_path(ORG));
    let request = app
        .client
        .get(app.url(&path))
        .header("Host", "example.test:1234")
        .header("Authorization", format!("token {TOKEN}"));

    // Act
    let page = app.send_api(Method::GET, &path, request).await;

    // Assert
    assert_eq!(page.status, 200, "{:?}", page.body);
    let base = "http://example.test:1234/api/v3/orgs/octo-org/actions/runners";
    assert_eq!(
        links(&page),
        [
            ("next".to_owned(), format!("{base}?per_page=10&page=3")),
            ("last".to_owned(), format!("{base}?per_page=10&page=4")),
            ("first".to_owned(), format!("{base}?per_page=10&page=1")),
            ("prev".to_owned(), format!("{base}?per_page=10&page=1")),
        ]
    );
}
