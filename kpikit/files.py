"""Atomic file writes: a reader never sees half a file, a crash never leaves one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        # mkstemp makes the file private; give it the permissions a plain open() would
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically."""
    return atomic_write(path, lambda p: p.write_text(text, encoding=encoding, newline=""))


#: the largest input file kpikit reads whole into memory (exports, plans, specs, mappings);
#: larger canonical tables belong in Parquet, where the DuckDB engine reads them in parts
MAX_INPUT_BYTES = int(os.environ.get("KPIKIT_MAX_INPUT_BYTES", 2 * 1024**3))


def read_limited(path: Path, label: str | None = None, limit: int | None = None) -> bytes:
    """Read a regular file whole, refusing folders, FIFOs, devices and files over ``limit``.

    Never blocks on a FIFO and never reads more than ``limit + 1`` bytes, so ``/dev/zero``
    or a growing file cannot exhaust memory.

    Raises
    ------
    ParameterError
        Naming the file and the fix.
    """
    import stat

    from kpikit.errors import ParameterError, ProblemCode
    from kpikit.i18n.lang import nfmt, tr

    path = Path(path)
    label = label or path.name or str(path)
    limit = MAX_INPUT_BYTES if limit is None else limit
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ParameterError(tr("{label}: no such file. Fix: check the path (it is read relative "
                                "to {cwd}).", label=label,
                                cwd=Path.cwd()), code=ProblemCode.FILE_NOT_FOUND) from None
    except OSError as e:
        raise ParameterError(tr("{label}: cannot be read ({strerror}). Fix: check the path and "
                                "its permissions.", label=label, strerror=e.strerror),
                             code=ProblemCode.FILE_UNREADABLE) from None
    if stat.S_ISDIR(st.st_mode):
        raise ParameterError(tr("{label}: is a folder. Fix: give the path of one file.",
                                label=label), code=ProblemCode.FILE_IS_FOLDER)
    if not stat.S_ISREG(st.st_mode):
        raise ParameterError(tr("{label}: is not a regular file (a pipe, socket or device). Fix: "
                                "save the data to a file and give its path.",
                                label=label), code=ProblemCode.FILE_NOT_REGULAR)
    size = (f"{nfmt(limit / 1e6, ',.0f')} MB" if limit >= 10**6
            else tr("{limit} bytes", limit=nfmt(limit, ',.0f')))
    too_big = ParameterError(tr("{label}: the file is larger than {size}, the most kpikit reads "
                                "into memory. Fix: convert it to Parquet and compute from the "
                                "path (DuckDB reads it in parts), or split it; "
                                "KPIKIT_MAX_INPUT_BYTES raises the limit.", label=label, size=size),
                             code=ProblemCode.FILE_TOO_LARGE)
    if st.st_size > limit:
        raise too_big
    # O_NONBLOCK: a file swapped for a FIFO after the stat still cannot block the open
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    chunks: list[bytes] = []
    total = 0
    with os.fdopen(fd, "rb") as fh:
        # read what the stat promised, then in small steps (a file may grow, a device never
        # ends): buffers stay the size of the data, not of the limit
        want = min(st.st_size, limit) + 1
        while total <= limit:
            chunk = fh.read(want)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            want = min(1 << 16, limit + 1 - total) or 1
    if total > limit:
        raise too_big
    return b"".join(chunks)
