"""The TOML files editors write (conventions, layout profiles, collection.toml), read as any input is.

Each is checked against its JSON Schema (converters/<kind>.schema.json) when it is loaded, so a typo
(`encode = "gapp"`, `brackets = "curly"`) is one error naming the file, the line and the key, not a
traceback during a conversion. tomllib gives no place for a key, so the line is found in the text: the
n-th `[[table]]` of its array, then the key's own line in it.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from functools import cache
from pathlib import Path

from tei.errors import InputError
from tei.files import decode_text, read_input
from tei.resources import converters_dir, project_schema

MAX_DATA_FILE_BYTES = 4 * 1024 * 1024  # the shipped ones are a few KB
_REQUIRED = "is required here"


def load_toml(path: Path, kind: str, what: str, check=None) -> dict:
    """The data of a TOML file of `kind` (conventions, layout, collection) that passes its schema, or an
    InputError naming the file, line, column and key of the first problem. `what`: "a conventions file";
    `check(data)`: what the schema cannot say, as (keys, message) for a problem, else None."""
    data = read_input(path, what, MAX_DATA_FILE_BYTES, f", the most {what} may be")
    text = decode_text(path, data, what, "load it again")
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _decode_error(path, text, exc) from None
    problems = _problems(parsed, kind) or [p for p in [check(parsed) if check else None] if p]
    if problems:  # the first in the file, as an editor reads it; a key misspelt before the key it then lacks
        placed = [(key_place(text, keys, parsed), keys, message) for keys, message in problems]
        (line, column), keys, message = min(placed, key=lambda p: (p[2].endswith(_REQUIRED), p[0][0] is None,
                                                                    p[0][0] or 0, p[0][1] or 0))
        raise InputError(path, f"{describe_keys(keys, parsed)}: {message}", line, column)
    return parsed


def _decode_error(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> InputError:
    """tomllib puts the place in its message, "... (at line 3, column 5)" or "(at end of document)"."""
    message = str(exc)
    place = re.search(r" \(at line (\d+), column (\d+)\)$", message)
    if place:
        return InputError(path, f"is not valid TOML: {message[:place.start()]}", int(place[1]), int(place[2]))
    message = message.removesuffix(" (at end of document)")
    return InputError(path, f"is not valid TOML: {message} (at the end of the file)", text.count("\n") + 1)


@cache
def schema(kind: str) -> dict:
    """The JSON Schema of a kind of data file, with the values it takes from the project's TEI schema."""
    data = json.loads((converters_dir() / f"{kind}.schema.json").read_text(encoding="utf-8"))
    if "gapReason" in data.get("$defs", {}):
        data["$defs"]["gapReason"]["enum"] = list(tei_attribute_values("gap", "reason"))
    return data


@cache
def tei_attribute_values(element: str, attribute: str) -> tuple[str, ...]:
    """The values the project's RELAX NG grammar allows for element/@attribute (a closed list there), read
    from the grammar itself so that a convention is held to what the validator will accept."""
    from tei.xmlread import parse_xml

    ns = {"rng": "http://relaxng.org/ns/structure/1.0"}
    found = parse_xml(project_schema()).xpath(
        "//rng:define/rng:element[@name=$element]//rng:attribute[@name=$attribute]//rng:value/text()",
        namespaces=ns, element=element, attribute=attribute)
    return tuple(dict.fromkeys(str(v) for v in found))


def _problems(data: dict, kind: str) -> list[tuple[tuple, str]]:
    """(the keys that lead to it, what is wrong) for each problem the schema finds (the first 50)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema(kind), format_checker=jsonschema.FormatChecker())
    return [_problem(error) for error, _ in zip(validator.iter_errors(data), range(50))]


def _problem(error) -> tuple[tuple, str]:
    keys = tuple(error.absolute_path)
    if error.validator == "type" and "message" in error.schema:  # the schema's own words for a wrong type
        return keys, error.schema["message"]
    if error.validator == "additionalProperties":  # the key that is not allowed is the place, not its table
        extra = re.findall(r"'([^']+)'", error.message)[:1]
        known = sorted(error.schema.get("properties", {}))
        close = difflib.get_close_matches(extra[0], known, 1) if extra else []
        return keys + tuple(extra), "unknown key" + (f" (did you mean {close[0]}?)" if close else "") + \
            (f"; the keys allowed here are {', '.join(known)}" if known else "")
    if error.validator == "required":
        return keys, error.message.replace("is a required property", _REQUIRED)
    if error.validator == "format" and error.validator_value == "regex":
        return keys, f"{error.instance!r} is not a regular expression Python can read"
    return keys, error.message


def describe_keys(keys: tuple, data: dict) -> str:
    """`[[mark]] 4 ('garbled'), encode`: where a value is, as an editor finds it in the file."""
    parts: list[str] = []
    node = data
    for key in keys:  # a path the schema found in `data`, so each step is there
        node = node[key]
        if isinstance(key, str):
            parts.append(key)
        elif isinstance(node, dict):  # one table of an array of tables, [[mark]]
            name = node.get("name")
            parts[-1] = f"[[{parts[-1]}]] {key + 1}" + (f" ({name!r})" if isinstance(name, str) else "")
        else:  # one item of a list, detect = [...]
            parts[-1] = f"{parts[-1]}[{key + 1}]"
    return ", ".join(parts) if parts else "the file"


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")


def _key_pattern(key: str) -> re.Pattern:
    return re.compile(rf"""^\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*=""")


def key_place(text: str, keys: tuple, data: dict) -> tuple[int | None, int | None]:
    """The line and column of the key at `keys` (("mark", 3, "encode")) in the TOML text of `data`: the table
    its keys name (the 4th `[[mark]]`), then the key's line in it; the table's own line if the key is not
    written there (a required key left out); (None, None) if neither is found (a dotted or inline key)."""
    wanted_table, key = _table_and_key(keys, data)
    table: tuple = ()  # the table the line being read is in
    counts: dict[tuple, int] = {}  # how many tables of each array of tables so far
    table_line = None
    for number, line in enumerate(text.split("\n"), 1):
        header = _HEADER.match(line)
        if header:
            name = tuple(part.strip().strip("\"'") for part in header[2].split("."))
            if header[1] == "[[":
                counts[name] = counts.get(name, -1) + 1
                name += (counts[name],)
            table = name
            table_line = number if table == wanted_table else table_line
        elif table == wanted_table and key is not None and _key_pattern(key).match(line):
            return number, len(line) - len(line.lstrip()) + 1
    return (table_line, 1) if table_line else (None, None)


def _table_and_key(keys: tuple, data: dict) -> tuple[tuple, str | None]:
    """The longest start of `keys` that leads to a table, and the key that follows it in `keys`:
    ("mark", 3, "encode") -> (("mark", 3), "encode"); ("detect", 2), a list of strings -> ((), "detect")."""
    node, table = data, 0
    for i, key in enumerate(keys):
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict):
            table = i + 1
    rest = keys[table:]
    return tuple(keys[:table]), (rest[0] if rest and isinstance(rest[0], str) else None)


# --- what a pattern's group can match ---------------------------------------------------------------------

try:
    from re import _constants as _sre_constants, _parser as _sre_parser  # Python 3.11+
except ImportError:  # pragma: no cover
    import sre_constants as _sre_constants
    import sre_parse as _sre_parser


class _Unbounded(Exception):
    """The group matches more than a short list of words."""


def group_words(pattern: str, group: str, most: int = 1000) -> set[str] | None:
    """The words the named `group` of `pattern` can match, lower-cased, when they are a finite list of at most
    `most` (`words?|lines?` gives word, words, line, lines); an empty set if there is no such group; None when
    the group matches open-ended text (`\\w+`), whose values no one can check before they are met."""
    parsed = _sre_parser.parse(pattern)
    index = parsed.state.groupdict.get(group)
    if index is None:
        return set()
    try:
        return {word.lower() for word in _strings(_find_group(parsed, index), most)}
    except _Unbounded:
        return None


def _find_group(items, index: int):
    for op, av in items:
        if op is _sre_constants.SUBPATTERN:
            if av[0] == index:
                return av[3]
            found = _find_group(av[3], index)
        elif op is _sre_constants.BRANCH:
            found = next((f for f in (_find_group(b, index) for b in av[1]) if f is not None), None)
        elif op in (_sre_constants.MAX_REPEAT, _sre_constants.MIN_REPEAT):
            found = _find_group(av[2], index)
        else:
            continue
        if found is not None:
            return found
    return None


def _strings(items, most: int) -> set[str]:
    """Every string the parsed sequence `items` matches, or _Unbounded if they are not few and finite."""
    results = {""}
    for op, av in items:
        choices = _item_strings(op, av, most)
        results = {a + b for a in results for b in choices}
        if len(results) > most:
            raise _Unbounded
    return results


def _item_strings(op, av, most: int) -> set[str]:
    c = _sre_constants
    if op is c.LITERAL:
        return {chr(av)}
    if op is c.AT:
        return {""}
    if op is c.IN:
        chars = set()
        for kind, value in av:
            if kind is c.LITERAL:
                chars.add(chr(value))
            elif kind is c.RANGE and value[1] - value[0] < 64:
                chars.update(chr(v) for v in range(value[0], value[1] + 1))
            else:
                raise _Unbounded
        return chars
    if op is c.SUBPATTERN:
        return _strings(av[3], most)
    if op is c.BRANCH:
        return set().union(*(_strings(branch, most) for branch in av[1]))
    if op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[1] is not c.MAXREPEAT and av[1] <= 4:
        once = _strings(av[2], most)
        found, run = set(), {""}
        for count in range(av[1] + 1):
            if count >= av[0]:
                found |= run
            run = {a + b for a in run for b in once}
            if len(found) > most:
                raise _Unbounded
        return found
    raise _Unbounded
