//! One delivery's HTTP/1.1 exchange, written by hand so that header names go
//! out as GitHub spells them (`X-GitHub-Event`, `X-Hub-Signature-256`).
//!
//! HTTP says header names are case-insensitive, but receivers are written
//! against GitHub, and some look them up as GitHub sends them: a plain
//! `dict` of the headers, a serverless function's `event.headers`. hyper's
//! client writes every name in lowercase and cannot be told otherwise, so
//! the request is written here, and only the answer's head is parsed with
//! `httparse`, the parser hyper itself uses.
//!
//! Each delivery has a connection of its own (`Connection: close`), as a
//! hook receives one request at a time; no redirect is followed and
//! nothing is retried.

use std::sync::Arc;

use reqwest::Url;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{self, ClientConfig, DigitallySignedStruct, RootCertStore};

use super::MAX_RESPONSE_BODY;

/// A receiver's answer, as far as it is kept.
#[derive(Debug)]
pub struct Answer {
    pub code: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Why no answer came.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The URL cannot be delivered to.
    #[error("{0}")]
    Url(String),
    /// No connection, or it broke before the answer was read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The receiver's certificate is not trusted.
    #[error("the receiver's certificate is not trusted: {0}")]
    Certificate(rustls::Error),
    /// What came back is not an HTTP/1.x answer.
    #[error("not an HTTP answer: {0}")]
    Malformed(String),
}

/// How https receivers are reached: with the roots given, or, for a hook
/// with `insecure_ssl`, checking nothing.
#[derive(Clone)]
pub struct Tls {
    checked: TlsConnector,
    unchecked: TlsConnector,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tls")
    }
}

impl Tls {
    pub fn new(roots: &[CertificateDer<'static>]) -> Result<Tls, rustls::Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut store = RootCertStore::empty();
        for root in roots {
            store.add(root.clone())?;
        }
        let checked = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(store)
            .with_no_client_auth();
        let unchecked = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth();
        Ok(Tls {
            checked: TlsConnector::from(Arc::new(checked)),
            unchecked: TlsConnector::from(Arc::new(unchecked)),
        })
    }
}

/// POSTs `body` to `url` with `headers` as given, and reads the answer.
pub async fn post(
    url: &str,
    headers: &[(String, String)],
    body: &[u8],
    tls: &Tls,
    insecure: bool,
) -> Result<Answer, WireError> {
    let url = Url::parse(url).map_err(|e| WireError::Url(e.to_string()))?;
    let host = url
        .host_str()
        .ok_or_else(|| WireError::Url("no host".to_owned()))?
        .to_owned();
    let port = url
        .port_or_known_default()
        .ok_or_else(|| WireError::Url("no port".to_owned()))?;
    let stream = TcpStream::connect((host.trim_matches(['[', ']']), port)).await?;
    stream.set_nodelay(true)?;
    let head = request_head(&url, headers, body.len());
    match url.scheme() {
        "http" => exchange(stream, &head, body).await,
        "https" => {
            let connector = if insecure {
                &tls.unchecked
            } else {
                &tls.checked
            };
            let name = ServerName::try_from(host.trim_matches(['[', ']']).to_owned())
                .map_err(|e| WireError::Url(e.to_string()))?;
            let stream = connector
                .connect(name, stream)
                .await
                .map_err(certificate_error)?;
            exchange(stream, &head, body).await
        }
        other => Err(WireError::Url(format!("{other} is not http(s)"))),
    }
}

/// A failed handshake: a certificate refused, or the connection lost.
fn certificate_error(error: std::io::Error) -> WireError {
    let refused = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .filter(|e| matches!(e, rustls::Error::InvalidCertificate(_)))
        .cloned();
    match refused {
        Some(refused) => WireError::Certificate(refused),
        None => WireError::Io(error),
    }
}

/// The request line and headers: `Host`, the delivery's own headers as
/// spelled, the length, and `Connection: close`.
fn request_head(url: &Url, headers: &[(String, String)], length: usize) -> Vec<u8> {
    let mut target = url.path().to_owned();
    if let Some(query) = url.query() {
        target.push('?');
        target.push_str(query);
    }
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => String::new(),
    };
    let mut head = format!("POST {target} HTTP/1.1\r\nHost: {host}\r\n");
    for (name, value) in headers {
        // A value is the mock's own (ids, GUIDs, hex): never a line break,
        // but a stray one must not split the head.
        let value = value.replace(['\r', '\n'], " ");
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {length}\r\nConnection: close\r\n\r\n"
    ));
    head.into_bytes()
}

/// Writes the request and reads the answer on an open connection.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    head: &[u8],
    body: &[u8],
) -> Result<Answer, WireError> {
    stream.write_all(head).await?;
    stream.write_all(body).await?;
    stream.flush().await?;
    let mut buffer = Vec::with_capacity(4096);
    loop {
        let (code, headers, consumed) = read_head(&mut stream, &mut buffer).await?;
        buffer.drain(..consumed);
        // `100 Continue` and other interim answers come before the answer.
        if (100..200).contains(&code) {
            continue;
        }
        let body = read_body(&mut stream, buffer, &headers).await?;
        return Ok(Answer {
            code,
            headers,
            body,
        });
    }
}

/// Reads until a whole answer head is in `buffer`; returns its code, its
/// headers and its length in bytes.
async fn read_head<S: AsyncRead + Unpin>(
    stream: &mut S,
    buffer: &mut Vec<u8>,
) -> Result<(u16, Vec<(String, String)>, usize), WireError> {
    const MAX_HEAD: usize = 64 * 1024;
    loop {
        let mut fields = [httparse::EMPTY_HEADER; 64];
        let mut response = httparse::Response::new(&mut fields);
        match response.parse(buffer) {
            Ok(httparse::Status::Complete(length)) => {
                let code = response.code.unwrap_or(0);
                let headers = response
                    .headers
                    .iter()
                    .map(|h| {
                        let value = String::from_utf8_lossy(h.value).into_owned();
                        (h.name.to_ascii_lowercase(), value)
                    })
                    .collect();
                return Ok((code, headers, length));
            }
            Ok(httparse::Status::Partial) if buffer.len() < MAX_HEAD => {}
            Ok(httparse::Status::Partial) => {
                return Err(WireError::Malformed("the head is too long".to_owned()));
            }
            Err(error) => return Err(WireError::Malformed(error.to_string())),
        }
        if read_more(stream, buffer).await? == 0 {
            return Err(WireError::Malformed(
                "the connection closed before an answer".to_owned(),
            ));
        }
    }
}

/// Reads the body, as far as it is kept: by `Content-Length`, chunked, or
/// up to the end of the connection.
async fn read_body<S: AsyncRead + Unpin>(
    stream: &mut S,
    mut buffer: Vec<u8>,
    headers: &[(String, String)],
) -> Result<Vec<u8>, WireError> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim().to_ascii_lowercase())
    };
    if header("transfer-encoding").is_some_and(|t| t.ends_with("chunked")) {
        return read_chunked(stream, buffer).await;
    }
    let wanted = match header("content-length") {
        Some(length) => length
            .parse::<usize>()
            .map_err(|_| WireError::Malformed(format!("Content-Length {length:?}")))?
            .min(MAX_RESPONSE_BODY),
        None => MAX_RESPONSE_BODY,
    };
    while buffer.len() < wanted {
        if read_more(stream, &mut buffer).await? == 0 {
            break;
        }
    }
    buffer.truncate(wanted);
    Ok(buffer)
}

/// A chunked body, decoded, as far as it is kept.
async fn read_chunked<S: AsyncRead + Unpin>(
    stream: &mut S,
    mut buffer: Vec<u8>,
) -> Result<Vec<u8>, WireError> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(at) = buffer.windows(2).position(|w| w == b"\r\n") {
                break at;
            }
            if read_more(stream, &mut buffer).await? == 0 {
                return Ok(body);
            }
        };
        let size_text = String::from_utf8_lossy(&buffer[..line_end]).into_owned();
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| WireError::Malformed(format!("chunk size {size_text:?}")))?;
        buffer.drain(..line_end + 2);
        if size == 0 {
            return Ok(body);
        }
        while buffer.len() < size + 2 {
            if read_more(stream, &mut buffer).await? == 0 {
                body.extend_from_slice(&buffer[..buffer.len().min(size)]);
                body.truncate(MAX_RESPONSE_BODY);
                return Ok(body);
            }
        }
        body.extend_from_slice(&buffer[..size]);
        buffer.drain(..size + 2);
        if body.len() >= MAX_RESPONSE_BODY {
            body.truncate(MAX_RESPONSE_BODY);
            return Ok(body);
        }
    }
}

/// Reads what the connection has into `buffer`; 0 at its end. A receiver
/// that closes without TLS's goodbye ends the answer too.
async fn read_more<S: AsyncRead + Unpin>(
    stream: &mut S,
    buffer: &mut Vec<u8>,
) -> Result<usize, WireError> {
    let mut chunk = [0u8; 8192];
    match stream.read(&mut chunk).await {
        Ok(read) => {
            buffer.extend_from_slice(&chunk[..read]);
            Ok(read)
        }
        Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => Ok(0),
        Err(error) => Err(error.into()),
    }
}

/// The verifier of `insecure_ssl` hooks: any certificate is taken, the
/// handshake's signatures still checked.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_keeps_githubs_spelling_and_names_the_host_and_length() {
        let url = Url::parse("http://127.0.0.1:9000/hook?x=1").unwrap();
        let headers = [
            ("X-GitHub-Event".to_owned(), "ping".to_owned()),
            ("X-Hub-Signature-256".to_owned(), "sha256=ab".to_owned()),
        ];
        let head = String::from_utf8(request_head(&url, &headers, 12)).unwrap();
        assert_eq!(
            head,
            "POST /hook?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9000\r\nX-GitHub-Event: ping\r\n\
             X-Hub-Signature-256: sha256=ab\r\nContent-Length: 12\r\nConnection: close\r\n\r\n"
        );
    }

    #[tokio::test]
    async fn answers_are_read_by_length_chunked_or_to_the_end() {
        let cases: [(&[u8], u16, &[u8]); 4] = [
            (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, b"hello"),
            (
                b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
                202,
                b"abcde",
            ),
            (b"HTTP/1.0 500 Oops\r\n\r\nto the end", 500, b"to the end"),
            (b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", 204, b""),
        ];
        for (wire, code, body) in cases {
            let (mut server, client) = tokio::io::duplex(64 * 1024);
            server.write_all(wire).await.unwrap();
            drop(server);
            let answer = exchange(client, b"", b"").await.unwrap();
            assert_eq!((answer.code, answer.body.as_slice()), (code, body));
        }
        let (mut server, client) = tokio::io::duplex(1024);
        server.write_all(b"SSH-2.0-OpenSSH\r\n\r\n").await.unwrap();
        drop(server);
        assert!(matches!(
            exchange(client, b"", b"").await,
            Err(WireError::Malformed(_))
        ));
    }

    #[tokio::test]
    async fn a_receiver_reads_githubs_spelling_off_the_wire() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let receiver = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut seen = Vec::new();
            while !seen.ends_with(b"{}") {
                let mut chunk = [0u8; 1024];
                let read = socket.read(&mut chunk).await.unwrap();
                assert!(read > 0, "the request ended early");
                seen.extend_from_slice(&chunk[..read]);
            }
            socket
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .await
                .unwrap();
            String::from_utf8(seen).unwrap()
        });
        let headers = [("X-GitHub-Event".to_owned(), "ping".to_owned())];
        let tls = Tls::new(&[]).unwrap();

        let answer = post(&url, &headers, b"{}", &tls, false).await.unwrap();

        let seen = tokio::time::timeout(std::time::Duration::from_secs(10), receiver)
            .await
            .unwrap()
            .unwrap();
        assert!(seen.contains("\r\nX-GitHub-Event: ping\r\n"), "{seen}");
        assert!(seen.starts_with("POST /hook HTTP/1.1\r\n"), "{seen}");
        assert_eq!((answer.code, answer.body.as_slice()), (200, &b"ok"[..]));
    }
}
