"""Reading inputs safely and writing outputs atomically.

Inputs are only ever opened for reading. Every output is written to a temporary
file in the destination folder and renamed into place, so an interrupted run
leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import re
import tempfile
from bisect import bisect_right
from pathlib import Path
from typing import Iterable, Iterator

from tei.errors import InputError

# Characters XML 1.0 cannot hold (C0 controls other than tab, LF, CR; surrogates; U+FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    return Lines(text).line_and_column(offset)


class Lines:
    """The line starts of a text, found once: the line of each of many offsets then costs O(log n), not a
    count of the newlines before it."""

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        """1-based line of a character offset."""
        return bisect_right(self.starts, offset)

    def line_and_column(self, offset: int) -> tuple[int, int]:
        line = self.line(offset)
        return line, offset - self.starts[line - 1] + 1


def read_input(path: Path, what: str) -> bytes:
    """An input file's bytes, or an InputError saying why it cannot be read (`what`: "a transcript")."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, f"is a folder, not {what}") from None
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror}") from None


MAX_TRANSCRIPT_BYTES = 20 * 1024 * 1024  # 50 pages are ~150 KB; a bigger file is not one transcript


def read_transcript(path: Path) -> str:
    """The transcript's text, or an InputError that says what is wrong and where."""
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # read_input says what is wrong
    if size > MAX_TRANSCRIPT_BYTES:
        raise InputError(path, f"is {size / 2**20:.0f} MB, more than the {MAX_TRANSCRIPT_BYTES // 2**20} MB a "
                               "transcript may be (fifty typed pages are about 150 KB): split it into its documents")
    data = read_input(path, "a transcript")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data:
        text = data.decode("utf-8", errors="replace")
        line, column = line_and_column(text, text.index("\x00"))
        raise InputError(path, "is a binary file (it contains NUL bytes), not a text transcript", line, column)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = line_and_column(data[: exc.start].decode("utf-8", errors="replace"), exc.start)
        raise InputError(
            path,
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded); "
            "save it as UTF-8 and convert it again",
            line,
            column,
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = _NOT_XML.search(text)
    if bad:
        line, column = line_and_column(text, bad.start())
        raise InputError(
            path, f"contains the control character U+{ord(bad.group()):04X}, which XML cannot hold", line, column
        )
    if not text.strip():
        raise InputError(path, "is empty: there is no transcript to convert")
    return text


def expand(paths: Iterable[Path], suffix: str) -> Iterator[Path]:
    """Files named on the command line, and the `suffix` files inside named folders, sorted."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob(f"*{suffix}") if p.is_file())
        else:
            yield path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write `data` (bytes, or chunks of them) to `path` so that readers only ever see a complete file."""
    _write(path, data, keep_same=False)


def write_if_changed(path: Path, data: bytes | Iterable[bytes]) -> bool:
    """write_atomic, except that a file already holding these bytes is left alone (its mtime too), so that
    a rebuild touches only what changed. Chunks are compared on disk, never held whole. True if written."""
    if isinstance(data, bytes):
        try:
            if path.stat().st_size == len(data) and path.read_bytes() == data:
                return False
        except OSError:
            pass
        return _write(path, data, keep_same=False)
    return _write(path, data, keep_same=True)


def _same_bytes(a: Path, b: Path) -> bool:
    """Whether two files hold the same bytes, read a block at a time (filecmp.cmp keeps a cache that grows)."""
    try:
        if a.stat().st_size != b.stat().st_size:
            return False
        with open(a, "rb") as one, open(b, "rb") as other:
            while True:
                block = one.read(1 << 16)
                if block != other.read(1 << 16):
                    return False
                if not block:
                    return True
    except OSError:
        return False


def _write(path: Path, data: bytes | Iterable[bytes], keep_same: bool) -> bool:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes):
                handle.write(data)
            else:
                handle.writelines(data)
        if keep_same and _same_bytes(Path(tmp), path):
            Path(tmp).unlink()
            return False
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would hide an edition from the web server
        os.replace(tmp, path)
        return True
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def staged_folder(path: Path):
    """A new, empty folder beside `path` to fill; when the block ends without an error it replaces `path`
    (an older folder there is removed only once the new one is in place), else it is removed and `path`
    is untouched. So a folder of outputs is either the old complete one or the new complete one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not path.is_dir():
        raise InputError(path, "exists and is not a folder; the export writes a folder here")
    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        os.chmod(staging, 0o777 & ~_umask())  # as a folder made by mkdir, not mkdtemp's 0700
        yield staging
        old = None
        if path.exists():
            old = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".old"))
            os.replace(path, old / path.name)
        os.replace(staging, path)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def is_inside(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True
