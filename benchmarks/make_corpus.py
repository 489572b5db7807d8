"""A realistic corpus of N plain-text transcripts, for benchmarks of `tei build` at scale.

    python benchmarks/make_corpus.py OUT [--count 1000] [--seed 1945] [--check]

or, from Python, `make_corpus(folder, count, seed) -> list[Path]`.

Each transcript is made from the pieces the converter has to deal with in real exports:

- the three layouts the converter detects, `citation-page` (40 %), `web-page` (35 %) and
  `bare` (25 %), with the small variations it tolerates: a date on the title's line or
  its own block, or none; a title wrapped over two lines; sections left out; empty or
  filled "Document Information" values; extra blank lines; trailing spaces; CRLF line
  ends; a byte order mark; paragraphs hard-wrapped at 60-76 columns, brackets included
  (`[2 words\nillegible]`), and a heading in capitals with them (the opening lines after
  it are short); a whole telegram in capitals;
- cables, paraphrases, memoranda of conversation, letters and long reports, with the
  lines that open and close them (heading, classification, precedence, number,
  dateline, received line, FROM ... TO address, signature);
- lengths from one paragraph to 50 pages (about 150 KB), most short: of transcript
  text (the layout's page furniture adds 0.3-1.5 KB), 60 % under 2.5 KB, 28 % up to
  10 KB, 10 % up to 40 KB, 2 % up to 150 KB; document 7 of every thousand is 150 KB;
- every editorial convention of converters/conventions.toml (gaps of each reason,
  unclear words, conjectures, [sic], supplied words, completed names, regularised
  names, editors' notes, quote ... unquote), and a few brackets no convention matches
  or that are unbalanced, anywhere in a paragraph;
- people, places and organisations drawn from sources/authority/*.csv in all their
  variants (with titles, possessives, initials, in capitals, role phrases such as
  "the President"), and names the authority does not know;
- dates from 1941 to 1956, written in the forms the date pass reads;
- sentences from the two sample transcripts in sources/, sentences written for this
  benchmark and a few public-domain passages (benchmarks/corpus_text.txt).

The same seed gives the same bytes (given the same sample transcripts, authority files
and corpus_text.txt), and document i is the same whatever the count (up to 100,000),
so a corpus of 200 is the first 200 files of a corpus of 1,000.

--check converts the corpus with `tei convert`, validates it with `tei validate`,
and prints the share of files in each layout and using each convention, as planned
here and as the converter's editorialDecl records it.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import functools
import random
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXT = Path(__file__).resolve().with_name("corpus_text.txt")
SAMPLES = ("000_0057ff3e2a2cacb5.txt", "001_e5f868fdedea9438.txt")

LAYOUTS = (("citation-page", 40), ("web-page", 35), ("bare", 25))
KINDS = (("telegram", 45), ("paraphrase", 10), ("memorandum", 20), ("letter", 10), ("report", 15))
PAGE = 3_000  # bytes of a typed page
MAX_BYTES = 150_000  # 50 pages
FIRST, LAST = datetime.date(1941, 1, 1), datetime.date(1956, 12, 31)

# Every convention of converters/conventions.toml (by its name there), the telegraphese quotation,
# and brackets no convention matches (kept as text, with a warning): with the share of documents
# that use it, and the forms it takes.
CONVENTIONS = {
    "illegible": 0.30, "illegible-counted": 0.18, "garbled": 0.18, "missing": 0.12, "damage": 0.08,
    "not-declassified": 0.18, "unclear": 0.10, "unclear-word": 0.12, "conjecture": 0.12, "sic": 0.25,
    "dateline-place": 0.30, "completed-name": 0.12, "regularised-name": 0.25, "editorial-note-word": 0.12,
    "supplied": 0.18, "editorial-note": 0.20, "quotation": 0.25, "kept-as-text": 0.04,
}
GAPS = {
    "illegible": ["[ILLEGIBLE]", "[ILLEGIBLE]", "[illegible word]", "[illegible]", "[words illegible]",
                  "[unreadable]", "[illegible text]"],
    "illegible-counted": ["[2 words illegible]", "[one line illegible]", "[three words illegible]",
                          "[1½ lines illegible]", "[half a line illegible]", "[4 words illegible]",
                          "[a word illegible]"],
    "garbled": ["[garble]", "[garble]", "[garbled]", "[garbled group]", "[2 groups garbled]", "[one word garbled]"],
    "missing": ["[…]", "[...]", "[text missing]", "[2 words missing]", "[one line missing]", "[word missing]"],
    "damage": ["[page torn]", "[damaged]", "[hole in the paper]", "[water damage]", "[text damaged]", "[torn]"],
    "not-declassified": ["[not declassified]", "[redacted]", "[1½ lines not declassified]", "[2 words redacted]",
                         "[one sentence not declassified]", "[excised]", "[name not declassified]",
                         "[less than 1 line not declassified]"],
    "unclear": ["[unclear]", "[word unclear]", "[words unclear]"],
}
NOT_DECLASSIFIED_PARAGRAPHS = ["[1 paragraph not declassified]", "[3 paragraphs not declassified]",
                               "[2½ lines not declassified]", "[one page not declassified]",
                               "[4 lines not declassified]", "[1 paragraph (6 lines) not declassified]"]
NOTE_WORDS = ["[File copy not signed]", "[Attachment]", "[Enclosure]", "[Enclosure 2]", "[Not printed.]", "[Initialed]",
              "[Handwritten marginal note: Agree.]", "[Translation]", "[Signature illegible]", "[Annex]"]
NOTES = ["[Here follows a discussion of {Pl}, not printed.]",
         "[The remainder of this telegram was garbled in transmission.]", "[Notation on the original by {P}: Seen.]",
         "[Here follows the text of the communiqué, not printed.]", "[The last page of the original is missing.]",
         "[Sent to the Department as telegram {N}; repeated to {Pl}.]"]
# Brackets no convention matches, after any sentence of a paragraph (the marks after an unclosed `[` are still
# read), one to a paragraph (an unclosed `[` and a lone `]` after it would be read as one bracket): a footnote
# number, a letter, an unclosed or nested bracket, a closing one alone.
KEPT_AS_TEXT = [" [3]", " [A]", " (see [para 2 above", " [[sic]]", " see para 4]"]
FUNCTION_WORDS = {"the", "a", "to", "of", "and", "that", "is", "was", "be", "in", "on", "by", "he", "it", "not"}
COMPLETED_NAME = ["{X} informed me that the {O} had accepted the formula.", "I have seen {X} and will report further.",
                  "{X} told me that he would return to {Pl} on {MD}.", "{X} was present throughout the talks."]
REGULARISED = ["The port of {X} is to be a free port.", "The situation at {X} is unchanged.",
               "Troops were reported moving toward {X} on {MD}.", "{X} remains under the control of the {O}.",
               "I left {X} on {MD} and arrived here this morning."]

CLASSIFICATIONS = ["TOP SECRET", "SECRET", "CONFIDENTIAL", "Top Secret", "Secret", "RESTRICTED",
                   "TOP SECRET—EYES ONLY", "SECRET - NODIS", "Confidential"]
PRECEDENCES = ["PRIORITY", "NIACT IMMEDIATE", "IMMEDIATE", "Priority", "ROUTINE"]
ARCHIVES = ["W. A. Harriman Papers, Library of Congress", "National Archives and Records Administration",
            "Archive of the President of the Russian Federation (APRF)",
            "Archive of Foreign Policy of the Russian Federation (AVP RF)", "Hoover Institution Archives",
            "Archives of the Ministry of Foreign Affairs of the People's Republic of China"]
FUNDERS = ["Chun & Jane Chiu Family Foundation", "the Henry Luce Foundation", "the Leon Levy Foundation",
           "Carnegie Corporation of New York"]
RIGHTS = ("The History and Public Policy Program welcomes reuse of Digital Archive materials for research and "
          "educational purposes. Some documents may be subject to copyright, which is retained by the rights holders "
          "in accordance with US and international copyright laws. When possible, rights holders have been contacted "
          "for permission to reproduce their materials.\n\nTo enquire about this document's rights status or request "
          "permission for commercial use, please contact the History and Public Policy Program at [email protected].")
TITLES = ["Mr.", "Mr.", "General", "Dr.", "Colonel", "Ambassador", "Minister", "Madame", "Admiral", "Consul",
          "Governor", "Professor", "Vice Minister", "Major General"]
SYLLABLES = ["ka", "lo", "mi", "ren", "sto", "vel", "an", "dor", "shi", "tsu", "ba", "gri", "nov", "ev", "li", "ma",
             "ter", "bul", "ros", "den", "pa", "vin", "hol", "ker"]
CHINESE = (["Tan", "Hsu", "Liang", "Kuo", "Teng", "Fang", "Yen", "Shen", "Pai", "Lo", "Tseng", "Hou"],
           ["wei", "ming", "chih", "sheng", "kuo", "hua", "lin", "tung", "fu", "chen", "an", "po"])
ENGLISH = ["Page", "Hollis", "Brandt", "Whitcombe", "Ferris", "Alden", "Carver", "Dunmore", "Pruitt", "Lyle",
           "Ashby", "Kendrick", "Thorne", "Merrow"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
SHORT_MONTHS = ["Jan.", "Feb.", "Mar.", "Apr.", "May", "Jun.", "Jul.", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]
TELEGRAM_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
SLOT = re.compile(r"\{(P|Pl|O|R|U|UPl|D|MD|M|N|NN|T|X)\}")
NUMBERS = ["two", "three", "four", "five", "six", "ten", "2", "3", "4", "5", "7", "12", "15", "20"]
TIMES = ["11:40 p.m.", "10 a.m.", "noon", "3:15 p.m.", "9:30 a.m.", "midnight", "4 p.m."]


# ---------------------------------------------------------------------------------------------- resources


@dataclass(frozen=True)
class Entity:
    id: str
    kind: str  # people, places, orgs
    name: str
    variants: tuple[str, ...]

    @property
    def short(self) -> str:
        """The form most often written: a one-word variant (`Stalin`), else the last word of the name."""
        one = [v for v in self.variants if re.fullmatch(r"[A-Z][\w'’-]+", v)]
        return one[0] if one else self.name.split()[-1]


@dataclass(frozen=True)
class Resources:
    people: tuple[Entity, ...]
    places: tuple[Entity, ...]
    orgs: tuple[Entity, ...]
    roles: tuple[str, ...]
    known: frozenset[str]  # every variant, casefolded: names made up here must not be one of them
    initials: tuple[tuple[str, str], ...]  # ("T. V.", "Soong"): a person written with initials
    regularised: tuple[tuple[str, str], ...]  # ("Darien", "Dalian"): an old or variant form and the standard one
    sentences: tuple[str, ...]
    summaries: tuple[str, ...]
    samples: tuple[str, ...]  # sentences of the two sample transcripts
    public_domain: tuple[tuple[str, tuple[str, ...]], ...]  # (source, paragraphs)


def _sections(path: Path) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        heading = re.fullmatch(r"== (.+) ==", line)
        if heading:
            current = sections.setdefault(heading.group(1), [])
        elif current is not None:
            current.append(line.strip())
    return sections


def _sample_sentences() -> list[str]:
    """Sentences of the sample transcripts' bodies, without their brackets and quotations (marks are added
    here, so that what the generator planned is known)."""
    found = []
    for name in SAMPLES:
        text = (ROOT / "sources" / name).read_text(encoding="utf-8")
        for block in re.split(r"\n\s*\n", text):
            block = " ".join(block.split())
            if len(block) < 200 or block.startswith(('"', "Harriman reports", "The History", "To enquire")):
                continue
            for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", block):
                if "[" not in sentence and "quote" not in sentence.lower() and len(sentence) > 30:
                    found.append(sentence)
    return found


@functools.cache
def resources() -> Resources:
    authority = ROOT / "sources" / "authority"
    kinds = {}
    for kind in ("people", "places", "orgs"):
        with open(authority / f"{kind}.csv", encoding="utf-8", newline="") as handle:
            kinds[kind] = tuple(Entity(r["id"], kind, r["name"], tuple(v for v in r["variants"].split("|") if v))
                                for r in csv.DictReader(handle))
    with open(authority / "roles.csv", encoding="utf-8", newline="") as handle:
        roles = tuple(dict.fromkeys(r["phrase"] for r in csv.DictReader(handle) if r["phrase"].startswith("the ")))
    known = frozenset(v.casefold() for entities in kinds.values() for e in entities for v in e.variants)
    initials = tuple((m.group(1).strip(), m.group(2)) for e in kinds["people"] for v in e.variants
                     if (m := re.fullmatch(r"((?:[A-Z]\. ?){1,3})([A-Z][\w'’-]+)", v)))
    regularised = tuple((v, e.name) for e in kinds["places"] for v in e.variants
                        if v != e.name and re.fullmatch(r"[A-Z][\w'’-]+( [A-Z][\w'’-]+){0,2}", e.name)
                        and re.fullmatch(r"[A-Z][\w'’-]*[a-z][\w'’-]*( [A-Z][\w'’-]*[a-z][\w'’-]*)?", v)
                        and v.casefold() not in e.name.casefold())
    text = _sections(TEXT)
    public = tuple((name.removeprefix("pd: "), tuple(lines)) for name, lines in text.items() if name.startswith("pd: "))
    return Resources(kinds["people"], kinds["places"], kinds["orgs"], roles, known, initials, regularised,
                     tuple(text["sentences"]), tuple(text["summaries"]), tuple(_sample_sentences()), public)


# ---------------------------------------------------------------------------------------------- one document


@dataclass
class Plan:
    """What the generator meant a transcript to hold: checked against what the converter made of it."""

    name: str
    layout: str
    kind: str
    date: datetime.date | None
    size: int = 0
    conventions: Counter = field(default_factory=Counter)
    variations: list[str] = field(default_factory=list)


def _weighted(rng: random.Random, choices) -> str:
    names, weights = zip(*choices)
    return rng.choices(names, weights)[0]


def _target_size(rng: random.Random, index: int) -> int:
    """Bytes of transcript text: most short, a few very long (log-uniform within each tier)."""
    if index % 1000 == 7:
        return MAX_BYTES - 4_000  # the page furniture of the layout brings it to ~150 KB
    tier = rng.random()
    low, high = (250, 2_500) if tier < 0.60 else (2_500, 10_000) if tier < 0.88 else \
        (10_000, 40_000) if tier < 0.98 else (40_000, MAX_BYTES - 4_000)
    return int(low * (high / low) ** rng.random())


class Writer:
    """Writes one transcript; every random choice comes from its own generator."""

    def __init__(self, rng: random.Random, name: str, index: int):
        self.rng = rng
        self.res = resources()
        r = rng
        self.layout = _weighted(r, LAYOUTS)
        self.target = _target_size(r, index)
        self.kind = "report" if self.target > 30_000 and r.random() < 0.5 else _weighted(r, KINDS)
        undated = r.random() < 0.03
        self.date = None if undated else FIRST + datetime.timedelta(days=r.randrange((LAST - FIRST).days + 1))
        self.capitals = self.kind == "telegram" and r.random() < 0.15
        self.plan = Plan(name, self.layout, self.kind, self.date)
        cast = 3 + min(12, self.target // 8_000)
        self.people = r.sample(self.res.people, min(len(self.res.people), cast + 2))
        self.places = r.sample(self.res.places, min(len(self.res.places), cast))
        self.orgs = r.sample(self.res.orgs, min(len(self.res.orgs), 1 + cast // 3))
        self.unknown = [self._unknown_person() for _ in range(r.randint(0, 3))]
        self.unknown_places = [self._made_up(2, 3) + r.choice(["ovka", "-chen", "sk", "abad", "-ho"])]
        self.sender, self.addressee = self.people[0], self.people[1]
        self.place = self.places[0]

    # ------------------------------------------------------------------ names, dates, numbers

    def _made_up(self, low: int, high: int) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(low, high))).capitalize()

    def _unknown_person(self) -> tuple[str, str]:
        """(title, name) of a person the authority does not know."""
        r = self.rng
        for _ in range(20):
            style = r.random()
            if style < 0.35:
                name = f"{r.choice(CHINESE[0])} {r.choice(CHINESE[1]).capitalize()}-{r.choice(CHINESE[1])}"
            elif style < 0.7:
                name = self._made_up(2, 3) + r.choice(["ov", "in", "sky", "enko", "ev"])
            else:
                name = r.choice(ENGLISH)
            if name.casefold() not in self.res.known and name.split()[0].casefold() not in self.res.known:
                return r.choice(TITLES), name
        return "Mr.", "Pageworth"

    def person(self) -> str:
        e = self.rng.choice(self.people)
        return e.short if self.rng.random() < 0.45 else self.rng.choice(e.variants)

    def place_name(self) -> str:
        return self.rng.choice(self.rng.choice(self.places).variants)

    def org(self) -> str:
        return self.rng.choice(self.rng.choice(self.orgs).variants)

    def unknown_person(self) -> str:
        if not self.unknown:
            self.unknown.append(self._unknown_person())
        title, name = self.rng.choice(self.unknown)
        return f"{title} {name.split()[0] if ' ' in name and self.rng.random() < 0.3 else name}"

    def a_date(self, year: bool = True) -> str:
        r = self.rng
        day = (self.date or datetime.date(1947, 6, 1)) - datetime.timedelta(days=r.randrange(90))
        m = day.month - 1
        if not year:
            return r.choice([f"{MONTHS[m]} {day.day}", f"{TELEGRAM_MONTHS[m]} {day.day}", f"{day.day} {MONTHS[m]}"])
        form = r.random()
        if form < 0.4:
            return f"{MONTHS[m]} {day.day}, {day.year}"
        if form < 0.55:
            return f"{day.day} {MONTHS[m]} {day.year}"
        if form < 0.7:
            return f"{SHORT_MONTHS[m]} {day.day}, {day.year}"
        if form < 0.85:
            suffix = "th" if 10 <= day.day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
            return f"{day.day}{suffix} {MONTHS[m]}, {day.year}"
        return f"{MONTHS[m]} {day.year}"

    def slot(self, name: str) -> str:
        r = self.rng
        match name:
            case "P":
                return self.person()
            case "Pl":
                return self.place_name()
            case "O":
                return self.org()
            case "R":
                return r.choice(self.res.roles)
            case "U":
                return self.unknown_person()
            case "UPl":
                return r.choice(self.unknown_places)
            case "D":
                return self.a_date()
            case "MD":
                return self.a_date(year=False)
            case "M":
                return f"{MONTHS[r.randrange(12)]} {(self.date or FIRST).year}"
            case "N":
                return r.choice(NUMBERS)
            case "NN":
                return r.choice(["25,000,000", "five million", "300,000", "1,200", "two hundred million", "40,000"])
            case "T":
                return r.choice(TIMES)
        raise KeyError(name)

    def fill(self, template: str, **given: str) -> str:
        text = SLOT.sub(lambda m: given.get(m.group(1)) or self.slot(m.group(1)), template)
        return text[0].upper() + text[1:]

    # ------------------------------------------------------------------ the body

    def sentence(self) -> str:
        r = self.rng
        pick = r.random()
        if pick < 0.62:
            return self.fill(r.choice(self.res.sentences))
        if pick < 0.95:
            sentence = r.choice(self.res.samples)
            if r.random() < 0.5:  # the same sentence about other people and places
                sentence = re.sub(r"\b(Soong|Stalin|Molotov|Chiang|Lozovsky|Petrov)\b",
                                  lambda m: self.rng.choice(self.people).short, sentence)
                sentence = re.sub(r"\b(Outer Mongolia|Manchuria|Korea|Sinkiang|Tibet|Moscow)\b",
                                  lambda m: self.place_name(), sentence)
            return sentence
        _, paragraphs = r.choice(self.res.public_domain)
        passage = r.choice(paragraphs)
        passage = re.split(r"(?<=[.;:])\s+", passage)[0].rstrip(";:,") + "."
        return self.fill(r.choice(["{P} quoted from memory the words: “{Q}”", "The statement ends: {Q}",
                                   "{P} read aloud the following: {Q}"]), Q=passage)

    def paragraph(self) -> list[str]:
        count = min(8, max(1, int(self.rng.expovariate(1 / 3)) + 1))
        return [self.sentence() for _ in range(count)]

    def front(self) -> list[str]:
        """The heading and the lines that open a cable, by kind."""
        r, lines = self.rng, []
        place = self.place.short if re.fullmatch(r"[A-Z][\w'’-]+", self.place.short) else self.place.name
        sender = self.sender.short
        if self.kind == "paraphrase":
            when = f" {self.date.strftime('%B').upper()} {self.date.day}, {self.date.year}," if self.date else ""
            lines.append(f"PARAPHRASE OF NAVY CABLE{when} FROM {place.upper()}")
        elif self.kind == "telegram" and (self.layout == "bare" or r.random() < 0.6):
            lines.append(r.choice([f"TELEGRAM FROM {sender.upper()} TO THE SECRETARY OF STATE",
                                   f"THE AMBASSADOR IN {place.upper()} ({sender.upper()}) TO THE SECRETARY OF STATE",
                                   "TELEGRAM", f"CABLE FROM {place.upper()}"]))
        elif self.kind == "memorandum" and (self.layout == "bare" or r.random() < 0.5):
            lines.append(r.choice(["Memorandum of Conversation, by the Ambassador in the Soviet Union",
                                   f"Memorandum of Conversation, by {self.sender.name}", "MEMORANDUM OF CONVERSATION"]))
        elif self.kind == "letter" and (self.layout == "bare" or r.random() < 0.3):
            lines.append(f"Letter from {self.sender.name} to {self.addressee.name}")
        elif self.kind == "report" and (self.layout == "bare" or r.random() < 0.7):
            lines.append(f"REPORT ON THE SITUATION IN {place.upper()}")
        elif self.layout == "bare":
            lines.append(f"{self.kind.capitalize()} from {self.sender.name}")
        self.heading = lines[0] if lines else None
        if self.kind in ("telegram", "paraphrase", "report") and r.random() < 0.7:
            lines.append(r.choice(CLASSIFICATIONS))
        if self.kind == "telegram":
            if r.random() < 0.3:
                lines.append(r.choice(PRECEDENCES))
            if r.random() < 0.4:
                lines.append(r.choice([f"No. {r.randint(1, 2999)}", f"Telegram No. {r.randint(1, 999)}",
                                       f"NR. {r.randint(1, 99)}"]))
        if self.date and self.kind != "paraphrase" and r.random() < 0.75:
            lines.append(self.dateline(place))
            if self.kind == "telegram" and r.random() < 0.4:
                received = self.date + datetime.timedelta(days=r.randint(0, 2))
                lines.append(f"[Received {MONTHS[received.month - 1]} {received.day}—{r.choice(TIMES)}]")
                self.plan.conventions["editorial-note"] += 1  # the received line is an editor's bracket too
        if self.kind in ("telegram", "paraphrase") and r.random() < 0.6:
            to_both = "TO THE PRESIDENT AND THE SECRETARY OF STATE."
            lines.append(r.choice([f"TOP SECRET AND PERSONAL FROM {sender.upper()} {to_both}",
                                   f"FROM {sender.upper()} TO {self.addressee.short.upper()}.",
                                   f"From {self.sender.name} to {self.addressee.name}"]))
        if self.kind == "memorandum":
            names = [r.choice([v for v in p.variants if " " in v] or [p.name]) for p in self.people[:3]]
            title, made_up = self.unknown_person().split(" ", 1)
            lines.append(f"Participants: {'; '.join(names)}; {title} {made_up}, interpreter.")
        if self.kind == "letter":
            lines.append(f"Dear {r.choice(['Mr.', 'General', 'Ambassador'])} {self.addressee.short}:")
        return lines

    def dateline(self, place: str) -> str:
        r, d = self.rng, self.date
        month = MONTHS[d.month - 1]
        when = f"{month} {d.day}, {d.year}" if r.random() < 0.8 else f"{d.day} {month} {d.year}"
        hour = r.choice(["", "", "—1 p.m", "—midnight", ", 9 a.m"])
        if "dateline-place" in self.wanted:
            self.plan.conventions["dateline-place"] += 1
            return f"[{place},] {when}{hour}."
        return f"{place}, {when}{hour}."

    def closing(self) -> list[str]:
        r = self.rng
        lines = []
        if self.kind == "letter":
            lines += [r.choice(["Sincerely yours,", "Faithfully yours,", "With warm regards,"]),
                      f"/s/ {self.sender.name}"]
        elif self.kind in ("telegram", "paraphrase") and r.random() < 0.7:
            surname = self.sender.short.upper()
            lines.append(r.choice([surname, surname, "".join(r.choice("ABCDEFGHJKLMNPRSTW") for _ in range(3))]))
        return lines

    # ------------------------------------------------------------------ editorial conventions

    def _words(self, sentence: str) -> list[str]:
        return sentence.split(" ")

    def _plain(self, paragraphs: list[list[str]]) -> list[tuple[int, int]]:
        """(paragraph, sentence) of the sentences with no mark yet, where a mark can go."""
        return [(p, s) for p, sentences in enumerate(paragraphs) for s, text in enumerate(sentences)
                if "[" not in text and "quote" not in text.lower() and "“" not in text and '"' not in text]

    def _word_at(self, sentence: str, test) -> int | None:
        words = self._words(sentence)
        fits = [i for i, w in enumerate(words) if i > 0 and test(w)]
        return self.rng.choice(fits) if fits else None

    def mark(self, name: str, paragraphs: list[list[str]]) -> bool:
        """Put one use of the convention into the body; False if no sentence could take it."""
        r = self.rng
        spots = self._plain(paragraphs)
        if name == "not-declassified" and r.random() < 0.3 or name in ("editorial-note", "editorial-note-word"):
            at = r.randint(1, len(paragraphs)) if paragraphs else 0
            text = r.choice(NOT_DECLASSIFIED_PARAGRAPHS if name == "not-declassified" else
                            NOTES if name == "editorial-note" else NOTE_WORDS)
            if name == "editorial-note-word" and text in ("[Attachment]", "[Enclosure]", "[Annex]") and \
                    r.random() < 0.7:  # an enclosure: the label, then its text
                _, passages = r.choice(self.res.public_domain)
                paragraphs.insert(at, [self.fill(p) for p in passages[:2]])
            elif name != "not-declassified" and paragraphs and r.random() < 0.4:
                paragraphs[at - 1].append(self.fill(text))  # after a sentence: `... not printed. [Not printed.]`
                return True
            paragraphs.insert(at, [self.fill(text)])
            return True
        if name == "completed-name" or name == "regularised-name":
            if name == "completed-name":
                initials, surname = r.choice(self.res.initials)
                form = f"{initials} [{surname}]"
            else:
                if self.capitals:
                    return False  # `DAIREN [Dalian]`: the rule wants a lower-case letter in the word before
                old, new = r.choice(self.res.regularised)
                form = f"{old} [{new}]"
            template = r.choice(COMPLETED_NAME if name == "completed-name" else REGULARISED)
            sentence = self.fill(template, X="\x00")
            sentence = (sentence.upper() if self.capitals else sentence).replace("\x00", form)
            p = r.randrange(len(paragraphs))
            paragraphs[p].insert(r.randint(0, len(paragraphs[p])), sentence)
            return True
        if name == "kept-as-text":
            free = [p for p in range(len(paragraphs)) if p not in self.kept]
            if not free:
                return False
            p = r.choice(free)
            self.kept.add(p)
            paragraphs[p][r.randrange(len(paragraphs[p]))] += r.choice(KEPT_AS_TEXT)
            return True
        if not spots:
            return False
        p, s = r.choice(spots)
        sentence = paragraphs[p][s]
        words = self._words(sentence)
        lower = re.compile(r"[a-z]{2,}[,;:.]?")
        if self.capitals:
            lower = re.compile(r"[A-Z]{2,}[,;:.]?")

        def split(word: str) -> tuple[str, str]:
            m = re.fullmatch(r"(.*?)([,;:.]?)", word)
            return m.group(1), m.group(2)

        if name in GAPS:
            i = self._word_at(sentence, lower.fullmatch)
            if i is None:
                return False
            n = 1 if name in ("illegible", "unclear", "garbled") else r.randint(1, 3)
            last = min(len(words), i + n) - 1
            words[i:last + 1] = [r.choice(GAPS[name]) + split(words[last])[1]]
        elif name in ("sic", "conjecture", "supplied", "unclear-word"):
            if name == "supplied":
                test = lambda w: split(w)[0].lower() in FUNCTION_WORDS and (self.capitals or split(w)[0].islower())
            elif name == "unclear-word":
                test = lambda w: re.fullmatch(r"[A-Za-z][\w'’-]+[,;:.]?", w) is not None
            else:
                test = lambda w: re.fullmatch(r"[A-Za-z]{4,}[,;:.]?", w) is not None and \
                    (self.capitals or w[0].islower())
            i = self._word_at(sentence, test)
            if i is None:
                return False
            word, punctuation = split(words[i])
            if name == "supplied":
                words[i] = f"[{word.lower()}]{punctuation}"
            elif name == "conjecture":
                words[i] = f"[{word}?]{punctuation}"
            elif name == "unclear-word":
                words[i] = f"{word}[?]{punctuation}"
            elif i + 1 < len(words) and r.random() < 0.3:  # a quoted phrase: `"railway questoin" [sic]`
                second, punctuation = split(words[i + 1])
                left, right = r.choice([('"', '"'), ("“", "”")])
                words[i:i + 2] = [f"{left}{word}", f"{self._misspell(second)}{right} [sic]{punctuation}"]
            else:
                written = self._misspell(word) if r.random() < 0.6 else word
                words[i] = f"{written} {r.choice(['[sic]', '[sic]', '[sic.]'])}{punctuation}"
        elif name == "quotation":
            if r.random() < 0.3:
                _, passages = r.choice(self.res.public_domain)
                quoted = re.split(r"(?<=[.;:])\s+", r.choice(passages))[0].rstrip(".;:,")
                opening, closing = ("QUOTE", "UNQUOTE") if self.capitals or r.random() < 0.3 else ("quote", "unquote")
                paragraphs[p].insert(s, self.fill(f"The statement reads {opening} {quoted} {closing}."))
                return True
            fits = [i for i, w in enumerate(words) if i > 1 and lower.fullmatch(w)]
            if not fits:
                return False
            i = r.choice(fits)
            n = r.randint(1, 4)
            last = min(len(words), i + n) - 1
            words[last], punctuation = split(words[last])
            opening, closing = ("QUOTE", "UNQUOTE") if self.capitals or r.random() < 0.25 else ("quote", "unquote")
            words[i:last + 1] = [opening, *words[i:last + 1], closing + punctuation]
        else:
            raise KeyError(name)
        paragraphs[p][s] = " ".join(words)
        return True

    def _misspell(self, word: str) -> str:
        if len(word) < 4:
            return word
        i = self.rng.randrange(1, len(word) - 2)
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]

    # ------------------------------------------------------------------ the whole transcript

    def body(self) -> tuple[list[str], list[str], list[str]]:
        """The opening lines, the paragraphs and the closing lines."""
        r = self.rng
        self.wanted = {name for name, share in CONVENTIONS.items() if r.random() < share}
        front = self.front()
        paragraphs: list[list[str]] = []
        size = 0
        section = 0
        while size < self.target or not paragraphs:
            if self.kind == "report" and r.random() < 0.08:
                section += 1
                heading = self.fill(r.choice(["{Pl}", "the {O}", "Economic Conditions", "Military Situation"]))
                paragraphs.append([f"{_roman(section)}. {heading.upper()}"])
            paragraph = self.paragraph()
            if self.capitals:
                paragraph = [s.upper() for s in paragraph]
            paragraphs.append(paragraph)
            size += sum(len(s.encode()) + 1 for s in paragraph) + 2
        numbered = self.kind == "report" and r.random() < 0.6
        last = ["kept-as-text"] if "kept-as-text" in self.wanted else []  # after the rest: in no mark's way
        self.kept: set[int] = set()  # the paragraphs holding one
        for name in sorted(self.wanted - {"dateline-place", "kept-as-text"}) + last:
            uses = 1 + int(r.random() * self.target / 12_000)
            for _ in range(uses):
                if self.mark(name, paragraphs):
                    self.plan.conventions[name] += 1
        blocks = []
        count = 0
        for paragraph in paragraphs:
            text = " ".join(paragraph)
            if numbered and not text.startswith("[") and not re.match(r"[IVXL]+\. ", text):
                count += 1
                text = f"{count}. {text}"
            blocks.append(text)
        return front, blocks, self.closing()

    def title(self) -> str:
        r, a, b = self.rng, self.sender.name, self.addressee.name
        place = self.place.name
        return {
            "telegram": r.choice([f"Telegram from {a} to {b}", f"Cable from {a} to {b}",
                                  f"Message from {a} to the President and Secretary of State",
                                  f"The Ambassador in {place} ({self.sender.short}) to the Secretary of State"]),
            "paraphrase": f"Cable, Summary of {a} Meeting with {b}",
            "memorandum": r.choice([f"Memorandum of Conversation between {a} and {b}",
                                    f"Memorandum of Conversation, by {a}"]),
            "letter": f"Letter from {a} to {b}",
            "report": f"Report on the Situation in {place}",
        }[self.kind]

    def summary(self) -> str:
        return " ".join(self.fill(self.rng.choice(self.res.summaries)) for _ in range(self.rng.randint(1, 3)))

    def date_text(self, short: bool = False) -> str:
        d = self.date
        return f"{MONTHS[d.month - 1]} {d.year}" if short else f"{MONTHS[d.month - 1]} {d.day}, {d.year}"

    def transcript(self) -> str:
        r = self.rng
        front, paragraphs, closing = self.body()
        variations = self.plan.variations
        wrap = r.random() < 0.10
        if wrap:
            width = r.randint(60, 76)
            variations.append("hard-wrapped")
            # The paragraphs and a heading in capitals (the converter reads a heading in mixed case on one line).
            if front and front[0] == self.heading and not re.search(r"[a-z]", front[0]):
                front = [_wrap(front[0], width)] + front[1:]
            paragraphs = [_wrap(b, width) for b in paragraphs]
        blocks = front + paragraphs + closing
        if self.capitals:
            variations.append("capitals")
        title = self.title()
        record = r.randint(100_000, 299_999)
        short_date = r.random() < 0.2
        date = self.date_text(short_date) if self.date else None
        if self.layout == "citation-page":
            head = []
            if r.random() < 0.5:
                head.append("")
                variations.append("leading blank lines")
            shown_title = title
            if r.random() < 0.3 and " " in title:
                cut = r.choice([m.start() for m in re.finditer(" ", title)])
                shown_title = title[:cut] + "\n" + title[cut + 1:]
                variations.append("title over two lines")
            if date and r.random() < 0.7:
                head.append(f"{date}\n**{shown_title}**")  # the date on the line above the title
            elif date:
                head.append(f"{date}\n\n**{shown_title}**")
                variations.append("date block apart")
            else:
                head.append(f"**{shown_title}**")
                variations.append("no date line")
            citation = (f'"{title}", {date or "undated"}, Wilson Center Digital Archive, {r.choice(ARCHIVES)}.\n'
                        f"<https://wilson-center-digital-archive.dvincitest.com/document/{record}>")
            sections = [("Citation:", citation)]
            if r.random() < 0.9:
                sections.append(("Summary:", self.summary()))
            if r.random() < 0.8:
                sections.append(("Credits:", f"This document was made possible with support from {r.choice(FUNDERS)}"))
            original = r.choice(["English"] * 6 + ["Russian", "Chinese"])
            sections.append(("Original Language:", original))
            sections.append(("Contents:", "Transcript - English" if original == "English" else
                             r.choice(["Translation - English", "English Translation"])))
            if len(sections) < 5:
                variations.append("sections left out")
            if r.random() < 0.1:
                variations.append("trailing spaces after labels")
                sections = [(label + "  ", value) for label, value in sections]
            text = "\n\n".join(head + [f"{label}\n\n{value}" for label, value in sections] + blocks)
        elif self.layout == "web-page":
            gap = "\n" * r.choice([2, 3, 3, 4])
            funder = r.choice(FUNDERS)
            head = ["Skip to content"] + ([date] if date else []) + [title]
            if r.random() < 0.85:
                head.append(f"This document was made possible with support from {funder}")
            else:
                variations.append("no funder line")
            info = ["Document Information", f"{r.choice(ARCHIVES)}.", "Original Archive", RIGHTS,
                    "Original Uploaded Date"]
            filled = r.random() < 0.4
            if filled:
                variations.append("document information filled")
                uploaded = datetime.date(2011, 1, 1) + datetime.timedelta(days=r.randrange(4000))
                info += [uploaded.isoformat(), "Record ID", str(record), "Original Classification",
                         r.choice(["Top Secret", "Secret", "Confidential", "Unclassified"])]
            else:
                info += ["Record ID", "Original Classification", "Top Secret"]
            info.append(funder)
            text = "\n\n".join(head) + "\n\n\n\n\n" + gap.join(blocks) + "\n\n\n\n\n" + self.summary() + \
                "\n\n" + "\n\n\n".join(info)
        else:
            lead = "\n\n" if r.random() < 0.2 else ""
            text = lead + "\n\n".join(blocks)
        if r.random() < 0.05:
            variations.append("trailing spaces")
            text = re.sub(r"(?m)(\S)$", lambda m: m.group(1) + " " * r.randint(1, 3), text)
        if r.random() < 0.5:
            text += "\n"
        if r.random() < 0.03:
            variations.append("CRLF line ends")
            text = text.replace("\n", "\r\n")
        if r.random() < 0.01:
            variations.append("byte order mark")
            text = "\ufeff" + text
        self.plan.size = len(text.encode("utf-8"))
        return text


def _wrap(text: str, width: int) -> str:
    """Hard-wrapped at `width`, inside brackets too (`[2 words\nillegible]`); never inside a word."""
    return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)


def _roman(number: int) -> str:
    out = ""
    for value, letters in ((40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while number >= value:
            out, number = out + letters, number - value
    return out


def make_document(index: int, seed: int, width: int = 5) -> tuple[str, str, Plan]:
    """(file name, text, plan) of document `index`: the same for the same seed, whatever the corpus size."""
    rng = random.Random(f"{seed}:{index}")
    name = f"{index:0{width}d}_{rng.getrandbits(64):016x}.txt"
    writer = Writer(rng, name, index)
    return name, writer.transcript(), writer.plan


def _width(count: int) -> int:
    return max(5, len(str(count - 1)))


def make_corpus(folder: Path, count: int, seed: int) -> list[Path]:
    """Write `count` transcripts into `folder` (made if needed); the paths, in order."""
    return [path for path, _ in make_corpus_with_plans(folder, count, seed)]


def make_corpus_with_plans(folder: Path, count: int, seed: int) -> list[tuple[Path, Plan]]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(count):
        name, text, plan = make_document(index, seed, _width(count))
        path = folder / name
        path.write_bytes(text.encode("utf-8"))
        written.append((path, plan))
    ours = {p.name for p, _ in written}
    strays = sorted(p.name for p in folder.glob("*.txt") if p.name not in ours)
    if strays:
        raise FileExistsError(f"{folder} holds other transcripts too ({strays[0]}, ...): "
                              "use an empty folder, so that the corpus is exactly what was generated")
    return written


# ---------------------------------------------------------------------------------------------- --check

RECORDED = re.compile(r"(?:as encoded: |; )([a-z-]+): ")


def _tei() -> list[str]:
    found = shutil.which("tei")
    return [found] if found else [sys.executable, "-m", "tei"]


def check(folder: Path, plans: list[Plan], recogniser: str = "rules") -> int:
    """Convert and validate the corpus; print what share of files has each layout and convention,
    as planned and as the converter recorded it (the layout and the conventions in editorialDecl)."""
    with tempfile.TemporaryDirectory() as scratch:
        out, review = Path(scratch) / "tei", Path(scratch) / "review.csv"
        start = time.perf_counter()
        convert = subprocess.run([*_tei(), "convert", str(folder), "-o", str(out), "--recogniser", recogniser,
                                  "--report", str(review)], capture_output=True, text=True, check=False)
        print(f"tei convert: exit {convert.returncode}, {time.perf_counter() - start:.1f} s")
        for line in [x for x in (convert.stdout + convert.stderr).splitlines() if ": error:" in x][:20]:
            print("  " + line)
        start = time.perf_counter()
        validate = subprocess.run([*_tei(), "validate", str(out)], capture_output=True, text=True, check=False)
        summary = validate.stderr.strip().splitlines()[-1] if validate.stderr.strip() else ""
        print(f"tei validate: exit {validate.returncode}, {time.perf_counter() - start:.1f} s: {summary}")
        for line in validate.stdout.splitlines()[:20]:
            print("  " + line)
        layouts, recorded = {}, {}
        for xml in sorted(out.glob("*.xml")):
            text = xml.read_text(encoding="utf-8")
            layouts[xml.stem] = re.search(r"\(layout: ([\w-]+)\)", text).group(1)
            decl = re.search(r"Editorial conventions of the transcript, as encoded: (.*?)</p>", text, re.DOTALL)
            recorded[xml.stem] = set(RECORDED.findall("as encoded: " + decl.group(1))) if decl else set()
        warnings = Counter()
        if review.exists():
            with open(review, encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    if row["level"] == "warning":
                        warnings[Path(row["file"]).stem] += 1
    n = len(plans)
    other = sum(1 for p in plans if p.layout != layouts.get(Path(p.name).stem))
    print(f"\n{len(layouts)} of {n} file(s) converted; {other} detected as another layout than planned")
    for name, _ in LAYOUTS:
        planned, detected = sum(p.layout == name for p in plans), sum(v == name for v in layouts.values())
        print(f"  layout {name:15} planned {planned / n:6.1%}   detected {detected / n:6.1%}")
    differ = []
    for p in plans:
        stem = Path(p.name).stem
        planned, got = {c for c, uses in p.conventions.items() if uses and c != "kept-as-text"}, recorded.get(stem)
        if got is not None and planned != got or bool(p.conventions["kept-as-text"]) != bool(warnings[stem]):
            differ.append(f"{p.name}: planned, not recorded {sorted(planned - (got or set()))}; recorded, not "
                          f"planned {sorted((got or set()) - planned)}; {warnings[stem]} warning(s) for "
                          f"{p.conventions['kept-as-text']} bracket(s) meant to be kept as text")
    print(f"{len(differ)} file(s) whose conventions, as recorded, differ from the plan")
    for line in differ[:10]:
        print("  " + line)
    print(f"\n{'convention':22} {'planned':>8} {'recorded':>9}   (share of files; recorded: in editorialDecl)")
    for name in CONVENTIONS:
        planned = sum(1 for p in plans if p.conventions[name]) / n
        if name == "kept-as-text":
            got = sum(1 for v in warnings.values() if v) / n
            print(f"  {name:20} {planned:8.1%} {got:9.1%}   (recorded: files with a kept-as-text warning)")
        else:
            print(f"  {name:20} {planned:8.1%} {sum(1 for v in recorded.values() if name in v) / n:9.1%}")
    variations = Counter(v for p in plans for v in p.variations)
    print("\nvariations: " + ", ".join(f"{name} {count / n:.1%}" for name, count in sorted(variations.items())))
    kinds = Counter(p.kind for p in plans)
    print("kinds: " + ", ".join(f"{name} {count / n:.1%}" for name, count in sorted(kinds.items())))
    sizes = sorted(p.size for p in plans)
    print(f"sizes: median {sizes[n // 2] / 1024:.1f} KB, mean {sum(sizes) / n / 1024:.1f} KB, "
          f"90th percentile {sizes[int(n * 0.9)] / 1024:.1f} KB, largest {sizes[-1] / 1024:.1f} KB; "
          f"under 2.5 KB {sum(s < 2_560 for s in sizes) / n:.0%}, over 40 KB {sum(s > 40_960 for s in sizes) / n:.1%}")
    years = Counter(p.date.year for p in plans if p.date)
    print(f"years: {len(years)} ({min(years)}-{max(years)}); undated {sum(p.date is None for p in plans) / n:.1%}")
    return 0 if convert.returncode == 0 and validate.returncode == 0 else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where the transcripts go (made if needed)")
    parser.add_argument("--count", type=int, default=1000, help="number of transcripts (default 1000)")
    parser.add_argument("--seed", type=int, default=1945, help="the same seed gives the same files (default 1945)")
    parser.add_argument("--check", action="store_true",
                        help="then convert and validate them, and print the share of each layout and convention")
    parser.add_argument("--recogniser", default="rules", choices=["auto", "rules", "spacy", "none"],
                        help="for --check: tei convert's --recogniser (default rules: spaCy is much slower)")
    args = parser.parse_args()
    start = time.perf_counter()
    try:
        written = make_corpus_with_plans(args.folder, args.count, args.seed)
    except FileExistsError as exc:
        sys.exit(str(exc))
    total = sum(p.size for _, p in written)
    print(f"{len(written)} transcript(s), {total / 1e6:.1f} MB, in {args.folder} ({time.perf_counter() - start:.1f} s)")
    if args.check:
        sys.exit(check(args.folder, [p for _, p in written], args.recogniser))


if __name__ == "__main__":
    main()
