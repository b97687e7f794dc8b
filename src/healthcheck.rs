//! `ghes-mock healthcheck`: asks a running server's `/_mock/health`, so that
//! a container's HEALTHCHECK needs no shell, curl or wget in the image.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use reqwest::{StatusCode, Url};

/// The health endpoint of a server told to listen on `bind`, asked over
/// loopback: `0.0.0.0:8080` is reached at `127.0.0.1:8080`.
pub fn health_url(bind: SocketAddr) -> Url {
    let ip = match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let address = SocketAddr::new(ip, bind.port());
    Url::parse(&format!("http://{address}/_mock/health")).expect("an address makes a URL")
}

/// Parses a URL given on the command line.
pub fn parse_url(url: &str) -> Result<Url, String> {
    let parsed = Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
    match parsed.scheme() {
        "http" | "https" => Ok(parsed),
        scheme => Err(format!(
            "{url}: only http and https can be checked, not {scheme}"
        )),
    }
}

/// `Ok` when the URL answers 200 within `timeout`.
pub async fn check(url: &Url, timeout: Duration) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(timeout)
        // The probe runs beside its own server, which may serve a
        // self-signed certificate: what is checked is that it answers.
        .danger_accept_invalid_certs(true)
        .build()
        .map_err(|e| e.to_string())?;
    let response = client
        .get(url.clone())
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    match response.status() {
        StatusCode::OK => Ok(()),
        status => Err(format!("{url} answered {}", status.as_u16())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_url_is_loopback_at_the_bind_port() {
        assert_eq!(
            health_url("0.0.0.0:8080".parse().unwrap()).as_str(),
            "http://127.0.0.1:8080/_mock/health"
        );
        assert_eq!(
            health_url("[::]:9".parse().unwrap()).as_str(),
            "http://[::1]:9/_mock/health"
        );
        assert_eq!(
            health_url("10.1.2.3:8081".parse().unwrap()).as_str(),
            "http://10.1.2.3:8081/_mock/health"
        );
    }

    #[test]
    fn only_http_urls_are_accepted() {
        assert!(parse_url("https://localhost:8443/_mock/health").is_ok());
        assert!(parse_url("ftp://localhost/").is_err());
        assert!(parse_url("localhost:8080").is_err());
    }
}
