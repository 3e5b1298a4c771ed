//! HTTPS for the accounts service and the Web API (`--tls`), as Spotify serves them: TLS, and
//! HTTP/2 or HTTP/1.1 as the client's ALPN asks.
//!
//! What changes for a browser is how many requests it can have in flight: over HTTP/1.1 it opens
//! at most six connections to a host and sends one request on each, while over HTTP/2 it sends
//! all of them on one connection. Reading a long library many pages at a time is only measured
//! as it would be against Spotify when the provider speaks HTTP/2, and browsers speak HTTP/2 only
//! over TLS.
//!
//! The certificate is made at start for `127.0.0.1`, signed by an authority made with it, and
//! both keys live only in memory. A client that should trust the server is given the authority's
//! certificate ([`crate::RunningServer::authority_der`]); a browser driven by WebDriver is told to
//! accept it (`acceptInsecureCerts`), as no browser trusts it otherwise.

use std::io;
use std::net::Ipv4Addr;
use std::sync::Arc;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

/// The server's side of TLS: its certificate chain and key, and the authority that signed it.
#[derive(Clone)]
pub struct Tls {
    acceptor: TlsAcceptor,
    authority: CertificateDer<'static>,
}

impl Tls {
    /// A fresh authority and a certificate for `127.0.0.1` signed by it.
    pub fn generate() -> Result<Tls, String> {
        let fail = |what: &str, e: &dyn std::fmt::Display| format!("cannot make {what}: {e}");
        let authority_key = KeyPair::generate().map_err(|e| fail("a key", &e))?;
        let mut params = CertificateParams::new(Vec::<String>::new())
            .map_err(|e| fail("the authority's certificate", &e))?;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params
            .distinguished_name
            .push(DnType::CommonName, "local-spotify's throwaway authority");
        let authority = CertifiedIssuer::self_signed(params, authority_key)
            .map_err(|e| fail("the authority's certificate", &e))?;

        let key = KeyPair::generate().map_err(|e| fail("a key", &e))?;
        let mut params = CertificateParams::new(vec![Ipv4Addr::LOCALHOST.to_string()])
            .map_err(|e| fail("the server's certificate", &e))?;
        params
            .distinguished_name
            .push(DnType::CommonName, "local-spotify");
        let certificate = params
            .signed_by(&key, &authority)
            .map_err(|e| fail("the server's certificate", &e))?;

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| fail("a TLS configuration", &e))?
            .with_no_client_auth()
            .with_single_cert(
                vec![certificate.der().clone(), authority.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .map_err(|e| fail("a TLS configuration", &e))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            authority: authority.der().clone(),
        })
    }

    /// The authority's certificate (DER), for a client that should trust the server.
    pub fn authority_der(&self) -> &[u8] {
        self.authority.as_ref()
    }
}

/// How long to wait after a failed `accept` before the next.
const ACCEPT_RETRY: std::time::Duration = std::time::Duration::from_millis(50);

/// Serves `router` over TLS on `listener` until `stop` turns true, then lets the open connections
/// finish what they are answering.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    tls: Tls,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let mut connections = JoinSet::new();
    loop {
        let (tcp, _) = tokio::select! {
            _ = stopped(&mut stop) => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors, say: wait a little rather than spin (as `axum::serve`).
                Err(_) => {
                    tokio::time::sleep(ACCEPT_RETRY).await;
                    continue;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = tls.acceptor.clone();
        let service = TowerToHyperService::new(router.clone());
        let mut stop = stop.clone();
        connections.spawn(async move {
            // A client that does not finish the handshake (or does not trust the certificate)
            // only loses its own connection.
            let Ok(stream) = acceptor.accept(tcp).await else {
                return;
            };
            let builder = auto::Builder::new(TokioExecutor::new());
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stopped(&mut stop) => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Returns once `stop` has turned true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}
