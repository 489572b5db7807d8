"""`pip install .` ships everything the commands need; the README's commands are the ones CI runs."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile

from conftest import ROOT


def test_the_wheel_carries_profiles_schema_authority_and_templates(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("tei_transcripts-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("tei/cli.py", "tei/converters/citation_page.toml", "tei/converters/web_page.toml",
                     "tei/converters/bare.toml", "tei/converters/cable.toml", "tei/converters/conventions.toml",
                     "tei/schema/tei_transcripts.rng", "tei/schema/tei_transcripts.xsd",
                     "tei/schema/tei_all.rng", "tei/schema/TEI_ALL.md",
                     "tei/default_authority/people.csv", "tei/default_authority/places.csv",
                     "tei/default_authority/orgs.csv", "tei/default_authority/roles.csv"):
        assert expected in names, f"{expected} is missing from the wheel"
    for template in ("base.html", "document.html", "index.html", "entities.html", "entity.html", "key.html",
                     "edition.css", "edition.js"):
        assert f"tei/templates/{template}" in names, f"the edition's {template} is missing from the wheel"


def readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_readme_gives_two_commands_and_ci_runs_the_second():
    build, tests = readme_commands()
    assert build.endswith("tei build") and "pip install ." in build
    assert "'.[test]'" in tests and tests.endswith("pytest")
    assert tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_every_promise_of_what_the_toolkit_will_never_do_names_tests_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What the toolkit will never do", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| it never")]
    assert len(rows) >= 5
    tests = "".join(path.read_text(encoding="utf-8") for path in (ROOT / "tests").glob("test_*.py"))
    for row in rows:
        names = re.findall(r"\b(test_\w+)\b(?!\.py)", row.rsplit("|", 2)[1])
        files = re.findall(r"\b(test_\w+)\.py", row)
        assert names or files, f"no test for: {row}"
        for name in names:
            assert f"def {name}(" in tests, f"the README names {name}, which no test defines"
        for name in files:
            assert (ROOT / "tests" / f"{name}.py").is_file(), f"the README names tests/{name}.py, which is not there"
