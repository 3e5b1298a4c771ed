//! Whether the machine was idle: the CPU time of every process (`/proc/stat`) minus the CPU time
//! of this process and everything it started (the in-process provider, the WebDrivers and their
//! browsers), over an interval. Linux only; elsewhere nothing is known.

use std::collections::HashMap;
use std::time::Duration;

/// Clock ticks spent, machine-wide and by this process tree, at one moment.
#[derive(Debug, Clone, Copy)]
pub struct CpuSample {
    busy: u64,
    total: u64,
    ours: u64,
}

/// What other processes did between two samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Others {
    /// The share of all CPUs that processes other than ours kept busy, 0 to 1.
    pub share: f64,
    /// The same, in CPUs (`share` × the number of CPUs).
    pub cpus: f64,
}

/// More than this share of the machine used by others makes the figures suspect.
pub const BUSY_SHARE: f64 = 0.1;

impl Others {
    pub fn is_busy(&self) -> bool {
        self.share > BUSY_SHARE
    }

    /// `idle (others used 2% of 2 CPUs)` or `BUSY (others used 0.9 of 2 CPUs)`.
    pub fn describe(&self, cpus: usize) -> String {
        if self.is_busy() {
            format!(
                "BUSY: other processes kept {:.1} of its {cpus} CPUs busy ({:.0}%); \
                 the figures are slower than on an idle machine",
                self.cpus,
                self.share * 100.0
            )
        } else {
            format!(
                "idle (other processes used {:.0}% of its {cpus} CPUs)",
                self.share * 100.0
            )
        }
    }
}

/// The number of CPUs this process may run on.
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Now, or `None` when `/proc` cannot be read.
pub fn sample() -> Option<CpuSample> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let (busy, total) = machine_ticks(&stat)?;
    Some(CpuSample {
        busy,
        total,
        ours: our_ticks(),
    })
}

/// What others did from `before` to `after`.
pub fn others(before: &CpuSample, after: &CpuSample) -> Option<Others> {
    let total = after.total.checked_sub(before.total)?;
    if total == 0 {
        return None;
    }
    let busy = after.busy.saturating_sub(before.busy);
    let ours = after.ours.saturating_sub(before.ours);
    let share = busy.saturating_sub(ours) as f64 / total as f64;
    Some(Others {
        share,
        cpus: share * cpus() as f64,
    })
}

/// What others do over the next `interval` (this process sleeping).
pub async fn others_now(interval: Duration) -> Option<Others> {
    let before = sample()?;
    tokio::time::sleep(interval).await;
    others(&before, &sample()?)
}

/// Busy and total ticks of all CPUs from `/proc/stat`'s first line (`cpu user nice system idle
/// iowait irq softirq steal ...`; guest time is already in user time).
fn machine_ticks(stat: &str) -> Option<(u64, u64)> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|t| t.parse().ok())
        .collect::<Option<_>>()?;
    if ticks.len() < 8 {
        return None;
    }
    let total: u64 = ticks.iter().sum();
    let idle = ticks[3] + ticks[4];
    Some((total - idle, total))
}

/// `(pid, parent pid, ticks)` from `/proc/<pid>/stat`: user and system time, its own and its
/// waited-for children's.
fn process_ticks(stat: &str) -> Option<(u32, u32, u64)> {
    let pid = stat.split_whitespace().next()?.parse().ok()?;
    // The command name is in parentheses and may hold spaces: count fields after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
    let ppid = fields.get(1)?.parse().ok()?;
    let ticks = fields
        .get(11..15)?
        .iter()
        .map(|f| f.parse::<u64>().ok())
        .sum::<Option<u64>>()?;
    Some((pid, ppid, ticks))
}

/// Ticks of this process and all its live descendants.
fn our_ticks() -> u64 {
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut processes: HashMap<u32, (u32, u64)> = HashMap::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Some((pid, ppid, ticks)) = std::fs::read_to_string(entry.path().join("stat"))
            .ok()
            .as_deref()
            .and_then(process_ticks)
        {
            processes.insert(pid, (ppid, ticks));
        }
    }
    processes
        .iter()
        .filter(|(pid, _)| descends_from(**pid, me, &processes))
        .map(|(_, (_, ticks))| ticks)
        .sum()
}

fn descends_from(mut pid: u32, ancestor: u32, processes: &HashMap<u32, (u32, u64)>) -> bool {
    for _ in 0..64 {
        if pid == ancestor {
            return true;
        }
        match processes.get(&pid) {
            Some((ppid, _)) if *ppid != 0 && *ppid != pid => pid = *ppid,
            _ => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_machine_line_of_proc_stat() {
        let stat = "cpu  100 5 50 800 20 1 2 3 0 0\ncpu0 50 2 25 400 10 0 1 1 0 0\n";
        assert_eq!(machine_ticks(stat), Some((161, 981)));
        assert_eq!(machine_ticks("intr 1 2 3\n"), None);
    }

    // Guards against a command name with spaces or parentheses shifting the fields.
    #[test]
    fn reads_a_process_line_whatever_its_name() {
        let stat = "4242 (Web Content (x)) S 4200 4242 4242 0 -1 4194560 1 0 0 0 70 30 4 6 20 0";
        assert_eq!(process_ticks(stat), Some((4242, 4200, 110)));
    }

    #[test]
    fn others_are_what_is_busy_beyond_our_own() {
        let before = CpuSample {
            busy: 1_000,
            total: 10_000,
            ours: 300,
        };
        let after = CpuSample {
            busy: 1_300,
            total: 10_400,
            ours: 500,
        };
        let others = others(&before, &after).expect("an interval");
        assert!((others.share - 0.25).abs() < 1e-9, "{others:?}");
        assert!(others.is_busy());
    }
}
