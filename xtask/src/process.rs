//! Child processes that must not outlive xtask or the end-to-end tests (the provider, the
//! WebDrivers and their browsers), and one way to wait for something to become true.
//!
//! A [`ProcessGroup`] leads a new process group, killed whole when the guard drops, so what the
//! child started goes too. Such children miss the terminal's Ctrl-C: so on SIGINT, SIGTERM or
//! SIGHUP signal-hook's thread kills every live group, then ends this process as the signal would.

use std::fmt::Display;
use std::process::{ChildStdout, Command, ExitStatus};
use std::sync::{Mutex, MutexGuard, Once, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use process_wrap::std::{ProcessGroup as NewGroup, StdChildWrapper, StdCommandWrap};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// How often [`wait_until`] looks again.
pub const POLL: Duration = Duration::from_millis(100);

/// The process groups alive now: what a signal kills.
static LIVE: Mutex<Vec<i32>> = Mutex::new(Vec::new());

fn live() -> MutexGuard<'static, Vec<i32>> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

fn kill_groups_on_signals() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(
        || match signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) {
            Ok(mut signals) => drop(std::thread::spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    for &pgid in live().iter() {
                        let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
                    }
                    let _ = signal_hook::low_level::emulate_default_handler(signal);
                }
            })),
            Err(e) => eprintln!("cannot watch for Ctrl-C ({e}): an interrupt may leave children"),
        },
    );
}

/// A child process leading its own process group; dropping it kills the group and reaps the child.
pub struct ProcessGroup {
    child: Box<dyn StdChildWrapper>,
    name: String,
    pgid: i32,
    /// The group has been killed; killing it again could hit a reused id.
    killed: bool,
}

/// The kernel kills the child when the thread that spawned it ends, the one guard that holds when
/// xtask or a test binary is killed outright (no `Drop`, no handler). process-wrap has no wrapper
/// for it. The spawning thread must outlive the child.
#[cfg(target_os = "linux")]
#[derive(Debug)]
struct DieWithParent;

#[cfg(target_os = "linux")]
impl process_wrap::std::StdCommandWrapper for DieWithParent {
    fn pre_spawn(&mut self, command: &mut Command, _: &StdCommandWrap) -> std::io::Result<()> {
        let die = || Ok(nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)?);
        // SAFETY: prctl is async-signal-safe and changes only the child's own state.
        unsafe { std::os::unix::process::CommandExt::pre_exec(command, die) };
        Ok(())
    }
}

impl ProcessGroup {
    /// Starts `command` (its stdio as the caller set it up; the command itself is taken, leaving
    /// `command` empty) as the leader of a new process group. `name` is what errors call it.
    pub fn spawn(name: &str, command: &mut Command) -> Result<ProcessGroup> {
        kill_groups_on_signals();
        let program = command.get_program().to_owned();
        let mut wrap = StdCommandWrap::from(std::mem::replace(command, Command::new(&program)));
        // Registered before a signal can be handled, so the handler never misses it.
        let mut live = live();
        wrap.wrap(NewGroup::leader());
        #[cfg(target_os = "linux")]
        wrap.wrap(DieWithParent);
        let child = wrap
            .spawn()
            .map_err(|e| anyhow!("cannot start {name} ({}): {e}", program.to_string_lossy()))?;
        let (pgid, name) = (child.id() as i32, name.to_owned());
        live.push(pgid);
        Ok(ProcessGroup {
            child,
            name,
            pgid,
            killed: false,
        })
    }

    /// The leader's process id, which is also the group's id.
    pub fn id(&self) -> u32 {
        self.pgid as u32
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.child.stdout().take()
    }

    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits until the leader exits by itself, then kills what it left behind in its group.
    pub fn wait(&mut self) -> std::io::Result<ExitStatus> {
        let status = self.child.wait();
        self.kill();
        status
    }

    /// Kills the whole group and reaps the leader; later calls do nothing.
    pub fn kill(&mut self) {
        if !std::mem::replace(&mut self.killed, true) {
            let _ = self.child.start_kill();
            let _ = self.child.wait();
            live().retain(|&pgid| pgid != self.pgid);
        }
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The command line as a shell would show it.
pub fn show(command: &Command) -> String {
    let words = std::iter::once(command.get_program()).chain(command.get_args());
    let words: Vec<_> = words.map(|w| w.to_string_lossy()).collect();
    words.join(" ")
}

/// The last `n` lines of the file at `path` (empty when it cannot be read).
pub fn tail(path: &std::path::Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Polls `check` every [`POLL`] until it returns `Ok(Some(value))` and returns that value.
/// `Ok(None)` means "not yet"; `Err` gives up at once with that error. After `timeout` the error
/// is `timed out after … waiting for <what>`. `check` runs at least once, even with no time.
pub fn wait_until<T, E: Display>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> Result<Option<T>, E>,
) -> Result<T> {
    let deadline = Instant::now() + timeout;
    loop {
        match check() {
            Ok(Some(value)) => return Ok(value),
            Err(e) => bail!("{e:#}"),
            Ok(None) => {}
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            bail!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(POLL.min(left));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;

    /// Whether `pid` names a live process (a zombie waiting to be reaped does not count).
    fn is_running(pid: u32) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            // The state follows the parenthesized command name: `123 (sleep) S ...`.
            Ok(stat) => stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_some_and(|state| state != "Z" && state != "X"),
            Err(_) => false,
        }
    }

    fn gone(pid: u32) -> Result<Option<()>, String> {
        Ok((!is_running(pid)).then_some(()))
    }

    fn registered(pgid: u32) -> bool {
        live().contains(&(pgid as i32))
    }

    // Guards against a WebDriver's browser (or any grandchild) surviving its guard.
    #[test]
    fn dropping_the_guard_kills_the_whole_group() {
        let mut command = Command::new("sh");
        command
            .args(["-c", "sleep 30 & echo $!; exec sleep 31"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        let mut group = ProcessGroup::spawn("sleepers", &mut command).unwrap();
        let mut line = String::new();
        BufReader::new(group.take_stdout().unwrap())
            .read_line(&mut line)
            .unwrap();
        let grandchild: u32 = line.trim().parse().unwrap();
        let leader = group.id();
        assert!(is_running(leader) && is_running(grandchild));
        assert!(registered(leader));

        drop(group);
        wait_until("the leader to die", Duration::from_secs(5), || gone(leader)).unwrap();
        wait_until("the grandchild to die", Duration::from_secs(5), || {
            gone(grandchild)
        })
        .unwrap();
        assert!(!registered(leader), "the group's slot was not freed");
    }

    // Guards against the demo's provider reported as stopped before it has, or not at all.
    #[test]
    fn wait_reports_how_the_leader_ended() {
        let mut command = Command::new("sh");
        command.args(["-c", "exit 3"]);
        let mut group = ProcessGroup::spawn("sh", &mut command).unwrap();
        let pgid = group.id();
        assert_eq!(group.wait().unwrap().code(), Some(3));
        assert!(!registered(pgid));
    }

    #[test]
    fn a_program_that_cannot_start_is_an_error_that_names_it() {
        let error = ProcessGroup::spawn("the tool", &mut Command::new("/nonexistent/tool"))
            .err()
            .expect("spawning must fail");
        let error = error.to_string();
        assert!(
            error.contains("the tool") && error.contains("/nonexistent/tool"),
            "{error}"
        );
    }

    /// Set by `a_signal_kills_every_group_then_ends_the_process` for the copy of this test
    /// binary it starts: the file to write the sleeper's pid into.
    const HELPER_PID_FILE: &str = "XTASK_PROCESS_TEST_PID_FILE";

    /// The child side of `a_signal_kills_every_group_then_ends_the_process`; does nothing in a
    /// normal run.
    #[test]
    fn signal_helper() {
        let Some(pid_file) = std::env::var_os(HELPER_PID_FILE) else {
            return;
        };
        // The sleeper is a grandchild, which only the handler's group kill can end.
        let mut command = Command::new("sh");
        command
            .args(["-c", "sleep 30 & echo $!; wait"])
            .stdout(Stdio::piped());
        let mut group = ProcessGroup::spawn("sleeper", &mut command).unwrap();
        let mut sleeper = String::new();
        BufReader::new(group.take_stdout().unwrap())
            .read_line(&mut sleeper)
            .unwrap();
        let pid_file = std::path::PathBuf::from(pid_file);
        let partial = pid_file.with_extension("partial");
        std::fs::write(&partial, sleeper.trim()).unwrap();
        std::fs::rename(&partial, &pid_file).unwrap();
        std::thread::sleep(Duration::from_secs(30));
    }

    // Guards against Ctrl-C (or a CI runner's SIGTERM) leaving a provider or a browser running,
    // and against the interrupted process carrying on or reporting success.
    #[test]
    fn a_signal_kills_every_group_then_ends_the_process() {
        let pid_file =
            std::env::temp_dir().join(format!("xtask-signal-helper-{}.pid", std::process::id()));
        let _ = std::fs::remove_file(&pid_file);
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args([
                "process::tests::signal_helper",
                "--exact",
                "--test-threads=1",
            ])
            .env(HELPER_PID_FILE, &pid_file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut helper = ProcessGroup::spawn("the helper", &mut command).unwrap();
        let sleeper: u32 = wait_until("the helper's pid file", Duration::from_secs(20), || {
            Ok::<_, String>(
                std::fs::read_to_string(&pid_file)
                    .ok()
                    .and_then(|text| text.parse().ok()),
            )
        })
        .unwrap();
        let _ = std::fs::remove_file(&pid_file);
        assert!(is_running(sleeper));

        nix::sys::signal::kill(Pid::from_raw(helper.id() as i32), Signal::SIGTERM).unwrap();
        let status = helper.wait().unwrap();
        assert_eq!(
            status.signal(),
            Some(SIGTERM),
            "the helper should end by the signal, not {status}"
        );
        wait_until("the sleeper to die", Duration::from_secs(5), || {
            gone(sleeper)
        })
        .unwrap();
    }

    #[test]
    fn wait_until_returns_the_first_value_found() {
        let mut calls = 0;
        let value = wait_until("the third call", Duration::from_secs(5), || {
            calls += 1;
            Ok::<_, String>((calls == 3).then_some(calls * 10))
        });
        assert_eq!(value.unwrap(), 30);
    }

    // Guards against a wait that hangs, or whose timeout does not say what it waited for.
    #[test]
    fn wait_until_times_out_naming_what_it_waited_for() {
        let started = Instant::now();
        let mut calls = 0;
        let error = wait_until("the moon", Duration::from_millis(250), || {
            calls += 1;
            Ok::<_, String>(None::<()>)
        })
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "timed out after 250ms waiting for the moon"
        );
        assert!(started.elapsed() >= Duration::from_millis(250));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(calls >= 2, "it should have looked again ({calls} calls)");
    }

    // Guards against waiting out the whole timeout for a child that has already died.
    #[test]
    fn wait_until_gives_up_at_once_on_an_error() {
        let started = Instant::now();
        let error = wait_until("anything", Duration::from_secs(30), || {
            Err::<Option<()>, _>("it exited".to_owned())
        });
        assert_eq!(error.unwrap_err().to_string(), "it exited");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn wait_until_looks_once_even_without_time() {
        let found = wait_until("now", Duration::ZERO, || Ok::<_, String>(Some("here")));
        assert_eq!(found.unwrap(), "here");
    }
}
