//! HTTPS: the certificate (PEM files, or one generated for loopback) and the
//! accept loop that serves the router over TLS with graceful shutdown.
//!
//! Plain HTTP stays on `axum::serve`; this loop does the same over rustls:
//! HTTP/1.1 per connection, stop accepting on the stop signal, then let the
//! connections under way answer their requests.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rcgen::{CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, KeyPair};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::{self, PemObject};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};

use crate::config::Tls;

/// The names a generated certificate is valid for: what a client on the same
/// machine dials.
const SELF_SIGNED_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// A client that connects and says nothing must not hold a task forever.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why HTTPS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file (or the directory of a generated certificate) could not be
    /// read or written, or holds no certificate or key.
    #[error("{}: {reason}", path.display())]
    File {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong with it.
        reason: String,
    },
    /// The self-signed certificate could not be made.
    #[error("cannot generate a certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// The certificate and key do not make a TLS configuration (for example,
    /// the key is not the certificate's).
    #[error("{0}")]
    Config(#[from] rustls::Error),
}

impl TlsError {
    fn file(path: &Path, reason: &dyn std::fmt::Display) -> TlsError {
        TlsError::File {
            path: path.to_owned(),
            reason: reason.to_string(),
        }
    }
}

/// Loads or generates the certificate and makes the acceptor. A generated
/// certificate is on disk when this returns, before any ready line.
pub fn acceptor(tls: &Tls) -> Result<TlsAcceptor, TlsError> {
    let (chain, key) = match tls {
        Tls::Files { cert, key } => (read_chain(cert)?, read_key(key)?),
        Tls::SelfSigned { dir } => self_signed(dir)?,
    };
    // The provider is named rather than taken from the process default, so
    // another rustls user in the same program cannot change or break it.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|error| match tls {
            Tls::Files { cert, key } => TlsError::file(
                key,
                &format!("not a usable key for {}: {error}", cert.display()),
            ),
            Tls::SelfSigned { .. } => error.into(),
        })?;
    // The server speaks HTTP/1.1 only, as on plain HTTP.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let chain = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|error| TlsError::file(path, &error))?;
    if chain.is_empty() {
        return Err(TlsError::file(path, &"no CERTIFICATE in it"));
    }
    Ok(chain)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|error| match error {
        pem::Error::NoItemsFound => TlsError::file(path, &"no PRIVATE KEY in it"),
        error => TlsError::file(path, &error),
    })
}

/// A new certificate for loopback, written to `DIR/cert.pem` (what clients
/// trust, e.g. `SSL_CERT_FILE`) and its key to `DIR/key.pem` (0600).
fn self_signed(
    dir: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsError> {
    let mut params = CertificateParams::new(SELF_SIGNED_NAMES.map(str::to_owned).to_vec())?;
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, "ghes-mock");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    fs::create_dir_all(dir).map_err(|error| TlsError::file(dir, &error))?;
    write_file(&dir.join("key.pem"), &key.serialize_pem(), 0o600)?;
    write_file(&dir.join("cert.pem"), &cert.pem(), 0o644)?;
    let key = PrivatePkcs8KeyDer::from(key.serialize_der());
    Ok((vec![cert.der().clone()], key.into()))
}

/// Writes through a temporary file and a rename, so a client reading the
/// file while the server starts never sees half of it.
fn write_file(path: &Path, contents: &str, mode: u32) -> Result<(), TlsError> {
    let temporary = path.with_extension("pem.tmp");
    let written = (|| {
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            options.mode(mode);
            let file = options.open(&temporary)?;
            // `mode` applies only to a new file; a leftover one keeps its own.
            file.set_permissions(fs::Permissions::from_mode(mode))?;
            write_all(file, contents)?;
        }
        #[cfg(not(unix))]
        {
            let _ = mode;
            write_all(options.open(&temporary)?, contents)?;
        }
        fs::rename(&temporary, path)
    })();
    written.map_err(|error| TlsError::file(path, &error))
}

fn write_all(mut file: fs::File, contents: &str) -> std::io::Result<()> {
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

/// Serves `router` over TLS until `stop` resolves, then stops accepting and
/// waits for the open connections to finish the requests they carry.
pub async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    router: Router,
    stop: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let stream = tokio::select! {
            biased;
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors and the like: pause rather
                    // than spin, as axum::serve does.
                    tracing::error!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
        };
        crate::server::without_delay(&stream);
        // Taken before the handshake, so that a stop waits for this
        // connection too.
        let watcher = graceful.watcher();
        let acceptor = acceptor.clone();
        let service = TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let stream =
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(error)) => {
                        tracing::info!(%error, "TLS handshake failed");
                        return;
                    }
                    Err(_) => {
                        tracing::info!("TLS handshake timed out");
                        return;
                    }
                };
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .serve_connection(TokioIo::new(stream), service);
            if let Err(error) = watcher.watch(connection).await {
                tracing::debug!(%error, "connection closed");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
