//! Starting on listeners bound first, so that the configuration can name their ports: the app's
//! origin must be allowed (CORS) and its `/callback` registered before the first request. Binding
//! port 0 and reading the port back leaves nothing to retry, as choosing a free port and binding
//! it later would (another process may take it in between).

use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::sync::Arc;

use tokio::sync::watch;

use crate::{app, base_url, dist, serve, state, tls, Config, RunningServer, StartError};

/// The listener of the accounts service and Web API and, to serve the app, the app's.
pub struct Listeners {
    pub api: TcpListener,
    pub app: Option<TcpListener>,
}

impl Listeners {
    /// Both on 127.0.0.1, on ports the system picks.
    pub fn local() -> io::Result<Listeners> {
        let bind = || TcpListener::bind((Ipv4Addr::LOCALHOST, 0));
        Ok(Listeners {
            api: bind()?,
            app: Some(bind()?),
        })
    }

    /// `http://127.0.0.1:PORT`, where the app will be served (no trailing slash).
    pub fn app_origin(&self) -> Option<String> {
        let addr = self.app.as_ref()?.local_addr().ok()?;
        Some(format!("http://{addr}"))
    }
}

/// Serves `config` on `listeners` in the background (its `port` and `dist_port` are not used);
/// the app is served when `config.serve_dist` names it and there is an app listener.
pub async fn start_on(config: Config, listeners: Listeners) -> Result<RunningServer, StartError> {
    let tokio_listener = |l: TcpListener| {
        let port = l.local_addr().map_or(0, |a| a.port());
        let bind_error = |source| StartError::Bind { port, source };
        l.set_nonblocking(true).map_err(bind_error)?;
        let l = tokio::net::TcpListener::from_std(l).map_err(bind_error)?;
        let addr = l.local_addr().map_err(bind_error)?;
        Ok::<_, StartError>((l, addr))
    };
    let (api, addr) = tokio_listener(listeners.api)?;
    let tls = match config.tls {
        true => Some(tls::Tls::generate().map_err(StartError::Tls)?),
        false => None,
    };
    let app_router = config.serve_dist.as_deref().map(dist::router);
    let app_router = app_router.transpose().map_err(StartError::Dist)?;
    let state = Arc::new(state::AppState::new(config, base_url(addr, tls.is_some())));
    let router = app::router(state)?;
    let (shutdown, watcher) = watch::channel(false);
    let mut tasks = vec![match &tls {
        Some(tls) => tokio::spawn(tls::serve(api, router, tls.clone(), watcher.clone())),
        None => tokio::spawn(serve(api, router, watcher.clone())),
    }];
    let mut app_addr = None;
    if let (Some(app_router), Some(listener)) = (app_router, listeners.app) {
        let (listener, addr) = tokio_listener(listener)?;
        tasks.push(tokio::spawn(serve(listener, app_router, watcher)));
        app_addr = Some(addr);
    }
    Ok(RunningServer {
        addr,
        app_addr,
        tls,
        shutdown,
        tasks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Client;

    // Guards against a configuration written for the listeners' ports and served on others.
    #[tokio::test]
    async fn serves_the_app_and_the_api_on_the_listeners_it_is_given() {
        let dir =
            std::env::temp_dir().join(format!("local-spotify-listeners-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        std::fs::write(dir.join("index.html"), "<p>app</p>").expect("an index");
        std::fs::write(
            dir.join("_headers"),
            "/*\n  X-Content-Type-Options: nosniff\n",
        )
        .expect("a headers file");
        let listeners = Listeners::local().expect("two local ports");
        let origin = listeners.app_origin().expect("an app listener");
        let api = listeners.api.local_addr().expect("an address");
        let config = Config {
            serve_dist: Some(dir.clone()),
            allowed_origins: vec![origin.clone()],
            clients: vec![Client {
                id: "c".to_owned(),
                name: "C".to_owned(),
                redirect_uris: vec![format!("{origin}/callback")],
            }],
            ..Config::default()
        };
        let server = start_on(config, listeners).await.expect("it starts");
        assert_eq!(server.addr, api);
        assert_eq!(server.app_url(), Some(format!("{origin}/")));
        let app = reqwest::get(format!("{origin}/"))
            .await
            .expect("the app answers");
        assert_eq!(app.text().await.expect("text"), "<p>app</p>");
        let me = reqwest::get(format!("{}/v1/me", server.base_url()))
            .await
            .expect("the API answers");
        assert_eq!(me.status(), 401);
        server.shutdown().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
