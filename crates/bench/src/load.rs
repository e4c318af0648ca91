//! The open model: requests leave on a fixed timetable, whatever the server is doing.
//!
//! Slot `k` of the timetable is due at `start + k / rate`. A free connection takes the next
//! slot; if the slot is already due (every connection was busy), its latency counts from the
//! slot's due time, so the time a request waited because the server was slow is measured, not
//! omitted (the "coordinated omission" of closed-loop testers). If the slot is still ahead, the
//! connection sleeps until it is due and the latency counts from the moment it wakes, but from no
//! later than `WAKE_SLACK` after the due time: lateness within it (tokio's timer ticks in
//! milliseconds, and one thread serves every connection) is the tester's, not the server's;
//! lateness beyond it means the machine stalled the tester, and a client that sent on time would
//! have waited through that stall, so it is counted. (oha's latency correction counts from when
//! its rate limiter woke, so it leaves such a stall out whatever its length.)

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use serde::Serialize;

use crate::client::{Connection, Failure, Target};
use crate::host::{CpuTimes, HostCpu};
use crate::record::{EndpointSummary, Latency, Recorder, SecondSummary};
use crate::scenario::{Endpoint, Op, Scenario};

/// One run: where, what, how fast and for how long.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The server.
    pub target: Target,
    /// What to send.
    pub scenario: Scenario,
    /// Requests per second on the timetable.
    pub rate: f64,
    /// How long the timetable runs.
    pub duration: Duration,
    /// Keep-alive connections sharing the timetable (the most requests in flight at once).
    pub connections: usize,
    /// How long one request may take before it counts as a timeout.
    pub timeout: Duration,
    /// Seeds the draws of endpoints and ids, so two runs send the same requests.
    pub seed: u64,
}

impl Plan {
    /// The same plan at `rate` drawing other ids, the `n`th of a series of such runs (each
    /// step of a search, a warm-up): a run that sent the ids an earlier one sent would find
    /// them in every cache that run filled (the response cache, the databases' own).
    pub fn redrawn(&self, n: u64, rate: f64) -> Plan {
        Plan { rate, seed: self.seed.wrapping_add(n), ..self.clone() }
    }
}

/// What the live progress line shows, once a second.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Time since the first scheduled send.
    pub elapsed: Duration,
    /// The timetable's requests answered so far.
    pub completed: u64,
    /// Failures so far.
    pub failed: u64,
    /// Requests answered in the last whole second.
    pub last_second: u64,
    /// Requests due but not yet sent (every connection busy).
    pub backlog: u64,
}

/// The figures of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    /// The rate asked for, per second.
    pub target_rate: f64,
    /// The timetable's length, in seconds.
    pub duration_s: f64,
    /// Connections used.
    pub connections: usize,
    /// Requests on the timetable.
    pub scheduled: u64,
    /// Of those, answered (failures included).
    pub completed: u64,
    /// Failures of any kind, the reads after writes included.
    pub failed: u64,
    /// From the first due time to the last answer, in seconds.
    pub elapsed_s: f64,
    /// `completed / elapsed`: below the target when the server cannot keep up.
    pub achieved_rate: f64,
    /// The timetable's requests together.
    pub latency: Latency,
    /// Per endpoint (the reads that check writes are their own row, `verify`).
    pub endpoints: Vec<EndpointSummary>,
    /// Per second, for the charts.
    pub seconds: Vec<SecondSummary>,
    /// The tester's own CPU time over the run, in cores (1.0 = one core busy throughout).
    pub client_cores: f64,
    /// The machine's CPU over the run, every process's: how busy, and how much the host took
    /// (none where it could not be read).
    pub host: Option<HostCpu>,
}

impl Run {
    /// Whether every request succeeded, writes visible to the reads after them included.
    pub fn is_clean(&self) -> bool {
        self.failed == 0
    }
}

/// How late a sleeper may wake and still count from its waking: one tick of tokio's timer, and as
/// long again for the tester's one thread to finish the answers in hand. With one tick only, the
/// tester's own busy thread put its p90 27-58 % above oha's (BENCHMARKS.md, 2026-12-06).
const WAKE_SLACK: Duration = Duration::from_millis(2);

struct Timetable {
    start: Instant,
    interval_ns: f64,
    slots: u64,
    next: AtomicU64,
}

impl Timetable {
    fn due(&self, slot: u64) -> Instant {
        self.start + Duration::from_nanos((slot as f64 * self.interval_ns) as u64)
    }

    fn due_by(&self, now: Instant) -> u64 {
        let elapsed = now.saturating_duration_since(self.start).as_nanos() as f64;
        ((elapsed / self.interval_ns) as u64 + 1).min(self.slots)
    }
}

/// Runs the plan to its end, calling `progress` once a second.
pub async fn run(plan: &Plan, progress: impl Fn(&Progress) + Send + 'static) -> Run {
    let cpu_before = cpu_time();
    let host_before = CpuTimes::now();
    let connections = plan.connections.max(1);
    let mut opened = Vec::with_capacity(connections);
    for _ in 0..connections {
        let mut connection = Connection::new(plan.target.clone(), plan.timeout);
        // Opened before the clock starts, so the first second does not measure handshakes;
        // a refusal here shows up again, counted, on the first request.
        connection.warm().await;
        opened.push(connection);
    }
    let start = Instant::now();
    let timetable = Arc::new(Timetable {
        start,
        interval_ns: 1e9 / plan.rate.max(0.001),
        slots: (plan.rate * plan.duration.as_secs_f64()).ceil() as u64,
        next: AtomicU64::new(0),
    });
    let chart_seconds = (plan.duration + plan.timeout).as_secs() as usize + 2;
    let recorder = Arc::new(Recorder::new(start, plan.scenario.mix.endpoints(), chart_seconds));
    let done = Arc::new(AtomicBool::new(false));
    let ticker = tokio::spawn(report_progress(timetable.clone(), recorder.clone(), done.clone(), progress));

    let mut workers = tokio::task::JoinSet::new();
    for (index, connection) in opened.into_iter().enumerate() {
        let worker = Worker {
            timetable: timetable.clone(),
            recorder: recorder.clone(),
            scenario: plan.scenario.clone(),
            rng: Xoshiro256PlusPlus::seed_from_u64(plan.seed ^ (index as u64).wrapping_mul(0x9E37_79B9)),
            connection,
        };
        workers.spawn(worker.run());
    }
    while workers.join_next().await.is_some() {}
    let elapsed = start.elapsed();
    done.store(true, Ordering::Relaxed);
    ticker.abort();

    let completed = recorder.completed.load(Ordering::Relaxed);
    let elapsed_s = elapsed.as_secs_f64().max(plan.duration.as_secs_f64());
    let (endpoints, latency, seconds) = recorder.summarize(elapsed.as_secs() as usize);
    Run {
        target_rate: plan.rate,
        duration_s: plan.duration.as_secs_f64(),
        connections,
        scheduled: timetable.slots,
        completed,
        failed: recorder.failed.load(Ordering::Relaxed),
        elapsed_s,
        achieved_rate: completed as f64 / elapsed_s,
        latency,
        endpoints,
        seconds,
        client_cores: (cpu_time() - cpu_before).as_secs_f64() / elapsed.as_secs_f64(),
        host: CpuTimes::now().zip(host_before).map(|(after, before)| after.since(before)),
    }
}

struct Worker {
    timetable: Arc<Timetable>,
    recorder: Arc<Recorder>,
    scenario: Scenario,
    rng: Xoshiro256PlusPlus,
    connection: Connection,
}

impl Worker {
    async fn run(mut self) {
        loop {
            let slot = self.timetable.next.fetch_add(1, Ordering::Relaxed);
            if slot >= self.timetable.slots {
                return;
            }
            let due = self.timetable.due(slot);
            let from = if due > Instant::now() {
                tokio::time::sleep_until(due.into()).await;
                Instant::now().min(due + WAKE_SLACK)
            } else {
                due
            };
            let op = self.scenario.pick(&mut self.rng);
            let answer = self.connection.send(&op.path(), op.body()).await;
            self.recorder.record(
                op.endpoint,
                from.elapsed(),
                answer.as_ref().map(|a| a.found).map_err(|f| *f),
            );
            if let (Endpoint::Write, Ok(answer)) = (op.endpoint, answer) {
                self.verify(op.id, &answer.body).await;
            }
        }
    }

    /// Reads the product's newest reviews right after the write was acknowledged: the new
    /// review must be there (a stale cache or a lagging replica would hide it).
    async fn verify(&mut self, product: u64, written: &[u8]) {
        let sent = Instant::now();
        let read = Op { endpoint: Endpoint::Verify, id: product };
        let outcome = match (review_id(written), self.connection.send(&read.path(), None).await) {
            (_, Err(failure)) => Err(failure),
            (Some(id), Ok(page)) if lists_review(&page.body, id) => Ok(true),
            _ => Err(Failure::Stale),
        };
        self.recorder.record(Endpoint::Verify, sent.elapsed(), outcome);
    }
}

fn review_id(written: &[u8]) -> Option<u64> {
    let value: serde_json::Value = serde_json::from_slice(written).ok()?;
    value.get("review_id")?.as_u64()
}

fn lists_review(page: &[u8], id: u64) -> bool {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(page) else { return false };
    let results = value.get("results").and_then(|r| r.as_array());
    results.is_some_and(|results| {
        results.iter().any(|r| r.get("review_id").and_then(|v| v.as_u64()) == Some(id))
    })
}

async fn report_progress(
    timetable: Arc<Timetable>,
    recorder: Arc<Recorder>,
    done: Arc<AtomicBool>,
    progress: impl Fn(&Progress),
) {
    let mut tick =
        tokio::time::interval_at((timetable.start + Duration::from_secs(1)).into(), Duration::from_secs(1));
    let mut host = CpuTimes::now();
    while !done.load(Ordering::Relaxed) {
        tick.tick().await;
        let now = Instant::now();
        let elapsed = now - timetable.start;
        let host_now = CpuTimes::now();
        if let (Some(before), Some(after)) = (host, host_now) {
            recorder.record_host((elapsed.as_secs() as usize).saturating_sub(1), after.since(before));
        }
        host = host_now;
        let claimed = timetable.next.load(Ordering::Relaxed).min(timetable.slots);
        progress(&Progress {
            elapsed,
            completed: recorder.completed.load(Ordering::Relaxed),
            failed: recorder.failed.load(Ordering::Relaxed),
            last_second: recorder.completed_in((elapsed.as_secs() as usize).saturating_sub(1)),
            backlog: timetable.due_by(now).saturating_sub(claimed),
        });
    }
}

/// This process's CPU time (user and system), from `/proc/self/stat` in clock ticks of 10 ms;
/// zero where there is no `/proc`.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name may hold spaces; fields after its closing parenthesis are fixed.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are the 14th and 15th fields: 11 and 12 after the parenthesis.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timetable_spaces_slots_evenly_from_its_start() {
        let start = Instant::now();
        let timetable = Timetable { start, interval_ns: 1e9 / 400.0, slots: 400, next: AtomicU64::new(0) };
        assert_eq!(timetable.due(0), start);
        assert_eq!(timetable.due(100), start + Duration::from_millis(250));
        assert_eq!(timetable.due_by(start + Duration::from_millis(250)), 101);
        assert_eq!(timetable.due_by(start + Duration::from_secs(9)), 400);
    }

    #[test]
    fn a_written_review_is_found_by_its_id_in_a_page() {
        assert_eq!(review_id(br#"{"review_id":42}"#), Some(42));
        assert_eq!(review_id(b"Created"), None);
        assert!(lists_review(br#"{"results":[{"review_id":7},{"review_id":42}]}"#, 42));
        assert!(!lists_review(br#"{"results":[{"review_id":7}]}"#, 42));
        assert!(!lists_review(b"not json", 42));
    }

    #[test]
    fn this_process_uses_some_cpu_time() {
        let before = cpu_time();
        let spin = Instant::now();
        let mut x = 0u64;
        while spin.elapsed() < Duration::from_millis(50) {
            x = x.wrapping_add(std::hint::black_box(1));
        }
        assert!(x > 0);
        assert!(cpu_time() > before);
    }
}
