"""Reading inputs safely and writing outputs atomically.

Inputs are only ever opened for reading. Every output is written to a temporary
file in the destination folder and renamed into place, so an interrupted run
leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import glob
import json
import os
import re
import shutil
import stat
import tempfile
from bisect import bisect_right
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from tei.errors import InputError, OutputRefused

# Characters XML 1.0 cannot hold (C0 controls other than tab, LF, CR; surrogates; U+FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of one character offset (for many offsets of one text, Lines)."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


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


MAX_INPUT_BYTES = 200 * 1024 * 1024  # the most any input is read (validate's --max-size default)
MAX_TRANSCRIPT_BYTES = 20 * 1024 * 1024  # 50 pages are ~150 KB; a bigger file is not one transcript

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def not_regular(path: Path, what: str) -> InputError | None:
    """Why `path` (a symlink followed) cannot be an input, or None for a regular file. Decided by stat alone:
    a FIFO is never opened (opening one blocks until a writer comes), a device never read (/dev/zero never ends)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return InputError(path, "no such file")
    except OSError as exc:
        return InputError(path, f"cannot be read: {exc.strerror}")
    return _kind_error(path, mode, what)


def _kind_error(path: Path, mode: int, what: str) -> InputError | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return InputError(path, f"is a folder, not {what}")
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return InputError(path, f"is {kind}, not a regular file: {what} is read only from a file")


def read_input(path: Path, what: str, limit: int = MAX_INPUT_BYTES, too_large: str = "") -> bytes:
    """An input file's bytes, or an InputError saying why it cannot be read (`what`: "a transcript"). The one
    door every input comes through: only a regular file is opened, and at most `limit` bytes are taken (what
    is read counts, not what stat says: a file can grow while it is read, /proc files say 0). `too_large` ends
    the message for a longer file (", the most a transcript may be")."""
    refused = not_regular(path, what)
    if refused:
        raise refused
    try:
        # O_NONBLOCK: should the path have become a FIFO since the stat, opening it still returns at once
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        opened = os.fstat(fd)
        refused = _kind_error(path, opened.st_mode, what)  # what was opened, not what was stat'ed
        if refused:
            raise refused
        os.set_blocking(fd, True)
        try:
            data = _read_at_most(handle, limit + 1, opened.st_size)
        except OSError as exc:
            raise InputError(path, f"cannot be read: {exc.strerror}") from None
    if len(data) > limit:
        raise InputError(path, f"is larger than {_megabytes(limit)}{too_large or ', the most an input may be'}")
    return data


def _read_at_most(handle, most: int, size: int) -> bytes:
    """Up to `most` bytes. The size stat gave is a hint for the first read (one buffer of the right size, not
    one of `most`); a file that has grown, or a /proc file that says 0, is read on a megabyte at a time."""
    data = handle.read(min(size + 1, most))
    if len(data) <= size or len(data) == most:
        return data
    chunks, total = [data], len(data)
    while total < most:
        chunk = handle.read(min(1 << 20, most - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.{0 if size % 2**20 == 0 else 1}f} MB"


# Byte order marks, longest first (UTF-32LE's starts with UTF-16LE's).
_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32LE"), (b"\x00\x00\xfe\xff", "UTF-32BE"), (b"\xff\xfe", "UTF-16LE"),
         (b"\xfe\xff", "UTF-16BE"))


def wide_encoding(data: bytes) -> str | None:
    """UTF-16LE, UTF-16BE, UTF-32LE or UTF-32BE when `data` is text in one of them: by its byte order mark, or by
    the NUL bytes that ASCII characters leave at fixed places in each code unit. None otherwise."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    sample = data[:4096]
    units = len(sample) // 4 * 4
    if units < 4:
        return None
    # Each pattern: the places in a 4-byte group that are NUL for ASCII text, and the places that are not.
    for name, zero, nonzero in (("UTF-32LE", (1, 2, 3), (0,)), ("UTF-32BE", (0, 1, 2), (3,)),
                                ("UTF-16LE", (1, 3), (0, 2)), ("UTF-16BE", (0, 2), (1, 3))):
        nuls = sum(sample[i + z] == 0 for i in range(0, units, 4) for z in zero)
        others = sum(sample[i + n] != 0 for i in range(0, units, 4) for n in nonzero)
        if nuls >= 0.9 * (units // 4) * len(zero) and others >= 0.5 * (units // 4) * len(nonzero):
            return name
    return None


def decode_text(path: Path, data: bytes, what: str, then: str) -> str:
    """The text of an input that must be UTF-8 (a UTF-8 BOM is dropped), or an InputError naming the encoding
    it is in instead (UTF-16, UTF-32), the NUL of a binary file, or the first byte that is not UTF-8, with its
    line and column. `what`: "a text transcript"; `then`: what to do once it is saved as UTF-8."""
    wide = wide_encoding(data)
    if wide:
        raise InputError(path, f"is {wide} text, not UTF-8: save it as UTF-8 (in a text editor: Save As, encoding "
                               f"UTF-8; or iconv -f {wide} -t UTF-8) and {then}")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _byte_place(data, nul)
        raise InputError(path, f"is a binary file (it contains NUL bytes), not {what}", line, column)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _byte_place(data, exc.start)
        raise InputError(path, f"is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded); "
                               f"save it as UTF-8 and {then}", line, column) from None


def _byte_place(data: bytes, offset: int) -> tuple[int, int]:
    """Line and column (in characters) of a byte offset in mostly UTF-8 data."""
    before = data[:offset].decode("utf-8", errors="replace")
    return line_and_column(before, len(before))


def read_transcript(path: Path) -> str:
    """The transcript's text, or an InputError that says what is wrong and where."""
    data = read_input(path, "a transcript", MAX_TRANSCRIPT_BYTES, ", the most a transcript may be (fifty typed "
                      "pages are about 150 KB): split it into its documents")
    text = decode_text(path, data, "a text transcript", "convert it again")
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
    """Files named on the command line, and the `suffix` files inside named folders, sorted. Whatever in a
    folder is named like an input and is not a folder is yielded, a FIFO or a dangling symlink too, so that
    read_input (or not_regular) says why it is not read instead of leaving it out unsaid."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob(f"*{suffix}") if not p.is_dir())
        else:
            yield path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Output folders the user named (-o): below them nothing is written or deleted through a symbolic link to a
# folder (OUT/html/entity -> /elsewhere would make the stale-page cleanup delete files elsewhere). The -o folder
# itself may be a link: that is the user's choice. Folders found free of links are remembered, so a big
# edition checks each folder once, not every ancestor of every file.
_OUTPUT_ROOTS: set[str] = set()
_NO_LINKS: set[str] = set()


def output_folder(path: Path) -> None:
    """Declare `path` an output folder: writes and deletions below it never go through a symbolic link."""
    _OUTPUT_ROOTS.add(os.path.abspath(path))
    _NO_LINKS.clear()  # a folder checked for an earlier run may have become a link since


def refuse_links_on_the_way(folder: Path) -> None:
    """OutputRefused if a folder between a declared output folder and `folder` (inclusive) is a symbolic
    link. A folder below no declared output folder is not checked."""
    key = str(folder)
    if key in _NO_LINKS:  # the usual case, for every file after the first in a folder: one set lookup
        return
    here = os.path.abspath(folder)
    between = []
    while here not in _NO_LINKS and here not in _OUTPUT_ROOTS:
        parent = os.path.dirname(here)
        if parent == here:  # below no output folder: nothing to check
            between = []
            break
        between.append(here)
        here = parent
    for path in between:
        if os.path.islink(path):
            raise OutputRefused(path, f"is a symbolic link (to {os.readlink(path)}) inside the output folder, "
                                      "and nothing is written or deleted through a link: remove the link, or "
                                      "choose another output folder")
    _NO_LINKS.update(between)
    _NO_LINKS.add(key)


def remove(path: Path) -> None:
    """Delete an output file (missing is fine), never through a symbolic link to a folder."""
    refuse_links_on_the_way(path.parent)
    path.unlink(missing_ok=True)


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
    refuse_links_on_the_way(path.parent)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # see _LEFTOVER
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
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:  # a failed write (disk full) names no file: this one
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise


EXPORT_MARKER = ".tei-export"  # in a folder an export wrote: its format and files, so it can be replaced


def _contents(folder: Path) -> tuple[set[str], set[str]]:
    """The files (links included) and folders below `folder`, as relative POSIX paths; links not followed."""
    files, folders = set(), set()
    for here, dirs, names in os.walk(folder):
        base = Path(here).relative_to(folder)
        for name in dirs:
            (files if os.path.islink(os.path.join(here, name)) else folders).add((base / name).as_posix())
        files.update((base / name).as_posix() for name in names)
    return files, folders


def _not_made_by(folder: Path, made_by: str) -> list[str]:
    """What `folder` holds that an earlier export of this format did not write there (its marker lists what
    it wrote), sorted: everything, when there is no marker of this format."""
    try:
        marker = json.loads((folder / EXPORT_MARKER).read_text(encoding="utf-8"))
        listed = set(marker["files"]) if marker.get("format") == made_by else set()
    except (OSError, ValueError, KeyError, TypeError):
        listed = set()
    parents = {p.as_posix() for name in listed for p in Path(name).parents if p != Path(".")}
    files, folders = _contents(folder)
    if not listed:
        return sorted(files | folders)
    return sorted((files - listed - {EXPORT_MARKER}) | (folders - parents))


def check_replaceable(path: Path, made_by: str, force: bool = False) -> None:
    """OutputRefused unless the folder `path` may be replaced by a `made_by` export: it is missing or empty, or
    holds only what such an export wrote there before, or the user said --force."""
    if not path.exists():
        return
    if not path.is_dir():
        raise OutputRefused(path, "exists and is not a folder; the export writes a folder here")
    if force:
        return
    strangers = _not_made_by(path, made_by)
    if strangers:
        more = f" and {len(strangers) - 1} more" if len(strangers) > 1 else ""
        raise OutputRefused(path, f"holds files this {made_by} export did not make ({strangers[0]}{more}), and "
                                  "the export replaces the folder whole: choose a new or empty folder, or pass "
                                  "--force to replace it and everything in it")


# The temporary file _write makes beside its target, and the folder staged_folder fills beside its own:
# `.NAME.` + mkstemp's (mkdtemp's) eight characters + `.tmp`.
_LEFTOVER = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


def remove_leftovers(folder: Path, recursive: bool = False) -> None:
    """The temporary files a killed run left in a folder it writes into (a web server would serve them); only
    files named as _write names them, never a link or a folder."""
    if not folder.is_dir() or folder.is_symlink():
        return
    for path in folder.rglob(".*.tmp") if recursive else folder.glob(".*.tmp"):
        if _LEFTOVER.fullmatch(path.name) and path.is_file() and not path.is_symlink():
            remove(path)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux's renameat2 with RENAME_EXCHANGE); False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # not Linux, or a C library older than glibc 2.28
        return False
    at_cwd, rename_exchange = -100, 2  # AT_FDCWD, RENAME_EXCHANGE (linux/fcntl.h, linux/fs.h)
    if renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), rename_exchange) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):  # the kernel or the file system has no exchange
        return False
    raise OSError(error, os.strerror(error), str(b))


@contextlib.contextmanager
def staged_folder(path: Path, made_by: str, force: bool = False):
    """A new, empty folder beside `path` to fill; when the block ends without an error it replaces `path`
    (an older folder there is removed only once the new one is in place), else it is removed and `path`
    is untouched. So a folder of outputs is either the old complete one or the new complete one.
    `path` must be replaceable (check_replaceable: no files but an earlier `made_by` export's, unless `force`);
    the new folder gets a marker (EXPORT_MARKER) listing its files, so the next export can replace it."""
    check_replaceable(path, made_by, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):  # the staging of a killed export
        if _LEFTOVER.fullmatch(leftover.name) and leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover)
    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        os.chmod(staging, 0o777 & ~_umask())  # as a folder made by mkdir, not mkdtemp's 0700
        yield staging
        files, _ = _contents(staging)
        marker = {"format": made_by, "files": sorted(files - {EXPORT_MARKER})}
        (staging / EXPORT_MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
        check_replaceable(path, made_by, force)  # again: a user may have put a file there meanwhile
        if not path.exists():
            os.replace(staging, path)
        elif _exchange(staging, path):  # in one step: there is no moment without a folder at `path`
            shutil.rmtree(staging)  # which now holds the old folder
        else:  # a system without renameat2: for a moment the old folder is only at .NAME.XXXX.old/NAME
            old = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".old"))
            os.replace(path, old / path.name)
            os.replace(staging, path)
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


def name_clash(path: Path, taken: Mapping[str, Path], output: str) -> InputError | None:
    """The error of an input whose output (`output`, e.g. "tei/doc.xml") would have the name of the output
    of an earlier one (`taken`: stem casefolded, as a case-insensitive file system compares, -> that input)."""
    first = taken.get(path.stem.casefold())
    if first is None:
        return None
    return InputError(path, f"has the same name as {first}, so both would be {output}; rename one of them")


def unique_names(paths: Iterable[Path], output: str) -> tuple[list[Path], list[InputError]]:
    """The inputs whose outputs get names of their own (the first of each name), and an error for each other
    one. `output` says where the output goes, with {stem} (e.g. "tei/{stem}.xml")."""
    taken: dict[str, Path] = {}
    kept, errors = [], []
    for path in paths:
        clash = name_clash(path, taken, output.replace("{stem}", path.stem))
        if clash is not None:
            errors.append(clash)
            continue
        taken[path.stem.casefold()] = path
        kept.append(path)
    return kept, errors
