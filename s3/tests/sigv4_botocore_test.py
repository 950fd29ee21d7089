"""Compare Furl's SigV4 signatures of S3 requests with botocore's.

botocore (bundled with Debian's awscli, so run this with /usr/bin/python3)
is the signing oracle: s3rver does not check signatures, so only this test
shows that a real S3 would accept ours. For each case, s3_sign_request
builds the URL and signs the request as S3ObjectStore does, at a fixed
date. botocore signs the same request built independently: the key encoded
by botocore's percent_encode, the query from a params dict. The URL path,
query, Host and every x-amz-* and Authorization header must match.

    /usr/bin/python3 sigv4_botocore_test.py --sign-request build/bin/s3_sign_request
"""

import argparse
import subprocess
import sys
from urllib.parse import urlsplit

try:
    import awscli  # noqa: F401  (puts Debian's bundled botocore on the path)
except ImportError:
    pass
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode

DATE = "20240229T235959Z"
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

MULTIPART_XML = ("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"a54357aff0632cce46d942af68356b38\""
                 "</ETag></Part></CompleteMultipartUpload>")

# Each case: what S3ObjectStore sends for one operation.
CASES = [
    dict(name="get with range", method="GET", key="segments/00000001.seg", headers={"Range": "bytes=100-4195"}),
    dict(name="get open range", method="GET", key="a.seg", headers={"Range": "bytes=5-"}),
    dict(name="put", method="PUT", key="segments/00000001.seg", body="hello segment\n" * 20),
    dict(name="put empty body", method="PUT", key="empty", body=""),
    dict(name="key with spaces", method="PUT", key="my table/seg 1 .seg", body="x"),
    dict(name="key with unicode", method="GET", key="données/été-日本語-😀.seg"),
    dict(name="key with plus", method="GET", key="a+b/c+d=e&f.seg", headers={"Range": "bytes=0-0"}),
    dict(name="key with reserved characters", method="HEAD", key="w/!'()*@:;,$?#[]%~ key"),
    dict(name="key with dot segments", method="GET", key="a/./b/../c//d"),
    dict(name="head", method="HEAD", key="segments/x.seg"),
    dict(name="delete", method="DELETE", key="segments/x y+z.seg"),
    dict(name="list first page", method="GET", key="",
         query={"list-type": "2", "max-keys": "1000", "prefix": "cold/"}),
    dict(name="list with continuation", method="GET", key="",
         query={"list-type": "2", "max-keys": "2", "prefix": "cold/tab le+ü/",
                "continuation-token": "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="}),
    dict(name="multipart start", method="POST", key="big seg+1.seg", query={"uploads": ""}),
    dict(name="multipart part", method="PUT", key="big seg+1.seg", body="p" * 1000,
         query={"partNumber": "3", "uploadId": "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA+/="}),
    dict(name="multipart complete", method="POST", key="big seg+1.seg", body=MULTIPART_XML,
         headers={"Content-Type": "application/xml"}, query={"uploadId": "abc+/="}),
    dict(name="multipart abort", method="DELETE", key="big seg+1.seg", query={"uploadId": "abc"}),
    dict(name="virtual-hosted get", method="GET", key="cold/a b.seg", addressing="virtual",
         endpoint="https://s3.eu-west-3.amazonaws.com", bucket="furl-data", region="eu-west-3",
         headers={"Range": "bytes=0-99"}),
    dict(name="virtual-hosted list", method="GET", key="", addressing="virtual",
         endpoint="https://s3.us-west-2.amazonaws.com", bucket="furl-data", region="us-west-2",
         query={"list-type": "2", "prefix": "x"}),
    dict(name="default https port dropped", method="GET", key="k", endpoint="https://minio.local:443"),
    dict(name="session token", method="PUT", key="t.seg", body="abc", token="FwoGZXIvYXdzEJr//////////+token="),
    dict(name="header spaces collapsed", method="PUT", key="h", body="b",
         headers={"Content-Type": "  text/plain;   charset=utf-8 "}),
]


def cpp_sign(tool, case):
    """Run s3_sign_request; return (url, {lowercase header: value})."""
    argv = [tool,
            "--endpoint", case.get("endpoint", "http://127.0.0.1:9000"),
            "--bucket", case.get("bucket", "furl-test"),
            "--addressing", case.get("addressing", "path"),
            "--method", case["method"],
            "--key", case["key"],
            "--body", case.get("body", ""),
            "--date", DATE,
            "--region", case.get("region", "us-east-1"),
            "--access-key", ACCESS_KEY,
            "--secret-key", SECRET_KEY]
    if case.get("token"):
        argv += ["--session-token", case["token"]]
    for name, value in case.get("query", {}).items():
        argv += ["--query", f"{name}={value}"]
    for name, value in case.get("headers", {}).items():
        argv += ["--header", f"{name}: {value}"]
    output = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    url = None
    headers = {}
    for line in output.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "url":
            url = rest
        elif kind == "header":
            name, _, value = rest.partition(": ")
            headers[name.lower()] = value
    return url, headers


def botocore_sign(case):
    """Sign the same request with botocore; return (path, query, host, headers)."""
    endpoint = urlsplit(case.get("endpoint", "http://127.0.0.1:9000"))
    bucket = case.get("bucket", "furl-test")
    key = case["key"]
    if case.get("addressing", "path") == "virtual":
        netloc = f"{bucket}.{endpoint.netloc}"
        path = "/" + percent_encode(key, safe="/~")
    else:
        netloc = endpoint.netloc
        path = f"/{bucket}" + (("/" + percent_encode(key, safe="/~")) if key else "")
    request = AWSRequest(method=case["method"], url=f"{endpoint.scheme}://{netloc}{path}",
                         headers=dict(case.get("headers", {})), data=case.get("body", "").encode(),
                         params=dict(case.get("query", {})))
    credentials = Credentials(ACCESS_KEY, SECRET_KEY, case.get("token"))
    auth = S3SigV4Auth(credentials, "s3", case.get("region", "us-east-1"))

    # add_auth() with a fixed timestamp instead of the current time.
    request.context["timestamp"] = DATE
    auth._modify_request_before_signing(request)
    canonical = auth.canonical_request(request)
    signature = auth.signature(auth.string_to_sign(request, canonical), request)
    auth._inject_signature_to_request(request, signature)

    query = auth.canonical_query_string(request)
    host = auth.headers_to_sign(request)["host"]
    headers = {name.lower(): value for name, value in request.headers.items()}
    return path, query, host, headers, canonical


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sign-request", required=True, help="path of the s3_sign_request binary")
    args = parser.parse_args()

    failures = 0
    for case in CASES:
        url, cpp_headers = cpp_sign(args.sign_request, case)
        path, query, host, boto_headers, canonical = botocore_sign(case)
        parts = urlsplit(url)
        checks = [
            ("URL path", parts.path, path),
            ("URL query", parts.query, query),
            ("Host", cpp_headers.get("host"), host),
        ]
        for name in ("x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "authorization"):
            checks.append((name, cpp_headers.get(name), boto_headers.get(name)))
        case_failed = False
        for what, ours, theirs in checks:
            if ours != theirs:
                case_failed = True
                print(f"FAIL {case['name']}: {what}\n  furl:     {ours!r}\n  botocore: {theirs!r}")
        if case_failed:
            failures += 1
            print(f"  botocore canonical request:\n{canonical}")
        else:
            print(f"ok   {case['name']}")

    print(f"{len(CASES) - failures}/{len(CASES)} cases match botocore")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
