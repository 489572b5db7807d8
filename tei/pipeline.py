"""One step per stage, on files: convert a transcript to a TEI file; the checks on output folders."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tei.authority import Authority
from tei.document import DEFAULT_PUBLISHER, convert_text
from tei.errors import InputError, Warning_
from tei.files import is_inside, read_transcript, write_atomic


class OutputFolderError(Exception):
    """The output folder would write into the inputs: a usage error."""


def check_output_folder(out: Path, inputs: list[Path]) -> None:
    """Refuse an output folder that is an input folder or inside one: inputs are never written to."""
    for given in inputs:
        folder = given if given.is_dir() else given.parent
        if given.exists() and is_inside(out, folder) and (given.is_dir() or out.resolve() == folder.resolve()):
            raise OutputFolderError(f"the output folder {out} is inside the input {given}; "
                                    "choose a folder outside the inputs (nothing is ever written into them)")


@dataclass
class ConvertResult:
    written: list[Path] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)


def convert_file(source: Path, out_dir: Path, authority: Authority, layout: str | None = None,
                 publisher: str = DEFAULT_PUBLISHER) -> tuple[Path, list[Warning_]]:
    """Convert one transcript to `out_dir/<stem>.xml`. Raises InputError; then nothing is written."""
    text = read_transcript(source)
    converted = convert_text(text, source, authority, layout, publisher)
    target = out_dir / f"{source.stem}.xml"
    write_atomic(target, converted.to_bytes())
    return target, converted.warnings
