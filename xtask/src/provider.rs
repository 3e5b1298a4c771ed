//! The local provider as a child of xtask: started from a [`ProviderCommand`] in its own process
//! group (so it cannot outlive xtask, see [`xtask::process`]), its output forwarded, its start
//! lines read.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, TryRecvError};
use std::thread::JoinHandle;
use std::time::Duration;

use xtask::{wait_until, ProcessGroup, ProviderCommand};

/// Where a provider's output goes.
pub enum Output<'a> {
    /// To xtask's own stdout/stderr (the demo: the user watches the requests).
    Terminal,
    /// To a log file (the test suites: keeps test output readable).
    LogFile(&'a Path),
}

/// A running local provider; killed when dropped.
pub struct Provider {
    group: ProcessGroup,
    forwarders: Vec<JoinHandle<()>>,
    /// `http://127.0.0.1:PORT`, from its start line.
    pub api_url: String,
    /// `http://127.0.0.1:PORT/`, when it serves `dist/`.
    pub app_url: Option<String>,
}

const API_LINE: &str = "local-spotify: accounts and Web API on ";
const APP_LINE: &str = "local-spotify: app on ";

impl Provider {
    /// Starts the provider and waits (up to `timeout`) for its start lines: the API line, and the
    /// app line too when it serves `dist/`.
    pub fn start(
        provider: &ProviderCommand,
        output: Output<'_>,
        timeout: Duration,
    ) -> Result<Provider, String> {
        println!("$ {provider}");
        start_command(
            &provider.binary().display().to_string(),
            provider.command(),
            provider.serves_app(),
            output,
            timeout,
        )
    }

    fn read_start_line(&mut self, line: &str) {
        if let Some(url) = line.strip_prefix(API_LINE) {
            self.api_url = url.trim().trim_end_matches('/').to_owned();
        } else if let Some(url) = line.strip_prefix(APP_LINE) {
            self.app_url = Some(url.trim().to_owned());
        }
    }

    fn started(&self, serves_app: bool) -> bool {
        !self.api_url.is_empty() && (!serves_app || self.app_url.is_some())
    }

    /// Waits until the provider exits by itself (the demo runs until Ctrl-C).
    pub fn wait(mut self) -> Result<ExitStatus, String> {
        self.group.wait().map_err(|e| e.to_string())
    }
}

/// Starts `command` (named `name` in errors) in its own process group, its stdout forwarded to
/// `output` and read for the start lines.
fn start_command(
    name: &str,
    mut command: Command,
    serves_app: bool,
    output: Output<'_>,
    timeout: Duration,
) -> Result<Provider, String> {
    command.stdin(Stdio::null()).stdout(Stdio::piped());
    let log = match output {
        Output::LogFile(path) => Some(path.to_path_buf()),
        Output::Terminal => None,
    };
    let out_sink: Box<dyn Write + Send> = match &log {
        // The provider is not in the terminal's foreground group: xtask relays what it says.
        None => {
            command.stderr(Stdio::piped());
            Box::new(std::io::stdout())
        }
        // stderr straight into the file, so that an early failure is there to quote at once.
        Some(path) => {
            let file =
                File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            let err = file
                .try_clone()
                .map_err(|e| format!("cannot reuse {}: {e}", path.display()))?;
            command.stderr(err);
            Box::new(file)
        }
    };
    let mut group = ProcessGroup::spawn(name, &mut command)?;

    let (lines_tx, lines_rx) = mpsc::channel::<String>();
    let mut forwarders = vec![forward(
        group.take_stdout().expect("stdout is piped"),
        out_sink,
        Some(lines_tx),
    )];
    if let Some(stderr) = group.take_stderr() {
        forwarders.push(forward(stderr, Box::new(std::io::stderr()), None));
    }
    let mut provider = Provider {
        group,
        forwarders,
        api_url: String::new(),
        app_url: None,
    };

    wait_until("its start line", timeout, || loop {
        match lines_rx.try_recv() {
            Ok(line) => provider.read_start_line(&line),
            Err(TryRecvError::Empty) => return Ok(provider.started(serves_app).then_some(())),
            // Its stdout is closed: it has exited, or is about to.
            Err(TryRecvError::Disconnected) => {
                return match provider.group.exited() {
                    Some(status) => {
                        Err(format!("exited ({status}) before printing its start line"))
                    }
                    None => Ok(None),
                };
            }
        }
    })
    .map_err(|e| format!("{name}: {e}{}", log_excerpt(log.as_deref())))?;
    Ok(provider)
}

/// Copies `stream` to `sink` line by line, sending each line on `lines` too.
fn forward(
    stream: impl Read + Send + 'static,
    mut sink: Box<dyn Write + Send>,
    lines: Option<mpsc::Sender<String>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let _ = writeln!(sink, "{line}");
            let _ = sink.flush();
            if let Some(lines) = &lines {
                let _ = lines.send(line);
            }
        }
    })
}

/// The end of a log file, to quote in an error (empty when there is no log or nothing in it).
fn log_excerpt(log: Option<&Path>) -> String {
    let Some(text) = log.and_then(|path| std::fs::read_to_string(path).ok()) else {
        return String::new();
    };
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(20)..].join("\n");
    if tail.trim().is_empty() {
        String::new()
    } else {
        format!("; its output:\n{tail}")
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.group.kill();
        // The pipes close with the process, so the forwarders end; join them so that none of the
        // provider's output can appear after what xtask prints next.
        for forwarder in self.forwarders.drain(..) {
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
    fn start_script(name: &str, script: &str, serves_app: bool) -> Result<Provider, String> {
        let log = log_path(name);
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        let started = start_command(
            "sh",
            command,
            serves_app,
            Output::LogFile(&log),
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
            .expect("starting must fail");
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
            .expect("the app line never comes");
        assert!(
            error.contains("timed out after 2 s waiting for its start line"),
            "{error}"
        );
    }
}
