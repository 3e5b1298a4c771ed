//! Child processes that must not outlive xtask: the local provider.
//!
//! Three layers make sure of it: a guard that kills the child when dropped (normal exit, error,
//! panic), a SIGINT/SIGTERM/SIGHUP handler that kills every registered child before exiting
//! (Ctrl-C), and on Linux a parent-death signal so the kernel kills the child if xtask itself is
//! killed with SIGKILL.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Process ids the signal handler kills; 0 marks a free slot.
static CHILDREN: [AtomicI32; 8] = [const { AtomicI32::new(0) }; 8];

/// Installs the handler for SIGINT, SIGTERM and SIGHUP: kill the registered children, then exit
/// with 128 + the signal number, as a shell reports a process killed by that signal.
pub fn kill_children_on_signals() {
    extern "C" fn on_signal(signal: libc::c_int) {
        // Only async-signal-safe calls here: atomics, kill(2), _exit(2).
        for slot in &CHILDREN {
            let pid = slot.load(Ordering::SeqCst);
            if pid > 0 {
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
        unsafe { libc::_exit(128 + signal) };
    }
    let handler: extern "C" fn(libc::c_int) = on_signal;
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        unsafe { libc::signal(signal, handler as libc::sighandler_t) };
    }
}

fn register(pid: u32) {
    let pid = pid as i32;
    for slot in &CHILDREN {
        if slot
            .compare_exchange(0, pid, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
    }
    eprintln!("xtask: too many child processes to track; {pid} may outlive an interrupt");
}

fn unregister(pid: u32) {
    let pid = pid as i32;
    for slot in &CHILDREN {
        let _ = slot.compare_exchange(pid, 0, Ordering::SeqCst, Ordering::SeqCst);
    }
}

/// Asks the kernel to kill the child when xtask dies, even by SIGKILL.
fn die_with_parent(command: &mut Command) {
    #[cfg(target_os = "linux")]
    unsafe {
        use std::os::unix::process::CommandExt;
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
}

/// Where a provider's output goes.
pub enum Output<'a> {
    /// To xtask's own stdout/stderr (the demo: the user watches the requests).
    Terminal,
    /// To a log file (the test suites: keeps test output readable).
    LogFile(&'a Path),
}

/// A running local provider; killed when dropped.
pub struct Provider {
    child: Child,
    forwarder: Option<JoinHandle<()>>,
    /// `http://127.0.0.1:PORT`, from its start line.
    pub api_url: String,
    /// `http://127.0.0.1:PORT/`, when it serves `dist/`.
    pub app_url: Option<String>,
}

const API_LINE: &str = "local-spotify: accounts and Web API on ";
const APP_LINE: &str = "local-spotify: app on ";

impl Provider {
    /// Starts `binary args...` and waits (up to `timeout`) for its start lines: the API line, and
    /// the app line too when `serves_app`.
    pub fn start(
        binary: &Path,
        args: &[String],
        serves_app: bool,
        output: Output<'_>,
        timeout: Duration,
    ) -> Result<Provider, String> {
        let mut command = Command::new(binary);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        let log = match output {
            Output::LogFile(path) => Some(path.to_path_buf()),
            Output::Terminal => None,
        };
        let sink: Box<dyn Write + Send> = match output {
            Output::Terminal => {
                command.stderr(Stdio::inherit());
                Box::new(std::io::stdout())
            }
            Output::LogFile(path) => {
                let file = File::create(path)
                    .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
                let err = file
                    .try_clone()
                    .map_err(|e| format!("cannot reuse {}: {e}", path.display()))?;
                command.stderr(err);
                Box::new(file)
            }
        };
        die_with_parent(&mut command);
        println!("$ {} {}", binary.display(), args.join(" "));
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        register(child.id());

        let stdout = child.stdout.take().expect("stdout is piped");
        let (lines_tx, lines_rx) = mpsc::channel::<String>();
        let forwarder = std::thread::spawn(move || {
            let mut sink = sink;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = writeln!(sink, "{line}");
                let _ = sink.flush();
                let _ = lines_tx.send(line);
            }
        });

        let mut provider = Provider {
            child,
            forwarder: Some(forwarder),
            api_url: String::new(),
            app_url: None,
        };
        let deadline = Instant::now() + timeout;
        while provider.api_url.is_empty() || (serves_app && provider.app_url.is_none()) {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines_rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(url) = line.strip_prefix(API_LINE) {
                        provider.api_url = url.trim().trim_end_matches('/').to_owned();
                    } else if let Some(url) = line.strip_prefix(APP_LINE) {
                        provider.app_url = Some(url.trim().to_owned());
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = provider.child.wait().map_err(|e| e.to_string())?;
                    return Err(format!(
                        "{} exited ({status}) before printing its start line{}",
                        binary.display(),
                        log_excerpt(log.as_deref())
                    ));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(format!(
                        "{} printed no start line within {} s{}",
                        binary.display(),
                        timeout.as_secs(),
                        log_excerpt(log.as_deref())
                    ));
                }
            }
        }
        Ok(provider)
    }

    /// Waits until the provider exits by itself (the demo runs until Ctrl-C).
    pub fn wait(mut self) -> Result<std::process::ExitStatus, String> {
        let status = self.child.wait().map_err(|e| e.to_string())?;
        unregister(self.child.id());
        Ok(status)
    }
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
        let _ = self.child.kill();
        let _ = self.child.wait();
        unregister(self.child.id());
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

    fn start_script(name: &str, script: &str, serves_app: bool) -> Result<Provider, String> {
        let log = log_path(name);
        let args = ["-c".to_owned(), script.to_owned()];
        let started = Provider::start(
            Path::new("sh"),
            &args,
            serves_app,
            Output::LogFile(&log),
            Duration::from_secs(10),
        );
        let _ = std::fs::remove_file(&log);
        started
    }

    fn is_alive(pid: u32) -> bool {
        unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
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
        let pid = provider.child.id();
        assert!(is_alive(pid));
        drop(provider);
        assert!(!is_alive(pid), "the provider survived its guard");
        assert!(CHILDREN
            .iter()
            .all(|slot| slot.load(Ordering::SeqCst) != pid as i32));
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
}
