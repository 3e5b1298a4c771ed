//! A gate in front of the provider's API port: a TCP forwarder that the scenarios can close (the
//! port refuses connections and every open one is cut, as when the provider is stopped) and open
//! again on the same port.
//!
//! Why not stop and restart the provider itself: it keeps its grants in memory, so a restarted
//! provider knows none of the tokens the page holds, and the page would rightly end the session
//! instead of recovering. Seen from the browser, a closed gate and a stopped provider are the same:
//! the connection is refused.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// How long [`Gate::open`] keeps trying to take its port back.
const REBIND_FOR: Duration = Duration::from_secs(10);

/// A forwarder from one local port to `upstream`. Clones share the gate.
#[derive(Clone)]
pub struct Gate {
    inner: Arc<Inner>,
}

struct Inner {
    port: u16,
    upstream: SocketAddr,
    open: Mutex<Option<Open>>,
}

/// The gate while it is open: the accept loop, and the signal that closes it.
struct Open {
    close: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Gate {
    /// Opens a gate on a port the system picks, forwarding to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Gate {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("the gate can bind a local port");
        let port = listener.local_addr().expect("a bound address").port();
        let gate = Gate {
            inner: Arc::new(Inner {
                port,
                upstream,
                open: Mutex::new(None),
            }),
        };
        gate.serve(listener);
        gate
    }

    /// `http://127.0.0.1:PORT`: where the page is told the provider is.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.inner.port)
    }

    /// Closes the port and cuts every connection through it; returns once the port refuses
    /// connections. Closing a closed gate does nothing.
    pub async fn close(&self) {
        let open = self.lock().take();
        if let Some(open) = open {
            let _ = open.close.send(true);
            let _ = open.task.await;
        }
    }

    /// Opens the gate again on the same port (waiting a little if the system has not released it
    /// yet). Opening an open gate does nothing.
    pub async fn open(&self) {
        if self.lock().is_some() {
            return;
        }
        let deadline = Instant::now() + REBIND_FOR;
        let listener = loop {
            match TcpListener::bind((Ipv4Addr::LOCALHOST, self.inner.port)).await {
                Ok(listener) => break listener,
                Err(e) if Instant::now() > deadline => {
                    panic!("the gate cannot take port {} back: {e}", self.inner.port)
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        self.serve(listener);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Open>> {
        self.inner.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn serve(&self, listener: TcpListener) {
        let (close, closed) = watch::channel(false);
        let task = tokio::spawn(forward(listener, self.inner.upstream, closed));
        *self.lock() = Some(Open { close, task });
    }
}

/// Accepts connections and pipes each to `upstream` until `closed`; then drops the listener and
/// every connection.
async fn forward(listener: TcpListener, upstream: SocketAddr, mut closed: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = closed.wait_for(|closed| *closed) => break,
            accepted = listener.accept() => {
                let Ok((mut inbound, _)) = accepted else { continue };
                connections.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
}
