//! The local provider as a child of xtask, in its own process group ([`xtask::process`]), its
//! output forwarded to the terminal or a log, its start lines read.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use xtask::{wait_until, ProcessGroup, ProviderCommand};

pub struct Provider {
    group: ProcessGroup,
    forwarder: Option<JoinHandle<()>>,
    /// `http://127.0.0.1:PORT`, from its start line.
    pub api_url: String,
    /// `http://127.0.0.1:PORT/`, when it serves `dist/`.
    pub app_url: Option<String>,
}

const API_LINE: &str = "local-spotify: accounts and Web API on ";
const APP_LINE: &str = "local-spotify: app on ";

impl Provider {
    /// Starts the provider, its output in `log` (or on the terminal, for the demo), and waits (up
    /// to `timeout`) for its start lines: the API line, and the app line when it serves `dist/`.
    pub fn start(cli: &ProviderCommand, log: Option<&Path>, timeout: Duration) -> Result<Provider> {
        println!("$ {cli}");
        let name = cli.binary().display().to_string();
        start_command(&name, cli.command(), cli.serves_app(), log, timeout)
    }

    /// Waits until the provider exits by itself (the demo runs until Ctrl-C).
    pub fn wait(mut self) -> Result<ExitStatus> {
        Ok(self.group.wait()?)
    }
}

/// Starts `command` (named `name` in errors) in its own process group, its stdout copied to `log`
/// (or ours) and read for the start lines.
fn start_command(
    name: &str,
    mut command: Command,
    serves_app: bool,
    log: Option<&Path>,
    timeout: Duration,
) -> Result<Provider> {
    command.stdin(Stdio::null()).stdout(Stdio::piped());
    let mut sink: Box<dyn Write + Send> = Box::new(std::io::stdout());
    if let Some(path) = log {
        // stderr straight into the file, so that an early failure is there to quote at once.
        let file =
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        command.stderr(file.try_clone()?);
        sink = Box::new(file);
    }
    let mut group = ProcessGroup::spawn(name, &mut command)?;
    let stdout = group.take_stdout().expect("stdout is piped");
    let (lines_tx, lines) = mpsc::channel();
    let forwarder = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = writeln!(sink, "{line}").and_then(|()| sink.flush());
            let _ = lines_tx.send(line);
        }
    });
    let mut provider = Provider {
        group,
        forwarder: Some(forwarder),
        api_url: String::new(),
        app_url: None,
    };
    let deadline = Instant::now() + timeout;
    while provider.api_url.is_empty() || (serves_app && provider.app_url.is_none()) {
        let why = match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => {
                if let Some(url) = line.strip_prefix(API_LINE) {
                    provider.api_url = url.trim().trim_end_matches('/').to_owned();
                } else if let Some(url) = line.strip_prefix(APP_LINE) {
                    provider.app_url = Some(url.trim().to_owned());
                }
                continue;
            }
            Err(RecvTimeoutError::Timeout) => {
                anyhow!("timed out after {timeout:?} waiting for its start line")
            }
            // Its stdout is closed: it has exited, or is about to.
            Err(RecvTimeoutError::Disconnected) => {
                let exited = || Ok::<_, String>(provider.group.exited());
                match wait_until("its exit", timeout, exited) {
                    Ok(status) => anyhow!("exited ({status}) before printing its start line"),
                    Err(e) => e,
                }
            }
        };
        // The end of the log, to quote when there is one with something in it.
        let tail = log.map_or(String::new(), |path| xtask::process::tail(path, 20));
        match tail.trim() {
            "" => bail!("{name}: {why}"),
            _ => bail!("{name}: {why}; its output:\n{tail}"),
        }
    }
    Ok(provider)
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.group.kill();
        // The pipe closes with the process, so the forwarder ends; join it so that none of the
        // provider's output can appear after what xtask prints next.
        if let Some(forwarder) = self.forwarder.take() {
            let _ = forwarder.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_path(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("xtask-{name}-{}.log", std::process::id()))
    }

    /// `sh -c script`, started as the provider would be.
    fn start_script(name: &str, script: &str, serves_app: bool) -> Result<Provider> {
        let log = log_path(name);
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        let started = start_command(
            "sh",
            command,
            serves_app,
            Some(&log),
            Duration::from_secs(2),
        );
        let _ = std::fs::remove_file(&log);
        started
    }

    fn is_alive(pid: u32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|stat| !stat.contains(") Z "))
            .unwrap_or(false)
    }

    // Guards against a provider left running after the suites (or the demo) end.
    #[test]
    fn reads_the_start_lines_and_kills_the_provider_when_dropped() {
        let script = "echo booting; \
                      echo 'local-spotify: accounts and Web API on http://127.0.0.1:4321'; \
                      echo 'local-spotify: app on http://127.0.0.1:4322/'; exec sleep 30";
        let provider = start_script("start", script, true).unwrap();
        assert_eq!(provider.api_url, "http://127.0.0.1:4321");
        assert_eq!(provider.app_url.as_deref(), Some("http://127.0.0.1:4322/"));
        let pid = provider.group.id();
        assert!(is_alive(pid));
        drop(provider);
        assert!(!is_alive(pid), "the provider survived its guard");
    }

    // Guards against waiting forever (or reporting success) when the provider cannot start.
    #[test]
    fn a_provider_that_exits_before_its_start_line_is_an_error() {
        let error = start_script("early-exit", "echo 'address in use' >&2; exit 3", false)
            .err()
            .expect("starting must fail")
            .to_string();
        assert!(error.contains("exited"), "{error}");
        assert!(
            error.contains("address in use"),
            "the error should quote the log: {error}"
        );
    }

    // Guards against a demo that says the app is ready before the provider serves it.
    #[test]
    fn waits_for_the_app_line_when_it_serves_dist() {
        let script = "echo 'local-spotify: accounts and Web API on http://127.0.0.1:4321'; \
                      exec sleep 30";
        let error = start_script("no-app-line", script, true)
            .err()
            .expect("the app line never comes")
            .to_string();
        assert!(
            error.contains("timed out after 2s waiting for its start line"),
            "{error}"
        );
    }
}
