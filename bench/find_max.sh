# Sourced by the benchmark scripts: `highest_at URL ARGS...` prints "RATE/s (p50 X ms, p99 Y ms)"
# for the highest rate `atelier bench --find-max` sustains at URL with p99 within 10 ms and no
# failures ($BIN the binary, $STEP each step's length, $START the first rate), or 0/s; and
# `ids_for ENDPOINT PRODUCTS QUESTIONS` the tester's ids for one GET of a catalogue that size
# (answers are read by question). `highest_fields` gives the search as numbers, for arithmetic,
# `one_run` one run at a fixed rate as a line, and `alternate` two sides' highest rates in turn.
highest_at() {
  local rate p50 p99 cores
  read rate p50 p99 cores <<< "$(highest_fields "$@")"
  echo "$rate/s (p50 $p50 ms, p99 $p99 ms)"
}
# `highest_fields URL ARGS...`: the same search, as four numbers: the rate, its p50 and p99 in
# ms, and the cores the tester itself used (all 0 if no step passed).
highest_fields() {
  local url=$1; shift
  "$BIN" bench --url "$url" --find-max --rate "${START:-2000}" --duration "${STEP:-3s}" --p99 10ms --json "$@" 2>> /tmp/find_max.err \
    | python3 -c 'import json,sys; s=json.load(sys.stdin); b=max([x for x in s["steps"] if x["failed_because"] is None], key=lambda x: x["run"]["target_rate"], default=None); print("%.0f %.2f %.2f %.2f" % ((b["run"]["target_rate"], b["run"]["latency"]["p50_ms"], b["run"]["latency"]["p99_ms"], b["run"]["client_cores"]) if b else (0,0,0,0)))'
}
# `one_run LABEL URL ARGS...`: one fixed-rate run of the tester ($BIN bench ARGS), as one line:
# "LABEL: achieved R/s, failed F, p50 X ms, p99 Y ms, p99.9 Z ms, max M ms; machine busy B %,
# steal S % (worst second W %); seconds with p99 over 10 ms: N of T (their steal: ...)", the
# last part telling a slow server from a machine whose host took its cores.
one_run() {
  local label=$1 url=$2; shift 2
  "$BIN" bench --url "$url" --json "$@" 2>> /tmp/find_max.err | python3 -c '
import json, sys
r = json.load(sys.stdin); l = r["latency"]; h = r.get("host") or {"busy": 0, "steal": 0}
seconds = [s for s in r["seconds"] if s["completed"] > 0]
steal = [100 * (s.get("host") or {"steal": 0})["steal"] for s in seconds]
slow = [(s["second"], 100 * (s.get("host") or {"steal": 0})["steal"]) for s in seconds if s["latency"]["p99_ms"] > 10]
print("%s: achieved %.0f/s, failed %d, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms; machine busy %.0f %%, steal %.1f %% (worst second %.0f %%); seconds with p99 over 10 ms: %d of %d%s" % (
    sys.argv[1], r["achieved_rate"], r["failed"], l["p50_ms"], l["p99_ms"], l["p999_ms"], l["max_ms"],
    100 * h["busy"], 100 * h["steal"], max(steal, default=0), len(slow), len(seconds),
    " (second: steal %) " + ", ".join("%d: %.0f" % x for x in slow) if slow else ""))' "$label"
}
# `alternate RUNS TOP BOTTOM`: the highest rate of each GET (ENDPOINTS, default all four; random
# ids, cache off) on side BOTTOM, then on side TOP, each served by the caller's `serve_side SIDE`
# and stopped after, ROUNDS times (default 2), a line per GET and round, every run recorded in
# RUNS; then (bench/medians.py) each GET's median rate of TOP over BOTTOM, and each round's.
# Alternating the sides makes a noisy machine move both alike.
alternate() {
  local runs=$1 top=$2 bottom=$3 round endpoint side line found
  : > "$runs"
  for round in $(seq 1 "${ROUNDS:-2}"); do
    for endpoint in ${ENDPOINTS:-meta reviews questions answers}; do
      line="round $round: $endpoint"
      for side in "$bottom" "$top"; do
        serve_side "$side"
        found=$(highest_at $url --scenario $endpoint $(ids_for $endpoint $PRODUCTS $QUESTIONS))
        echo "$endpoint $side: $found" >> "$runs"
        line="$line, $side $found"
        stop
      done
      echo "$line"
    done
  done
  python3 "$(dirname "${BASH_SOURCE[0]}")/medians.py" "$runs" "$top" "$bottom" rate
}
ids_for() {
  if [ "$1" = answers ]; then echo "--ids 1-$3"; else echo "--ids 1-$2"; fi
}
