"""One storage layer over S3 and a local directory, so no other module branches on the backend.

A store is rooted at a URI (``s3://bucket/prefix`` or a local path). Keys are ``/``-separated paths
relative to that root. Every write is atomic: a reader sees the old object or the new one whole,
never a part (S3 PUTs are atomic; locally a temporary file is renamed over the target).
Temporary files start with ``.`` so that no listing, glob or dataset reader ever picks them up.
"""

from __future__ import annotations

import os
import stat
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.lake import aws
from telegram_pipeline.rules import atomic_write
from telegram_pipeline.rules import s3 as s3_errors

READ_CHUNK = 64 * 1024  # a Telegram update is a few KiB at most: one read, and one more that finds the end


class StorageError(RuntimeError):
    """Storage could not be reached or refused the call: worth a retry, or a fix of the role."""


class AccessDenied(StorageError):
    """S3 answered 403: a permission is missing (the message says which). Never "not found": S3 also
    answers 403 for a missing key when the role may not list its prefix."""


class BucketNotFound(StorageError):
    """The S3 bucket does not exist (NoSuchBucket)."""


class ObjectNotFound(KeyError):
    """The object does not exist: a local file that is not there, or S3's 404 (never its 403)."""


def _is_hidden(key: str) -> bool:
    return any(part.startswith(".") for part in key.split("/"))


class Store:
    uri: str

    def read(self, key: str) -> bytes:
        raise NotImplementedError

    def write(self, key: str, data: bytes) -> None:
        raise NotImplementedError

    def exists(self, key: str) -> bool:
        raise NotImplementedError

    def fingerprints(self, keys: Iterable[str]) -> dict[str, str | None]:
        """{key: its fingerprint, None when absent} for many keys (S3: HEADs in flight side by side;
        a 404 is absent, a 403 raises AccessDenied)."""
        keys = list(keys)
        if self.concurrency <= 1 or len(keys) <= 1:
            return {key: self.fingerprint(key) for key in keys}
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(keys))) as pool:
            return dict(zip(keys, pool.map(self.fingerprint, keys), strict=True))

    def existing(self, keys: Iterable[str]) -> list[str]:
        """The keys among ``keys`` that exist, in the order given."""
        return [key for key, found in self.fingerprints(keys).items() if found is not None]

    def root_exists(self) -> bool:
        """Whether the store's root is there at all: the local folder, or the S3 bucket (a prefix with no
        objects under it is an empty store, not a missing one). StorageError when it cannot be told."""
        raise NotImplementedError

    def fingerprint(self, key: str) -> str | None:
        """A short string that changes whenever the object's bytes change (S3's ETag; size and
        modification time locally), None when the object does not exist."""
        raise NotImplementedError

    def list(self, prefix: str = "") -> Iterator[str]:
        """Every key under the folder ``prefix`` (recursively), in key order, however many there are."""
        raise NotImplementedError

    def delete(self, keys: Iterable[str]) -> None:
        raise NotImplementedError

    def arrow_filesystem(self) -> tuple[Any, str]:
        """(pyarrow filesystem, path of this store's root on it), for Parquet reads and writes."""
        raise NotImplementedError

    def local_root(self) -> Path | None:
        """The folder on this machine that holds the store, for tools that open files themselves
        (DuckDB's own Parquet reader, a DuckDB catalog file); None when it is remote."""
        return None

    # Reads in flight, and keys one read task takes in a row. S3 GETs are latency-bound (tens of ms
    # each), so many in flight, one key each. A local read from the page cache is a short syscall
    # that holds the GIL: threads only add contention (measured 4x slower with 8), so one, inline.
    concurrency = 1
    keys_per_task = 64

    def _read_or_error(self, key: str) -> bytes | Exception:
        try:
            return self.read(key)
        except Exception as exc:  # handed to the caller, who decides what a missing object means
            return exc

    def read_many(self, keys: Iterable[str], concurrency: int | None = None) -> Iterator[tuple[str, bytes | Exception]]:
        """Read many objects; yields (key, bytes) or (key, the error) in the order given. With
        concurrency > 1, a bounded window of reads is in flight, so memory stays flat however many
        keys there are."""
        concurrency = concurrency or self.concurrency
        if concurrency <= 1:
            for key in keys:
                yield key, self._read_or_error(key)
            return

        def read_group(group: list[str]) -> list[tuple[str, bytes | Exception]]:
            return [(key, self._read_or_error(key)) for key in group]

        keys = iter(keys)
        window: deque = deque()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            while group := list(islice(keys, self.keys_per_task)):
                window.append(pool.submit(read_group, group))
                if len(window) >= 2 * concurrency:
                    yield from window.popleft().result()
            while window:
                yield from window.popleft().result()

    def write_many(self, files: Mapping[str, bytes]) -> None:
        """Write many objects (key -> bytes), each atomically; with concurrency > 1, side by side."""
        if self.concurrency <= 1 or len(files) <= 1:
            for key, data in files.items():
                self.write(key, data)
            return
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(files))) as pool:
            for _ in pool.map(lambda item: self.write(*item), files.items()):
                pass

    def replace_folder(self, prefix: str, files: Mapping[str, bytes]) -> None:
        """Make the folder ``prefix`` hold exactly ``files`` (name -> bytes): each written atomically,
        then every other object under it removed. With one file per folder the replacement is atomic."""
        self.replace_folders({prefix: files})

    def replace_folders(self, folders: Mapping[str, Mapping[str, bytes]]) -> None:
        """``replace_folder`` for many folders (prefix -> files): every file written first, then what else
        each folder held removed (an empty mapping empties the folder)."""
        self.write_many(
            {f"{prefix.rstrip('/')}/{name}": data for prefix, files in folders.items() for name, data in files.items()}
        )

        def leftovers(prefix: str) -> list[str]:
            wanted = {f"{prefix.rstrip('/')}/{name}" for name in folders[prefix]}
            return [key for key in self.list(prefix) if key not in wanted] + self._hidden_leftovers(prefix)

        if self.concurrency <= 1 or len(folders) <= 1:
            unwanted = [key for prefix in folders for key in leftovers(prefix)]
        else:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(folders))) as pool:
                unwanted = [key for keys in pool.map(leftovers, folders) for key in keys]
        self.delete(unwanted)

    def _hidden_leftovers(self, prefix: str) -> list[str]:
        return []

    def url(self, key: str = "") -> str:
        return f"{self.uri.rstrip('/')}/{key}" if key else self.uri

    def child(self, prefix: str) -> Store:
        return open_store(self.url(prefix.strip("/")), self.settings)


@dataclass
class LocalStore(Store):
    uri: str
    settings: config.Settings | None = None

    def __post_init__(self) -> None:
        self.root = Path(self.uri).expanduser().resolve()

    def local_root(self) -> Path:
        return self.root

    def _file(self, key: str) -> str:
        # A lexical check, not resolve(): this runs once per object read, 100,000 times a day.
        if key.startswith("/") or (".." in key and ".." in key.split("/")):
            raise ValueError(f"key {key!r} leaves the store at {self.root}")
        return f"{self.root}/{key}"

    def _path(self, key: str) -> Path:
        return Path(self._file(key))

    def read(self, key: str) -> bytes:
        # os.open/os.read rather than open(): no Path and no Python file object per read halves the
        # cost of reading a small object from the page cache, 100,000 times a day.
        try:
            fd = os.open(self._file(key), os.O_RDONLY)
        except FileNotFoundError:
            raise ObjectNotFound(self.url(key)) from None
        try:
            chunks = []
            while chunk := os.read(fd, READ_CHUNK):
                chunks.append(chunk)
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        finally:
            os.close(fd)

    def write(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write.write_atomically(path, data)

    def write_many(self, files: Mapping[str, bytes]) -> None:
        """Each file written safely (``rules/atomic_write.py``), all flushed to disk side by side."""
        if len(files) == 1:
            self.write(*next(iter(files.items())))
            return
        paths = {self._path(key): data for key, data in files.items()}
        for folder in {path.parent for path in paths}:
            folder.mkdir(parents=True, exist_ok=True)
        atomic_write.write_many_atomically(paths)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def root_exists(self) -> bool:
        return self.root.is_dir()

    def fingerprint(self, key: str) -> str | None:
        try:
            found = os.stat(self._file(key))
        except (FileNotFoundError, NotADirectoryError):
            return None
        return f"{found.st_size}-{found.st_mtime_ns}" if stat.S_ISREG(found.st_mode) else None

    def list(self, prefix: str = "") -> Iterator[str]:
        base = self._path(prefix) if prefix else self.root
        if not base.is_dir():
            return
        keys = []
        root = str(self.root)
        # the folder's key by its text, not Path.relative_to: ten times faster, and a lake holds a
        # folder per day (1,100 for three years), listed on every report build
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            rel = dirpath[len(root) :].lstrip(os.sep)
            keys.extend(f"{rel}/{name}" if rel else name for name in filenames if not name.startswith("."))
        yield from sorted(keys)

    def _hidden_leftovers(self, prefix: str) -> list[str]:
        base = self._path(prefix)
        if not base.is_dir():
            return []
        return [f"{prefix.rstrip('/')}/{p.name}" for p in base.iterdir() if p.name.startswith(".") and p.is_file()]

    def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._path(key).unlink(missing_ok=True)

    def arrow_filesystem(self) -> tuple[Any, str]:
        from pyarrow import fs

        self.root.mkdir(parents=True, exist_ok=True)
        return fs.LocalFileSystem(), str(self.root)


@dataclass
class S3Store(Store):
    uri: str
    settings: config.Settings | None = None
    concurrency = 64  # the boto3 client's connection pool (aws.client's max_pool_connections)
    keys_per_task = 1

    def __post_init__(self) -> None:
        bucket, _, prefix = self.uri.removeprefix("s3://").partition("/")
        if not bucket:
            raise ValueError(f"{self.uri!r} names no bucket")
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = aws.client("s3", self.settings)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _call(self, method: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        url = f"s3://{self.bucket}/{kwargs.get('Key', kwargs.get('Prefix', ''))}"
        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            code, status = s3_errors.error_code(exc.response)
            if s3_errors.is_not_found(code):
                raise ObjectNotFound(url) from None
            error = StorageError
            if s3_errors.is_denied(code, status):
                error = AccessDenied
            elif code == "NoSuchBucket":
                error = BucketNotFound
            raise error(s3_errors.describe(method, url, code, status, str(exc))) from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 {method} on {url}: {exc}") from exc

    def read(self, key: str) -> bytes:
        return self._call("get_object", Key=self._key(key))["Body"].read()

    def write(self, key: str, data: bytes) -> None:
        self._call("put_object", Key=self._key(key), Body=data)

    def exists(self, key: str) -> bool:
        return self.fingerprint(key) is not None

    def root_exists(self) -> bool:
        try:
            self._call("list_objects_v2", Prefix=f"{self.prefix}/" if self.prefix else "", MaxKeys=1)
        except BucketNotFound:
            return False
        return True

    def fingerprint(self, key: str) -> str | None:
        try:
            return self._call("head_object", Key=self._key(key))["ETag"].strip('"')
        except ObjectNotFound:
            return None

    def list(self, prefix: str = "") -> Iterator[str]:
        folder = self._key(prefix.strip("/")) if prefix else self.prefix
        folder = f"{folder}/" if folder else ""
        strip = len(f"{self.prefix}/") if self.prefix else 0
        token: dict[str, str] = {}
        while True:
            page = self._call("list_objects_v2", Prefix=folder, **token)
            for item in page.get("Contents", []):
                key = item["Key"][strip:]
                if not _is_hidden(key):
                    yield key
            if not page.get("IsTruncated"):
                return
            token = {"ContinuationToken": page["NextContinuationToken"]}

    def delete(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        for start in range(0, len(keys), 1000):
            batch = [{"Key": self._key(k)} for k in keys[start : start + 1000]]
            result = self._call("delete_objects", Delete={"Objects": batch, "Quiet": True})
            if result.get("Errors"):
                raise StorageError(f"S3 delete_objects failed for {len(result['Errors'])} keys: {result['Errors'][:3]}")

    def arrow_filesystem(self) -> tuple[Any, str]:
        return aws.arrow_s3_filesystem(self.settings), f"{self.bucket}/{self.prefix}".rstrip("/")


def open_store(uri: str, settings: config.Settings | None = None) -> Store:
    """The store for ``uri``: ``s3://bucket/prefix`` or a local directory (created on first write).
    An S3 store's client takes its endpoint and region from ``settings`` (default: the environment's)."""
    if uri.startswith("s3://"):
        return S3Store(uri, settings)
    if "://" in uri and not uri.startswith("file://"):
        raise ValueError(f"unsupported storage URI {uri!r}: use s3://bucket/prefix or a local directory")
    return LocalStore(uri.removeprefix("file://"), settings)


def raw_store(settings: config.Settings | None = None) -> Store:
    settings = settings or config.load()
    return open_store(settings.raw_uri, settings)


def curated_store(settings: config.Settings | None = None) -> Store:
    settings = settings or config.load()
    return open_store(settings.curated_uri, settings)


def reports_store(settings: config.Settings | None = None) -> Store:
    settings = settings or config.load()
    return open_store(settings.reports_uri, settings)


def quarantine_store(settings: config.Settings | None = None) -> Store:
    settings = settings or config.load()
    return open_store(settings.quarantine_uri, settings)
