"""Reading inputs safely and writing outputs atomically.

Inputs are only ever opened for reading. Every output is written to a temporary
file in the destination folder and renamed into place, so an interrupted run
leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import re
import tempfile
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from tei.errors import InputError, OutputRefused

# Characters XML 1.0 cannot hold (C0 controls other than tab, LF, CR; surrogates; U+FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


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


@contextlib.contextmanager
def staged_folder(path: Path, made_by: str, force: bool = False):
    """A new, empty folder beside `path` to fill; when the block ends without an error it replaces `path`
    (an older folder there is removed only once the new one is in place), else it is removed and `path`
    is untouched. So a folder of outputs is either the old complete one or the new complete one.
    `path` must be replaceable (check_replaceable: no files but an earlier `made_by` export's, unless `force`);
    the new folder gets a marker (EXPORT_MARKER) listing its files, so the next export can replace it."""
    check_replaceable(path, made_by, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        os.chmod(staging, 0o777 & ~_umask())  # as a folder made by mkdir, not mkdtemp's 0700
        yield staging
        files, _ = _contents(staging)
        marker = {"format": made_by, "files": sorted(files - {EXPORT_MARKER})}
        (staging / EXPORT_MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
        check_replaceable(path, made_by, force)  # again: a user may have put a file there meanwhile
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
