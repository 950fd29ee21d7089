#!/usr/bin/env python3
"""Test the sqllogictest runner against fake_furld.py, without the engine.

Checks that passing records pass, that each kind of mismatch is reported
with its file:line, that syntax errors in a test file are reported, and that
the server launcher stops the server it started.
"""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "..", "runner.py")
FAKE_FURLD = os.path.join(HERE, "fake_furld.py")

sys.path.insert(0, os.path.join(HERE, "..", "..", "integration"))
from furl_testlib import FurlServer  # noqa: E402


def run_runner(*files):
    result = subprocess.run([sys.executable, RUNNER, "--furld", FAKE_FURLD, *files],
                            capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout + result.stderr


class RunnerSelfTest(unittest.TestCase):
    def test_passing_file_exits_zero(self):
        status, output = run_runner(os.path.join(HERE, "pass.test"))
        self.assertEqual(status, 0, output)
        self.assertIn("0 failed, 2 skipped", output)

    def test_failures_name_file_and_line(self):
        path = os.path.join(HERE, "fail.test")
        status, output = run_runner(path)
        self.assertEqual(status, 1, output)
        expected_messages = {
            3: "wrong result",
            10: "query returned 1 columns but the header declares 2",
            15: "statement failed with HTTP 404",
            18: "error does not contain 'unknown table'",
            21: "statement succeeded but an error was expected",
            24: "query returned 3 columns but the header declares 1",
        }
        for line, message in expected_messages.items():
            self.assertIn(f"{path}:{line}: {message}", output)
        self.assertIn("0 passed, 6 failed, 0 skipped", output)

    def test_wrong_result_shows_expected_and_actual(self):
        status, output = run_runner(os.path.join(HERE, "fail.test"))
        self.assertIn("expected:\n    1\n    2\n    3\n  actual:\n    3\n    1\n    2", output)

    def test_bad_test_file_is_reported(self):
        with tempfile.NamedTemporaryFile("w", suffix=".test", delete=False) as f:
            f.write("query I\nSELECT 1\n----\n1\t2\n")
        try:
            status, output = run_runner(f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(status, 1, output)
        self.assertIn(f"{f.name}:4: expected row has 2 columns", output)

    def test_server_stopped_after_close(self):
        server = FurlServer(furld=FAKE_FURLD).start()
        pid = server.process.pid
        self.assertEqual(server.query("SELECT 1"), "1\n")
        server.close()
        with self.assertRaises(ProcessLookupError):
            os.kill(pid, 0)
        self.assertFalse(os.path.exists(server.work_dir))

    def test_server_restarts_on_same_data_dir(self):
        server = FurlServer(furld=FAKE_FURLD).start()
        try:
            data_dir = server.data_dir
            server.kill()
            server.start()
            self.assertEqual(server.data_dir, data_dir)
            self.assertEqual(server.query_rows("SELECT 'a', NULL, ''"), [["a", None, ""]])
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
