"""One step per stage, on files: convert a transcript to a TEI file; the check that outputs spare the inputs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from tei.authority import Authority
from tei.document import DEFAULT_PUBLISHER, convert_text
from tei.errors import InputError, OutputRefused, ReviewItem
from tei.files import is_inside, read_transcript, write_atomic
from tei.spreadsheet import csv_bytes


def _identity(path: Path) -> tuple[int, int] | None:
    """The file a path names (device, inode), links followed: the same for a hard link or a symlink to it."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def check_outputs(inputs: Iterable[Path | None], *, found: Iterable[Path] = (), folders: Iterable[Path] = (),
                  files: Iterable[Path] = (), replaced: Iterable[Path] = ()) -> None:
    """Refuse, before anything is written, an output that would write over an input. The one check for every
    command. `inputs`: the files and folders it was given (None: an option not given); `found`: the files it
    found in those folders.
    - `folders` written into (convert, render, build -o): not an input folder or inside one, nor the folder
      of an input file;
    - `files` written (reports, export files, and the files a command names after its inputs, like render's
      tei/<stem>.xml): not an input (the same file, through a hard or symbolic link too), nor inside an input
      folder;
    - `replaced`: folders replaced whole (the dc, csv and bagit exports): as `folders`, and holding no input.
    Raises OutputRefused. Cheap for 10,000 inputs: folders are compared once each, and the inputs found in
    folders are looked at only when an output file is a link."""
    given = [Path(p) for p in inputs if p is not None and os.path.exists(p)]
    found = list(found)
    input_dirs = [p for p in given if p.is_dir()]
    input_files = [p for p in given if not p.is_dir()]
    parents = {folder.resolve(): path for folder, path in {p.parent: p for p in input_files}.items()}
    replaced = list(replaced)
    for out in [*folders, *replaced]:
        inside = next((d for d in input_dirs if is_inside(out, d)), None) or parents.get(out.resolve())
        if inside is not None:
            raise OutputRefused(out, f"the output folder is inside the input {inside}; choose a folder outside "
                                     "the inputs (nothing is ever written into them)")
    for out in replaced:
        holds = next((path for path in [*given, *found] if is_inside(path, out)), None)
        if holds is not None:
            raise OutputRefused(out, f"the output folder holds the input {holds}, and the export replaces the "
                                     "folder whole; choose a folder that holds no input")
    files = list(files)
    folders_of = {f.parent for f in files}
    in_inputs = {parent: d for parent in folders_of for d in input_dirs if is_inside(parent, d)}
    there = {parent for parent in folders_of if parent.is_dir()}  # in a new folder no output is an input yet
    identities = {_identity(path): path for path in input_files}
    looked_in_folders = False
    for out in files:
        if out.parent in in_inputs:
            raise OutputRefused(out, f"is inside the input {in_inputs[out.parent]}; choose an output outside the "
                                     "inputs (nothing is ever written into them)")
        if out.parent not in there:
            continue
        try:
            this = os.stat(out)
        except OSError:
            continue  # not there: not an input
        if (this.st_nlink > 1 or out.is_symlink()) and not looked_in_folders:  # it may be an input found in a
            identities.update((_identity(path), path) for path in found)               # folder, by another name
            looked_in_folders = True
        same = identities.get((this.st_dev, this.st_ino))
        if same is not None:
            raise OutputRefused(out, f"is the input {same}: writing it would replace the input; "
                                     "choose another output")


def convert_file(source: Path, out_dir: Path, authority: Authority, layout: str | None = None,
                 publisher: str = DEFAULT_PUBLISHER, conventions_file: Path | None = None,
                 recogniser: str = "auto") -> tuple[Path, list[ReviewItem]]:
    """Convert one transcript to `out_dir/<stem>.xml`. Raises InputError; then nothing is written."""
    text = read_transcript(source)
    converted = convert_text(text, source, authority, layout, publisher, conventions_file, recogniser)
    target = out_dir / f"{source.stem}.xml"
    write_atomic(target, converted.to_bytes())
    return target, converted.review


REPORT_COLUMNS = ("file", "line", "level", "source", "decision", "why")


def write_report(path: Path, items: list[ReviewItem], errors: list[InputError], raw: bool = False) -> None:
    """The review list as CSV, one row per item, in file and line order (a spreadsheet opens it: cells it would
    take for formulas are made safe unless `raw`, see tei.spreadsheet)."""
    rows = [(i.path, i.line, i.level, i.source, i.decision, i.why) for i in items]
    rows += [(e.path, e.line or "", "error", "", "not converted", e.message) for e in errors]
    rows.sort(key=lambda r: (r[0], int(r[1] or 0)))
    write_atomic(path, csv_bytes(REPORT_COLUMNS, rows, raw))
