"""A real S3-compatible server for the tests: moto's, on 127.0.0.1 on an ephemeral port.

It is moto's own WSGI application served over HTTP, as ``moto.server`` serves it,
behind a thin layer that logs every request and can answer chosen ones with an
error (a store refusing a key, a store down for a while). The client library is
never patched: boto3 talks HTTP to this server.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

#: The environment a test's boto3 sees: moto's test credentials, nothing read from the
#: machine's AWS setup, no instance-metadata service.
TEST_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def use_test_credentials(monkeypatch: Any) -> None:
    """Replace every ``AWS_*`` variable with :data:`TEST_AWS_ENVIRONMENT` for one test."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    for name, value in TEST_AWS_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


class _QuietHandler(MotoRequestHandler):
    """moto's request handler without a log line per request on stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class Fault:
    """Answer ``method`` requests for keys ending in ``key_suffix`` with ``status``, ``times``
    times (``None``: always)."""

    method: str
    key_suffix: str
    status: int
    code: str
    times: int | None = None


class S3Server:
    """moto's S3 on 127.0.0.1 in a thread; ``endpoint`` is its URL."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        #: The objects each DeleteObjects request named (``/bucket/key``), in order.
        self.deleted: list[str] = []
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        moto = DomainDispatcherApplication(create_backend_app)
        self._moto = moto
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, self._app, threaded=True, request_handler=_QuietHandler
        )
        host, port = self._server.server_address[:2]
        self.endpoint = f"http://{host!s}:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> S3Server:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (a store gone away)."""
        self._server.shutdown()
        self._thread.join()

    def _app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        path = unquote(environ.get("PATH_INFO", ""))
        named: list[str] = []
        if method == "POST" and "delete" in environ.get("QUERY_STRING", "").split("&"):
            # DeleteObjects: its keys are in the body, read here and handed on to moto.
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            keys = ElementTree.fromstring(body).findall(".//{*}Key")
            named = [f"{path.rstrip('/')}/{key.text}" for key in keys]
        with self._lock:
            self.requests.append((method, path))
            self.deleted.extend(named)
            fault = next(
                (
                    f
                    for f in self.faults
                    if f.method == method and path.endswith(f.key_suffix) and f.times != 0
                ),
                None,
            )
            if fault is not None and fault.times is not None:
                fault.times -= 1
        if fault is not None:
            # Read the body first, as a real server does, so the client sees the answer.
            length = int(environ.get("CONTENT_LENGTH") or 0)
            environ["wsgi.input"].read(length)
            body = (
                f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{fault.code}</Code>'
                f"<Message>injected by the test</Message></Error>"
            ).encode()
            start_response(
                f"{fault.status} {fault.code}",
                [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
            )
            return [body]
        result: Iterable[bytes] = self._moto(environ, start_response)
        return result

    def writes(self) -> list[tuple[str, str]]:
        """The PUT, POST and DELETE requests served so far."""
        return [(m, p) for m, p in self.requests if m in ("PUT", "POST", "DELETE")]
