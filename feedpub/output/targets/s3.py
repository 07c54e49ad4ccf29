"""Feeds as objects in S3-compatible storage: AWS S3, MinIO, Ceph RGW, Cloudflare R2 and the like.

A single PUT is atomic in S3: a reader gets the old object or the new one,
never half. Each object carries its ``Content-Type`` and the config's
``Cache-Control``, and is uploaded only when its bytes or those headers
differ from what is stored. Credentials come from boto3's usual chain
(environment, profile, SSO, instance or container role), never from feedpub.

One listing per run says what every feed object holds: the prefix's top level,
then each folder feedpub writes below it that is there (``archive/``,
``category/``), one LIST request per 1,000 objects. A feed's stamp is derived
from its ETag, so an unchanged run makes those LIST requests and nothing else.

Imported only for an ``s3://`` output (see :data:`feedpub.output.targets.TARGETS`):
boto3 is the optional ``feedpub[s3]`` extra.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.loaders import Loader, create_loader

from feedpub.errors import ConfigError, PublishError
from feedpub.output.paths import is_document_path
from feedpub.output.targets.base import Stored
from feedpub.output.targets.settings import (
    DEFAULT_CACHE_CONTROL,
    TargetSettings,
    endpoint_problem,
    split_s3_url,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

__all__ = ["ATTEMPTS", "AWS_ENDPOINT_ENV", "DELETES_PER_REQUEST", "S3Target", "open_url"]

#: Read when the settings name no endpoint: the AWS SDKs' own names for the same thing.
AWS_ENDPOINT_ENV = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
#: The folders feedpub writes below the prefix (all it writes at the top level are files).
FEED_FOLDERS = ("archive/", "category/", "feed/")

T = TypeVar("T")

#: Keys in one DeleteObjects request (the most S3 takes).
DELETES_PER_REQUEST = 1000
#: Tries per request, the first included, before the run gives up naming the key.
ATTEMPTS = 5
#: Seconds before the first retry; each retry waits twice as long (0.5 + 1 + 2 + 4 s at most).
FIRST_BACKOFF = 0.5
#: Error codes a store answers with when trying again later can succeed.
_TRANSIENT_CODES = frozenset(
    {"SlowDown", "RequestTimeout", "Throttling", "ThrottlingException", "ServiceUnavailable"}
)


_loader: Loader | None = None


def _session() -> boto3.session.Session:
    """A new session (credentials resolved afresh) sharing one loader of botocore's service
    models, which otherwise takes most of a second to read for every target made."""
    global _loader
    if _loader is None:
        _loader = create_loader()
    core = botocore.session.Session()
    core.register_component("data_loader", _loader)
    return boto3.session.Session(botocore_session=core)


class _Object(NamedTuple):
    size: int
    etag: str  # without its quotes


def _etag(raw: str) -> str:
    return raw.strip('"')


def _stamp(etag: str) -> int:
    """An ETag as the integer the build state keeps for a file's mtime (56 bits, any store's)."""
    return int.from_bytes(hashlib.blake2b(etag.encode(), digest_size=7).digest(), "big")


def _transient(exc: Exception) -> bool:
    """True when the same request may succeed later: no answer, a 5xx, throttling."""
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return True
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        code = exc.response.get("Error", {}).get("Code", "")
        return status >= 500 or status == 429 or code in _TRANSIENT_CODES
    return False


def _reason(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
        message = error.get("Message") or ""
        return f"{error.get('Code', 'error')} (HTTP {status}){': ' + message if message else ''}"
    return str(exc)


def _unsupported(exc: ClientError) -> bool:
    """True when the store does not implement the request (so another one is needed)."""
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    code = exc.response.get("Error", {}).get("Code", "")
    return status in (405, 501) or code in ("NotImplemented", "MethodNotAllowed")


def _missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


class S3Target:
    """Feeds under ``s3://bucket/prefix``, published with boto3."""

    def __init__(
        self,
        bucket: str,
        prefix: str,
        *,
        endpoint_url: str | None = None,
        cache_control: str = DEFAULT_CACHE_CONTROL,
        attempts: int = ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Publish under ``prefix`` (``""`` or ending in ``/``) of ``bucket``, at ``endpoint_url``
        (``None``: AWS). A failing request is tried ``attempts`` times, ``sleep`` between."""
        self.bucket = bucket
        self.prefix = prefix
        self.cache_control = cache_control
        self.attempts = attempts
        self._sleep = sleep
        options: dict[str, Any] = {
            # Retries are this module's own loop (one policy for every store); botocore's
            # would multiply with it.
            "retries": {"total_max_attempts": 1},
            # Content-MD5 on each PUT lets any store check the bytes; the newer CRC headers
            # boto3 adds by default are refused by some S3-compatible stores.
            "request_checksum_calculation": "when_required",
            "response_checksum_validation": "when_required",
            "connect_timeout": 10,
            "read_timeout": 30,
        }
        if endpoint_url is not None:
            # MinIO, Ceph and R2 all answer path-style; virtual hosts need DNS set up for them.
            options["s3"] = {"addressing_style": "path"}
        self._client: S3Client = _session().client(
            "s3", endpoint_url=endpoint_url, config=Config(**options)
        )
        self._objects: dict[str, _Object] | None = None
        #: In a batch: the paths removed, deleted together when it ends.
        self._doomed: list[str] | None = None
        #: The store answered that it has no DeleteObjects (Google Cloud Storage's XML API):
        #: one DELETE each.
        self._one_by_one = False

    @contextmanager
    def session(self, state_dir: Path | None, *, dry_run: bool) -> Iterator[None]:
        """Nothing to hold: a bucket keeps no marker of its publisher (the lock is the
        source's, and the state is the machine's)."""
        yield

    def recover(self) -> None:
        """Nothing to clear: a PUT is whole or absent, and a bucket has no folders."""

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Each PUT is in place when it returns; the removals in the block are sent together
        when it ends (DeleteObjects, :data:`DELETES_PER_REQUEST` keys a request: a new
        ``archive`` removes 64,593 pages at 100,000 records). If the block raises, they are
        not sent: the state has not recorded the build as finished, so the next one lists
        the bucket and removes them."""
        if self._doomed is not None:
            yield
            return
        self._doomed = []
        try:
            yield
            doomed = self._doomed
        finally:
            self._doomed = None
        for start in range(0, len(doomed), DELETES_PER_REQUEST):
            self._delete(doomed[start : start + DELETES_PER_REQUEST])

    def _delete(self, paths: list[str]) -> None:
        """Delete the objects at ``paths`` in one request (one each from a store that has no
        DeleteObjects); PublishError naming the first that was not deleted."""
        keys: list[ObjectIdentifierTypeDef] = [{"Key": self.prefix + path} for path in paths]

        def request() -> Any:
            try:
                return self._client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True}
                )
            except ClientError as exc:
                if _unsupported(exc):
                    return None
                raise

        response = None if self._one_by_one else self._call("delete", paths[0], request)
        if response is None:
            self._one_by_one = True  # asked once a run
            for path in paths:
                self._delete_one(path)
            return
        for error in response.get("Errors", []):
            if error.get("Code") != "NoSuchKey":
                path = error.get("Key", "")[len(self.prefix) :]
                raise PublishError(
                    self.url(path), f"delete failed: {error.get('Code')} {error.get('Message')}"
                )

    def url(self, path: str) -> str:
        """The object's ``s3://`` URL, as messages name it."""
        return f"s3://{self.bucket}/{self.prefix}{path}"

    def _call(self, action: str, path: str, request: Callable[[], T]) -> T:
        """``request()``, tried again after a transient failure; PublishError naming the key."""
        for attempt in range(1, self.attempts + 1):
            try:
                return request()
            except (BotoCoreError, ClientError) as exc:
                if not _transient(exc) or attempt == self.attempts:
                    tries = f" after {attempt} tries" if attempt > 1 else ""
                    raise PublishError(
                        self.url(path), f"{action} failed{tries}: {_reason(exc)}"
                    ) from None
                self._sleep(FIRST_BACKOFF * 2 ** (attempt - 1))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _listing(self) -> dict[str, _Object]:
        """Every feed object under the prefix, listed once per run and kept up to date."""
        if self._objects is None:
            self._objects = self._call("listing", "", self._list)
        return self._objects

    def _list(self) -> dict[str, _Object]:
        found: dict[str, _Object] = {}
        paginator = self._client.get_paginator("list_objects_v2")
        # The top level without descending (the prefix may be a whole site), then each folder
        # feedpub writes that is there, all the way down (archive pages, categories' feeds).
        folders: list[str] = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix, Delimiter="/"):
            self._add(found, page.get("Contents", []))
            folders.extend(p["Prefix"] for p in page.get("CommonPrefixes", []) if "Prefix" in p)
        for folder in FEED_FOLDERS:
            if self.prefix + folder in folders:
                for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + folder):
                    self._add(found, page.get("Contents", []))
        return found

    def _add(self, found: dict[str, _Object], items: list[Any]) -> None:
        for item in items:
            relative = item["Key"][len(self.prefix) :]
            if is_document_path(relative):
                found[relative] = _Object(item["Size"], _etag(item["ETag"]))

    def headers(self) -> str:
        """The content types and ``Cache-Control`` every object gets."""
        return TargetSettings(cache_control=self.cache_control).headers_fingerprint()

    def stored(self, path: str) -> Stored | None:
        """Size and ETag stamp of the object, from the run's listing."""
        found = self._listing().get(path)
        return None if found is None else Stored(found.size, _stamp(found.etag))

    def read(self, path: str) -> bytes | None:
        """The object's bytes (a GET)."""

        def get() -> bytes | None:
            try:
                response = self._client.get_object(Bucket=self.bucket, Key=self.prefix + path)
            except ClientError as exc:
                if _missing(exc):
                    return None
                raise
            return response["Body"].read()

        return self._call("download", path, get)

    def holds(self, path: str, data: bytes, content_type: str) -> bool:
        """True when the object has exactly ``data``, ``content_type`` and the Cache-Control."""
        found = self._listing().get(path)
        if found is None or found.size != len(data):
            return False
        md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
        # An ETag that is not the bytes' MD5 (a multipart upload, SSE-KMS): compare the bytes.
        if found.etag != md5 and self.read(path) != data:
            return False

        def head() -> dict[str, Any] | None:
            try:
                return dict(self._client.head_object(Bucket=self.bucket, Key=self.prefix + path))
            except ClientError as exc:
                if _missing(exc):
                    return None
                raise

        headers = self._call("reading the headers of", path, head)
        return (
            headers is not None
            and headers.get("ContentType") == content_type
            and headers.get("CacheControl") == self.cache_control
        )

    def write_if_changed(self, path: str, data: bytes, content_type: str) -> tuple[bool, Stored]:
        """PUT the object unless it holds ``data`` with these headers already."""
        if self.holds(path, data, content_type):
            found = self._listing()[path]
            return False, Stored(found.size, _stamp(found.etag))
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        response = self._call(
            "upload",
            path,
            lambda: self._client.put_object(
                Bucket=self.bucket,
                Key=self.prefix + path,
                Body=data,
                ContentType=content_type,
                CacheControl=self.cache_control,
                ContentMD5=md5,
            ),
        )
        etag = _etag(response["ETag"])
        self._listing()[path] = _Object(len(data), etag)
        return True, Stored(len(data), _stamp(etag))

    def remove(self, path: str) -> bool:
        """DELETE the object (in a batch: when it ends, with the others); True when it was
        listed."""
        listed = self._listing().pop(path, None) is not None
        if self._doomed is not None:
            self._doomed.append(path)
        else:
            self._delete_one(path)
        return listed

    def _delete_one(self, path: str) -> None:
        self._call(
            "delete",
            path,
            lambda: self._client.delete_object(Bucket=self.bucket, Key=self.prefix + path),
        )

    def feed_paths(self, *, archives: bool = True) -> list[str]:
        """Every feed object and page under the prefix (one listing: archive pages come with it)."""
        return sorted(self._listing())


def _endpoint(settings: TargetSettings) -> tuple[str, str] | None:
    """The S3 endpoint and where it was set: the settings' (from a flag,
    FEEDPUB_S3_ENDPOINT_URL or the file), then the AWS SDKs' variables; ``None``: AWS."""
    if settings.endpoint_url:
        return settings.endpoint_url, "s3_endpoint_url"
    for name in AWS_ENDPOINT_ENV:
        if os.environ.get(name):
            return os.environ[name], name
    return None


def open_url(out: str | Path, settings: TargetSettings) -> S3Target:
    """The bucket and prefix ``out`` (``s3://bucket/prefix/``) names, at the settings'
    endpoint; :class:`~feedpub.errors.ConfigError` for an unusable URL or endpoint."""
    try:
        bucket, prefix = split_s3_url(str(out))
    except ValueError as exc:
        raise ConfigError(str(exc), path=str(out)) from None
    endpoint = _endpoint(settings)
    if endpoint is not None:
        problem = endpoint_problem(endpoint[0])
        if problem:
            raise ConfigError(problem, path=endpoint[1])
    return S3Target(
        bucket,
        prefix,
        endpoint_url=endpoint[0] if endpoint else None,
        cache_control=settings.cache_control,
    )
