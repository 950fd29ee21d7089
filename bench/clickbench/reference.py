#!/usr/bin/env python3
"""Check Furl's ClickBench results against SQLite on the same rows.

    python3 bench/clickbench/reference.py --tsv hits.tsv --results furl.json

furl.json comes from `furl_bench.py --show -1` (every result row kept).
This script loads the TSV file into an in-memory SQLite database (Python's
standard sqlite3 module) and computes each of the 43 queries there, written
in SQLite's dialect, so the expected values come from another engine and
not from Furl. It is meant for small files (thousands of rows).

Ties: for `ORDER BY ... LIMIT n`, SQLite computes every row with its sort
keys. A Furl row at position i passes when it is one of the rows whose sort
keys equal those of the expected row at position i, each expected row used
at most once. So any choice among equally ranked rows is accepted, and a
wrong value, a missing row or a wrong order is not. Queries without ORDER
BY accept any rows of the full result.
"""

import argparse
import collections
import json
import math
import re
import sqlite3
import sys
import time

# The 105 columns of `hits` in file order, each with its kind: i for the
# columns create.sql declares BIGINT, INTEGER or SMALLINT, s for text.
COLUMNS = """
WatchID i JavaEnable i Title s GoodEvent i EventTime s EventDate s CounterID i ClientIP i
RegionID i UserID i CounterClass i OS i UserAgent i URL s Referer s IsRefresh i
RefererCategoryID i RefererRegionID i URLCategoryID i URLRegionID i ResolutionWidth i
ResolutionHeight i ResolutionDepth i FlashMajor i FlashMinor i FlashMinor2 s NetMajor i
NetMinor i UserAgentMajor i UserAgentMinor s CookieEnable i JavascriptEnable i IsMobile i
MobilePhone i MobilePhoneModel s Params s IPNetworkID i TraficSourceID i SearchEngineID i
SearchPhrase s AdvEngineID i IsArtifical i WindowClientWidth i WindowClientHeight i
ClientTimeZone i ClientEventTime s SilverlightVersion1 i SilverlightVersion2 i
SilverlightVersion3 i SilverlightVersion4 i PageCharset s CodeVersion i IsLink i IsDownload i
IsNotBounce i FUniqID i OriginalURL s HID i IsOldCounter i IsEvent i IsParameter i
DontCountHits i WithHash i HitColor s LocalEventTime s Age i Sex i Income i Interests i
Robotness i RemoteIP i WindowName i OpenerName i HistoryLength i BrowserLanguage s
BrowserCountry s SocialNetwork s SocialAction s HTTPError i SendTiming i DNSTiming i
ConnectTiming i ResponseStartTiming i ResponseEndTiming i FetchTiming i
SocialSourceNetworkID i SocialSourcePage s ParamPrice i ParamOrderID s ParamCurrency s
ParamCurrencyID i OpenstatServiceName s OpenstatCampaignID s OpenstatAdID s
OpenstatSourceID s UTMSource s UTMMedium s UTMCampaign s UTMContent s UTMTerm s FromTag s
HasGCLID i RefererHash i URLHash i CLID i
""".split()
COLUMNS = list(zip(COLUMNS[0::2], COLUMNS[1::2]))
assert len(COLUMNS) == 105

# Filters that several queries share. SQLite's LIKE ignores ASCII case, so
# ClickHouse's case-sensitive LIKE '%x%' becomes GLOB '*x*'; length() counts
# bytes in ClickHouse, hence the cast to BLOB.
COUNTER_62_JULY = "CounterID = 62 AND EventDate >= '2013-07-01' AND EventDate <= '2013-07-31'"
WIDTH_SUMS = ", ".join(["SUM(ResolutionWidth)"] + [f"SUM(ResolutionWidth + {k})" for k in range(1, 90)])
ALL_COLUMNS = ", ".join(name for name, _ in COLUMNS)


class Expected:
    """One query in SQLite's dialect.

    `sql` selects the query's output columns followed by `keys` sort-key
    columns, ordered by those keys, without LIMIT or OFFSET; `limit` and
    `offset` are the original query's.
    """

    def __init__(self, sql, keys=0, limit=None, offset=0):
        self.sql = sql
        self.keys = keys
        self.limit = limit
        self.offset = offset


EXPECTED = [
    Expected("SELECT COUNT(*) FROM hits"),
    Expected("SELECT COUNT(*) FROM hits WHERE AdvEngineID <> 0"),
    Expected("SELECT SUM(AdvEngineID), COUNT(*), exact_avg(ResolutionWidth) FROM hits"),
    Expected("SELECT exact_avg(UserID) FROM hits"),
    Expected("SELECT COUNT(DISTINCT UserID) FROM hits"),
    Expected("SELECT COUNT(DISTINCT SearchPhrase) FROM hits"),
    Expected("SELECT MIN(EventDate), MAX(EventDate) FROM hits"),
    Expected("SELECT AdvEngineID, COUNT(*), COUNT(*) FROM hits WHERE AdvEngineID <> 0 "
             "GROUP BY AdvEngineID ORDER BY 3 DESC", keys=1),
    Expected("SELECT RegionID, COUNT(DISTINCT UserID) AS u, COUNT(DISTINCT UserID) FROM hits "
             "GROUP BY RegionID ORDER BY 3 DESC", keys=1, limit=10),
    Expected("SELECT RegionID, SUM(AdvEngineID), COUNT(*) AS c, exact_avg(ResolutionWidth), "
             "COUNT(DISTINCT UserID), COUNT(*) FROM hits GROUP BY RegionID ORDER BY 6 DESC", keys=1, limit=10),
    Expected("SELECT MobilePhoneModel, COUNT(DISTINCT UserID) AS u, COUNT(DISTINCT UserID) FROM hits "
             "WHERE MobilePhoneModel <> '' GROUP BY MobilePhoneModel ORDER BY 3 DESC", keys=1, limit=10),
    Expected("SELECT MobilePhone, MobilePhoneModel, COUNT(DISTINCT UserID) AS u, COUNT(DISTINCT UserID) "
             "FROM hits WHERE MobilePhoneModel <> '' GROUP BY MobilePhone, MobilePhoneModel ORDER BY 4 DESC",
             keys=1, limit=10),
    Expected("SELECT SearchPhrase, COUNT(*) AS c, COUNT(*) FROM hits WHERE SearchPhrase <> '' "
             "GROUP BY SearchPhrase ORDER BY 3 DESC", keys=1, limit=10),
    Expected("SELECT SearchPhrase, COUNT(DISTINCT UserID) AS u, COUNT(DISTINCT UserID) FROM hits "
             "WHERE SearchPhrase <> '' GROUP BY SearchPhrase ORDER BY 3 DESC", keys=1, limit=10),
    Expected("SELECT SearchEngineID, SearchPhrase, COUNT(*) AS c, COUNT(*) FROM hits WHERE SearchPhrase <> '' "
             "GROUP BY SearchEngineID, SearchPhrase ORDER BY 4 DESC", keys=1, limit=10),
    Expected("SELECT UserID, COUNT(*), COUNT(*) FROM hits GROUP BY UserID ORDER BY 3 DESC", keys=1, limit=10),
    Expected("SELECT UserID, SearchPhrase, COUNT(*), COUNT(*) FROM hits GROUP BY UserID, SearchPhrase "
             "ORDER BY 4 DESC", keys=1, limit=10),
    Expected("SELECT UserID, SearchPhrase, COUNT(*) FROM hits GROUP BY UserID, SearchPhrase", limit=10),
    Expected("SELECT UserID, CAST(strftime('%M', EventTime) AS INTEGER) AS m, SearchPhrase, COUNT(*), COUNT(*) "
             "FROM hits GROUP BY UserID, m, SearchPhrase ORDER BY 5 DESC", keys=1, limit=10),
    Expected("SELECT UserID FROM hits WHERE UserID = 435090932899640449"),
    Expected("SELECT COUNT(*) FROM hits WHERE URL GLOB '*google*'"),
    Expected("SELECT SearchPhrase, MIN(URL), COUNT(*) AS c, COUNT(*) FROM hits "
             "WHERE URL GLOB '*google*' AND SearchPhrase <> '' GROUP BY SearchPhrase ORDER BY 4 DESC",
             keys=1, limit=10),
    Expected("SELECT SearchPhrase, MIN(URL), MIN(Title), COUNT(*) AS c, COUNT(DISTINCT UserID), COUNT(*) "
             "FROM hits WHERE Title GLOB '*Google*' AND URL NOT GLOB '*.google.*' AND SearchPhrase <> '' "
             "GROUP BY SearchPhrase ORDER BY 6 DESC", keys=1, limit=10),
    Expected(f"SELECT {ALL_COLUMNS}, EventTime FROM hits WHERE URL GLOB '*google*' ORDER BY EventTime",
             keys=1, limit=10),
    Expected("SELECT SearchPhrase, EventTime FROM hits WHERE SearchPhrase <> '' ORDER BY EventTime",
             keys=1, limit=10),
    Expected("SELECT SearchPhrase, SearchPhrase FROM hits WHERE SearchPhrase <> '' ORDER BY SearchPhrase",
             keys=1, limit=10),
    Expected("SELECT SearchPhrase, EventTime, SearchPhrase FROM hits WHERE SearchPhrase <> '' "
             "ORDER BY EventTime, SearchPhrase", keys=2, limit=10),
    Expected("SELECT CounterID, exact_avg(length(CAST(URL AS BLOB))) AS l, COUNT(*) AS c, "
             "exact_avg(length(CAST(URL AS BLOB))) FROM hits WHERE URL <> '' GROUP BY CounterID "
             "HAVING COUNT(*) > 100000 ORDER BY 4 DESC", keys=1, limit=25),
    Expected("SELECT regexp_replace_one(Referer, '^https?://(?:www\\.)?([^/]+)/.*$', '\\1') AS k, "
             "exact_avg(length(CAST(Referer AS BLOB))) AS l, COUNT(*) AS c, MIN(Referer), "
             "exact_avg(length(CAST(Referer AS BLOB))) FROM hits WHERE Referer <> '' GROUP BY k "
             "HAVING COUNT(*) > 100000 ORDER BY 5 DESC", keys=1, limit=25),
    Expected(f"SELECT {WIDTH_SUMS} FROM hits"),
    Expected("SELECT SearchEngineID, ClientIP, COUNT(*) AS c, SUM(IsRefresh), exact_avg(ResolutionWidth), "
             "COUNT(*) FROM hits WHERE SearchPhrase <> '' GROUP BY SearchEngineID, ClientIP ORDER BY 6 DESC",
             keys=1, limit=10),
    Expected("SELECT WatchID, ClientIP, COUNT(*) AS c, SUM(IsRefresh), exact_avg(ResolutionWidth), COUNT(*) "
             "FROM hits WHERE SearchPhrase <> '' GROUP BY WatchID, ClientIP ORDER BY 6 DESC", keys=1, limit=10),
    Expected("SELECT WatchID, ClientIP, COUNT(*) AS c, SUM(IsRefresh), exact_avg(ResolutionWidth), COUNT(*) "
             "FROM hits GROUP BY WatchID, ClientIP ORDER BY 6 DESC", keys=1, limit=10),
    Expected("SELECT URL, COUNT(*) AS c, COUNT(*) FROM hits GROUP BY URL ORDER BY 3 DESC", keys=1, limit=10),
    Expected("SELECT 1, URL, COUNT(*) AS c, COUNT(*) FROM hits GROUP BY URL ORDER BY 4 DESC", keys=1, limit=10),
    Expected("SELECT ClientIP, ClientIP - 1, ClientIP - 2, ClientIP - 3, COUNT(*) AS c, COUNT(*) FROM hits "
             "GROUP BY ClientIP ORDER BY 6 DESC", keys=1, limit=10),
    Expected(f"SELECT URL, COUNT(*) AS PageViews, COUNT(*) FROM hits WHERE {COUNTER_62_JULY} "
             "AND DontCountHits = 0 AND IsRefresh = 0 AND URL <> '' GROUP BY URL ORDER BY 3 DESC",
             keys=1, limit=10),
    Expected(f"SELECT Title, COUNT(*) AS PageViews, COUNT(*) FROM hits WHERE {COUNTER_62_JULY} "
             "AND DontCountHits = 0 AND IsRefresh = 0 AND Title <> '' GROUP BY Title ORDER BY 3 DESC",
             keys=1, limit=10),
    Expected(f"SELECT URL, COUNT(*) AS PageViews, COUNT(*) FROM hits WHERE {COUNTER_62_JULY} "
             "AND IsRefresh = 0 AND IsLink <> 0 AND IsDownload = 0 GROUP BY URL ORDER BY 3 DESC",
             keys=1, limit=10, offset=1000),
    Expected("SELECT TraficSourceID, SearchEngineID, AdvEngineID, "
             "CASE WHEN (SearchEngineID = 0 AND AdvEngineID = 0) THEN Referer ELSE '' END AS Src, URL AS Dst, "
             f"COUNT(*) AS PageViews, COUNT(*) FROM hits WHERE {COUNTER_62_JULY} AND IsRefresh = 0 "
             "GROUP BY TraficSourceID, SearchEngineID, AdvEngineID, Src, Dst ORDER BY 7 DESC",
             keys=1, limit=10, offset=1000),
    Expected(f"SELECT URLHash, EventDate, COUNT(*) AS PageViews, COUNT(*) FROM hits WHERE {COUNTER_62_JULY} "
             "AND IsRefresh = 0 AND TraficSourceID IN (-1, 6) AND RefererHash = 3594120000172545465 "
             "GROUP BY URLHash, EventDate ORDER BY 4 DESC", keys=1, limit=10, offset=100),
    Expected("SELECT WindowClientWidth, WindowClientHeight, COUNT(*) AS PageViews, COUNT(*) FROM hits "
             f"WHERE {COUNTER_62_JULY} AND IsRefresh = 0 AND DontCountHits = 0 "
             "AND URLHash = 2868770270353813622 GROUP BY WindowClientWidth, WindowClientHeight ORDER BY 4 DESC",
             keys=1, limit=10, offset=10000),
    Expected("SELECT strftime('%Y-%m-%d %H:%M:00', EventTime) AS M, COUNT(*) AS PageViews, "
             "strftime('%Y-%m-%d %H:%M:00', EventTime) FROM hits WHERE CounterID = 62 "
             "AND EventDate >= '2013-07-14' AND EventDate <= '2013-07-15' AND IsRefresh = 0 "
             "AND DontCountHits = 0 GROUP BY M ORDER BY 3", keys=1, limit=10, offset=1000),
]
assert len(EXPECTED) == 43


class ExactAverage:
    """avg() over Python integers, so 64-bit ids neither overflow nor round early."""

    def __init__(self):
        self.total = 0
        self.count = 0

    def step(self, value):
        if value is not None:
            self.total += value
            self.count += 1

    def finalize(self):
        return self.total / self.count if self.count else None


def regexp_replace_one(text, pattern, replacement):
    """ClickHouse's replaceRegexpOne: replace the first match, \\1 refers to a group."""
    return re.sub(pattern, replacement, text, count=1)


def load_sqlite(tsv_path):
    database = sqlite3.connect(":memory:")
    database.create_aggregate("exact_avg", 1, ExactAverage)
    database.create_function("regexp_replace_one", 3, regexp_replace_one, deterministic=True)
    columns = ", ".join(f"{name} {'INTEGER' if kind == 'i' else 'TEXT'}" for name, kind in COLUMNS)
    database.execute(f"CREATE TABLE hits ({columns})")
    integer_columns = [kind == "i" for _, kind in COLUMNS]

    def rows():
        with open(tsv_path, encoding="utf-8") as tsv:
            for number, line in enumerate(tsv, start=1):
                fields = line.rstrip("\n").split("\t")
                if len(fields) != len(COLUMNS):
                    raise ValueError(f"{tsv_path}:{number}: {len(fields)} fields, expected {len(COLUMNS)}")
                yield [int(v) if is_int else v for v, is_int in zip(fields, integer_columns)]

    placeholders = ", ".join("?" * len(COLUMNS))
    database.executemany(f"INSERT INTO hits VALUES ({placeholders})", rows())
    return database


def normalize(value):
    """Map a result cell (Furl's text or SQLite's value) to int, float or str.

    Timestamps lose a zero fraction ('2013-07-01 10:00:00.000' prints as
    DateTime64(3) in Furl and as a plain timestamp in SQLite).
    """
    if value is None or isinstance(value, (int, float)):
        return value
    text = str(value)
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    try:
        number = float(text)
        return number if math.isfinite(number) else text
    except ValueError:
        pass
    match = re.fullmatch(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.0+", text)
    return match.group(1) if match else text


def cells_match(got, wanted):
    """Integers compare exactly; a float on either side compares to 12 significant digits."""
    got, wanted = normalize(got), normalize(wanted)
    if isinstance(got, (int, float)) and isinstance(wanted, (int, float)):
        if isinstance(got, int) and isinstance(wanted, int):
            return got == wanted
        return math.isclose(got, wanted, rel_tol=1e-12, abs_tol=1e-12)
    return got == wanted


def rows_match(got, wanted):
    return len(got) == len(wanted) and all(cells_match(g, w) for g, w in zip(got, wanted))


def check_query(expected, rows, actual_rows):
    """Return None when Furl's rows are a valid result, else a description of the first mismatch."""
    width = len(rows[0]) - expected.keys if rows else 0
    keyed = [(tuple(normalize(v) for v in row[width:]), list(row[:width])) for row in rows]
    window = keyed[expected.offset:]
    if expected.limit is not None:
        window = window[:expected.limit]
    if len(actual_rows) != len(window):
        return f"{len(actual_rows)} rows, expected {len(window)}"

    # The rows of each sort key that no Furl row has matched yet.
    unused = collections.defaultdict(list)
    for key, values in keyed:
        unused[key].append(values)
    for position, ((key, wanted), actual) in enumerate(zip(window, actual_rows)):
        candidates = unused[key]
        match = next((i for i, values in enumerate(candidates) if rows_match(actual, values)), None)
        if match is not None:
            candidates.pop(match)
            continue
        alternatives = f" or another of {len(candidates)} rows with sort key {list(key)}" if len(candidates) > 1 else ""
        return f"row {position + 1} is {list(actual)}, expected {wanted}{alternatives}"
    return None


def sqlite_report(expected, furl_query, rows, elapsed_ms):
    """Build one query of SQLite's report: the rows LIMIT and OFFSET keep, without sort keys, as text."""
    width = len(rows[0]) - expected.keys if rows else 0
    kept = rows[expected.offset:]
    if expected.limit is not None:
        kept = kept[:expected.limit]
    result = [["" if v is None else str(v) for v in row[:width]] for row in kept]
    return {"label": furl_query["label"], "sql": furl_query["sql"], "times_ms": [round(elapsed_ms, 2)],
            "best_ms": round(elapsed_ms, 2), "rows": len(result), "result": result}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tsv", required=True, help="the TabSeparated file Furl loaded")
    parser.add_argument("--results", required=True, help="furl_bench.py JSON written with --show -1")
    parser.add_argument("--json", help="also write SQLite's results and times here, in the peers' JSON layout")
    args = parser.parse_args(argv)

    with open(args.results, encoding="utf-8") as results_file:
        report = json.load(results_file)
    queries = report["queries"]
    if len(queries) != len(EXPECTED):
        print(f"{args.results} has {len(queries)} queries, expected {len(EXPECTED)}", file=sys.stderr)
        return 1
    database = load_sqlite(args.tsv)

    failures = 0
    sqlite_queries = []
    for number, (expected, query) in enumerate(zip(EXPECTED, queries), start=1):
        started = time.perf_counter()
        rows = database.execute(expected.sql).fetchall()
        sqlite_queries.append(sqlite_report(expected, query, rows, (time.perf_counter() - started) * 1000))
        if "error" in query:
            problem = f"failed: {query['error']}"
        elif query.get("rows") != len(query.get("result", [])):
            problem = "the JSON keeps only part of the result; write it with --show -1"
        else:
            problem = check_query(expected, rows, query["result"])
        if problem:
            failures += 1
            print(f"Q{number}: {problem}\n  {query['sql']}")
        else:
            print(f"Q{number}: ok ({query['rows']} rows)")
    print(f"{len(EXPECTED) - failures} of {len(EXPECTED)} queries match SQLite")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"engine": "sqlite", "version": sqlite3.sqlite_version, "repeat": 1, "queries": sqlite_queries},
                      out, indent=1, ensure_ascii=False)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
