//! The results, three ways: a terminal table, JSON, and one self-contained HTML file whose
//! charts are inline SVG (no script, no font, nothing fetched: it opens offline and archives).

use std::fmt::Write;

use crate::host::HostCpu;
use crate::load::Run;
use crate::record::Latency;
use crate::search::Search;

/// The terminal table of a run: one row per endpoint, then the timetable's requests together.
pub fn run_table(run: &Run) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "target {:.0}/s for {:.0} s on {} connections: scheduled {}, completed {}, achieved {:.1}/s, failed {}, tester {:.2} cores",
        run.target_rate,
        run.duration_s,
        run.connections,
        run.scheduled,
        run.completed,
        run.achieved_rate,
        run.failed,
        run.client_cores
    );
    if let Some(host) = run.host {
        let worst = run.seconds.iter().filter_map(|s| s.host).map(|h| h.steal).fold(0.0, f64::max);
        let _ = writeln!(
            out,
            "machine: busy {:.0} % of its cores, taken by its host (steal) {:.1} % (in the worst second {:.0} %)",
            host.busy * 100.0,
            host.steal * 100.0,
            worst * 100.0
        );
    }
    let _ = writeln!(
        out,
        "{:<10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}  failures",
        "endpoint", "requests", "404s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms"
    );
    let mut row = |name: &str, latency: &Latency, not_found: String, failures: String| {
        let _ = writeln!(
            out,
            "{name:<10} {:>9} {not_found:>9} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2}  {failures}",
            latency.count, latency.p50_ms, latency.p90_ms, latency.p99_ms, latency.p999_ms, latency.max_ms
        );
    };
    for endpoint in &run.endpoints {
        let failures: Vec<String> =
            endpoint.failures.iter().map(|(kind, n)| format!("{kind}: {n}")).collect();
        let failures = if failures.is_empty() { "-".to_owned() } else { failures.join(", ") };
        row(endpoint.endpoint.name(), &endpoint.latency, endpoint.not_found.to_string(), failures);
    }
    if run.endpoints.len() > 1 {
        row("all", &run.latency, String::new(), String::new());
    }
    out
}

/// The terminal table of a search: one row per step, then the answer.
pub fn search_table(search: &Search) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>10} {:>11} {:>9} {:>9} {:>8}  result",
        "rate/s", "achieved/s", "p50 ms", "p99 ms", "steal %"
    );
    for step in &search.steps {
        let run = &step.run;
        let _ = writeln!(
            out,
            "{:>10.0} {:>11.1} {:>9.2} {:>9.2} {:>8}  {}",
            run.target_rate,
            run.achieved_rate,
            run.latency.p50_ms,
            run.latency.p99_ms,
            steal_percent(run),
            step.failed_because.as_deref().unwrap_or("pass")
        );
    }
    match search.highest_sustained {
        Some(rate) => {
            let _ = writeln!(
                out,
                "highest sustained: {rate:.0}/s (p99 objective {} ms, no failures)",
                search.objective_p99_ms
            );
        }
        None => {
            let _ =
                writeln!(out, "no rate met the objective (p99 {} ms, no failures)", search.objective_p99_ms);
        }
    }
    out
}

/// A self-contained HTML report of a run (`search` adds the steps and their chart).
pub fn html(title: &str, run: &Run, search: Option<&Search>) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font:14px system-ui,sans-serif;margin:2em;max-width:60em}}\
         table{{border-collapse:collapse}}td,th{{padding:.2em .8em;text-align:right;border-bottom:1px solid #ddd}}\
         td:first-child,th:first-child{{text-align:left}}svg{{display:block;margin:1em 0}}</style>\
         <h1>{title}</h1>",
        title = escape(title)
    );
    if let Some(search) = search {
        out.push_str("<h2>Find the highest sustained rate</h2><table><tr><th>rate/s<th>achieved/s<th>p50 ms<th>p99 ms<th>steal %<th>result");
        for step in &search.steps {
            let _ = write!(
                out,
                "<tr><td>{:.0}<td>{:.1}<td>{:.2}<td>{:.2}<td>{}<td>{}",
                step.run.target_rate,
                step.run.achieved_rate,
                step.run.latency.p50_ms,
                step.run.latency.p99_ms,
                steal_percent(&step.run),
                escape(step.failed_because.as_deref().unwrap_or("pass"))
            );
        }
        let verdict = search
            .highest_sustained
            .map_or("no rate met the objective".to_owned(), |rate| format!("highest sustained: {rate:.0}/s"));
        let _ = write!(
            out,
            "</table><p><b>{verdict}</b> (p99 objective {} ms, no failures)</p>",
            search.objective_p99_ms
        );
        let mut steps: Vec<(f64, f64)> =
            search.steps.iter().map(|s| (s.run.target_rate, s.run.latency.p99_ms)).collect();
        steps.sort_by(|a, b| a.0.total_cmp(&b.0));
        out.push_str(&chart(
            "p99 by rate",
            "target rate, requests/s",
            "p99, ms",
            &[Series::new("p99", "#c0392b", steps)],
            true,
        ));
        out.push_str("<h2>The highest passing step, second by second</h2>");
    }
    let _ = write!(out, "<pre>{}</pre>", escape(&run_table(run)));
    let at = |pick: fn(&Latency) -> f64| -> Vec<(f64, f64)> {
        run.seconds
            .iter()
            .filter(|s| s.completed > 0)
            .map(|s| (f64::from(s.second), pick(&s.latency)))
            .collect()
    };
    out.push_str(&chart(
        "Latency over time",
        "second",
        "latency, ms (log)",
        &[
            Series::new("p50", "#2e86c1", at(|l| l.p50_ms)),
            Series::new("p90", "#27ae60", at(|l| l.p90_ms)),
            Series::new("p99", "#e67e22", at(|l| l.p99_ms)),
            Series::new("max", "#c0392b", at(|l| l.max_ms)),
        ],
        true,
    ));
    let per_second = |failed: bool| -> Vec<(f64, f64)> {
        let value = |s: &crate::record::SecondSummary| if failed { s.failed } else { s.completed };
        run.seconds.iter().map(|s| (f64::from(s.second), value(s) as f64)).collect()
    };
    out.push_str(&chart(
        "Throughput over time",
        "second",
        "responses per second",
        &[
            Series::new("completed", "#2e86c1", per_second(false)),
            Series::new("failed", "#c0392b", per_second(true)),
        ],
        false,
    ));
    let machine = |pick: fn(&HostCpu) -> f64| -> Vec<(f64, f64)> {
        run.seconds.iter().filter_map(|s| s.host.map(|h| (f64::from(s.second), pick(&h) * 100.0))).collect()
    };
    out.push_str(&chart(
        "The machine over time (every process)",
        "second",
        "share of its cores, %",
        &[
            Series::new("busy", "#2e86c1", machine(|h| h.busy)),
            Series::new("steal", "#c0392b", machine(|h| h.steal)),
        ],
        false,
    ));
    out.push_str("</html>\n");
    out
}

/// The share of the machine's time its host took during a run, or `-` where it was not read.
fn steal_percent(run: &Run) -> String {
    run.host.map_or("-".to_owned(), |host| format!("{:.1}", host.steal * 100.0))
}

struct Series {
    name: &'static str,
    color: &'static str,
    points: Vec<(f64, f64)>,
}

impl Series {
    fn new(name: &'static str, color: &'static str, points: Vec<(f64, f64)>) -> Series {
        Series { name, color, points }
    }
}

/// A line chart as inline SVG; a log scale's ticks fall on decades.
fn chart(title: &str, x_label: &str, y_label: &str, series: &[Series], log: bool) -> String {
    const W: f64 = 760.0;
    const H: f64 = 300.0;
    const LEFT: f64 = 60.0;
    const RIGHT: f64 = 110.0;
    const TOP: f64 = 30.0;
    const BOTTOM: f64 = 40.0;
    let points = series.iter().flat_map(|s| s.points.iter());
    let (x_min, x_max) = points.clone().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
    let y_max = points.clone().map(|p| p.1).fold(0.0, f64::max);
    let mut svg = format!(
        "<h3>{}</h3><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-size=\"11\">",
        escape(title)
    );
    if x_min > x_max {
        svg.push_str("<text x=\"60\" y=\"40\">no data</text></svg>");
        return svg;
    }
    let x_span = (x_max - x_min).max(1e-9);
    let (y_low, y_high) = if log {
        let low = points.map(|p| p.1).filter(|v| *v > 0.0).fold(f64::MAX, f64::min);
        let low = if low == f64::MAX { 0.01 } else { low };
        (low.log10().floor(), y_max.max(low * 10.0).log10().ceil())
    } else {
        (0.0, if y_max > 0.0 { y_max * 1.1 } else { 1.0 })
    };
    let scale_y = |v: f64| {
        let v = if log { v.max(10f64.powf(y_low)).log10() } else { v };
        TOP + (H - TOP - BOTTOM) * (1.0 - (v - y_low) / (y_high - y_low))
    };
    let scale_x = |v: f64| LEFT + (W - LEFT - RIGHT) * (v - x_min) / x_span;
    let _ = write!(
        svg,
        "<line x1=\"{LEFT}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#444\"/><line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{b}\" stroke=\"#444\"/>",
        b = H - BOTTOM,
        r = W - RIGHT
    );
    let ticks: Vec<f64> = if log {
        (y_low as i32..=y_high as i32).map(|e| 10f64.powi(e)).collect()
    } else {
        (0..=4).map(|i| y_high * f64::from(i) / 4.0).collect()
    };
    for tick in ticks {
        let y = scale_y(tick);
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{r}\" y2=\"{y:.1}\" stroke=\"#eee\"/><text x=\"{t}\" y=\"{y:.1}\" text-anchor=\"end\" dy=\"4\">{}</text>",
            format_tick(tick),
            r = W - RIGHT,
            t = LEFT - 4.0
        );
    }
    for i in 0..=4 {
        let x = x_min + x_span * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            scale_x(x),
            H - BOTTOM + 14.0,
            format_tick(x)
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text><text x=\"12\" y=\"{:.1}\" transform=\"rotate(-90 12 {:.1})\" text-anchor=\"middle\">{}</text>",
        LEFT + (W - LEFT - RIGHT) / 2.0,
        H - 6.0,
        escape(x_label),
        H / 2.0,
        H / 2.0,
        escape(y_label)
    );
    for (i, s) in series.iter().enumerate() {
        let path: Vec<String> =
            s.points.iter().map(|p| format!("{:.1},{:.1}", scale_x(p.0), scale_y(p.1))).collect();
        let _ = write!(
            svg,
            "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"1.5\" points=\"{}\"/><text x=\"{}\" y=\"{}\" fill=\"{c}\">{}</text>",
            path.join(" "),
            W - RIGHT + 10.0,
            TOP + 14.0 * i as f64 + 4.0,
            s.name,
            c = s.color
        );
    }
    svg.push_str("</svg>");
    svg
}

fn format_tick(value: f64) -> String {
    if value >= 100.0 || value == value.round() {
        format!("{value:.0}")
    } else {
        let text = format!("{value:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_inline_svg_with_one_line_per_series() {
        let svg = chart(
            "t",
            "x",
            "y",
            &[
                Series::new("a", "#000", vec![(0.0, 1.0), (1.0, 2.0)]),
                Series::new("b", "#111", vec![(0.0, 0.5)]),
            ],
            true,
        );
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn an_empty_chart_says_so() {
        assert!(chart("t", "x", "y", &[Series::new("a", "#000", vec![])], false).contains("no data"));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }

    #[test]
    fn ticks_read_as_short_numbers() {
        assert_eq!(format_tick(0.1), "0.1");
        assert_eq!(format_tick(10.0), "10");
        assert_eq!(format_tick(2.25), "2.25");
    }
}
