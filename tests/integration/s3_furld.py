#!/usr/bin/env python3
"""Check furld's S3 settings: startup check, credentials sources, bad settings.

With s3-bucket set, furld builds an S3 store and checks at startup that the
bucket is reachable, logging one INFO line with the store and where the
credentials came from. An unreachable endpoint or a missing bucket gives a
WARN line and furld keeps serving. Settings S3 cannot use (no bucket for an
endpoint, no credentials) stop furld with exit status 2 and a message that
names the setting.

    python3 tests/integration/s3_furld.py [--furld build/bin/furld]
"""

import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from furl_testlib import DEFAULT_FURLD, Checks, FurlServer, free_port  # noqa: E402
from s3_testlib import ACCESS_KEY, BUCKET, SECRET_KEY, S3rverProcess  # noqa: E402

AWS_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_SHARED_CREDENTIALS_FILE", "AWS_REGION", "AWS_DEFAULT_REGION")


def clean_env(home, **variables):
    """The test's environment without AWS_* settings, HOME set to `home`, plus `variables`."""
    env = {name: value for name, value in os.environ.items() if name not in AWS_VARIABLES}
    env["HOME"] = home
    env.update(variables)
    return env


def log_text(server):
    with open(server.log_path, encoding="utf-8", errors="replace") as log:
        return log.read()


def run_server(checks, name, furld, extra_args, env, expect_log):
    """Start furld, check that it serves SELECT 1 and that its log contains `expect_log`."""
    server = FurlServer(furld=furld, extra_args=extra_args, env=env)
    try:
        server.start()
        checks.equal(f"{name}: serves queries", "1\n", server.query("SELECT 1"))
        log = log_text(server)
        checks.true(f"{name}: log line", all(text in log for text in expect_log),
                    f"expected {expect_log} in the log:\n{log[-3000:]}")
    except Exception as error:  # noqa: BLE001 (a failed start is one failed check)
        checks.error(name, f"{error}\n{server.log_tail()}")
    finally:
        server.close()


def run_rejected(checks, name, furld, extra_args, env, expect_message):
    """Run furld with settings it must reject; check exit status 2 and the message."""
    with tempfile.TemporaryDirectory(prefix="furl-s3-furld-") as data_dir:
        result = subprocess.run(
            [furld, "--data-dir", data_dir, "--http-port", "0", "--native-port", "0", *extra_args],
            env=env, capture_output=True, text=True, timeout=60)
    output = result.stdout + result.stderr
    checks.equal(f"{name}: exit status", 2, result.returncode)
    checks.true(f"{name}: message", expect_message in output, f"expected {expect_message!r} in:\n{output}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--furld", default=os.environ.get("FURLD", DEFAULT_FURLD))
    args = parser.parse_args()
    checks = Checks("s3_furld")

    with S3rverProcess() as s3rver, tempfile.TemporaryDirectory(prefix="furl-s3-home-") as home:
        # Credentials from the config file, bucket reachable.
        config_path = os.path.join(home, "furld.conf")
        with open(config_path, "w") as config:
            config.write(f"s3-bucket = {BUCKET}\ns3-endpoint = {s3rver.endpoint}\ns3-prefix = furl/\n"
                         f"s3-access-key-id = {ACCESS_KEY}\ns3-secret-access-key = {SECRET_KEY}\n")
        run_server(checks, "config file", args.furld, ["--config", config_path], clean_env(home),
                   ["cold segments go to S3", f"store=s3://{BUCKET}/furl/ at {s3rver.endpoint} (path-style)",
                    "credentials=config"])

        # Credentials from the environment.
        run_server(checks, "environment", args.furld, ["--s3-bucket", BUCKET, "--s3-endpoint", s3rver.endpoint],
                   clean_env(home, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY),
                   ["cold segments go to S3", "credentials=environment"])

        # Credentials from a shared credentials file and profile.
        credentials_path = os.path.join(home, "credentials")
        with open(credentials_path, "w") as credentials:
            credentials.write(f"[default]\naws_access_key_id = WRONG\naws_secret_access_key = WRONG\n\n"
                              f"[furl]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n")
        run_server(checks, "credentials file", args.furld, ["--s3-bucket", BUCKET, "--s3-endpoint", s3rver.endpoint],
                   clean_env(home, AWS_SHARED_CREDENTIALS_FILE=credentials_path, AWS_PROFILE="furl"),
                   ["cold segments go to S3", f"credentials={credentials_path} [furl]"])

        # ~/.aws/credentials with the default profile.
        os.makedirs(os.path.join(home, ".aws"))
        with open(os.path.join(home, ".aws", "credentials"), "w") as credentials:
            credentials.write(f"[default]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n")
        run_server(checks, "home credentials", args.furld, ["--s3-bucket", BUCKET, "--s3-endpoint", s3rver.endpoint],
                   clean_env(home), ["cold segments go to S3", "/.aws/credentials [default]"])

        # A missing bucket and an endpoint with no listener: warnings only.
        env = clean_env(home, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
        run_server(checks, "missing bucket", args.furld, ["--s3-bucket", "absent", "--s3-endpoint", s3rver.endpoint],
                   env, ["S3 bucket is not reachable", "bucket 'absent' does not exist"])
        closed = f"http://127.0.0.1:{free_port()}"
        run_server(checks, "closed endpoint", args.furld,
                   ["--s3-bucket", BUCKET, "--s3-endpoint", closed, "--s3-max-attempts", "2",
                    "--s3-connect-timeout-ms", "500"],
                   env, ["S3 bucket is not reachable", "failed after 2 attempts", "Couldn't connect"])

        # Settings furld rejects.
        run_rejected(checks, "endpoint without bucket", args.furld, ["--s3-endpoint", s3rver.endpoint], env,
                     "s3-endpoint is set but s3-bucket is not")
        empty_home = os.path.join(home, "empty")
        os.makedirs(empty_home)
        run_rejected(checks, "no credentials", args.furld, ["--s3-bucket", BUCKET, "--s3-endpoint", s3rver.endpoint],
                     clean_env(empty_home), "no S3 credentials found")
        run_rejected(checks, "bad endpoint", args.furld, ["--s3-bucket", BUCKET, "--s3-endpoint", "127.0.0.1:9000"],
                     env, "invalid S3 endpoint '127.0.0.1:9000'")

    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
