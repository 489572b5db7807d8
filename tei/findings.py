"""What a validator reports: one Finding per problem, at a file, line and column, with a rule id.

Every checker (RELAX NG, XSD, Schematron, the corpus checks, the XML parser
itself) produces these, and every output format (tei.reporting) reads them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from tei.errors import format_location

LEVELS = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int | None
    column: int | None
    message: str
    rule: str  # a stable id: "unexpected-element", "ref-resolves", "not-well-formed"...
    schema: str  # the file (or check) that raised it: "tei_all.rng", "tei_transcripts.sch", "xml"
    level: str = "error"

    def __post_init__(self):
        # One finding, one line: libxml2 and Saxon messages may carry line breaks.
        object.__setattr__(self, "message", " ".join(self.message.split()))

    def __str__(self) -> str:
        return (f"{format_location(self.path, self.line, self.column)}: {self.level}: {self.message} "
                f"[{self.rule}]")

    def sort_key(self) -> tuple:
        return (self.path, self.line or 0, self.column or 0, self.schema, self.rule, self.message)

    def as_dict(self) -> dict:
        record = asdict(self)
        record["file"] = record.pop("path")
        return record
