#!/usr/bin/env python3
"""Print Furl's ClickBench times next to the peers' and check that results agree.

    python3 bench/clickbench/compare.py furl.json clickhouse.json duckdb.json chdb.json

Each file is a report of furl_bench.py or of the peer scripts (same JSON
layout). The first file is Furl's. The output is a Markdown table with one
row per query: each engine's best time, Furl's time divided by the best
peer's, and whether Furl's rows agree with the peers' rows. The geometric
mean of the ratios follows the table.
Exit status 1 when a Furl result disagrees with a peer or a Furl query failed.

Agreement compares the rows the reports keep (10 by default) after mapping
numbers to int or float and timestamps to 'YYYY-MM-DD hh:mm:ss'. Floats
match within a relative 1e-6. When rows differ only among equally ranked rows
(a numeric column sorted the same way in both holds the same values), the
verdict is "ties": LIMIT kept other rows of equal rank. For Q4 (avg of
64-bit UserID) ClickHouse's sum wraps around, so only DuckDB's exact value
counts there.
"""

import argparse
import json
import math
import os
import re
import sys

# (query label, engine) pairs whose result is known to be wrong: ClickHouse
# (18.16 and the chDB engine) sums Int64 in Int64, so avg(UserID) overflows
# on 63-bit ids.
KNOWN_WRONG = {("Q4", "clickhouse"), ("Q4", "chdb")}
ENGINE_NAMES = {"furl": "Furl", "clickhouse": "ClickHouse 18.16", "duckdb": "DuckDB", "chdb": "chDB"}


def normalize(value):
    text = str(value)
    if text in ("\\N", "NULL", "None"):
        return None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    try:
        number = float(text)
        if math.isfinite(number):
            return number
    except ValueError:
        pass
    match = re.fullmatch(r"(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.0+)?Z?", text)
    if match:
        return f"{match.group(1)} {match.group(2)}"
    return text


def cells_equal(a, b):
    a, b = normalize(a), normalize(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
    return a == b


def rows_equal(a, b):
    return len(a) == len(b) and all(
        len(ra) == len(rb) and all(cells_equal(x, y) for x, y in zip(ra, rb)) for ra, rb in zip(a, b))


def sorted_one_way(values):
    pairs = list(zip(values, values[1:]))
    return all(x >= y for x, y in pairs) or all(x <= y for x, y in pairs)


def same_rows_any_order(a, b):
    remaining = list(b)
    for row in a:
        match = next((i for i, other in enumerate(remaining) if rows_equal([row], [other])), None)
        if match is None:
            return False
        remaining.pop(match)
    return not remaining


def agreement(ours, theirs, has_offset=False):
    """Return 'yes', 'ties' or 'NO' for two lists of result rows.

    'ties': some numeric column is sorted the same way in both and contains
    the same values, and for every value of it but the last one kept, both
    sides contain the same rows in some order. Only rows ranked equal to the
    last row may differ, which is LIMIT's free choice; with OFFSET, so may
    rows ranked equal to the first row.
    """
    if rows_equal(ours, theirs):
        return "yes"
    if len(ours) != len(theirs) or len(ours) < 2:
        return "NO"
    for column in range(min(len(ours[0]), len(theirs[0]))):
        a = [normalize(row[column]) for row in ours]
        b = [normalize(row[column]) for row in theirs]
        numeric = all(isinstance(x, (int, float)) for x in a + b)
        if not (numeric and sorted_one_way(a) and sorted_one_way(b) and rows_equal([[x] for x in a], [[y] for y in b])):
            continue
        boundaries = {a[-1], a[0]} if has_offset else {a[-1]}
        groups_match = all(
            same_rows_any_order([r for r, k in zip(ours, a) if k == value], [r for r, k in zip(theirs, b) if k == value])
            for value in set(a) if value not in boundaries)
        if groups_match:
            return "ties"
    return "NO"


def load_report(path):
    with open(path, encoding="utf-8") as report_file:
        report = json.load(report_file)
    engine = report.get("engine") or os.path.splitext(os.path.basename(path))[0]
    return engine, report


def verdict_for(label, sql, furl_query, peer_queries):
    """Agreement of one Furl result with the peers' results of the same query."""
    if "error" in furl_query:
        return "Furl failed", False
    compared = [(engine, q) for engine, q in peer_queries if q and "result" in q and (label, engine) not in KNOWN_WRONG]
    if not compared:
        return "-", True
    unordered = "ORDER BY" not in sql.upper() and furl_query["rows"] > 1
    if unordered:
        # Any rows are right without ORDER BY; compare only the row counts.
        mismatched = [engine for engine, q in compared if q["rows"] != furl_query["rows"]]
        if mismatched:
            return "NO: row count vs " + ", ".join(mismatched), False
        return "rows equal (no ORDER BY)", True
    has_offset = re.search(r"\bOFFSET\b", sql, re.IGNORECASE) is not None
    verdicts = [(engine, agreement(furl_query["result"], q["result"][:len(furl_query["result"])], has_offset)
                 if q["rows"] == furl_query["rows"] else "NO") for engine, q in compared]
    if all(v == "yes" for _, v in verdicts):
        return "yes", True
    if all(v in ("yes", "ties") for _, v in verdicts):
        return "ties", True
    return "NO vs " + ", ".join(engine for engine, v in verdicts if v == "NO"), False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("reports", nargs="+", help="Furl's report, then the peers' reports")
    args = parser.parse_args(argv)

    furl_engine, furl = load_report(args.reports[0])
    peers = [load_report(path) for path in args.reports[1:]]
    engines = [furl_engine] + [engine for engine, _ in peers]
    by_label = [{q["label"].upper(): q for q in report["queries"]} for _, report in peers]

    header = ["Q"] + [f"{ENGINE_NAMES.get(e, e)} s" for e in engines] + ["Furl / best peer", "results agree"]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(engines) + 1) + "---|"]
    log_ratios = []
    over_two = []
    disagreements = []
    for furl_query in furl["queries"]:
        label = furl_query["label"].upper()
        peer_queries = [(engine, table.get(label)) for (engine, _), table in zip(peers, by_label)]
        cells = [label]
        for query in [furl_query] + [q for _, q in peer_queries]:
            if query is None:
                cells.append("-")
            elif "error" in query:
                cells.append("error")
            else:
                cells.append(f"{query['best_ms'] / 1000:.3f}")
        peer_times = [q["best_ms"] for _, q in peer_queries if q and "best_ms" in q]
        if "best_ms" in furl_query and peer_times:
            ratio = max(furl_query["best_ms"], 0.01) / max(min(peer_times), 0.01)
            log_ratios.append(math.log(ratio))
            if ratio > 2:
                over_two.append(label)
            cells.append(f"{ratio:.2f}")
        else:
            cells.append("-")
        verdict, ok = verdict_for(label, furl_query["sql"], furl_query, peer_queries)
        if not ok:
            disagreements.append(label)
        cells.append(verdict)
        lines.append("| " + " | ".join(cells) + " |")

    def total_and_geomean(queries):
        times = [q["best_ms"] / 1000 for q in queries if "best_ms" in q]
        geomean = math.exp(sum(math.log(max(t, 1e-5)) for t in times) / len(times)) if times else float("nan")
        return sum(times), geomean

    sums = [total_and_geomean(furl["queries"])] + [total_and_geomean(report["queries"]) for _, report in peers]
    lines.append("| sum | " + " | ".join(f"{s:.2f}" for s, _ in sums) + " | | |")
    lines.append("| geomean | " + " | ".join(f"{g:.4f}" for _, g in sums) + " | | |")
    print("\n".join(lines))
    print()
    if log_ratios:
        print(f"Geometric mean of Furl / best peer over {len(log_ratios)} queries: "
              f"{math.exp(sum(log_ratios) / len(log_ratios)):.2f}")
    print(f"Queries more than 2x slower than the best peer: {len(over_two)}"
          + (f" ({', '.join(over_two)})" if over_two else ""))
    print(f"Queries whose Furl result disagrees or failed: {len(disagreements)}"
          + (f" ({', '.join(disagreements)})" if disagreements else ""))
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
