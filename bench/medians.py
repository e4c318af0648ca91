"""Medians over rounds, one side against another: the summary of bench/scale.sh,
bench/cross_check.sh, bench/stores.sh, bench/resident.sh and bench/hot_share.sh, which run the
same thing on two sides in turn, several rounds.

    python3 bench/medians.py RUNS TOP BOTTOM PERCENTILE...

RUNS holds one line per run, "GET SIDE[ anything]: ... R/s ... p50 X ms, ... p99 Y ms ..." (the
line of find_max.sh's one_run and highest_at and of cross_check.sh's testers). For each GET it
prints each percentile's median over the rounds on side TOP over that on side BOTTOM, and each
round's ratio of the last percentile named, and their median (one run's p99 moves by more than
20 % between rounds on a shared machine: a ratio within a round compares runs minutes apart).
The name `rate` stands for the run's rate (the first "R/s" of its line).
"""

import re
import statistics
import sys

runs_file, top, bottom, *percentiles = sys.argv[1:]
PATTERNS = {"rate": r"([\d.]+)/s"}
FORMATS = {"rate": "%s %.0f / %.0f/s = %.2fx"}
runs = {}
for line in open(runs_file):
    head = re.match(r"(\S+)\s+([^\s:]+)[^:]*:", line)
    if head and head[2] in (top, bottom):
        values = [float(re.search(PATTERNS.get(p, r"\b%s ([\d.]+) ms" % p), line)[1]) for p in percentiles]
        runs.setdefault(head[1], {}).setdefault(head[2], []).append(values)
for get, sides in runs.items():
    cells = []
    for i, name in enumerate(percentiles):
        t = statistics.median(r[i] for r in sides[top])
        b = statistics.median(r[i] for r in sides[bottom])
        cells.append(FORMATS.get(name, "%s %.2f / %.2f ms = %.2fx") % (name, t, b, t / b))
    ratios = [t[-1] / b[-1] for t, b in zip(sides[top], sides[bottom])]
    print("%s, median of %d rounds, %s / %s: %s (%s each round: %s; their median %.2f)"
          % (get, len(sides[top]), top, bottom, ", ".join(cells), percentiles[-1],
             ", ".join("%.2f" % r for r in ratios), statistics.median(ratios)))
