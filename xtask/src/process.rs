//! Child processes that must not outlive the process that started them, and one way to wait for
//! something to become true. `cargo xtask` (the local provider) and the end-to-end tests (the
//! WebDrivers and the browsers they start) share this code.
//!
//! Three layers make sure a child does not outlive its parent:
//!
//! - [`ProcessGroup`] starts the child as the leader of a new process group and kills the whole
//!   group when dropped (normal exit, error, panic), so whatever the child started (a browser
//!   under its WebDriver) goes too;
//! - a SIGINT/SIGTERM/SIGHUP handler, installed with the first group, kills every live group and
//!   then lets the signal end the process as it would have (Ctrl-C reaches only the foreground
//!   process group, which the children are not in);
//! - on Linux, a parent-death signal, so the kernel kills the child if its parent dies without
//!   running either (SIGKILL).

use std::io;
use std::process::{Child, ChildStderr, ChildStdout, Command, ExitStatus};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How often [`wait_until`] looks again.
pub const POLL: Duration = Duration::from_millis(100);

/// Process groups the signal handler kills; 0 marks a free slot.
static GROUPS: [AtomicI32; 64] = [const { AtomicI32::new(0) }; 64];

/// Installs, once, the handler for SIGINT, SIGTERM and SIGHUP: kill every registered group, then
/// restore the default action and raise the signal again, so the process ends the way the
/// signal would have ended it (a shell reports 128 + the signal number).
fn kill_groups_on_signals() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        extern "C" fn on_signal(signal: libc::c_int) {
            // Only async-signal-safe calls here: atomics, kill(2), signal(2), raise(3).
            for slot in &GROUPS {
                let pgid = slot.load(Ordering::SeqCst);
                if pgid > 0 {
                    unsafe { libc::kill(-pgid, libc::SIGKILL) };
                }
            }
            unsafe {
                libc::signal(signal, libc::SIG_DFL);
                libc::raise(signal);
            }
        }
        let handler: extern "C" fn(libc::c_int) = on_signal;
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            unsafe { libc::signal(signal, handler as libc::sighandler_t) };
        }
    });
}

fn register(pgid: i32) {
    for slot in &GROUPS {
        if slot
            .compare_exchange(0, pgid, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
    }
    eprintln!("too many child processes to track; process group {pgid} may outlive an interrupt");
}

fn unregister(pgid: i32) {
    for slot in &GROUPS {
        let _ = slot.compare_exchange(pgid, 0, Ordering::SeqCst, Ordering::SeqCst);
    }
}

/// A child process leading its own process group. Dropping the guard kills the whole group with
/// SIGKILL and reaps the child.
pub struct ProcessGroup {
    child: Child,
    name: String,
    /// The group has been killed (or found gone); killing it again could hit a reused id.
    killed: bool,
}

impl ProcessGroup {
    /// Starts `command` (its stdio as the caller set it up) as the leader of a new process group.
    /// `name` is what errors call it.
    ///
    /// The kernel's parent-death signal follows the *thread* that spawns the child, not the
    /// process: call this from a thread that lives as long as the guard (the main thread, a test's
    /// thread, a runtime's worker), never from a short-lived one such as a blocking-pool thread,
    /// or the child is killed when that thread ends.
    pub fn spawn(name: &str, command: &mut Command) -> Result<ProcessGroup, String> {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
        #[cfg(target_os = "linux")]
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        kill_groups_on_signals();
        let child = command.spawn().map_err(|e| {
            format!(
                "cannot start {name} ({}): {e}",
                command.get_program().to_string_lossy()
            )
        })?;
        register(child.id() as i32);
        Ok(ProcessGroup {
            child,
            name: name.to_owned(),
            killed: false,
        })
    }

    /// The leader's process id, which is also the group's id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// What errors call this process.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The leader's stdout, when it was piped (once).
    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.child.stdout.take()
    }

    /// The leader's stderr, when it was piped (once).
    pub fn take_stderr(&mut self) -> Option<ChildStderr> {
        self.child.stderr.take()
    }

    /// How the leader ended, if it has.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits until the leader exits by itself, then kills what it left behind in its group.
    pub fn wait(&mut self) -> io::Result<ExitStatus> {
        let status = self.child.wait();
        self.kill();
        status
    }

    /// Kills the whole group and reaps the leader; later calls do nothing.
    pub fn kill(&mut self) {
        if self.killed {
            return;
        }
        self.killed = true;
        let pgid = self.child.id() as libc::pid_t;
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
        let _ = self.child.kill();
        let _ = self.child.wait();
        unregister(pgid);
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Polls `check` every [`POLL`] until it returns `Ok(Some(value))` and returns that value.
/// `Ok(None)` means "not yet"; `Err` gives up at once with that error. After `timeout` the error
/// is `timed out after … waiting for <what>`. `check` runs at least once, even with a zero
/// timeout.
pub fn wait_until<T>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> Result<Option<T>, String>,
) -> Result<T, String> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check()? {
            return Ok(value);
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(format!(
                "timed out after {} waiting for {what}",
                show_duration(timeout)
            ));
        }
        std::thread::sleep(POLL.min(deadline - now));
    }
}

/// `20 s`, or `250 ms` below a second or when not whole seconds.
pub fn show_duration(duration: Duration) -> String {
    if duration.subsec_millis() == 0 && duration.as_secs() > 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} ms", duration.as_millis())
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
        GROUPS
            .iter()
            .any(|slot| slot.load(Ordering::SeqCst) == pgid as i32)
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
        // The sleeper is a grandchild: the parent-death signal is not inherited across fork, so
        // only the handler's group kill can end it.
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
            Ok(std::fs::read_to_string(&pid_file)
                .ok()
                .and_then(|text| text.parse().ok()))
        })
        .unwrap();
        let _ = std::fs::remove_file(&pid_file);
        assert!(is_running(sleeper));

        unsafe { libc::kill(helper.id() as libc::pid_t, libc::SIGTERM) };
        let status = helper.wait().unwrap();
        assert_eq!(
            status.signal(),
            Some(libc::SIGTERM),
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
            Ok((calls == 3).then_some(calls * 10))
        });
        assert_eq!(value, Ok(30));
    }

    // Guards against a wait that hangs, or whose timeout does not say what it waited for.
    #[test]
    fn wait_until_times_out_naming_what_it_waited_for() {
        let started = Instant::now();
        let mut calls = 0;
        let error = wait_until("the moon", Duration::from_millis(250), || {
            calls += 1;
            Ok(None::<()>)
        })
        .unwrap_err();
        assert_eq!(error, "timed out after 250 ms waiting for the moon");
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
        assert_eq!(error, Err("it exited".to_owned()));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn wait_until_looks_once_even_without_time() {
        assert_eq!(
            wait_until("now", Duration::ZERO, || Ok(Some("here"))),
            Ok("here")
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(show_duration(Duration::from_secs(20)), "20 s");
        assert_eq!(show_duration(Duration::from_millis(250)), "250 ms");
        assert_eq!(show_duration(Duration::from_millis(1500)), "1500 ms");
    }
}
