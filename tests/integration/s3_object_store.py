#!/usr/bin/env python3
"""Run the S3ObjectStore integration tests against s3rver and the fault proxy.

Starts s3rver (with bucket furl-test) and a FaultProxy in front of it, then
runs the s3_integration_tests gtest binary with their addresses in the
environment. The tests inject faults through the proxy's control API.

    python3 tests/integration/s3_object_store.py --s3-tests build/bin/s3_integration_tests
"""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from furl_testlib import free_port  # noqa: E402
from s3_testlib import ACCESS_KEY, BUCKET, SECRET_KEY, FaultProxy, S3rverProcess  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--s3-tests", required=True, help="path of the s3_integration_tests binary")
    parser.add_argument("--node", default="node", help="node executable that runs s3rver")
    args, gtest_args = parser.parse_known_args()

    with S3rverProcess(node=args.node) as s3rver, FaultProxy(s3rver.port) as proxy:
        env = dict(os.environ)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                     "AWS_SHARED_CREDENTIALS_FILE", "AWS_REGION", "AWS_DEFAULT_REGION"):
            env.pop(name, None)
        env.update({
            "FURL_S3_ENDPOINT": s3rver.endpoint,
            "FURL_S3_VHOST_ENDPOINT": f"http://s3.localhost:{s3rver.port}",
            "FURL_S3_PROXY_ENDPOINT": proxy.endpoint,
            "FURL_S3_CLOSED_ENDPOINT": f"http://127.0.0.1:{free_port()}",
            "FURL_S3_BUCKET": BUCKET,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        })
        result = subprocess.run([args.s3_tests, *gtest_args], env=env, timeout=540)
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())
