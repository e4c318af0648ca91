//! `--find-max`: the highest rate the server sustains within a latency objective.
//!
//! A step runs the plan at one rate. It passes when every request succeeded, the achieved rate
//! is within 5 % of the target (else the server fell behind and the queue grew), and the p99 is
//! within the objective. The rate doubles while steps pass, halves while they fail, then
//! bisects between the highest pass and the lowest failure until they are within 5 %. A step
//! that fails is run once more before the rate counts as failed: on a shared machine one
//! neighbour's burst can stall a few seconds' p99, and a single stall would otherwise end the
//! climb far below what the server sustains (both runs are kept in the steps).

use std::time::Duration;

use serde::Serialize;

use crate::load::{Plan, Progress, Run, run};

/// The share of the target rate a step must achieve to pass.
const ACHIEVED_SHARE: f64 = 0.95;
/// The search ends when the lowest failure is within this factor of the highest pass.
const PRECISION: f64 = 1.05;
/// A bound on the number of steps, whatever the server does.
const MAX_STEPS: usize = 20;

/// One rate tried.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// The run at this rate.
    pub run: Run,
    /// Why it failed, `None` if it passed.
    pub failed_because: Option<String>,
}

/// The steps of a search and its answer.
#[derive(Debug, Clone, Serialize)]
pub struct Search {
    /// The p99 objective, in milliseconds.
    pub objective_p99_ms: f64,
    /// Every step, in the order run.
    pub steps: Vec<Step>,
    /// The highest rate that passed, `None` if none did.
    pub highest_sustained: Option<f64>,
}

impl Search {
    /// The step that found the highest sustained rate.
    pub fn best(&self) -> Option<&Step> {
        self.steps
            .iter()
            .filter(|step| step.failed_because.is_none())
            .max_by(|a, b| a.run.target_rate.total_cmp(&b.run.target_rate))
    }
}

/// Why a run does not meet the objective, or `None` if it does.
pub fn verdict(run: &Run, objective_p99: Duration) -> Option<String> {
    if run.failed > 0 {
        let kinds: Vec<String> = run
            .endpoints
            .iter()
            .flat_map(|e| e.failures.iter().map(move |(kind, n)| format!("{}: {n} {kind}", e.endpoint)))
            .collect();
        return Some(format!("{} failed ({})", run.failed, kinds.join(", ")));
    }
    if run.achieved_rate < run.target_rate * ACHIEVED_SHARE {
        return Some(format!("achieved {:.0}/s of {:.0}/s", run.achieved_rate, run.target_rate));
    }
    let objective_ms = objective_p99.as_secs_f64() * 1000.0;
    (run.latency.p99_ms > objective_ms)
        .then(|| format!("p99 {:.2} ms over {objective_ms:.2} ms", run.latency.p99_ms))
}

/// Searches from `plan.rate`, each step lasting `plan.duration`; `on_step` hears each result.
pub async fn find_max(
    plan: &Plan,
    objective_p99: Duration,
    progress: impl Fn(&Progress) + Clone + Send + 'static,
    on_step: impl Fn(&Step),
) -> Search {
    let mut steps = Vec::new();
    let (mut passed, mut failed): (Option<f64>, Option<f64>) = (None, None);
    let mut rate = plan.rate.max(1.0);
    // Each step draws other ids than the steps before, which would flatter it.
    let at = |rate: f64, steps: &[Step]| plan.redrawn(steps.len() as u64 + 1, rate);
    while steps.len() < MAX_STEPS {
        let result = run(&at(rate, &steps), progress.clone()).await;
        let mut step = Step { failed_because: verdict(&result, objective_p99), run: result };
        on_step(&step);
        if step.failed_because.is_some() && steps.len() + 1 < MAX_STEPS {
            steps.push(step);
            let again = run(&at(rate, &steps), progress.clone()).await;
            step = Step { failed_because: verdict(&again, objective_p99), run: again };
            on_step(&step);
        }
        if step.failed_because.is_none() {
            passed = Some(passed.map_or(rate, |p: f64| p.max(rate)));
        } else {
            failed = Some(failed.map_or(rate, |f: f64| f.min(rate)));
        }
        steps.push(step);
        rate = match (passed, failed) {
            (Some(low), None) => low * 2.0,
            (None, Some(high)) if high / 2.0 >= 1.0 => high / 2.0,
            (Some(low), Some(high)) if high / low > PRECISION => ((low + high) / 2.0).round(),
            _ => break,
        };
    }
    Search { objective_p99_ms: objective_p99.as_secs_f64() * 1000.0, steps, highest_sustained: passed }
}
