//! The server over HTTPS, as a client reaches it: a certificate generated for
//! loopback or given as PEM files, https in every URL the server writes,
//! start-up errors that name the file, and the binary's flags. The client
//! here is rustls itself, trusting only the certificate the server wrote.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ghes_mock::{GhesMock, Seed, StartError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use crate::process::{Server, run_to_end};

/// A client that trusts nothing but the certificate in `cert_pem`.
fn connector(cert_pem: &Path) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(cert_pem).expect("cert.pem is PEM") {
        roots
            .add(cert.expect("a certificate"))
            .expect("a usable root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

async fn connect(address: SocketAddr, name: &str, cert_pem: &Path) -> TlsStream<TcpStream> {
    let tcp = TcpStream::connect(address).await.expect("the port answers");
    let name = ServerName::try_from(name.to_owned()).expect("a server name");
    connector(cert_pem)
        .connect(name, tcp)
        .await
        .expect("the TLS handshake succeeds")
}

/// One answer: status, headers (names lowercased) and body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `GET path` on a kept-alive connection and reads one answer by its
/// Content-Length.
async fn get(stream: &mut TlsStream<TcpStream>, host: &str, path: &str) -> Answer {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: token x\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    let head_end = loop {
        if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let mut chunk = [0; 4096];
        let n = stream.read(&mut chunk).await.expect("an answer");
        assert!(n > 0, "the connection closed before the answer");
        bytes.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(bytes[..head_end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(": "))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = bytes[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = [0; 4096];
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the connection closed within the body");
        body.extend_from_slice(&chunk[..n]);
    }
    Answer {
        status,
        headers,
        body: String::from_utf8(body).unwrap(),
    }
}

#[tokio::test]
async fn a_self_signed_certificate_is_written_for_clients_to_trust_and_serves_https() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let seed = r#"{"runners": [{"scope": "orgs/octo-org", "name": "a"},
                               {"scope": "orgs/octo-org", "name": "b"}]}"#;
    let mock = GhesMock::builder()
        .seed(Seed::from_json(seed).unwrap())
        .tls_self_signed(dir.path().join("tls"))
        .start()
        .await;
    let cert = dir.path().join("tls/cert.pem");

    // Act: the names a client on this machine dials, trusting only cert.pem.
    let mut by_name = connect(mock.address(), "localhost", &cert).await;
    let mut by_ip = connect(mock.address(), "127.0.0.1", &cert).await;
    let meta = get(&mut by_name, "localhost", "/api/v3/meta").await;
    let list = get(
        &mut by_ip,
        &mock.address().to_string(),
        "/api/v3/orgs/octo-org/actions/runners?per_page=1",
    )
    .await;

    // Assert
    assert!(
        mock.uri().starts_with("https://127.0.0.1:"),
        "{}",
        mock.uri()
    );
    assert_eq!(mock.api_url(), format!("https://{}/api/v3", mock.address()));
    assert_eq!(meta.status, 200, "{}", meta.body);
    assert!(
        meta.body.contains(r#""installed_version":"3.1.0""#),
        "{}",
        meta.body
    );
    assert_eq!(list.status, 200, "{}", list.body);
    let second = format!(
        "<https://{}/api/v3/orgs/octo-org/actions/runners?per_page=1&page=2>",
        mock.address()
    );
    assert_eq!(
        list.header("link"),
        Some(format!(r#"{second}; rel="next", {second}; rel="last""#).as_str())
    );
    let key = dir.path().join("tls/key.pem");
    assert!(
        std::fs::read_to_string(&key)
            .unwrap()
            .contains("PRIVATE KEY")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the key is readable by its owner only");
    }
}

#[tokio::test]
async fn pem_files_given_with_tls_serve_that_certificate() {
    // Arrange: a certificate and key as another tool would have made them.
    let made = tempfile::tempdir().unwrap();
    drop(
        GhesMock::builder()
            .tls_self_signed(made.path())
            .start()
            .await,
    );
    let (cert, key) = (made.path().join("cert.pem"), made.path().join("key.pem"));

    // Act
    let mock = GhesMock::builder().tls(&cert, &key).start().await;
    let mut stream = connect(mock.address(), "localhost", &cert).await;
    let answer = get(&mut stream, "localhost", "/_mock/health").await;

    // Assert
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, r#"{"status":"ok"}"#);
}

#[tokio::test]
async fn a_missing_or_mismatched_certificate_stops_start_up_with_the_reason() {
    // Arrange: two certificates with their keys.
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    drop(
        GhesMock::builder()
            .tls_self_signed(one.path())
            .start()
            .await,
    );
    drop(
        GhesMock::builder()
            .tls_self_signed(two.path())
            .start()
            .await,
    );
    let missing = one.path().join("nothing.pem");

    // Act
    let no_file = GhesMock::builder()
        .tls(&missing, one.path().join("key.pem"))
        .try_start()
        .await;
    let not_a_key = GhesMock::builder()
        .tls(one.path().join("cert.pem"), one.path().join("cert.pem"))
        .try_start()
        .await;
    let wrong_key = GhesMock::builder()
        .tls(one.path().join("cert.pem"), two.path().join("key.pem"))
        .try_start()
        .await;

    // Assert
    let message = |result: Result<GhesMock, StartError>| match result {
        Ok(mock) => panic!("started at {}", mock.uri()),
        Err(error @ StartError::Tls(_)) => error.to_string(),
        Err(other) => panic!("not a TLS error: {other}"),
    };
    let no_file = message(no_file);
    assert!(no_file.starts_with("cannot serve HTTPS: "), "{no_file}");
    assert!(
        no_file.contains(&missing.display().to_string()),
        "{no_file}"
    );
    let not_a_key = message(not_a_key);
    assert!(
        not_a_key.ends_with("cert.pem: no PRIVATE KEY in it"),
        "{not_a_key}"
    );
    let wrong_key = message(wrong_key);
    let expected = format!(
        "cannot serve HTTPS: {}: not a usable key for {}",
        two.path().join("key.pem").display(),
        one.path().join("cert.pem").display()
    );
    assert!(wrong_key.starts_with(&expected), "{wrong_key}");
}

#[tokio::test]
async fn plain_http_on_the_https_port_is_refused_and_https_goes_on() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let mock = GhesMock::builder()
        .tls_self_signed(dir.path())
        .start()
        .await;

    // Act: a client that forgot the s.
    let mut plain = TcpStream::connect(mock.address()).await.unwrap();
    plain
        .write_all(b"GET /api/v3/meta HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut reply = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), plain.read_to_end(&mut reply)).await;
    let mut stream = connect(mock.address(), "localhost", &dir.path().join("cert.pem")).await;
    let answer = get(&mut stream, "localhost", "/api/v3/meta").await;

    // Assert: no HTTP answer on the plain connection, which is closed.
    assert!(read.is_ok(), "the plain connection was left open");
    assert!(
        !reply.starts_with(b"HTTP/"),
        "{}",
        String::from_utf8_lossy(&reply)
    );
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn shutdown_closes_an_idle_kept_alive_https_connection() {
    // Arrange: a client that keeps its connection open after an answer.
    let dir = tempfile::tempdir().unwrap();
    let mock = GhesMock::builder()
        .tls_self_signed(dir.path())
        .start()
        .await;
    let mut stream = connect(mock.address(), "localhost", &dir.path().join("cert.pem")).await;
    assert_eq!(
        get(&mut stream, "localhost", "/api/v3/meta").await.status,
        200
    );

    // Act
    let stopped = tokio::time::timeout(Duration::from_secs(10), mock.shutdown()).await;
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut rest)).await;

    // Assert: the server did not wait for the idle client, and closed it.
    assert!(stopped.is_ok(), "shutdown waited for an idle connection");
    assert!(closed.is_ok(), "the idle connection was left open");
}

#[test]
fn the_binary_serves_https_from_flags_and_from_their_environment_twins() {
    // Arrange
    let generated = tempfile::tempdir().unwrap();
    let from_env = tempfile::tempdir().unwrap();
    let dir = generated.path().to_str().unwrap();

    // Act
    let self_signed = Server::start(&["--tls-self-signed", dir], &[]);
    let cert = generated.path().join("cert.pem");
    let key = generated.path().join("key.pem");
    let files = Server::start(
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
        &[],
    );
    let env_self_signed = Server::start(&[], &[("GHES_MOCK_TLS_SELF_SIGNED", from_env.path())]);
    let env_files = Server::start(
        &[],
        &[
            ("GHES_MOCK_TLS_CERT", cert.as_path()),
            ("GHES_MOCK_TLS_KEY", key.as_path()),
        ],
    );

    // Assert: every ready line says https, and the generated files are there.
    for server in [&self_signed, &files, &env_self_signed, &env_files] {
        assert!(
            server
                .ready
                .starts_with("ghes-mock listening on https://127.0.0.1:"),
            "{}",
            server.ready
        );
        assert!(server.ready.ends_with("/api/v3"), "{}", server.ready);
    }
    assert!(from_env.path().join("cert.pem").exists());
    let (status, stderr) = self_signed.terminate();
    assert!(status.is_some_and(|s| s.success()), "{status:?}: {stderr}");
}

#[test]
fn the_binary_refuses_half_or_conflicting_tls_flags() {
    // Arrange
    let bin = env!("CARGO_BIN_EXE_ghes-mock");
    let cases: [&[&str]; 3] = [
        &["--tls-cert", "cert.pem"],
        &["--tls-key", "key.pem"],
        &[
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
            "--tls-self-signed",
            "dir",
        ],
    ];

    for args in cases {
        // Act
        let finished = run_to_end(
            std::process::Command::new(bin)
                .arg("serve")
                .args(args)
                .env_remove("GHES_MOCK_TLS_CERT")
                .env_remove("GHES_MOCK_TLS_KEY")
                .env_remove("GHES_MOCK_TLS_SELF_SIGNED"),
            Duration::from_secs(10),
        )
        .unwrap();

        // Assert: a usage error before anything starts.
        assert_eq!(finished.status.and_then(|s| s.code()), Some(2), "{args:?}");
        assert!(finished.stdout.is_empty(), "{args:?}: {}", finished.stdout);
        assert!(
            finished.stderr.contains("--tls-"),
            "{args:?}: {}",
            finished.stderr
        );
    }
}
