//! `page`/`per_page` in, `Link` header out, as GitHub pages its lists.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;

use super::extract::origin;
use crate::app::AppState;
use crate::error::Error;
use crate::model::Page;
use crate::service::PageRequest;

/// The query of a list request: every parameter as sent (for the Link URLs)
/// and the page asked for.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// `scheme://host/api/v3/…/runners`, as the client reached it.
    base: String,
    pairs: Vec<(String, String)>,
    pub request: PageRequest,
}

impl FromRequestParts<AppState> for ListQuery {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or_else(|| parts.uri.clone(), |original| original.0.clone());
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default();
        let number = |name: &str| -> Result<Option<i64>, Error> {
            match pairs.iter().rev().find(|(key, _)| key == name) {
                None => Ok(None),
                Some((_, value)) => parse_integer(value).map(Some).ok_or_else(|| {
                    Error::invalid(
                        "Runner",
                        name,
                        format!("{name} must be an integer, not {value:?}"),
                    )
                }),
            }
        };
        let request = PageRequest::new(number("page")?, number("per_page")?);
        Ok(ListQuery {
            base: format!("{}{}", origin(parts, state), uri.path()),
            pairs,
            request,
        })
    }
}

/// An integer as GitHub reads one; one too large for 64 bits saturates.
fn parse_integer(value: &str) -> Option<i64> {
    let value = value.trim();
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(value.parse().unwrap_or(if value.starts_with('-') {
        i64::MIN
    } else {
        i64::MAX
    }))
}

impl ListQuery {
    /// A query parameter as sent (the last one, when repeated).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// GitHub's `Link` header for a page: `next`, `last`, `first`, `prev` as
    /// they apply, each URL the request's own with `page` replaced.
    pub fn link<T>(&self, page: &Page<T>) -> Option<String> {
        let last = page.last_page();
        let mut rels = Vec::new();
        if page.page < last {
            rels.push((page.page + 1, "next"));
            rels.push((last, "last"));
        }
        if page.page > 1 {
            rels.push((1, "first"));
            rels.push(((page.page - 1).min(last), "prev"));
        }
        let entries: Vec<String> = rels
            .into_iter()
            .map(|(number, rel)| format!("<{}>; rel=\"{rel}\"", self.url_of_page(number)))
            .collect();
        (!entries.is_empty()).then(|| entries.join(", "))
    }

    /// The request's own URL with one parameter set: what a list paged by
    /// cursor links to.
    pub fn url_with(&self, name: &str, value: &str) -> String {
        let mut pairs = self.pairs.clone();
        pairs.retain(|(key, _)| key != name);
        pairs.push((name.to_owned(), value.to_owned()));
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        format!("{}?{query}", self.base)
    }

    fn url_of_page(&self, number: u32) -> String {
        let mut pairs = self.pairs.clone();
        let number = number.to_string();
        match pairs.iter_mut().find(|(key, _)| key == "page") {
            Some(pair) => pair.1 = number,
            None => pairs.push(("page".to_owned(), number)),
        }
        // Only the last `page` counts; earlier repeats would contradict it.
        let mut seen_page = false;
        pairs.reverse();
        pairs.retain(|(key, _)| key != "page" || !std::mem::replace(&mut seen_page, true));
        pairs.reverse();
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        format!("{}?{query}", self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> ListQuery {
        ListQuery {
            base: "http://127.0.0.1:9/api/v3/orgs/o/actions/runners".into(),
            pairs: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            request: PageRequest::default(),
        }
    }

    fn page(page: u32, per_page: u32, total_count: i64) -> Page<()> {
        Page {
            items: (),
            total_count,
            page,
            per_page,
        }
    }

    #[test]
    fn a_middle_page_links_all_four_relations_in_githubs_order() {
        let link = query(&[("per_page", "10"), ("page", "2")])
            .link(&page(2, 10, 45))
            .unwrap();
        let base = "http://127.0.0.1:9/api/v3/orgs/o/actions/runners";
        assert_eq!(
            link,
            format!(
                "<{base}?per_page=10&page=3>; rel=\"next\", <{base}?per_page=10&page=5>; rel=\"last\", \
                 <{base}?per_page=10&page=1>; rel=\"first\", <{base}?per_page=10&page=1>; rel=\"prev\""
            )
        );
    }

    #[test]
    fn a_single_page_has_no_link_and_a_missing_page_parameter_is_appended() {
        assert_eq!(query(&[]).link(&page(1, 30, 30)), None);
        assert_eq!(query(&[]).link(&page(1, 30, 0)), None);
        let link = query(&[]).link(&page(1, 30, 31)).unwrap();
        assert!(
            link.starts_with(
                "<http://127.0.0.1:9/api/v3/orgs/o/actions/runners?page=2>; rel=\"next\""
            ),
            "{link}"
        );
    }

    #[test]
    fn integers_are_read_leniently_and_text_is_refused() {
        assert_eq!(parse_integer("42"), Some(42));
        assert_eq!(parse_integer("-1"), Some(-1));
        assert_eq!(parse_integer("99999999999999999999"), Some(i64::MAX));
        assert_eq!(parse_integer("abc"), None);
        assert_eq!(parse_integer("1.5"), None);
        assert_eq!(parse_integer(""), None);
    }
}
