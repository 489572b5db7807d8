"""Checks of rendered HTML with the tools in tests/js: the Nu Html Checker and axe-core.

Imported by tests as `from htmlcheck import ...` (tests/ is on sys.path under plain
`pytest`, as for `from conftest import ...`). The tools are npm packages pinned in
tests/js/package-lock.json and installed on first use with `npm ci` in tests/js.

- vnu_messages(paths): the Nu checker (vnu.jar, needs Java 17+), one JVM for all
  the HTML files given (and one more if CSS files are given), its errors as dicts.
- axe_violations(page): axe-core injected from the local file into a Playwright
  page, its violations of the given impacts as dicts.
- axe_pages(paths): every file opened in Debian's Chromium, axe_violations of each.

Both return lists of dicts whose repr is one readable line each, so that
`assert not found, found` prints what is wrong and where.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

JS = Path(__file__).resolve().parent / "js"
NODE_MODULES = JS / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
LOCK = JS / ".npm-ci.lock"
CHROMIUM = Path("/usr/bin/chromium")  # as in test_render.py: Playwright's own browser download is not used
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# --ignore-scripts: vnu-jar's postinstall only fetches a Java runtime when none is on
# PATH, from a host this machine cannot reach; we run the jar with the system Java.
NPM_CI = ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"]
INSTALL_HINT = f"cd {JS} && {' '.join(NPM_CI)}"
# Past this many characters of file names, vnu is run once per batch (the kernel's
# limit on a command line is far higher; this keeps well clear of it).
MAX_ARGS_CHARS = 100_000


@dataclass(frozen=True)
class JsTools:
    vnu_jar: Path
    axe_js: Path


def _installed_as_locked() -> bool:
    """Both tools are there, at the versions package-lock.json pins."""
    if not (VNU_JAR.is_file() and AXE_JS.is_file()):
        return False
    try:
        locked = json.loads((JS / "package-lock.json").read_text(encoding="utf-8"))["packages"]
        for name in ("vnu-jar", "axe-core"):
            installed = json.loads((NODE_MODULES / name / "package.json").read_text(encoding="utf-8"))
            if installed.get("version") != locked[f"node_modules/{name}"]["version"]:
                return False
    except (OSError, ValueError, KeyError):
        return False
    return True


def ensure_js_tools() -> JsTools:
    """Install tests/js's npm packages with `npm ci` unless they are there as locked.

    Safe to call from several tests or processes at once: the install runs under an
    exclusive lock on tests/js/.npm-ci.lock, and the check is repeated once it is held.
    """
    if not _installed_as_locked():
        with open(LOCK, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if not _installed_as_locked():
                    _npm_ci()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    return JsTools(VNU_JAR, AXE_JS)


def _npm_ci() -> None:
    if shutil.which("npm") is None:
        pytest.fail("the HTML checks need npm (Debian: `apt-get install npm`) to install their tools: "
                    f"{INSTALL_HINT}", pytrace=False)
    try:
        done = subprocess.run(NPM_CI, check=False, cwd=JS, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`npm ci` in {JS} took more than 10 minutes; run it by hand: {INSTALL_HINT}", pytrace=False)
    if done.returncode != 0 or not _installed_as_locked():
        pytest.fail(f"installing the HTML checks' tools failed (exit {done.returncode}); run `{INSTALL_HINT}` "
                    f"to see why:\n{(done.stdout + done.stderr)[-3000:]}", pytrace=False)


# --------------------------------------------------------------------------- the Nu Html Checker


class VnuMessage(dict):
    """One vnu message: file, line, message (and column, type, extract)."""

    def __repr__(self) -> str:
        where = f"{self['file']}:{self['line']}" + (f":{self['column']}" if self.get("column") else "")
        return f"{where}: {self['message']}"


def vnu_messages(paths, *, errors_only: bool = True) -> list[VnuMessage]:
    """The Nu Html Checker's errors for these files, in one run of Java.

    HTML files are checked in one run. CSS files (*.css), if any, are checked in a
    second run with --css: vnu's --also-check-css would check them in the same run,
    but it also shifts every HTML line number one up (26.9.27), and without it a
    named .css file is parsed as HTML. Each message's `file` is the path as given.
    """
    paths = [Path(p) for p in paths]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:  # vnu says nothing at all about a file that is not there
        raise FileNotFoundError(f"no such file to check: {', '.join(missing)}")
    tools = ensure_js_tools()
    html = [p for p in paths if p.suffix.lower() != ".css"]
    css = [p for p in paths if p.suffix.lower() == ".css"]
    found: list[VnuMessage] = []
    for batch in _batches(html):
        found += _run_vnu(tools.vnu_jar, [], batch, errors_only)
    for batch in _batches(css):
        found += _run_vnu(tools.vnu_jar, ["--css"], batch, errors_only)
    return found


def _batches(paths: list[Path]):
    batch: list[Path] = []
    size = 0
    for path in paths:
        if batch and size + len(str(path)) > MAX_ARGS_CHARS:
            yield batch
            batch, size = [], 0
        batch.append(path)
        size += len(str(path)) + 1
    if batch:
        yield batch


def _run_vnu(jar: Path, options: list[str], paths: list[Path], errors_only: bool) -> list[VnuMessage]:
    java = shutil.which("java")
    if java is None:
        pytest.fail("the Nu Html Checker needs Java 17 or later (Debian: `apt-get install default-jre-headless`)",
                    pytrace=False)
    files = [str(p.resolve()) for p in paths]  # absolute, so that none starts with "-"
    command = [java, "-jar", str(jar), "--format", "json", "--stdout", "--asciiquotes",
               *(["--errors-only"] if errors_only else []), *options, *files]
    done = subprocess.run(command, check=False, capture_output=True, text=True, encoding="utf-8", errors="replace")
    # JSON on stdout with --stdout; on stderr without it (vnu's default). Java may add lines to
    # either (e.g. "Picked up JAVA_TOOL_OPTIONS"), so look for the object in both.
    report = _json_object(done.stdout) or _json_object(done.stderr)
    if report is None or done.returncode not in (0, 1):  # 1: errors were found
        pytest.fail(f"the Nu Html Checker did not run (exit {done.returncode}): {' '.join(command[:8])} ...\n"
                    f"{(done.stdout + done.stderr)[-3000:]}", pytrace=False)
    by_path = {str(p.resolve()): p for p in paths}
    found = []
    for m in report.get("messages", []):
        if errors_only and m.get("type") not in ("error", "non-document-error"):
            continue
        url = m.get("url", "")
        local = unquote(urlparse(url).path) if url.startswith("file:") else url
        file = by_path.get(str(Path(local).resolve())) if local else None
        found.append(VnuMessage(file=str(file or local or url), line=m.get("firstLine", m.get("lastLine")),
                                column=m.get("firstColumn"), type=m.get("type"),
                                message=m.get("message", ""), extract=m.get("extract", "")))
    return found


def _json_object(text: str) -> dict | None:
    """vnu's report: the whole text, or the first line that parses as a JSON object with 'messages'."""
    text = text.strip()
    if not text:
        return None
    candidates = [text] + [line[line.index("{"):] for line in text.splitlines() if "{" in line]
    decoder = json.JSONDecoder()
    for candidate in candidates:
        try:
            value, _ = decoder.raw_decode(candidate)
        except ValueError:
            continue
        if isinstance(value, dict) and "messages" in value:
            return value
    return None


# --------------------------------------------------------------------------- axe-core


class AxeViolation(dict):
    """One axe rule violated: id, impact, help, helpUrl, targets (CSS selectors of the nodes)."""

    def __repr__(self) -> str:
        targets = ", ".join(self["targets"][:5]) + (f" (+{len(self['targets']) - 5} more)"
                                                     if len(self["targets"]) > 5 else "")
        return f"{self['id']} ({self['impact']}): {self['help']} -- at {targets}"


_RUN_AXE = """async () => {
    const results = await axe.run(document, {resultTypes: ['violations']});
    return results.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        targets: v.nodes.map(n => n.target.map(t => Array.isArray(t) ? t.join(' >>> ') : t).join(' '))
    }));
}"""


def axe_violations(page, impacts=("serious", "critical")) -> list[AxeViolation]:
    """axe-core's violations on the page now loaded in this Playwright page, of these impacts.

    axe.min.js is injected from tests/js/node_modules (a local file, no network); a page
    navigated afterwards needs it again, so call this after each page.goto.
    impacts=None returns violations of every impact.
    """
    tools = ensure_js_tools()
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(tools.axe_js))
    violations = [AxeViolation(v) for v in page.evaluate(_RUN_AXE)]
    return [v for v in violations if impacts is None or v["impact"] in impacts]


def axe_pages(paths, impacts=("serious", "critical"), prepare=None) -> dict[Path, list[AxeViolation]]:
    """{path: axe_violations} for every file, each opened in a fresh page of one Chromium.

    `prepare(page)`, if given, runs after loading, before axe: to check a state the page is
    not loaded in (another view of the text, an open card).

    Runs Playwright in a thread of its own: Playwright's sync API refuses to start while
    another sync Playwright is running in the same thread, and test modules (test_render.py)
    keep a session-long one in the main thread.
    """
    paths = [Path(p) for p in paths]
    ensure_js_tools()
    if not CHROMIUM.exists():
        pytest.fail(f"the browser checks need Debian's Chromium at {CHROMIUM}: `apt-get install chromium`",
                    pytrace=False)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_axe_pages_here, paths, impacts, prepare).result()


def _axe_pages_here(paths: list[Path], impacts, prepare=None) -> dict[Path, list[AxeViolation]]:
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for path in paths:
                context = browser.new_context()
                try:
                    page = context.new_page()
                    page.goto(path.resolve().as_uri())
                    if prepare is not None:
                        prepare(page)
                    results[path] = axe_violations(page, impacts)
                finally:
                    context.close()
        finally:
            browser.close()
    return results
