#!/usr/bin/env python3
"""Run sqllogictest files against a real furld over its ClickHouse HTTP endpoint.

    python3 tests/sqllogic/runner.py [--furld PATH | --url URL] FILE.test...

Each file gets a fresh furld (own port, own temporary data directory) unless
--url points at a running server. Every failure is reported with file:line,
the SQL, the expected and the actual result; the exit status is 1 when any
record failed.

File format (as in DuckDB's and SQLite's sqllogictest), records separated by
blank lines, `#` starts a comment line:

    statement ok
    CREATE TABLE t (x Int64) ENGINE = MergeTree ORDER BY x

    statement error unknown column
    SELECT y FROM t

    query IT rowsort
    SELECT x, name FROM t
    ----
    1	one
    2	NULL

`statement error` takes an optional substring that the error response must
contain (compared without regard to case). `query` takes one letter per
result column and an optional sort mode:
  I integer, T text: compared as text;
  R real: compared as numbers, to a relative tolerance of 1e-9;
  B boolean: `1`/`true` and `0`/`false` are the same value.
Sort modes: nosort (default), rowsort (sort rows), valuesort (sort all
values). In expected rows, columns are separated by tabs, NULL is SQL NULL
(`\\N` in the TSV output) and `(empty)` is the empty string. `halt` stops
reading the file. A `skipif furl` line skips the record that follows it.
`onlyif NAME` runs the next record only when NAME is furl. Use them, with a
comment saying why, for a feature Furl does not have yet.
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from furl_testlib import DEFAULT_FURLD, FurlServer, http_request, unescape_tsv  # noqa: E402

ENGINE_NAME = "furl"
REAL_TOLERANCE = 1e-9
TYPE_LETTERS = set("ITRB")
SORT_MODES = ("nosort", "rowsort", "valuesort")


class Record:
    """One statement or query from a test file."""

    def __init__(self, kind, line, sql, expect_error=None, error_substring="",
                 types="", sort_mode="nosort", expected=None, skip=False):
        self.kind = kind  # "statement" or "query"
        self.line = line  # 1-based line of the `statement`/`query` header
        self.sql = sql
        self.expect_error = expect_error
        self.error_substring = error_substring
        self.types = types
        self.sort_mode = sort_mode
        self.expected = expected or []  # rows as lists of cells
        self.skip = skip  # set by a skipif/onlyif line before the record


class ParseError(Exception):
    pass


def parse_file(path):
    """Parse a test file into Records; raise ParseError with file:line on bad syntax."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    records = []
    skip_next = False
    i = 0

    def where(index):
        return f"{path}:{index + 1}"

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        words = stripped.split()
        head = words[0]
        if head == "halt":
            break
        if head in ("skipif", "onlyif"):
            if len(words) < 2:
                raise ParseError(f"{where(i)}: '{head}' needs an engine name, such as '{head} furl'")
            matches = words[1].lower() == ENGINE_NAME
            skip_next = skip_next or (matches if head == "skipif" else not matches)
            i += 1
            continue
        if head in ("mode", "hash-threshold"):
            i += 1
            continue
        if head not in ("statement", "query"):
            raise ParseError(f"{where(i)}: expected 'statement' or 'query', found {line!r}")

        header_index = i
        i += 1
        sql_lines = []
        while i < len(lines) and lines[i].strip() and lines[i].strip() != "----":
            sql_lines.append(lines[i])
            i += 1
        if not sql_lines:
            raise ParseError(f"{where(header_index)}: {head} without SQL")
        sql = "\n".join(sql_lines)

        if head == "statement":
            if len(words) < 2 or words[1] not in ("ok", "error"):
                raise ParseError(f"{where(header_index)}: use 'statement ok' or 'statement error [substring]'")
            if i < len(lines) and lines[i].strip() == "----":
                raise ParseError(f"{where(i)}: a statement has no expected rows; use 'query'")
            if words[1] == "ok":
                records.append(Record("statement", header_index + 1, sql, expect_error=False,
                                      skip=skip_next))
            else:
                substring = stripped.split(None, 2)[2] if len(words) > 2 else ""
                records.append(Record("statement", header_index + 1, sql, expect_error=True,
                                      error_substring=substring, skip=skip_next))
            skip_next = False
            continue

        if len(words) < 2:
            raise ParseError(f"{where(header_index)}: 'query' needs column types, such as 'query IT'")
        types = words[1]
        if not set(types) <= TYPE_LETTERS:
            raise ParseError(f"{where(header_index)}: invalid column types {types!r}; use letters from ITRB")
        sort_mode = words[2] if len(words) > 2 else "nosort"
        if sort_mode not in SORT_MODES:
            raise ParseError(f"{where(header_index)}: invalid sort mode {sort_mode!r}; use one of {', '.join(SORT_MODES)}")

        expected = []
        if i < len(lines) and lines[i].strip() == "----":
            i += 1
            while i < len(lines) and lines[i] != "":
                cells = lines[i].split("\t")
                if sort_mode != "valuesort" and len(cells) != len(types):
                    raise ParseError(
                        f"{where(i)}: expected row has {len(cells)} columns but the header "
                        f"declares {len(types)} ({types}); separate columns with tabs")
                expected.append(cells)
                i += 1
        records.append(Record("query", header_index + 1, sql, types=types,
                              sort_mode=sort_mode, expected=expected, skip=skip_next))
        skip_next = False
    return records


def result_cell_text(cell):
    """The text of one actual TSV cell in the notation of expected rows."""
    value = unescape_tsv(cell)
    if value is None:
        return "NULL"
    if value == "":
        return "(empty)"
    return value


def parse_tsv_result(body):
    if body == "":
        return []
    text = body[:-1] if body.endswith("\n") else body
    return [[result_cell_text(cell) for cell in line.split("\t")] for line in text.split("\n")]


def normalize_boolean(text):
    lowered = text.lower()
    if lowered in ("1", "true"):
        return "true"
    if lowered in ("0", "false"):
        return "false"
    return text


def cells_equal(expected, actual, type_letter):
    if expected == actual:
        return True
    if type_letter == "B":
        return normalize_boolean(expected) == normalize_boolean(actual)
    if type_letter == "R":
        try:
            want, got = float(expected), float(actual)
        except ValueError:
            return False
        if want == got:
            return True
        return abs(want - got) <= REAL_TOLERANCE * max(abs(want), abs(got))
    return False


def apply_sort(rows, sort_mode):
    if sort_mode == "rowsort":
        return sorted(rows)
    if sort_mode == "valuesort":
        return [[value] for value in sorted(cell for row in rows for cell in row)]
    return rows


def rows_match(record, actual_rows):
    expected = apply_sort(record.expected, record.sort_mode)
    actual = apply_sort(actual_rows, record.sort_mode)
    if len(expected) != len(actual):
        return False
    for want_row, got_row in zip(expected, actual):
        if len(want_row) != len(got_row):
            return False
        for column, (want, got) in enumerate(zip(want_row, got_row)):
            letter = record.types[column] if column < len(record.types) else "T"
            if record.sort_mode == "valuesort":
                letter = "T"
            if not cells_equal(want, got, letter):
                return False
    return True


def format_rows(rows):
    if not rows:
        return "    (no rows)"
    return "\n".join("    " + "\t".join(row) for row in rows)


class Failure:
    def __init__(self, path, record, message):
        self.path = path
        self.record = record
        self.message = message

    def __str__(self):
        sql = "\n".join("    " + line for line in self.record.sql.split("\n"))
        return f"{self.path}:{self.record.line}: {self.message}\n  SQL:\n{sql}"


def run_record(server, path, record):
    """Run one record; return a Failure or None."""
    status, body, _ = server.request(record.sql)

    if record.kind == "statement":
        if record.expect_error:
            if status == 200:
                return Failure(path, record, "statement succeeded but an error was expected"
                               + (f" containing {record.error_substring!r}" if record.error_substring else ""))
            if record.error_substring and record.error_substring.lower() not in body.lower():
                return Failure(path, record,
                               f"error does not contain {record.error_substring!r}\n"
                               f"  actual error (HTTP {status}):\n    {body.strip()}")
            return None
        if status != 200:
            return Failure(path, record, f"statement failed with HTTP {status}:\n    {body.strip()}")
        return None

    if status != 200:
        return Failure(path, record,
                       f"query failed with HTTP {status}:\n    {body.strip()}\n"
                       f"  expected:\n{format_rows(record.expected)}")
    actual = parse_tsv_result(body)
    widths = {len(row) for row in actual}
    if actual and widths != {len(record.types)}:
        return Failure(path, record,
                       f"query returned {'/'.join(map(str, sorted(widths)))} columns but the header declares "
                       f"{len(record.types)} ({record.types})\n"
                       f"  actual:\n{format_rows(actual)}")
    if not rows_match(record, actual):
        return Failure(path, record,
                       f"wrong result ({record.sort_mode})\n"
                       f"  expected:\n{format_rows(apply_sort(record.expected, record.sort_mode))}\n"
                       f"  actual:\n{format_rows(apply_sort(actual, record.sort_mode))}")
    return None


def run_file(path, server):
    """Run every record of one file; return (number run, number skipped, failures)."""
    records = parse_file(path)
    failures = []
    skipped = 0
    for record in records:
        if record.skip:
            skipped += 1
            continue
        failure = run_record(server, path, record)
        if failure:
            failures.append(failure)
            print(f"FAIL {failure}\n", flush=True)
    return len(records) - skipped, skipped, failures


class RemoteServer:
    """A furld that someone else started, reached by URL (for --url)."""

    def __init__(self, url):
        self.url = url.rstrip("/")

    def request(self, sql):
        return http_request(self.url, sql)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", help="sqllogictest files to run")
    parser.add_argument("--furld", default=os.environ.get("FURLD", DEFAULT_FURLD),
                        help="furld binary to start for each file (default: $FURLD or build/bin/furld)")
    parser.add_argument("--url", help="run against a running server at this URL instead of starting one")
    args = parser.parse_args()

    total_records = 0
    total_skipped = 0
    all_failures = []
    for path in args.files:
        started = time.monotonic()
        try:
            if args.url:
                count, skipped, failures = run_file(path, RemoteServer(args.url))
            else:
                with FurlServer(furld=args.furld) as server:
                    count, skipped, failures = run_file(path, server)
                    if failures:
                        print(server.log_tail(), file=sys.stderr)
        except ParseError as error:
            print(f"ERROR {error}", flush=True)
            all_failures.append(error)
            continue
        total_records += count
        total_skipped += skipped
        all_failures.extend(failures)
        elapsed = time.monotonic() - started
        print(f"{path}: {count - len(failures)} passed, {len(failures)} failed, {skipped} skipped "
              f"({elapsed:.1f} s)", flush=True)

    passed = total_records - sum(1 for f in all_failures if isinstance(f, Failure))
    print(f"sqllogic: {passed} passed, {len(all_failures)} failed, {total_skipped} skipped")
    return 1 if all_failures else 0


if __name__ == "__main__":
    sys.exit(main())
