"""The safe write of a local file: a reader sees the old file or the whole new one, never a part, and a
crash leaves at most a hidden temporary file that no reader lists (its name starts with a dot).

The bytes go to ``.{name}.tmp-{random}`` beside the target, are flushed and fsynced, and the file is
renamed over the target (atomic within a file system). The webhook's local raw store and the package's
local storage both write this way."""

from __future__ import annotations

import contextlib
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (whose folder exists) all at once; on any failure the temporary file is
    removed and the error raised."""
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex}")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):  # the folder itself may be unusable: then there is no file
            tmp.unlink(missing_ok=True)
        raise


def write_many_atomically(files: dict[Path, bytes]) -> None:
    """``write_atomically`` for many files (whose folders exist): every temporary file written, then all
    fsynced side by side (a file system commits them together, where one fsync after another waits for
    a commit each), then each renamed. On any failure the temporary files are removed and the error
    raised; the files renamed by then are whole."""
    temporary = {path: path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex}") for path in files}
    try:
        for path, tmp in temporary.items():
            with open(tmp, "wb") as handle:
                handle.write(files[path])
        with ThreadPoolExecutor(max_workers=min(16, max(1, len(temporary)))) as pool:
            for _ in pool.map(_fsync, temporary.values()):
                pass
        for path, tmp in temporary.items():
            os.replace(tmp, path)
    except BaseException:
        for tmp in temporary.values():
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        raise


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
