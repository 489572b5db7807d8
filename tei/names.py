"""The names pass: mentions of people, places and organisations, linked to the authority.

Every variant in the authority goes into one token trie, so finding names costs
the same whatever the size of the authority: the text is read once, and at each
word the trie is walked only as far as a name could go. A name matches as
written, with a capital first letter (at the start of a sentence), or in capitals
(cable headings); spaces inside a name may be any white space (`T.V. Soong`,
a name broken over two lines). A person's title written just before a name
(`Mr. Molotov`) is taken into the name.

Role names (`the Generalissimo`) are settled per document by `RoleReader`: a
titled mention in the same document (`Generalissimo Stalin`) wins, otherwise
the date table in roles.csv decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from tei.authority import Authority
from tei.candidates import name_rules, title_candidates
from tei.spans import RangeIndex, Span

_TOKEN = re.compile(r"[^\W_]+|[^\w\s]", re.UNICODE)
NAME_PRIORITY = 40


def tokens(text: str) -> list[re.Match]:
    """Words (runs of letters and digits) and single punctuation marks; white space separates."""
    return list(_TOKEN.finditer(text))


@dataclass
class _Node:
    children: dict[str, "_Node"] = field(default_factory=dict)
    # at a name's last token: every way the name is listed (tokens as written) and what it denotes
    ends: list[tuple[tuple[str, ...], str, bool]] = field(default_factory=list)  # (form, id or phrase, is_role)


@dataclass(frozen=True)
class Found:
    """One name in a text: where, and what it denotes."""

    start: int
    end: int
    target: str  # entity id, or a role phrase
    is_role: bool


class Gazetteer:
    """Every variant and role phrase of an authority in one trie of casefolded tokens."""

    def __init__(self, authority: Authority):
        self.root = _Node()
        self.depth = 0
        for entity in authority.entities.values():
            for variant in entity.variants:
                self._add(variant, entity.id, False)
        for role in authority.roles:
            self._add(role.phrase, role.phrase, True)

    def _add(self, name: str, target: str, is_role: bool) -> None:
        form = tuple(m.group() for m in tokens(name))
        if not form:
            return
        node = self.root
        for token in form:
            node = node.children.setdefault(token.casefold(), _Node())
        if (form, target, is_role) not in node.ends:  # `Chiang Kai-shek` and `Chiang Kai-Shek` are both kept
            node.ends.append((form, target, is_role))
        self.depth = max(self.depth, len(form))

    def find(self, text: str) -> list[Found]:
        """The longest name starting at each word; names found do not overlap."""
        toks = tokens(text)
        found: list[Found] = []
        i = 0
        while i < len(toks):
            match = self._longest(text, toks, i)
            if match is None:
                i += 1
                continue
            found.append(match[0])
            i = match[1]
        return found

    def _longest(self, text: str, toks: list[re.Match], i: int) -> tuple[Found, int] | None:
        first = toks[i]
        if not first.group()[0].isalnum() or (first.start() > 0 and text[first.start() - 1] == "."):
            return None  # names start at a word, not inside an abbreviation such as U.S.S.R.
        node, best = self.root, None
        j = i
        while j < len(toks) and j - i < self.depth:
            node = node.children.get(toks[j].group().casefold())
            if node is None:
                break
            if node.ends:
                written = tuple(t.group() for t in toks[i:j + 1])
                for form, target, is_role in node.ends:
                    if _as_written(written, form) and not (_is_short_acronym(form) and _in_capitals(toks, i, j)):
                        best = (Found(first.start(), toks[j].end(), target, is_role), j + 1)
                        break
            j += 1
        return best


def _is_short_acronym(form: tuple[str, ...]) -> bool:
    """`US`, `UK`, `UN`: in a line of capitals, `US` is as likely to be the word `us`."""
    return len(form) == 1 and len(form[0]) <= 2 and form[0].isupper()


def _in_capitals(toks: list[re.Match], i: int, j: int) -> bool:
    """Whether the words just before and after toks[i..j] are words in capitals (a cable heading)."""
    near = [t.group() for t in toks[max(0, i - 2):i] + toks[j + 1:j + 3] if t.group().isalpha()]
    return any(len(w) > 1 and w.isupper() for w in near)


def _as_written(found: tuple[str, ...], form: tuple[str, ...]) -> bool:
    """`found` is a way the name `form` is written: as listed, capitalised, or in capitals."""
    if found == form:
        return True
    if all(f == t.upper() for f, t in zip(found, form)):
        return True
    return found[0] == form[0][:1].upper() + form[0][1:] and found[1:] == form[1:]


@cache
def gazetteer(authority: Authority) -> Gazetteer:
    return Gazetteer(authority)


@cache
def _titles() -> re.Pattern:
    titles = sorted(name_rules().titles, key=len, reverse=True)
    return re.compile(r"(?:" + "|".join(re.escape(t) for t in titles) + r")[ \t\n]+$")


class RoleReader:
    """Who the role names of one document denote.

    A role phrase (`the Generalissimo`) denotes the one person the document itself
    names with that title (`Generalissimo Stalin`), unless the date table says
    that person did not hold it at the document's date (`President Roosevelt`
    in a letter of Truman's presidency); with no such person, the date table
    decides; two candidates leave the phrase unmarked.
    """

    def __init__(self, authority: Authority, when: str | None, texts: list[str]):
        self.authority = authority
        self.when = when
        self.titled: dict[str, set[str]] = {}  # casefolded title -> people named with it
        self.decided: dict[str, tuple[str | None, str, bool]] = {}  # phrase -> (id, why, by the text itself)
        found_in = [(text, gazetteer(authority).find(text)) for text in texts]
        # the people the authority knows, as written with what comes before them (`Generalissimo Stalin`), and
        # the titled names it lacks (`President Quirino`) where no name it knows is
        known = [(" ".join(text[_person_start(text, f.start):f.end].split()).casefold(), f.target)
                 for text, found in found_in for f in found
                 if not f.is_role and authority.entities[f.target].kind == "person"]
        unknown = []
        for text, found in found_in:
            names = RangeIndex.of((f.start, f.end, f) for f in found)
            unknown += [" ".join(text[start:end].split()) for start, end, _ in title_candidates(text)
                        if not any(names.overlapping(start, end))]
        for phrase in {r.phrase.casefold(): r.phrase for r in authority.roles}.values():
            title = _title_of(phrase) + " "
            people = {target for written, target in known if written.startswith(title)}
            people |= {"?" + written for written in unknown if written.casefold().startswith(title)}
            self.titled[phrase.casefold()] = people

    def holder(self, phrase: str) -> tuple[str | None, str]:
        """The id the phrase denotes here (None: undecided), and why."""
        return self._decision(phrase)[:2]

    def by_context(self, phrase: str) -> bool:
        """Whether the document's own titled mentions, not the date table, settled the phrase."""
        return self._decision(phrase)[2]

    def _decision(self, phrase: str) -> tuple[str | None, str, bool]:
        key = phrase.casefold()
        if key not in self.decided:
            self.decided[key] = self._decide(phrase)
        return self.decided[key]

    def _decide(self, phrase: str) -> tuple[str | None, str, bool]:
        dated = self.authority.holders(phrase, self.when)
        ever = self.authority.ever_held(phrase)
        titled = {p for p in self.titled.get(phrase.casefold(), set()) if p not in ever or p in dated}
        if len(titled) == 1 and next(iter(titled)).startswith("?"):
            named = next(iter(titled))[1:]
            return None, f"the document names {named}, whom the authority lacks, with this title", True
        if len(titled) == 1:
            person = next(iter(titled))
            why = f"the document names {self.authority.entities[person].name} with this title"
            return person, why, dated != {person}
        if len(titled) > 1:
            return None, "the document names several people with this title: " + \
                ", ".join(sorted(t.lstrip("?") for t in titled)), True
        if len(dated) == 1:
            return next(iter(dated)), f"held the office on {self.when} (roles.csv)", False
        if not self.when:
            return None, "the document has no date to tell who held the office", False
        return None, f"roles.csv names {len(dated)} holders on {self.when}", False


def _person_start(text: str, start: int) -> int:
    """Where a person's name starts when a title is written just before it (`Mr. Molotov`)."""
    window = max(0, start - 40)  # longer than any title, so the look-back stays constant-time
    title = _titles().search(text, window, start)
    if title and (title.start() == 0 or not text[title.start() - 1].isalnum()):
        return title.start()
    return start


def _title_of(phrase: str) -> str:
    phrase = phrase.casefold()
    return phrase[4:] if phrase.startswith("the ") else phrase


def name_spans(text: str, authority: Authority, roles: RoleReader | None = None,
               found: list[Found] | None = None) -> list[Span]:
    """Spans for every name of the authority in `text` (`found`: the gazetteer's finds in it, when the
    caller has them already); role names as `roles` settles them."""
    spans = []
    for f in gazetteer(authority).find(text) if found is None else found:
        target, rule = f.target, "name"
        if f.is_role:
            if roles is None:
                continue
            target, _ = roles.holder(f.target)
            if target is None:
                continue  # the document does not settle who is meant: leave it unmarked
            rule = "role"
        entity = authority.entities[target]
        start = _person_start(text, f.start) if entity.kind == "person" and not f.is_role else f.start
        spans.append(Span(start, f.end, entity.tag, (("ref", "#" + entity.id),), priority=NAME_PRIORITY,
                          rule=rule))
    return spans
