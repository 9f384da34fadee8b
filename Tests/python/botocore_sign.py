"""Sign requests with botocore's SigV4 signers, for comparison with the Swift signer.

Usage: botocore_sign.py CASES_JSON

CASES_JSON holds {"cases": [...]}; each case has:
  id, kind ("header" or "query"), service, region, access_key, secret_key, token (or null),
  method, timestamp (epoch seconds), expires (query), unsigned_payload (header),
  url (scheme://authority plus, for non-S3, the raw path as sent),
  s3_key (S3 only: the raw object key, or null) which is appended to url encoded the way
  botocore's REST serializer encodes a {Key+} label,
  params ([[key, value], ...] raw, unencoded), headers ([[name, value], ...]), body_b64.

Prints a JSON list, one entry per case: id, canonical (botocore's canonical request), and either
authorization and headers (header signing) or url (query signing).
"""
import base64
import datetime
import json
import sys
import types

import botocore
import botocore.auth
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode


def capturing(cls):
    """The signer class, remembering the canonical request it signed."""

    class Capturing(cls):
        captured = None

        def canonical_request(self, request):
            self.captured = super().canonical_request(request)
            return self.captured

    return Capturing


def sign(case):
    # botocore takes the time from botocore.auth.get_current_datetime (naive UTC); pin it.
    fixed = datetime.datetime.fromtimestamp(case["timestamp"], datetime.timezone.utc).replace(tzinfo=None)
    botocore.auth.get_current_datetime = lambda remove_tzinfo=True: fixed

    s3 = case["service"] == "s3"
    url = case["url"]
    if case.get("s3_key") is not None:
        url += "/" + percent_encode(case["s3_key"], safe="/~")
    credentials = Credentials(case["access_key"], case["secret_key"], case.get("token"))
    request = AWSRequest(
        method=case["method"],
        url=url,
        data=base64.b64decode(case["body_b64"]),
        params=[(k, v) for k, v in case["params"]],
    )
    for name, value in case["headers"]:
        request.headers[name] = value  # appends: repeated names stay repeated

    if case["kind"] == "header":
        if case["unsigned_payload"]:
            if s3:
                request.context["client_config"] = types.SimpleNamespace(s3={"payload_signing_enabled": False})
            else:
                request.context["payload_signing_enabled"] = False
        signer = capturing(S3SigV4Auth if s3 else SigV4Auth)(credentials, case["service"], case["region"])
        signer.add_auth(request)
        return {
            "id": case["id"],
            "canonical": signer.captured,
            "authorization": request.headers["Authorization"],
            "headers": [[n, v] for n, v in request.headers.items()],
        }

    signer = capturing(S3SigV4QueryAuth if s3 else SigV4QueryAuth)(
        credentials, case["service"], case["region"], expires=case["expires"]
    )
    signer.add_auth(request)
    return {"id": case["id"], "canonical": signer.captured, "url": request.url}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    results = [sign(case) for case in cases]
    sys.stdout.write(json.dumps({"botocore": botocore.__version__, "results": results}))


if __name__ == "__main__":
    main()
