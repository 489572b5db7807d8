"""Fuzz targets for every command that reads a file: `tei convert`, `validate`, `render`, `text`, `export`.

A target is `def target(data: bytes) -> None`. It writes `data` to a file in a new temporary folder, runs the
real command on it in this process (click's CliRunner, exactly as `tei ...` would), and raises FuzzFailure
with the command, the input and the output when anything happens that must never happen:

- the command raised an exception other than SystemExit (a traceback), or printed one;
- it exited with a code other than 0, 1 or 2;
- it failed (exit code not 0) without naming the file it was given;
- it read a file it was not given: the content of a secret file (or of /etc/passwd) is in its output or in
  a file it wrote, or a named pipe was opened;
- it touched the network: a listener on 127.0.0.1 saw a connection;
- its output is not what the command promises (convert: a well-formed TEI file, or nothing written;
  validate: one `FILE:...` line per finding).

So that seeds and generated documents can point at these traps, the target replaces placeholders in `data`
before writing it:

    @SECRET@    file:// URL of the secret file          @SECRET_PATH@  its path
    @LISTENER@  http://127.0.0.1:PORT of the listener   @FIFO@         a named pipe (opening it is noticed)

Run a target under atheris with `python fuzz/run_atheris.py TARGET [libFuzzer options]`; the seeds are in
fuzz/corpus/, and tests/test_fuzz.py runs every seed through every target, then a short hypothesis run.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import traceback
import uuid
from pathlib import Path

from click.testing import CliRunner
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
try:
    import tei  # noqa: F401
except ImportError:  # run from a checkout without installing it
    sys.path.insert(1, str(ROOT))

from tei import TEI_NS  # noqa: E402
from tei import TOOLKIT_RECURSION_LIMIT
from tei.cli import main  # noqa: E402

CORPUS = Path(__file__).resolve().parent / "corpus"
PASSWD = "root:x:0:"  # the start of /etc/passwd, which no output may contain

COLLECTION = """title = "Fuzzed collection"
description = "Whatever the fuzzer wrote."
publisher = "Fuzz"
publication_year = 2026
licence = "https://creativecommons.org/licenses/by/4.0/"
url = "https://example.org/fuzz/"
email = "editor@example.org"
[[creators]]
name = "Fuzzer"
"""


class FuzzFailure(AssertionError):
    """A command did what it must never do with this input."""


# --- the traps: a secret file, a named pipe, a listener ------------------------------------------

class Traps:
    """A secret file, a named pipe and a TCP listener on 127.0.0.1, made once per process.

    The listener records every connection; a watcher notices when the pipe is opened for reading (a
    non-blocking open for writing succeeds only then), records it and closes it so that the reader is not
    blocked for ever."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="tei-fuzz-traps-"))
        atexit.register(shutil.rmtree, self.folder, ignore_errors=True)
        self.secret = f"SECRET{uuid.uuid4().hex}"
        self.secret_path = self.folder / "secret.txt"
        self.secret_path.write_text(self.secret + "\n", encoding="utf-8")
        self.fifo = self.folder / "pipe.dtd"
        os.mkfifo(self.fifo)
        self.connections: list[bytes] = []
        self.fifo_opened = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        threading.Thread(target=self._serve, name="tei-fuzz-listener", daemon=True).start()
        threading.Thread(target=self._watch_fifo, name="tei-fuzz-fifo", daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            with connection:
                connection.settimeout(1)
                try:
                    self.connections.append(connection.recv(1024) or b"(connected)")
                except OSError:
                    self.connections.append(b"(connected)")

    def _watch_fifo(self) -> None:
        while True:
            try:
                fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: nobody has it open for reading
                time.sleep(0.02)
                continue
            self.fifo_opened += 1
            try:
                os.write(fd, (self.secret + "\n").encode())
            except OSError:
                pass
            os.close(fd)
            time.sleep(0.05)

    def fill(self, data: bytes) -> bytes:
        """`data` with the placeholders replaced."""
        for name, value in (("@SECRET_PATH@", str(self.secret_path)), ("@SECRET@", self.secret_path.as_uri()),
                            ("@LISTENER@", self.url), ("@FIFO@", str(self.fifo))):
            data = data.replace(name.encode(), value.encode())
        return data

    def state(self) -> tuple[int, int]:
        return len(self.connections), self.fifo_opened


_traps: Traps | None = None


def traps() -> Traps:
    global _traps
    if _traps is None:
        _traps = Traps()
    return _traps


# --- running a command ---------------------------------------------------------------------------

def _stack_depth() -> int:
    frame, depth = sys._getframe(1), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def invoke(args: list[str]):
    """`tei ARGS` in this process; TEI_ALL unset (checking against TEI All takes seconds), no colours.

    With the room on the stack that a `tei` process of its own has: the recursion limit a `tei` process sets
    (tei/__init__.py: TOOLKIT_RECURSION_LIMIT) counted from here. The frames of pytest and hypothesis would
    otherwise take some of it, and hypothesis changes the limit while a test runs, which could hide a
    RecursionError the command has."""
    runner = CliRunner(env={"TEI_ALL": None, "GITHUB_STEP_SUMMARY": None, "NO_COLOR": "1"})
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_stack_depth() + TOOLKIT_RECURSION_LIMIT)
    try:
        return runner.invoke(main, args, catch_exceptions=True)
    finally:
        sys.setrecursionlimit(limit)


def _written(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _shown(data: bytes) -> str:
    return repr(data[:300]) + (f"... ({len(data)} bytes)" if len(data) > 300 else "")


def run_command(data: bytes, suffix: str, args, check=None, *, secrets: tuple[str, ...] = (),
                where: Path | None = None) -> None:
    """Write `data` (placeholders filled) to `doc{suffix}` in a new temporary folder (inside `where` if given),
    run `tei ARGS(input, output folder, temporary folder)` and check what it did: FuzzFailure if it did what it
    must not. `check(result, given, out)` adds the command's own checks as a list of problems; `secrets` are
    more texts that no output may contain (the content of files the command is not given)."""
    guard = traps()
    before = guard.state()
    with tempfile.TemporaryDirectory(prefix="tei-fuzz-", dir=where) as tmp:
        tmp = Path(tmp)
        (tmp / "in").mkdir()
        given = tmp / "in" / f"doc{suffix}"
        filled = guard.fill(data)
        given.write_bytes(filled)
        out = tmp / "out"
        command = [str(a) for a in args(given, out, tmp)]
        result = invoke(command)
        output = result.output  # stdout and stderr, as a terminal shows them
        problems = []
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            problems.append("raised " + "".join(traceback.format_exception(*result.exc_info, limit=-25)))
        if "Traceback (most recent call last)" in output:
            problems.append("printed a traceback")
        if result.exit_code not in (0, 1, 2):
            problems.append(f"exit code {result.exit_code}, not 0, 1 or 2")
        if result.exit_code != 0 and str(given) not in output:
            problems.append(f"exit code {result.exit_code} without naming {given}")
        for secret in (guard.secret, PASSWD, *secrets):
            if secret.encode() in filled:  # given, so not a leak
                continue
            if secret in output:
                problems.append(f"printed the content of a file it was not given ({secret!r})")
            problems += [f"wrote the content of a file it was not given ({secret!r}) into {path}"
                         for path in _written(out) if secret.encode() in path.read_bytes()]
        after = guard.state()
        if after[0] > before[0]:
            problems.append(f"connected to {guard.url}: {guard.connections[before[0]:]!r}")
        if after[1] > before[1]:
            problems.append(f"opened the named pipe {guard.fifo}")
        if check is not None and not problems:
            problems += check(result, given, out)
        if problems:
            raise FuzzFailure("\n".join(problems) + f"\ncommand: tei {' '.join(command)}\ninput: {_shown(filled)}"
                              + f"\nexit code: {result.exit_code}\noutput:\n{output[-4000:]}")


# --- the targets ---------------------------------------------------------------------------------

def _convert_check(result, given: Path, out: Path) -> list[str]:
    written = out / f"{given.stem}.xml"
    if result.exit_code != 0:
        return [f"failed but wrote {written}"] if written.exists() else []
    if not written.exists():
        return [f"exit code 0 but no {written}"]
    try:
        root = etree.fromstring(written.read_bytes(), etree.XMLParser(resolve_entities=False, no_network=True,
                                                                      huge_tree=True))
    except etree.XMLSyntaxError as exc:
        return [f"wrote a file that is not well-formed XML: {exc}"]
    if root.tag != f"{{{TEI_NS}}}TEI":
        return [f"wrote a file whose root is {root.tag}, not TEI"]
    return []


def _validate_check(result, given: Path, out: Path) -> list[str]:
    problems = []
    if result.exit_code not in (0, 1):
        problems.append(f"validate exited {result.exit_code} for a file that exists")
    lines = [line for line in result.stdout.splitlines() if line]
    if result.exit_code == 1 and not lines:
        problems.append("exit code 1 without a finding")
    stray = [line for line in lines if not line.startswith(f"{given}:")]
    if stray:
        problems.append(f"lines that are not findings about {given}: {stray[:3]!r}")
    return problems


def _render_check(result, given: Path, out: Path) -> list[str]:
    if result.exit_code == 0 and not (out / f"{given.stem}.html").is_file():
        return [f"exit code 0 but no {given.stem}.html in {out}"]
    return []


def _export_args(fmt: str):
    def args(given: Path, out: Path, tmp: Path) -> list:
        collection = tmp / "collection.toml"
        collection.write_text(COLLECTION, encoding="utf-8")
        target = out / ("corpus.xml" if fmt in ("teicorpus", "cmif") else fmt)
        return ["export", fmt, given, "-o", target, "--collection", collection]

    return args


def _text_check(result, given: Path, out: Path) -> list[str]:
    return [] if result.exit_code in (0, 1) else [f"text exited {result.exit_code}"]


# name: (the input's suffix, the arguments given the input and output paths, the command's own checks, what it is)
COMMANDS = {
    "convert": (".txt", lambda given, out, tmp: ["convert", given, "-o", out], _convert_check,
                "`tei convert doc.txt -o OUT`: the bytes as a transcript (spaCy recogniser when installed)."),
    "convert_rules": (".txt", lambda given, out, tmp: ["convert", "--recogniser", "rules", given, "-o", out],
                      _convert_check, "`tei convert --recogniser rules`: the converter without spaCy (faster)."),
    "validate": (".xml", lambda given, out, tmp: ["validate", given], _validate_check,
                 "`tei validate doc.xml`: the bytes as a TEI file, checked against the project's schema and rules."),
    "render": (".xml", lambda given, out, tmp: ["render", given, "-o", out], _render_check,
               "`tei render doc.xml -o OUT`: the bytes as a TEI file, rendered as an HTML edition."),
    "text": (".xml", lambda given, out, tmp: ["text", given], _text_check,
             "`tei text doc.xml`: the bytes as a TEI file, printed back as plain text."),
    **{f"export_{fmt}": (".xml", _export_args(fmt), None,
                         f"`tei export {fmt} doc.xml -o OUT`: the bytes as a TEI file, exported as {fmt}.")
       for fmt in ("csv", "dc", "teicorpus")},
}


def run(name: str, data: bytes, *, secrets: tuple[str, ...] = (), where: Path | None = None) -> None:
    """Run the command of target `name` on `data` (see run_command)."""
    suffix, args, check, _ = COMMANDS[name]
    run_command(data, suffix, args, check, secrets=secrets, where=where)


def _target(name: str):
    def target(data: bytes) -> None:
        run(name, data)

    target.__name__ = target.__qualname__ = name
    target.__doc__ = COMMANDS[name][3]
    return target


convert = _target("convert")
convert_rules = _target("convert_rules")
validate = _target("validate")
render = _target("render")
text = _target("text")
export_csv = _target("export_csv")
export_dc = _target("export_dc")
export_teicorpus = _target("export_teicorpus")

TARGETS = {name: globals()[name] for name in COMMANDS}
TRANSCRIPT_TARGETS = tuple(name for name, (suffix, *_) in COMMANDS.items() if suffix == ".txt")
