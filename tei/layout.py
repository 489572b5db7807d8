"""Layout profiles (data in converters/*.toml) and the reader that applies them.

A profile says where a family of transcripts keeps its metadata: blocks at the
top matched by pattern, labelled sections, blocks recognised by their content,
boilerplate to drop, and where the transcript body starts and ends. Supporting
a new archive's export is a new profile, not new code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tei.datafiles import load_toml
from tei.errors import InputError
from tei.resources import converters_dir

NOT_LAYOUTS = ("cable", "names")  # the other data files in converters/, besides the conventions files


def _is_layout(path: Path) -> bool:
    return path.stem not in NOT_LAYOUTS and "conventions" not in path.stem


@dataclass(frozen=True)
class Block:
    """A run of non-blank lines, exactly as in the source, with where it starts."""

    text: str
    offset: int
    line: int


@dataclass(frozen=True)
class HeadRule:
    field: str
    pattern: re.Pattern
    optional: bool


@dataclass(frozen=True)
class Section:
    field: str
    blocks: int | None  # how many blocks the section takes; None: up to the next label


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    detect: tuple[re.Pattern, ...]
    digital_archive: str | None
    boilerplate: frozenset[str]
    head: tuple[HeadRule, ...]
    sections: dict[str, Section]  # keyed by normalised label
    content: tuple[tuple[str, re.Pattern], ...]
    body_after: str | None
    body_before: str | None
    summary_last: bool
    heading: str  # "capitals": a line in capitals; "title-line": that, or a title line in mixed case;
    #               "first-line": any single first line (see tei.structure)
    title_from_heading: bool
    conventions: str  # the editorial conventions file in converters/, without .toml

    def matches(self, text: str) -> bool:
        return bool(self.detect) and all(p.search(text) for p in self.detect)


@dataclass
class Layout:
    """A transcript split into metadata fields and body blocks."""

    profile: Profile
    fields: dict[str, list[Block]] = field(default_factory=dict)
    body: list[Block] = field(default_factory=list)
    omitted: list[Block] = field(default_factory=list)  # boilerplate and repeats, left out of the text

    def value(self, name: str) -> str | None:
        """A field's text, its blocks joined by blank lines; None when absent or empty."""
        blocks = self.fields.get(name)
        return "\n\n".join(b.text for b in blocks) if blocks else None


def _label_key(text: str) -> str:
    return text.strip().rstrip(":").strip().casefold()


def load_profile(path: Path) -> Profile:
    """A layout profile, checked against converters/layout.schema.json (an InputError names the file, line
    and key of a problem), and the conventions file it names must be there."""
    def conventions_beside(data: dict):
        name = data.get("conventions", "conventions")
        if not (path.parent / f"{name}.toml").is_file():
            return ("conventions",), f"there is no {name}.toml beside this profile"
        return None

    data = load_toml(path, "layout", "a layout profile", conventions_beside)
    body = data.get("body", {})
    return Profile(
        name=data["name"],
        description=data.get("description", ""),
        detect=tuple(re.compile(p) for p in data.get("detect", [])),
        digital_archive=data.get("digital_archive"),
        boilerplate=frozenset(data.get("boilerplate", [])),
        head=tuple(
            HeadRule(h["field"], re.compile(h["pattern"]), h.get("optional", False)) for h in data.get("head", [])
        ),
        sections={_label_key(s["label"]): Section(s["field"], s.get("blocks")) for s in data.get("section", [])},
        content=tuple((c["field"], re.compile(c["pattern"])) for c in data.get("content", [])),
        body_after=body.get("after"),
        body_before=body.get("before"),
        summary_last=body.get("summary_last", False),
        heading=body.get("heading", "capitals"),
        title_from_heading=body.get("title_from_heading", False),
        conventions=data.get("conventions", "conventions"),
    )


@cache
def profiles() -> dict[str, Profile]:
    """Every layout profile the package ships, by name."""
    found = {}
    for path in sorted(converters_dir().glob("*.toml")):
        if _is_layout(path):
            profile = load_profile(path)
            found[profile.name] = profile
    return found


def detect(text: str) -> Profile:
    """The profile whose detection patterns all occur (the most specific wins); `bare` otherwise."""
    candidates = [p for p in profiles().values() if p.matches(text)]
    if candidates:
        return max(candidates, key=lambda p: len(p.detect))
    return profiles()["bare"]


def split_blocks(text: str) -> list[Block]:
    """Runs of non-blank lines, trailing spaces trimmed, with offsets and line numbers."""
    blocks, lines, start, start_line = [], [], 0, 0
    offset = 0
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            if not lines:
                start, start_line = offset, number
            lines.append(line.rstrip())
        elif lines:
            blocks.append(Block("\n".join(lines), start, start_line))
            lines = []
        offset += len(line) + 1
    if lines:
        blocks.append(Block("\n".join(lines), start, start_line))
    return blocks


def read_layout(text: str, path: Path | str, profile: Profile) -> Layout:
    layout = Layout(profile)
    blocks = []
    for block in split_blocks(text):
        (layout.omitted if block.text.strip() in profile.boilerplate else blocks).append(block)

    position = 0
    for rule in profile.head:
        if position < len(blocks) and _label_key(blocks[position].text) not in profile.sections:
            taken = _match_leading_lines(blocks[position], rule.pattern)
            if taken:
                value, rest = taken
                layout.fields[rule.field] = [value]
                if rest:
                    blocks[position] = rest
                else:
                    position += 1
                continue
        if not rule.optional:
            break

    rest = blocks[position:]
    if profile.body_after:
        end = _find_label(rest, profile, profile.body_after)
        if end is None:
            raise InputError(path, f"the {profile.name} layout needs a section for '{profile.body_after}', "
                             "and none was found; try --layout bare")
        taken = profile.sections[_section_label(profile, profile.body_after)].blocks or 1
        _read_sections(rest[: end + 1 + taken], layout)
        layout.body = rest[end + 1 + taken:]
    elif profile.body_before:
        end = _find_label(rest, profile, profile.body_before)
        if end is None:
            end = len(rest)
        layout.body = rest[:end]
        if profile.summary_last and len(layout.body) > 1:
            layout.fields["summary"] = [layout.body.pop()]
        _read_sections(rest[end:], layout)
    else:
        layout.body = rest
    if not layout.body:
        raise InputError(path, f"has no transcript text after its metadata (layout {profile.name})")
    return layout


def _match_leading_lines(block: Block, pattern: re.Pattern) -> tuple[Block, Block | None] | None:
    """Match `pattern` against the block, or else against its first lines (a date line
    directly above a title, with no blank line between): the value and what is left."""
    ends = [m.start() for m in re.finditer("\n", block.text)] + [len(block.text)]
    for count in range(len(ends), 0, -1):
        match = pattern.fullmatch(block.text, 0, ends[count - 1])  # the first lines, without copying them
        if match:
            if count == len(ends):
                return _group_block(block, match), None
            head = block.text[:ends[count - 1]]
            cut = len(head) + 1
            rest = Block(block.text[cut:], block.offset + cut, block.line + count)
            return _group_block(Block(head, block.offset, block.line), match), rest
    return None


def _group_block(block: Block, match: re.Match) -> Block:
    if "value" not in match.re.groupindex:
        return block
    start = match.start("value")
    return Block(match.group("value"), block.offset + start, block.line + block.text.count("\n", 0, start))


def _section_label(profile: Profile, field_name: str) -> str:
    return next(label for label, section in profile.sections.items() if section.field == field_name)


def _find_label(blocks: list[Block], profile: Profile, name: str) -> int | None:
    """Index of the block that is the label of section `name` (a field name or a label)."""
    wanted = {_label_key(name)} | {label for label, s in profile.sections.items() if s.field == name}
    return next((i for i, b in enumerate(blocks) if _label_key(b.text) in wanted), None)


class _ReadValues:
    """The values read so far, block by block and line by line, to tell a block that repeats one (the funder line
    of a web page, again at its foot) in constant time: comparing each block with every value read before it was
    quadratic in the blocks. A block that repeats part of a line is kept, as a note: nothing is lost."""

    def __init__(self, layout: Layout):
        self.layout, self.seen, self.counted = layout, set(), {}

    def holds(self, text: str) -> bool:
        for name, values in self.layout.fields.items():  # the blocks added since the last look
            for block in values[self.counted.get(name, 0):]:
                self.seen.add(block.text.strip())
                self.seen.update(line.strip() for line in block.text.split("\n"))
            self.counted[name] = len(values)
        return text in self.seen


def _read_sections(blocks: list[Block], layout: Layout) -> None:
    profile = layout.profile
    current, taken = None, 0
    read = _ReadValues(layout)
    for block in blocks:
        key = _label_key(block.text)
        if key in profile.sections:
            current, taken = profile.sections[key], 0
            continue
        by_content = next((name for name, pattern in profile.content if pattern.search(block.text)), None)
        if by_content:
            layout.fields.setdefault(by_content, []).append(block)
        elif current and (current.blocks is None or taken < current.blocks):
            layout.fields.setdefault(current.field, []).append(block)
            taken += 1
        elif read.holds(block.text.strip()):
            layout.omitted.append(block)  # a repeat of a value already read, like the funder line
        else:
            layout.fields.setdefault("note", []).append(block)
