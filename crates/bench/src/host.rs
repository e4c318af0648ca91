//! The machine's CPU as the tester saw it: how busy it was, and how much of its time the host
//! took for others ("steal", on a virtual machine), over the run and second by second.
//!
//! A p99 that jumps in one run of several is either the server or the machine; on a shared
//! virtual machine a stall of the whole guest looks exactly like a slow server from the outside.
//! The steal counter of `/proc/stat` tells them apart, so the report carries it beside the
//! latencies of the same seconds.

use serde::Serialize;

/// Shares of all cores' time over an interval, each from 0 to 1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct HostCpu {
    /// Running anything: user, system and interrupt time, every process's (the server's and the
    /// tester's included).
    pub busy: f64,
    /// Taken by the host while this machine had work to run.
    pub steal: f64,
}

/// The machine's cumulative CPU counters, in clock ticks, summed over its cores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CpuTimes {
    busy: u64,
    steal: u64,
    total: u64,
}

impl CpuTimes {
    /// The counters now; `None` where there is no `/proc/stat` (not Linux).
    pub(crate) fn now() -> Option<CpuTimes> {
        CpuTimes::parse(&std::fs::read_to_string("/proc/stat").ok()?)
    }

    /// Reads the first line, `cpu  user nice system idle iowait irq softirq steal ...` (guest
    /// time is already inside user and nice, so it is not added again).
    fn parse(stat: &str) -> Option<CpuTimes> {
        let line = stat.lines().next()?;
        let mut fields = line.split_whitespace();
        if fields.next()? != "cpu" {
            return None;
        }
        let ticks: Vec<u64> = fields.take(8).map(|f| f.parse().ok()).collect::<Option<_>>()?;
        let [user, nice, system, idle, iowait, irq, softirq, steal] = ticks[..] else { return None };
        let busy = user + nice + system + irq + softirq;
        Some(CpuTimes { busy, steal, total: busy + idle + iowait + steal })
    }

    /// The shares between `earlier` and these counters (zero over an interval too short to tick).
    pub(crate) fn since(self, earlier: CpuTimes) -> HostCpu {
        let total = self.total.saturating_sub(earlier.total);
        if total == 0 {
            return HostCpu::default();
        }
        let share = |now: u64, then: u64| now.saturating_sub(then) as f64 / total as f64;
        HostCpu { busy: share(self.busy, earlier.busy), steal: share(self.steal, earlier.steal) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "cpu  100 10 40 800 20 5 5 20 0 0\ncpu0 50 5 20 400 10 2 3 10 0 0\nintr 1 2 3\n";

    #[test]
    fn the_first_line_sums_every_core_busy_idle_and_stolen() {
        let times = CpuTimes::parse(STAT).expect("parses");
        assert_eq!(times, CpuTimes { busy: 160, steal: 20, total: 1000 });
        assert_eq!(CpuTimes::parse("intr 1 2 3\n"), None);
        assert_eq!(CpuTimes::parse("cpu 1 2 3\n"), None, "a line without steal is not read as one");
    }

    #[test]
    fn shares_are_of_the_interval_between_two_readings() {
        let earlier = CpuTimes { busy: 160, steal: 20, total: 1000 };
        let later = CpuTimes { busy: 220, steal: 45, total: 1100 };
        assert_eq!(later.since(earlier), HostCpu { busy: 0.6, steal: 0.25 });
        assert_eq!(earlier.since(earlier), HostCpu::default(), "no tick, no share");
    }

    #[test]
    fn this_machine_has_counters_that_move() {
        let before = CpuTimes::now().expect("Linux has /proc/stat");
        let spin = std::time::Instant::now();
        while spin.elapsed() < std::time::Duration::from_millis(50) {
            std::hint::black_box(0u64);
        }
        let after = CpuTimes::now().expect("Linux has /proc/stat");
        assert!(after.total > before.total && after.busy > before.busy, "{before:?} {after:?}");
    }
}
