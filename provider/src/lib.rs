//! `local-spotify`: a strict, offline stand-in for Spotify's accounts service and Web API, so the
//! app signs in with OAuth 2.0 PKCE and reads playlists with no network.
//!
//! Its manual is its command line's help (`cargo run -p local-spotify -- --help`, written in
//! [`config`]): the endpoints and the rules they hold to, the sample users, the fault plan, the
//! admin endpoints, the CORS modes, `--tls` and `--mode standards`. As a library, [`start`] runs
//! it with a [`Config`] (what the command line resolves to) and returns a [`RunningServer`].

pub mod accounts;
pub mod admin;
pub mod api;
pub mod app;
pub mod catalog;
pub mod config;
pub mod daily_quota;
pub mod dist;
pub mod errors;
pub mod faults;
pub mod form;
pub mod images;
pub mod listeners;
pub mod scopes;
pub mod secrets;
pub mod state;
pub mod stats;
pub mod store;
pub mod tls;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{Cli, Config, ConfigError, Rotation};

/// Why the server could not start.
#[derive(Debug)]
pub enum StartError {
    Config(ConfigError),
    Bind {
        port: u16,
        source: io::Error,
    },
    /// `--tls`, and no certificate could be made.
    Tls(String),
    /// `--serve-dist`, and its folder cannot be served as the build wrote it.
    Dist(dist::DistError),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Config(e) => write!(f, "{e}"),
            StartError::Bind { port, source } => {
                write!(f, "cannot listen on 127.0.0.1:{port}: {source}")
            }
            StartError::Tls(why) => write!(f, "cannot serve HTTPS: {why}"),
            StartError::Dist(e) => write!(f, "cannot serve the app: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

impl From<ConfigError> for StartError {
    fn from(e: ConfigError) -> Self {
        StartError::Config(e)
    }
}

/// A started server. Dropping it stops the listeners.
pub struct RunningServer {
    /// The accounts service and Web API.
    pub addr: SocketAddr,
    /// The served `dist/` folder, when one was asked for.
    pub app_addr: Option<SocketAddr>,
    /// HTTPS (`--tls`): the authority that signed the server's certificate.
    tls: Option<tls::Tls>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<io::Result<()>>>,
}

impl RunningServer {
    /// `http://127.0.0.1:PORT` (`https://` with `--tls`), without a trailing slash.
    pub fn base_url(&self) -> String {
        base_url(self.addr, self.tls.is_some())
    }

    /// With `--tls`, the certificate (DER) of the authority that signed the server's: what a
    /// client trusts to reach it.
    pub fn authority_der(&self) -> Option<&[u8]> {
        self.tls.as_ref().map(tls::Tls::authority_der)
    }

    /// `http://127.0.0.1:PORT/` of the served app, when there is one.
    pub fn app_url(&self) -> Option<String> {
        self.app_addr.map(|a| format!("http://{a}/"))
    }

    /// Stops accepting connections and waits for open ones to finish.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

fn base_url(addr: SocketAddr, tls: bool) -> String {
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{addr}")
}

/// Binds the listeners on 127.0.0.1 (`port`, and `dist_port` when the app is served) and serves
/// them in the background.
pub async fn start(config: Config) -> Result<RunningServer, StartError> {
    let bind = |port: u16| {
        std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .map_err(|source| StartError::Bind { port, source })
    };
    let api = bind(config.port)?;
    let app = match config.serve_dist {
        Some(_) => Some(bind(config.dist_port)?),
        None => None,
    };
    listeners::start_on(config, listeners::Listeners { api, app }).await
}

async fn serve(
    listener: TcpListener,
    router: axum::Router,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        })
        .await
}
