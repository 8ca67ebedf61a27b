"""Throttling for the sandbox's moto server: a fault knob answering AWS's own throttling error to chosen calls.

moto never throttles; real accounts do, per account, region and API. This WSGI layer in front of moto's app
answers a chosen operation's request with the throttling error that service really sends, in its protocol's
shape (botocore's service model names the protocol): ``Throttling`` (query services, Route 53, CloudWatch),
``ThrottlingException`` (JSON services), ``RequestLimitExceeded`` (EC2), ``SlowDown`` (S3),
``TooManyRequestsException`` (Synthetics, S3 Control), ``LimitExceededException`` (Cost Explorer) — each one
botocore's standard retry mode retries as throttling.

The knob (JSON), at ``/envmatrix-api/throttle``: ``POST {"operations": ["rds:DescribeDBInstances"] | ["*"],
"first": N, "fraction": 0.1, "seed": 1}`` throttles each named operation's first N requests, and then (with
``fraction``) that share of the rest, drawn from ``seed``; ``GET`` answers the requests seen and throttled per
operation; ``DELETE`` (and moto's reset) turns it off.
"""

from __future__ import annotations

import functools
import io
import json
import random
import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

KNOB = "/envmatrix-api/throttle"
RESET = "/moto-api/reset"
RATE_EXCEEDED = "Rate exceeded"
#: service -> (error code, HTTP status, message) where it is not its protocol's usual ``Throttling`` (query, XML)
#: or ``ThrottlingException`` (JSON, CBOR)
CODES: dict[str, tuple[str, int, str]] = {
    "ec2": ("RequestLimitExceeded", 503, "Request limit exceeded."),
    "s3": ("SlowDown", 503, "Please reduce your request rate."),
    "s3control": ("TooManyRequestsException", 429, RATE_EXCEEDED),
    "synthetics": ("TooManyRequestsException", 429, "There were too many simultaneous requests."),
    "ce": ("LimitExceededException", 400, "You made too many calls in a short period of time. Try again later."),
    "route53": ("Throttling", 400, RATE_EXCEEDED),
    "cloudwatch": ("Throttling", 400, RATE_EXCEEDED),  # query-compatible: the code travels in x-amzn-query-error
}
#: signing name (the SigV4 credential scope's service) -> botocore service names, where they differ
SIGNED_AS: dict[str, tuple[str, ...]] = {"elasticloadbalancing": ("elbv2",), "monitoring": ("cloudwatch",),
                                         "s3": ("s3", "s3control")}
_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")

Response = tuple[int, list[tuple[str, str]], bytes]
App = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class Knob:
    """What to throttle and what was: operations ("service:Operation", or "*"), the first N, then a share."""

    operations: frozenset[str] = frozenset()
    first: int = 0
    fraction: float = 0.0
    seed: int = 0
    seen: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)
    _draw: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def set(self, settings: dict[str, Any]) -> None:
        with self._lock:
            self.operations = frozenset(str(item) for item in settings.get("operations", []))
            self.first, self.fraction = int(settings.get("first", 0)), float(settings.get("fraction", 0.0))
            self.seed = int(settings.get("seed", 0))
            self._draw = random.Random(self.seed)
            self.seen.clear()
            self.throttled.clear()

    def off(self) -> None:
        self.set({})

    def decide(self, operation: str) -> bool:
        """Count a request of ``operation``; True when it is to be throttled."""
        with self._lock:
            if operation not in self.operations and "*" not in self.operations:
                return False
            self.seen[operation] += 1
            throttle = self.seen[operation] <= self.first or (self.fraction > 0 and self._draw.random() < self.fraction)
            if throttle:
                self.throttled[operation] += 1
            return throttle

    def report(self) -> dict[str, Any]:
        with self._lock:
            return {"seen": dict(self.seen), "throttled": dict(self.throttled)}


@functools.cache
def _model(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


def _service(environ: dict[str, Any]) -> str:
    """The botocore service a request is for, from its signature's credential scope ("" when unsigned)."""
    found = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if not found:
        return ""
    names = SIGNED_AS.get(found.group(1), (found.group(1),))
    if len(names) > 1:  # S3 and S3 Control sign alike; S3 Control's paths carry its API version
        return "s3control" if environ.get("PATH_INFO", "").startswith("/v20180820/") else "s3"
    return names[0]


def _uri_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("^" + "".join(
        (".+" if part.endswith("+}") else "[^/]+") if part.startswith("{") else re.escape(part) for part in parts)
        + "/?$")


@functools.cache
def _rest_routes(service: str) -> list[tuple[str, re.Pattern[str], frozenset[str], int, str]]:
    """(method, path pattern, required query keys, specificity, operation) of a REST service, most specific first."""
    model, routes = _model(service), []
    for name in model.operation_names:
        http = model.operation_model(name).http
        path, _, query = str(http.get("requestUri", "/")).partition("?")
        keys = frozenset(item.split("=")[0] for item in query.split("&") if item)
        literal = len(re.sub(r"\{[^}]+\}", "", path))
        routes.append((str(http.get("method", "GET")), _uri_pattern(path), keys, literal + 100 * len(keys), name))
    return sorted(routes, key=lambda route: -route[3])


def protocol_of(environ: dict[str, Any], service: str) -> str:
    """The protocol a request speaks: a service may offer several (CloudWatch: CBOR, JSON, query), the client
    picks one; the answer must be in the same."""
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "json"
    if environ.get("HTTP_SMITHY_PROTOCOL") or "cbor" in environ.get("CONTENT_TYPE", ""):
        return "smithy-rpc-v2-cbor"
    return str(_model(service).metadata.get("protocol", ""))


def _operation(environ: dict[str, Any], service: str, protocol: str) -> str:
    """The operation a request calls: query Action, JSON target, CBOR path, or the REST model's route."""
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    path = environ.get("PATH_INFO", "")
    if protocol in ("query", "ec2"):
        if "Action" not in query:
            size = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(size) if size else b""
            environ["wsgi.input"] = io.BytesIO(body)  # moto reads it again
            query = parse_qs(body.decode("utf-8", "replace"))
        return str(query.get("Action", [""])[0])
    if protocol == "json":
        return str(environ.get("HTTP_X_AMZ_TARGET", "")).rsplit(".", 1)[-1]
    if protocol == "smithy-rpc-v2-cbor":
        return path.rsplit("/operation/", 1)[-1] if "/operation/" in path else ""
    method = environ.get("REQUEST_METHOD", "GET")
    for verb, pattern, keys, _rank, name in _rest_routes(service):
        if verb == method and keys <= set(query) and pattern.match(path):
            return str(name)
    return ""


def _cbor(mapping: dict[str, str]) -> bytes:
    """A CBOR map of short text strings (all a throttling error body holds)."""
    def text(value: str) -> bytes:
        data = value.encode()
        return (bytes([0x60 + len(data)]) if len(data) < 24 else bytes([0x78, len(data)])) + data

    return bytes([0xA0 + len(mapping)]) + b"".join(text(key) + text(value) for key, value in mapping.items())


def throttling_answer(service: str, protocol: str) -> Response:
    """The throttling error ``service`` answers, in the shape of the ``protocol`` it was asked in."""
    code, status, message = CODES.get(service) or (
        ("ThrottlingException", 400, RATE_EXCEEDED) if "json" in protocol or "cbor" in protocol
        else ("Throttling", 400, RATE_EXCEEDED))
    request_id = str(uuid.uuid4())
    # a query-compatible service (CloudWatch) says its query error code in a header, as botocore reads it
    compatible = ([("x-amzn-query-error", f"{code};Sender")]
                  if _model(service).metadata.get("awsQueryCompatible") is not None else [])
    if protocol == "json":
        return status, [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", request_id),
                        *compatible], json.dumps({"__type": code, "message": message}).encode()
    if protocol == "rest-json":
        return status, [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id),
                        ("x-amzn-ErrorType", code)], json.dumps({"message": message}).encode()
    if protocol == "smithy-rpc-v2-cbor":
        return status, [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor"),
                        ("x-amzn-RequestId", request_id), *compatible], _cbor({"__type": code, "message": message})
    if protocol == "ec2":
        body = (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
                f"<RequestID>{request_id}</RequestID></Response>")
    elif service in ("s3", "s3control"):
        body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
    else:  # query and Route 53's rest-xml
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>")
    return status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body.encode()


def _knob_answer(knob: Knob, environ: dict[str, Any]) -> Response:
    method = environ.get("REQUEST_METHOD", "GET")
    if method == "POST":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        knob.set(json.loads(environ["wsgi.input"].read(size) or b"{}"))
    elif method == "DELETE":
        knob.off()
    return 200, [("Content-Type", "application/json")], json.dumps(knob.report()).encode()


def throttled(app: App, knob: Knob) -> App:
    """``app`` behind the knob: a chosen operation's request gets its service's throttling answer instead."""
    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        answer: Response | None = None
        if path == KNOB:
            answer = _knob_answer(knob, environ)
        elif path == RESET:
            knob.off()
        elif knob.operations:
            service = _service(environ)
            protocol = protocol_of(environ, service) if service else ""
            if service and knob.decide(f"{service}:{_operation(environ, service, protocol)}"):
                answer = throttling_answer(service, protocol)
        if answer is None:
            return app(environ, start_response)
        status, headers, body = answer
        start_response(f"{status} {HTTPStatus(status).phrase}",
                       [*headers, ("Content-Length", str(len(body)))])
        return [body]

    return serve
