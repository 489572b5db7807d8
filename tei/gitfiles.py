"""Which files changed since a git revision, for `tei validate --changed-since REV`."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tei.errors import InputError


def changed_since(revision: str, where: Path) -> set[Path]:
    """Files added, copied, modified or renamed since `revision` (committed or not), and untracked ones."""
    top = _git(["rev-parse", "--show-toplevel"], where).strip()
    _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], where,
         f"{revision!r} is not a revision of this repository")
    changed = _git(["diff", "--name-only", "-z", "--diff-filter=ACMR", revision, "--"], where)
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z", "--full-name", ":/"], where)
    return {(Path(top) / name).resolve() for name in (changed + untracked).split("\0") if name}


def _git(arguments: list[str], where: Path, failure: str | None = None) -> str:
    folder = where if where.is_dir() else where.parent
    try:
        done = subprocess.run(["git", *arguments], cwd=folder, capture_output=True, text=True)
    except FileNotFoundError:
        raise InputError(where, "--changed-since needs git, which is not installed") from None
    if done.returncode != 0:
        raise InputError(where, failure or f"git {arguments[0]} failed: {done.stderr.strip()}")
    return done.stdout
