//! `atelier bench`: the load tester this project measures itself with.
//!
//! An open model (`load`): requests leave on a fixed timetable at the asked rate and each
//! latency counts from its scheduled send, so a stalled server is measured, not waited for. What
//! is sent is a `scenario` (endpoints by weight, ids from a range or a hot set, writes checked by
//! a read after each). Latencies go into HDR histograms (`record`); `search` steps the rate up to
//! the highest one that meets a p99 objective; `report` prints a table, JSON or an HTML file.

mod client;
mod host;
mod load;
mod record;
mod report;
mod scenario;
mod search;

pub use client::{Failure, Target};
pub use host::HostCpu;
pub use load::{Plan, Progress, Run, run};
pub use record::{EndpointSummary, Latency, SecondSummary};
pub use report::{html, run_table, search_table};
pub use scenario::{Endpoint, IdRange, Ids, Mix, Op, Scenario, ScenarioError};
pub use search::{Search, Step, find_max, verdict};

use std::net::ToSocketAddrs;
use std::time::Duration;

/// A target URL or a duration that does not parse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArgumentError {
    /// Not `http://host:port` (TLS is not spoken: put the tester next to the balancer).
    #[error("the target is http://HOST[:PORT] (no TLS, no path), not {0:?}")]
    BadUrl(String),
    /// The host name does not resolve.
    #[error("{0:?} does not resolve to an address")]
    Unresolved(String),
    /// Not a number followed by `ms`, `s`, `m` or `h`.
    #[error("a duration is a number and a unit (500ms, 10s, 2m, 1h), not {0:?}")]
    BadDuration(String),
}

impl Target {
    /// The target of `http://host[:port]` (a trailing slash allowed).
    pub fn parse(url: &str) -> Result<Target, ArgumentError> {
        let bad = || ArgumentError::BadUrl(url.to_owned());
        let host = url.strip_prefix("http://").ok_or_else(bad)?.trim_end_matches('/');
        if host.is_empty() || host.contains('/') || host.contains('@') {
            return Err(bad());
        }
        let with_port = if host.rsplit_once(':').is_some_and(|(_, port)| port.parse::<u16>().is_ok()) {
            host.to_owned()
        } else {
            format!("{host}:80")
        };
        let addr = with_port
            .to_socket_addrs()
            .ok()
            .and_then(|mut addrs| addrs.next())
            .ok_or_else(|| ArgumentError::Unresolved(host.to_owned()))?;
        Ok(Target { addr, host: host.to_owned() })
    }
}

/// A duration written as a number and a unit: `500ms`, `10s`, `2m`, `1h`.
pub fn parse_duration(words: &str) -> Result<Duration, ArgumentError> {
    let bad = || ArgumentError::BadDuration(words.to_owned());
    let split = words.find(|c: char| !c.is_ascii_digit() && c != '.').ok_or_else(bad)?;
    let (number, unit) = words.split_at(split);
    let number: f64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "ms" => number / 1000.0,
        "s" => number,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_an_http_host_and_port() {
        let target = Target::parse("http://127.0.0.1:3000/").unwrap();
        assert_eq!(target.addr, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(target.host, "127.0.0.1:3000");
        assert_eq!(Target::parse("http://127.0.0.1").unwrap().addr.port(), 80);
    }

    #[test]
    fn a_target_with_tls_or_a_path_is_rejected() {
        for bad in ["https://127.0.0.1", "127.0.0.1:3000", "http://127.0.0.1/reviews", "http://"] {
            assert!(matches!(Target::parse(bad), Err(ArgumentError::BadUrl(_))), "{bad}");
        }
    }

    #[test]
    fn durations_take_a_unit() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        for bad in ["10", "s", "10 s", "10x", "-1s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
