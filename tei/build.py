"""`tei build`: transcripts -> TEI -> validation -> reading edition, redoing only what changed, on all cores.

What a build remembers lives in OUT/.tei-build/: `state.json` (for each
transcript, the content hashes of the transcript and of the TEI made from it,
and the TEI's findings), `site.sqlite` (what the index and entity pages need
of each document, see tei.sitedata) and `drafts/` (each page before its
previous/next links). Three keys say what the outputs were made with:
- conversion: the toolkit's version, the options, the authority files, the
  conventions and the layout profiles: when it changes every transcript is
  converted again, but only TEI whose bytes changed go further;
- validation: the schema and rules;
- rendering: the templates and the edition's options.
So a build with nothing changed converts, validates and renders no document,
and a changed transcript redoes its TEI, its findings, its page and those of
its neighbours (their previous/next links), and the shared pages when their
bytes change. Every file is written atomically, and the state records each
document's progress as it is made (saved at most once a second, see
_StateSaver, and when the build is interrupted), so a build killed at any
moment leaves complete files and the next build redoes only what is missing.
One build at a time may write to OUT (a lock).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import threading
import time
from dataclasses import asdict, astuple, dataclass, field
from pathlib import Path

from tei import __version__
from tei.errors import InputError
from tei.files import remove, remove_leftovers, unique_names

STATE_DIR = ".tei-build"
STATE_FORMAT = 2  # 2: listings in site.sqlite, not listings/*.pickle
PARALLEL_FROM = 16  # items below which a stage stays in this process: a worker takes ~1 s to start


class BuildLocked(Exception):
    """Another build is writing to the same output folder."""


class BuildInterrupted(KeyboardInterrupt):
    """The build was stopped by a signal (SIGINT: Ctrl-C, or SIGTERM); what it had finished is recorded."""

    def __init__(self, signal_number: int = signal.SIGINT):
        super().__init__(signal_number)
        self.signal_number = signal_number


@dataclass(frozen=True)
class BuildSettings:
    sources: Path
    out: Path
    layout: str | None = None
    authority_dir: Path | None = None
    conventions_file: Path | None = None
    publisher: str = ""
    recogniser: str = "auto"
    templates: Path | None = None
    base_url: str = ""
    site_title: str = "Reading edition"
    jobs: int = 1

    @property
    def tei_dir(self) -> Path:
        return self.out / "tei"

    @property
    def html_dir(self) -> Path:
        return self.out / "html"


@dataclass
class Failure:
    file: str
    stage: str  # convert | validate | render
    message: str
    line: int | None = None


@dataclass
class BuildResult:
    documents: int = 0
    converted: int = 0
    validated: int = 0
    rendered: int = 0
    valid: int = 0
    failures: list[Failure] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)  # validation findings, one line each
    warnings: list[str] = field(default_factory=list)  # review items of level warning
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage

    def as_json(self) -> bytes:
        return (json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------- keys


def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def _files_digest(folders_or_files, pattern: str = "*") -> list[bytes | str]:
    """Names and bytes of the files (those matching `pattern` in folders): what a stage's outputs depend on.
    Only the data files count, so a checkout and an installed copy of the same data give the same key."""
    parts: list[bytes | str] = []
    for item in folders_or_files:
        if item is None:
            continue
        item = Path(item)
        files = sorted(p for p in item.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts) \
            if item.is_dir() else [item]
        for path in files:
            parts += [str(path.relative_to(item) if item.is_dir() else path.name), path.read_bytes()]
    return parts


def conversion_key(s: BuildSettings) -> str:
    from tei.candidates import spacy_available
    from tei.resources import authority_dir, converters_dir

    options = json.dumps([s.layout, s.publisher, s.recogniser, s.recogniser != "rules" and spacy_available()])
    return _digest(__version__, options, *_files_digest([authority_dir(), s.authority_dir], "*.csv"),
                   *_files_digest([converters_dir()], "*.toml"), *_files_digest([s.conventions_file]))


def validation_key() -> str:
    """The schema and rules, and whether Saxon can run the rules in this process (when it could not, the findings
    say so, and a build that can must check every file again)."""
    from tei.schematron import saxon_cannot_start
    from tei.validate import default_schema_files

    return _digest(__version__, str(saxon_cannot_start() is None), *_files_digest(default_schema_files()))


def render_key(s: BuildSettings) -> str:
    from tei.resources import templates_dir

    return _digest(__version__, s.base_url, s.site_title,
                   *_files_digest([templates_dir()], "*.[hcj][ts]*"), *_files_digest([s.templates]))


def file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


# ---------------------------------------------------------------------------------------------- workers
# Each worker process sets up once (authority, schemas, templates) and then takes files in chunks.

_worker: dict = {}


def _start(settings: BuildSettings, parent: int | None = None) -> None:
    from tei.files import output_folder

    output_folder(settings.out)  # in a worker too: nothing written or deleted through a link inside OUT
    _forget_site_data()
    _worker.clear()
    _worker["settings"] = settings
    if parent is not None:
        _die_with_parent(parent)


def _forget_site_data() -> None:
    if "site" in _worker:
        _worker.pop("site").close()


def _die_with_parent(parent: int) -> None:
    """A worker must not outlive a build that was killed: it would go on writing without the lock."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the pool's own shutdown is all there is
        pass
    if os.getppid() != parent:  # the build died while this worker was starting: the signal came too late
        os._exit(1)


def _authority():
    if "authority" not in _worker:
        from tei.authority import load_authority
        _worker["authority"] = load_authority(_worker["settings"].authority_dir)
    return _worker["authority"]


def _checks():
    if "checks" not in _worker:
        from tei.validate import default_checks
        _worker["checks"] = default_checks()
    return _worker["checks"]


def _renderer():
    if "renderer" not in _worker:
        from tei.edition import Renderer
        s = _worker["settings"]
        _worker["renderer"] = Renderer(templates=s.templates, base_url=s.base_url, site_title=s.site_title)
    return _worker["renderer"]


def _convert_one(source: Path) -> tuple[str, str | None, list[str], Failure | None]:
    """(stem, hash of the TEI written or None, warnings, failure)."""
    from tei.pipeline import convert_file

    s = _worker["settings"]
    try:
        target, review = convert_file(source, s.tei_dir, _authority(), s.layout, s.publisher, s.conventions_file,
                                      s.recogniser)
    except InputError as exc:
        return source.stem, None, [], Failure(str(exc.path), "convert", exc.message, exc.line)
    return source.stem, file_hash(target), [str(i) for i in review if i.level == "warning"], None


def _validate_one(path: Path) -> tuple[str, list[str]]:
    from tei.validate import validate_file

    return path.stem, [str(f) for f in validate_file(path, _checks())]


def _drafts(settings: BuildSettings) -> Path:
    return settings.out / STATE_DIR / "drafts"


def _site_data(settings: BuildSettings) -> Path:
    return settings.out / STATE_DIR / "site.sqlite"


def _list_one(path: Path):
    """(stem, listing or None, failure); the page's draft is kept for the pages' pass."""
    from tei.files import write_atomic
    from tei.xmlread import too_large

    try:
        page = _renderer().page(path)
        draft, listing = _renderer().draft_document(page), page.listing()
    except InputError as exc:
        return path.stem, None, Failure(str(exc.path), "render", exc.message, exc.line)
    except MemoryError:  # read, but its page too large to make in this process's memory
        exc = too_large(path)
        return path.stem, None, Failure(str(exc.path), "render", exc.message)
    write_atomic(_drafts(_worker["settings"]) / f"{path.stem}.html", draft)
    return path.stem, listing, None


def _write_one(job) -> tuple[str, list | None, Failure | None]:
    """(stem, [hash of the page, hash of the TEI copy], failure)."""
    from tei.edition import write_document

    path, previous, following = job
    html = _worker["settings"].html_dir
    try:
        draft = (_drafts(_worker["settings"]) / f"{path.stem}.html").read_bytes()
    except OSError:
        draft = None
    try:
        write_document(_renderer(), path, previous, following, html, draft)
    except InputError as exc:
        return path.stem, None, Failure(str(exc.path), "render", exc.message, exc.line)
    return path.stem, [file_hash(html / f"{path.stem}.html"), file_hash(html / "tei" / f"{path.stem}.xml")], None


def _write_entity(named) -> None:
    """An entity's page, in a worker: it reads the passages from the build's site data (committed by then)."""
    from tei.edition import write_entity_pages
    from tei.sitedata import SiteData

    settings = _worker["settings"]
    if "site" not in _worker:  # one connection per worker and build (_start forgets it)
        _worker["site"] = SiteData(_site_data(settings), read_only=True)
    write_entity_pages(_renderer(), _worker["site"], settings.html_dir, [named])


class _Runner:
    """Maps a worker function over items: in this process for one job, else in a pool of processes."""

    def __init__(self, settings: BuildSettings):
        self.settings = settings
        self.pool = None  # a tei.workers.WorkerPool, started when a stage has enough items

    def map(self, function, items: list):
        """The results in the items' order, as they come (the caller never holds them all at once)."""
        if not items:
            return iter(())
        if self.settings.jobs <= 1 or len(items) < PARALLEL_FROM:
            if _worker.get("settings") != self.settings:
                _start(self.settings)
            return map(function, items)
        if self.pool is None:
            from tei.workers import WorkerPool

            self.pool = WorkerPool(self.settings.jobs, _start, (self.settings, os.getpid()))
        return self.pool.map(function, items, max(1, min(32, len(items) // (self.settings.jobs * 4))))

    def close(self, interrupted: bool = False) -> None:
        """Stop the workers: once they have finished what they hold, or, when the build is interrupted, at once
        (what they were doing is redone by the next build)."""
        if self.pool is not None:
            self.pool.close(interrupted)


# ---------------------------------------------------------------------------------------------- the build


class _Lock:
    """An exclusive lock on OUT for the length of a build (released by the OS if the build dies)."""

    def __init__(self, out: Path):
        out.mkdir(parents=True, exist_ok=True)
        (out / STATE_DIR).mkdir(exist_ok=True)
        self.handle = open(out / STATE_DIR / "lock", "a")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.close()
            raise BuildLocked(f"{out}: another tei build is writing to this folder; wait for it to finish, "
                              "or build into another folder") from None

    def release(self) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _remove_leftovers(settings: BuildSettings) -> None:
    """Temporary files a killed build left (.NAME.XXXX.tmp): a web server would serve them."""
    for folder in (settings.tei_dir, settings.html_dir, settings.out / STATE_DIR):
        remove_leftovers(folder, recursive=True)
    shutil.rmtree(settings.out / STATE_DIR / "listings", ignore_errors=True)  # state format 1's listings


def _unique_names(transcripts: list[Path], result: BuildResult, say) -> list[Path]:
    """Transcripts are found in sub-folders too; two with the same name would make one TEI file."""
    kept, clashes = unique_names(transcripts, "tei/{stem}.xml")
    for clash in clashes:
        result.failures.append(Failure(clash.path, "convert", clash.message))
        say(str(clash))
    return kept


def _load_state(out: Path) -> dict:
    try:
        state = json.loads((out / STATE_DIR / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"documents": {}}
    return state if state.get("format") == STATE_FORMAT and isinstance(state.get("documents"), dict) \
        else {"documents": {}}


def _save_state(out: Path, state: dict) -> None:
    from tei.files import write_atomic

    state["format"] = STATE_FORMAT
    write_atomic(out / STATE_DIR / "state.json",
                 json.dumps(state, indent=1, sort_keys=True).encode("utf-8"))


class _StateSaver:
    """Saves the state while a stage goes on, so that a build that stops keeps what it finished: at most once
    a second, and so that saving takes at most a twentieth of the time (at 10,000 documents the state is ~6 MB
    and one save takes ~0.16 s: saving after every document would be quadratic).
    `also`, if set, is called before each save (a stage's database commit)."""

    INTERVAL, SHARE = 1.0, 0.05

    def __init__(self, out: Path, state: dict):
        self.out, self.state = out, state
        self.also = None
        self.due = time.monotonic() + self.INTERVAL

    def soon(self) -> None:
        if time.monotonic() >= self.due:
            self.now()

    def now(self) -> None:
        started = time.monotonic()
        if self.also is not None:
            self.also()
        _save_state(self.out, self.state)
        took = time.monotonic() - started
        self.due = time.monotonic() + max(self.INTERVAL, took / self.SHARE)


def _key_changed(state: dict, name: str, key: str, forget) -> None:
    """A stage's key (what its outputs are made with) changed: every document's record of that stage is
    forgotten first (`forget(entry)`), then the new key is recorded; from then on each document's record says
    whether it was done with the new key, however early the build stops."""
    if state.get(name) != key:
        for entry in state["documents"].values():
            forget(entry)
        state[name] = key


@contextlib.contextmanager
def _sigterm_interrupts():
    """SIGTERM (timeout, systemd, a CI runner) stops the build as Ctrl-C does: it records its progress first."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return

    def stop(number, frame):
        raise BuildInterrupted(number)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def build(settings: BuildSettings, transcripts: list[Path], say=lambda line: None) -> BuildResult:
    """Build the edition of these transcripts into settings.out; `say` hears each failure as it happens.
    Interrupted (SIGINT or SIGTERM), it records what it finished, stops its workers and raises BuildInterrupted."""
    with _sigterm_interrupts():
        lock = _Lock(settings.out)
        _start(settings)  # this process's authority, schemas and templates are read afresh for each build
        runner = _Runner(settings)
        state: dict = {}
        interrupted = False
        try:
            state = _load_state(settings.out)
            return _build(settings, transcripts, say, state, runner)
        except KeyboardInterrupt as exc:
            interrupted = True
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the saving short
            try:
                if state.get("documents") is not None:
                    _save_state(settings.out, state)
            finally:
                signal.signal(signal.SIGINT, previous)
            raise exc if isinstance(exc, BuildInterrupted) else BuildInterrupted() from None
        finally:
            runner.close(interrupted)
            _forget_site_data()
            lock.release()


def _build(settings: BuildSettings, transcripts: list[Path], say, state: dict, runner: _Runner) -> BuildResult:
    from tei.edition import neighbours, page_name_problem, site_files, write_site
    from tei.schematron import cannot_run_warning
    from tei.sitedata import SiteData, os_errors

    result = BuildResult(documents=len(transcripts))
    _remove_leftovers(settings)
    transcripts = _unique_names(transcripts, result, say)
    docs: dict[str, dict] = state["documents"]
    saver = _StateSaver(settings.out, state)
    render_changed = state.get("render") != render_key(settings)

    # Transcripts gone since the last build: their outputs go too.
    stems = {t.stem for t in transcripts}
    for stem in sorted(set(docs) - stems):
        for path in (settings.tei_dir / f"{stem}.xml", settings.html_dir / f"{stem}.html",
                     settings.html_dir / "tei" / f"{stem}.xml", _drafts(settings) / f"{stem}.html"):
            remove(path)
        del docs[stem]

    # 1. convert
    started = time.perf_counter()
    _key_changed(state, "conversion", conversion_key(settings), lambda entry: entry.update(source=None))
    sources = {t.stem: file_hash(t) for t in transcripts}
    todo = [t for t in transcripts
            if docs.get(t.stem, {}).get("source") != sources[t.stem] or docs.get(t.stem, {}).get("tei") is None
            or file_hash(settings.tei_dir / f"{t.stem}.xml") != docs[t.stem]["tei"]]
    for stem, tei_hash, warnings, failure in runner.map(_convert_one, todo):
        result.warnings += warnings
        if failure is not None:
            result.failures.append(failure)
            say(f"{failure.file}:{failure.line or ''}: error: {failure.message}".replace(":: ", ": "))
            docs.setdefault(stem, {})["source"] = None  # try again next time
            continue
        entry = docs.setdefault(stem, {})
        if entry.get("tei") != tei_hash:
            entry.pop("findings", None)  # new TEI: to validate and render again
            entry["page"] = None
        entry.update(source=sources[stem], tei=tei_hash)
        saver.soon()
    result.converted = len(todo) - sum(f.stage == "convert" for f in result.failures)
    saver.now()
    result.stages["convert"] = time.perf_counter() - started

    # 2. validate
    started = time.perf_counter()
    _key_changed(state, "validation", validation_key(), lambda entry: entry.pop("findings", None))
    built = [stem for stem in sorted(docs) if docs[stem].get("tei") and stem in stems]
    todo_paths = [settings.tei_dir / f"{stem}.xml" for stem in built if "findings" not in docs[stem]]
    for stem, findings in runner.map(_validate_one, todo_paths):
        docs[stem]["findings"] = findings
        saver.soon()
    result.validated = len(todo_paths)
    saxon_warning = cannot_run_warning()  # the findings say it per file; the build says it once
    if saxon_warning is not None:
        result.warnings.append(saxon_warning)
    for stem in built:
        findings = docs[stem].get("findings", [])
        result.findings += findings
        result.valid += not findings
    for line in result.findings:
        say(line)
    saver.now()
    result.stages["validate"] = time.perf_counter() - started

    # 3. render: listings (kept per TEI), then the pages whose TEI or neighbours changed, then the site
    started = time.perf_counter()
    taken: dict[str, Path] = {}
    paths = {}
    for stem in built:
        path = settings.tei_dir / f"{stem}.xml"
        problem = page_name_problem(path, taken)
        if problem is not None:
            result.failures.append(Failure(str(path), "render", problem.message))
            say(str(problem))
            continue
        taken[stem.casefold()] = path
        paths[stem] = path
    # The shared pages depend on the listings only: with none changed, and the pages as the last build
    # wrote them, they are not made again; with some changed, only the pages of the entities those
    # documents name are (at 10,000 documents the entity pages take 20 s). A build that stopped before
    # it had remade them left no record (below), so this one remakes them all, as a new template does.
    site = state.get("site")
    partial = not render_changed and bool(site) and all(
        file_hash(settings.html_dir / name) == digest for name, digest in site.items())
    with os_errors(_site_data(settings)), SiteData(_site_data(settings)) as data:
        with data.db:  # committed as the state is saved: a build that stops keeps the listings it made
            listed = data.listed_from()
            stale = [path for stem, path in paths.items() if listed.get(stem) != docs[stem]["tei"]]
            changed_stems = [path.stem for path in stale] + [stem for stem in listed if stem not in paths]
            # the entities they name as they were listed, and (below) as they are: None for all of them
            entities_changed = data.entity_ids(changed_stems) if partial else None
            removed = data.keep_only(paths)
            if stale or removed or render_changed:  # the shared pages are to be made again: forget them
                state.pop("site", None)  # before the listings change, whenever this build may stop
                _save_state(settings.out, state)
            saver.also = data.db.commit  # from here each save commits the listings made so far, then the state
            if render_changed:  # new templates or options: every listing and page is made again
                data.clear()
                stale = list(paths.values())
                _key_changed(state, "render", render_key(settings), lambda entry: entry.update(page=None))
                saver.now()
            for stem, listing, failure in runner.map(_list_one, stale):
                if failure is not None:
                    result.failures.append(failure)
                    say(f"{failure.file}: error: {failure.message}")
                    data.remove([stem])
                else:
                    data.put(listing, docs[stem]["tei"])
                saver.soon()
            if entities_changed is not None:
                entities_changed |= data.entity_ids(changed_stems)
            data.number()
        saver.also = None
        jobs, page_keys = [], {}
        for stem, previous, following in neighbours(data):
            page_key = [docs[stem]["tei"], *(astuple(previous) if previous else (None, None)),
                        *(astuple(following) if following else (None, None))]
            written = docs[stem].get("written") or [None, None]
            if (docs[stem].get("page") != page_key
                    or file_hash(settings.html_dir / f"{stem}.html") != written[0]
                    or file_hash(settings.html_dir / "tei" / f"{stem}.xml") != written[1]):
                jobs.append((paths[stem], previous, following))
                page_keys[stem] = page_key
        for stem, written, failure in runner.map(_write_one, jobs):
            if failure is not None:
                result.failures.append(failure)
                say(f"{failure.file}: error: {failure.message}")
                docs[stem]["page"] = None
            else:  # what was written, then what it was made from: a build stopped in between writes it again
                docs[stem]["written"] = written
                docs[stem]["page"] = page_keys[stem]
            saver.soon()
        result.rendered = len(jobs)
        if entities_changed is None or stale or removed:
            write_site(_renderer(), data, settings.html_dir,  # this process's renderer (see _start)
                       lambda named: list(runner.map(_write_entity, named)), entities_changed)
            state["site"] = {str(path.relative_to(settings.html_dir)): file_hash(path)
                             for path in site_files(settings.html_dir)}
    saver.now()
    result.stages["render"] = time.perf_counter() - started
    return result
