//! Latencies into HDR histograms: one per endpoint for the run, one per second for the charts.
//!
//! Every outcome is recorded with its latency, failures included (a timeout counts as the time
//! waited), so a failing server never looks fast. Histograms are shared behind a mutex each: a
//! record holds a lock for tens of nanoseconds, far below the cost of the request it measures.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::client::Failure;
use crate::host::HostCpu;
use crate::scenario::Endpoint;

/// The largest latency a histogram holds exactly, in microseconds (longer ones saturate).
const MAX_MICROS: u64 = 600_000_000;

/// Latency percentiles of a set of requests, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Latency {
    /// How many requests.
    pub count: u64,
    /// The mean.
    pub mean_ms: f64,
    /// The median.
    pub p50_ms: f64,
    /// The 90th percentile.
    pub p90_ms: f64,
    /// The 99th percentile.
    pub p99_ms: f64,
    /// The 99.9th percentile.
    pub p999_ms: f64,
    /// The slowest.
    pub max_ms: f64,
}

impl Latency {
    fn of(histogram: &Histogram<u64>) -> Latency {
        if histogram.is_empty() {
            return Latency::default();
        }
        let ms = |micros: u64| micros as f64 / 1000.0;
        Latency {
            count: histogram.len(),
            mean_ms: histogram.mean() / 1000.0,
            p50_ms: ms(histogram.value_at_quantile(0.50)),
            p90_ms: ms(histogram.value_at_quantile(0.90)),
            p99_ms: ms(histogram.value_at_quantile(0.99)),
            p999_ms: ms(histogram.value_at_quantile(0.999)),
            max_ms: ms(histogram.max()),
        }
    }
}

/// One endpoint's requests over the run.
#[derive(Debug, Clone, Serialize)]
pub struct EndpointSummary {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// Its latencies, failures included.
    pub latency: Latency,
    /// Reads answered 404 (counted as answered, not as failures).
    pub not_found: u64,
    /// Failures by kind (`status 503`, `timeout`, ...).
    pub failures: BTreeMap<String, u64>,
}

/// One second of the run, by completion time.
#[derive(Debug, Clone, Serialize)]
pub struct SecondSummary {
    /// Seconds since the first scheduled send.
    pub second: u32,
    /// Requests completed in this second (failures included).
    pub completed: u64,
    /// Of those, failures.
    pub failed: u64,
    /// Their latencies.
    pub latency: Latency,
    /// The machine's CPU in this second (none where it could not be read).
    pub host: Option<HostCpu>,
}

struct Tally {
    latency: Histogram<u64>,
    not_found: u64,
    failures: BTreeMap<Failure, u64>,
}

impl Tally {
    fn new(significant_figures: u8) -> Tally {
        Tally {
            latency: Histogram::new_with_bounds(1, MAX_MICROS, significant_figures)
                .expect("the bounds are valid"),
            not_found: 0,
            failures: BTreeMap::new(),
        }
    }

    /// `outcome` is whether the answer found something, or why there was none.
    fn record(&mut self, latency: Duration, outcome: Result<bool, Failure>) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(MAX_MICROS).max(1);
        self.latency.saturating_record(micros);
        match outcome {
            Ok(true) => {}
            Ok(false) => self.not_found += 1,
            Err(failure) => *self.failures.entry(failure).or_default() += 1,
        }
    }
}

/// Everything measured during one run, shared by its connections.
pub(crate) struct Recorder {
    start: Instant,
    endpoints: Vec<(Endpoint, Mutex<Tally>)>,
    seconds: Vec<Mutex<Tally>>,
    host_seconds: Mutex<Vec<Option<HostCpu>>>,
    pub(crate) completed: AtomicU64,
    pub(crate) failed: AtomicU64,
}

impl Recorder {
    /// A recorder for these endpoints, with a chart slot per second up to `seconds`.
    pub(crate) fn new(start: Instant, endpoints: impl Iterator<Item = Endpoint>, seconds: usize) -> Recorder {
        let mut endpoints: Vec<Endpoint> = endpoints.collect();
        if endpoints.contains(&Endpoint::Write) {
            endpoints.push(Endpoint::Verify);
        }
        endpoints.sort_unstable();
        endpoints.dedup();
        Recorder {
            start,
            endpoints: endpoints.into_iter().map(|e| (e, Mutex::new(Tally::new(3)))).collect(),
            // Two figures are plenty for a chart and keep a long run's seconds small.
            seconds: (0..seconds).map(|_| Mutex::new(Tally::new(2))).collect(),
            host_seconds: Mutex::new(vec![None; seconds]),
            completed: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        }
    }

    /// Records one request that ended now (`Ok(false)`: a read answered 404). Only timetable
    /// requests count as completed.
    pub(crate) fn record(&self, endpoint: Endpoint, latency: Duration, outcome: Result<bool, Failure>) {
        if let Some((_, tally)) = self.endpoints.iter().find(|(e, _)| *e == endpoint) {
            lock(tally).record(latency, outcome);
        }
        let second = self.start.elapsed().as_secs() as usize;
        if let Some(tally) = self.seconds.get(second.min(self.seconds.len().saturating_sub(1))) {
            lock(tally).record(latency, outcome);
        }
        if endpoint != Endpoint::Verify {
            self.completed.fetch_add(1, Ordering::Relaxed);
        }
        if outcome.is_err() {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The machine's CPU over second `second`.
    pub(crate) fn record_host(&self, second: usize, host: HostCpu) {
        let mut seconds = self.host_seconds.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(slot) = seconds.get_mut(second) {
            *slot = Some(host);
        }
    }

    /// Requests completed in second `second` so far.
    pub(crate) fn completed_in(&self, second: usize) -> u64 {
        self.seconds.get(second).map_or(0, |tally| lock(tally).latency.len())
    }

    /// The run's figures: per endpoint, all timetable requests together, and per second up to
    /// `last_second`.
    pub(crate) fn summarize(
        &self,
        last_second: usize,
    ) -> (Vec<EndpointSummary>, Latency, Vec<SecondSummary>) {
        let mut all = Tally::new(3);
        let endpoints = self
            .endpoints
            .iter()
            .map(|(endpoint, tally)| {
                let tally = lock(tally);
                if *endpoint != Endpoint::Verify {
                    all.latency.add(&tally.latency).expect("histograms of the same bounds add");
                }
                EndpointSummary {
                    endpoint: *endpoint,
                    latency: Latency::of(&tally.latency),
                    not_found: tally.not_found,
                    failures: tally.failures.iter().map(|(f, n)| (f.label(), *n)).collect(),
                }
            })
            .collect();
        let host = self.host_seconds.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let seconds = self
            .seconds
            .iter()
            .take(last_second + 1)
            .enumerate()
            .map(|(second, tally)| {
                let tally = lock(tally);
                SecondSummary {
                    second: second as u32,
                    completed: tally.latency.len(),
                    failed: tally.failures.values().sum(),
                    latency: Latency::of(&tally.latency),
                    host: host.get(second).copied().flatten(),
                }
            })
            .collect();
        (endpoints, Latency::of(&all.latency), seconds)
    }
}

fn lock(tally: &Mutex<Tally>) -> std::sync::MutexGuard<'_, Tally> {
    // A panic while holding the lock leaves counts that are still counts.
    tally.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_every_recorded_latency_failures_included() {
        let recorder = Recorder::new(Instant::now(), [Endpoint::Meta].into_iter(), 2);
        for ms in 1..=98 {
            recorder.record(Endpoint::Meta, Duration::from_millis(ms), Ok(true));
        }
        recorder.record(Endpoint::Meta, Duration::from_millis(99), Ok(false));
        recorder.record(Endpoint::Meta, Duration::from_secs(5), Err(Failure::Timeout));
        let (endpoints, all, _) = recorder.summarize(0);
        assert_eq!(all.count, 100);
        assert!((49.0..=51.0).contains(&all.p50_ms), "{all:?}");
        assert!((4990.0..=5010.0).contains(&all.max_ms), "{all:?}");
        assert_eq!(endpoints[0].failures.get("timeout"), Some(&1));
        assert_eq!(endpoints[0].not_found, 1);
        assert_eq!(recorder.failed.load(Ordering::Relaxed), 1, "a 404 to a read is not a failure");
    }

    #[test]
    fn a_write_brings_its_verifying_read_and_only_the_write_counts_as_completed() {
        let recorder = Recorder::new(Instant::now(), [Endpoint::Write].into_iter(), 1);
        recorder.record(Endpoint::Write, Duration::from_millis(2), Ok(true));
        recorder.record(Endpoint::Verify, Duration::from_millis(1), Err(Failure::Stale));
        let (endpoints, all, _) = recorder.summarize(0);
        let names: Vec<_> = endpoints.iter().map(|e| e.endpoint).collect();
        assert_eq!(names, [Endpoint::Write, Endpoint::Verify]);
        assert_eq!(all.count, 1);
        assert_eq!(recorder.completed.load(Ordering::Relaxed), 1);
        assert_eq!(endpoints[1].failures.get("stale read"), Some(&1));
    }
}
