//! The local provider's command line, for `cargo xtask demo` and the wasm test suites (the
//! end-to-end tests run the provider in process).

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::csp::push_new;

/// `local-spotify --port P [--serve-dist DIR --dist-port Q] [--allow-origin O]... [--cors spotify]
/// [--client ID=R,...]... [--client-quota ID=extended]...`
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderCommand {
    binary: PathBuf,
    port: u16,
    dist: Option<(PathBuf, u16)>,
    origins: Vec<String>,
    spotify_cors: bool,
    /// Each client once, with every redirect URI registered for it.
    clients: Vec<(String, Vec<String>)>,
    /// The clients with extended quota.
    extended: Vec<String>,
}

impl ProviderCommand {
    /// The provider at `binary`, its accounts service and Web API on `127.0.0.1:port` (0 picks a
    /// free port; the provider prints the one it took).
    pub fn new(binary: impl Into<PathBuf>, port: u16) -> ProviderCommand {
        ProviderCommand {
            binary: binary.into(),
            port,
            ..Default::default()
        }
    }

    /// The client `client_id` has extended quota (the others stay in Development Mode).
    pub fn extended_quota(mut self, client_id: &str) -> ProviderCommand {
        push_new(&mut self.extended, client_id);
        self
    }

    /// Also serves `dir` (the app's `dist/`) on `127.0.0.1:port`, with `index.html` for app routes.
    pub fn serve_dist(mut self, dir: impl Into<PathBuf>, port: u16) -> ProviderCommand {
        self.dist = Some((dir.into(), port));
        self
    }

    /// The Web API answers CORS as Spotify's does (`Access-Control-Allow-Origin: *`, no header
    /// exposed), although origins are named (which would imply per-origin CORS).
    pub fn spotify_cors(mut self) -> ProviderCommand {
        self.spotify_cors = true;
        self
    }

    /// The app (client `client_id`) runs at `origin` (`http://127.0.0.1:PORT`): CORS allows that
    /// origin and the client may be redirected to `<origin>/callback`. Once this is called the
    /// provider's own defaults (origin and client on port 8080) no longer apply.
    pub fn app_at(mut self, client_id: &str, origin: &str) -> ProviderCommand {
        let origin = origin.trim_end_matches('/');
        push_new(&mut self.origins, origin);
        let redirect = format!("{origin}/callback");
        match self.clients.iter_mut().find(|(id, _)| id == client_id) {
            Some((_, redirects)) => push_new(redirects, &redirect),
            None => self.clients.push((client_id.to_owned(), vec![redirect])),
        }
        self
    }

    pub fn binary(&self) -> &Path {
        &self.binary
    }

    /// Whether the provider will print an `app on` start line as well as the API one.
    pub fn serves_app(&self) -> bool {
        self.dist.is_some()
    }

    pub fn args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["--port".into(), self.port.to_string().into()];
        if let Some((dir, port)) = &self.dist {
            args.extend(["--serve-dist".into(), dir.into()]);
            args.extend(["--dist-port".into(), port.to_string().into()]);
        }
        for origin in &self.origins {
            args.extend(["--allow-origin".into(), origin.into()]);
        }
        if self.spotify_cors {
            args.extend(["--cors".into(), "spotify".into()]);
        }
        for (id, redirects) in &self.clients {
            let redirects = redirects.join(",");
            args.extend(["--client".into(), format!("{id}={redirects}").into()]);
        }
        for id in &self.extended {
            args.extend(["--client-quota".into(), format!("{id}=extended").into()]);
        }
        args
    }

    /// A [`Command`] ready to spawn (stdio and the rest are the caller's).
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.binary);
        command.args(self.args());
        command
    }
}

impl fmt::Display for ProviderCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::process::show(&self.command()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;
    use local_spotify::config::CorsMode;
    use local_spotify::{Cli, Config};

    fn strings(command: &ProviderCommand) -> Vec<String> {
        command
            .args()
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    /// What the provider makes of the command line, parsed by its own flag parser.
    fn as_the_provider_reads_it(command: &ProviderCommand) -> Config {
        let mut argv = vec![OsString::from("local-spotify")];
        argv.extend(command.args());
        let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{command}: {e}"));
        Config::try_from(cli).unwrap_or_else(|e| panic!("{command}: {e}"))
    }

    // Guards against the demo's command line losing the app: dist/ served on the app port, that
    // origin allowed, its callback registered.
    #[test]
    fn the_demo_serves_the_app_and_registers_its_origin() {
        let command = ProviderCommand::new("/bin/local-spotify", 8081)
            .serve_dist("/work/dist", 8080)
            .app_at("pkce-playlists-local", "http://127.0.0.1:8080")
            .spotify_cors();
        assert!(command.serves_app());
        assert_eq!(
            strings(&command),
            [
                "--port",
                "8081",
                "--serve-dist",
                "/work/dist",
                "--dist-port",
                "8080",
                "--allow-origin",
                "http://127.0.0.1:8080",
                "--cors",
                "spotify",
                "--client",
                "pkce-playlists-local=http://127.0.0.1:8080/callback",
            ]
        );
        assert_eq!(
            command.to_string(),
            format!("/bin/local-spotify {}", strings(&command).join(" "))
        );
        // The demo's Web API answers CORS as Spotify's does, although an origin is named.
        let config = as_the_provider_reads_it(&command);
        assert_eq!(config.cors, CorsMode::Spotify);
        assert_eq!(config.allowed_origins, ["http://127.0.0.1:8080"]);
    }

    // Guards against the wasm suites' provider refusing the test page's origin or its callback
    // (the provider refuses an origin with a trailing slash).
    #[test]
    fn the_wasm_suites_provider_allows_the_test_page() {
        let command = ProviderCommand::new("local-spotify", 18081)
            .app_at("pkce-playlists-local", "http://127.0.0.1:18090/");
        assert!(!command.serves_app());
        assert_eq!(
            strings(&command),
            [
                "--port",
                "18081",
                "--allow-origin",
                "http://127.0.0.1:18090",
                "--client",
                "pkce-playlists-local=http://127.0.0.1:18090/callback",
            ]
        );
    }

    // Guards against the browser tests running against one quota mode only: a second client with
    // extended quota beside the app's, in Development Mode.
    #[test]
    fn a_client_can_have_extended_quota() {
        let command = ProviderCommand::new("local-spotify", 18081)
            .app_at("app", "http://127.0.0.1:18090")
            .app_at("app-extended", "http://127.0.0.1:18090")
            .extended_quota("app-extended")
            .extended_quota("app-extended");
        assert_eq!(
            strings(&command),
            [
                "--port",
                "18081",
                "--allow-origin",
                "http://127.0.0.1:18090",
                "--client",
                "app=http://127.0.0.1:18090/callback",
                "--client",
                "app-extended=http://127.0.0.1:18090/callback",
                "--client-quota",
                "app-extended=extended",
            ]
        );
    }

    // Guards against a command line that repeats itself when one app is reachable at two
    // origins: one `--client` with both callbacks, each origin allowed once.
    #[test]
    fn one_client_at_two_origins_is_one_client_with_two_redirects() {
        let command = ProviderCommand::new("local-spotify", 0)
            .app_at("app", "http://127.0.0.1:1")
            .app_at("app", "http://127.0.0.1:2")
            .app_at("app", "http://127.0.0.1:2");
        assert_eq!(
            strings(&command),
            [
                "--port",
                "0",
                "--allow-origin",
                "http://127.0.0.1:1",
                "--allow-origin",
                "http://127.0.0.1:2",
                "--client",
                "app=http://127.0.0.1:1/callback,http://127.0.0.1:2/callback",
            ]
        );
    }

    // Guards against the builder and the provider's flags drifting apart: the provider's own
    // parser must read back exactly what the builder meant.
    #[test]
    fn the_provider_reads_the_command_line_as_meant() {
        let command = ProviderCommand::new("local-spotify", 18081)
            .serve_dist("/srv/dist", 18082)
            .app_at("pkce-playlists-local", "http://127.0.0.1:18082")
            .app_at("pkce-playlists-local", "http://127.0.0.1:18090");
        let config = as_the_provider_reads_it(&command);
        assert_eq!(config.port, 18081);
        assert_eq!(config.serve_dist, Some(PathBuf::from("/srv/dist")));
        assert_eq!(config.dist_port, 18082);
        assert_eq!(
            config.allowed_origins,
            ["http://127.0.0.1:18082", "http://127.0.0.1:18090"]
        );
        let client = config
            .client("pkce-playlists-local")
            .expect("the client is registered");
        assert_eq!(
            client.redirect_uris,
            [
                "http://127.0.0.1:18082/callback",
                "http://127.0.0.1:18090/callback"
            ]
        );
        assert_eq!(config.clients.len(), 1);
        // The wasm suites' page reads Retry-After: per-origin CORS, which naming origins implies.
        assert_eq!(config.cors, CorsMode::PerOrigin);
    }
}
