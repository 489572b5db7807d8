"""`tei export teicorpus`: every document in one `teiCorpus` file, with a header for the whole, valid against TEI All.

    teiCorpus
      teiHeader
        fileDesc/titleStmt          the collection's title; a respStmt per creator and contributor
        fileDesc/extent             how many documents
        fileDesc/publicationStmt    publisher, idno (URL, DOI), date (export_date()), availability/licence
        fileDesc/notesStmt          the collection's description
        fileDesc/sourceDesc         a bibl per document: title, date, file name, source URL, pointing to its TEI
        encodingDesc                how xml:ids were made unique (below)
        profileDesc                 creation/date from the earliest to the latest document date; languages;
                                    keywords
      TEI ...                       each document's TEI element, as it is in its file (a teiCorpus file
                                    gives its TEI elements), in the export's order

An xml:id must be unique in a file, and documents converted alike share ids (every cable has a person
xml:id="stalin"). So each document's xml:ids get a prefix made from its file name and a full stop
("000_0057ff3e2a2cacb5.xml": "stalin" becomes "d000_0057ff3e2a2cacb5.stalin"), and every pointer in the
document to one of its own ids ("#stalin" in @ref, @target, @corresp, @who, @scheme, @source... any TEI
attribute that holds URIs) is changed to match. Prefixes hold no full stop, so no two documents' ids can
meet, and a TEI element without an xml:id gets its prefix as one, for the sourceDesc to point to.

Before it is written the corpus is checked: well-formed, every xml:id unique, every pointer that found its
target in its document still finds it, and TEI All (grammar and embedded rules) when it is available (see
tei.export._teicheck); a corpus that fails raises ExportInvalid and nothing is written.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from pathlib import Path

from lxml import etree

from tei import TEI_NS, XML_NS
from tei.collection import Agent, Collection
from tei.errors import InputError
from tei.export import ExportInvalid, ExportJob, Problem, export_date
from tei.dates import date_span
from tei.export._teicheck import check_tei_all, date_attributes, indent, parse_export, tei_element as _el
from tei.files import write_atomic
from tei.metadata import DocumentMetadata, read_metadata
from tei.xmlread import parse_tei

T = f"{{{TEI_NS}}}"
XML_ID = f"{{{XML_NS}}}id"
# Every TEI attribute whose values are URIs (teidata.pointer and the like), from TEI All (P5 4.9.0), less
# xml:base: a token "#x" in one of them, x an xml:id of the same document, is a pointer to rewrite.
POINTER_ATTRIBUTES = frozenset({
    "active", "adj", "adjFrom", "adjTo", "ana", "calendar", "change", "children", "class", "code", "copyOf",
    "corresp", "datcat", "datingMethod", "datingPoint", "decls", "defaultExceptions", "domains", "edRef", "end",
    "except", "exclude", "fVal", "facs", "feats", "filter", "follow", "from", "fromUnit", "given", "hand", "inst",
    "lemmaRef", "location", "mergedIn", "mutual", "name", "new", "next", "ns", "nymRef", "origin", "parent",
    "parts", "passive", "perf", "period", "prev", "property", "ref", "rendition", "replyTo", "require", "resp",
    "sameAs", "scheme", "scribeRef", "scriptRef", "select", "since", "source", "spanTo", "start", "synch",
    "target", "targetDatcat", "targetEnd", "to", "toUnit", "toWhom", "unitRef", "uri", "url", "value",
    "valueDatcat", "where", "who", "wit",
})
_NOT_IN_PREFIX = re.compile(r"[^A-Za-z0-9_-]")


def prefixes(stems) -> list[str]:
    """A prefix per document, from its file name: an NCName without a full stop, unique among them."""
    used: set[str] = set()
    found = []
    for stem in stems:
        base = _NOT_IN_PREFIX.sub("_", stem)
        if not base or not (base[0].isalpha() or base[0] == "_"):
            base = "d" + base
        prefix, n = base, 2
        while prefix in used:
            prefix, n = f"{base}-{n}", n + 1
        used.add(prefix)
        found.append(prefix)
    return found


def rename_ids(root: etree._Element, prefix: str) -> list[tuple[etree._Element, str]]:
    """Prefix every xml:id under root with `prefix.` and rewrite the pointers to them; the pointers
    rewritten, as (element, new target id)."""
    ids = {el.get(XML_ID) for el in root.iter() if isinstance(el.tag, str) and el.get(XML_ID)}
    rewritten = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.get(XML_ID):
            el.set(XML_ID, f"{prefix}.{el.get(XML_ID)}")
        for name in POINTER_ATTRIBUTES.intersection(el.attrib):  # attributes in no namespace only
            tokens = el.get(name).split()
            changed = False
            for i, token in enumerate(tokens):
                if token.startswith("#") and token[1:] in ids:
                    tokens[i] = f"#{prefix}.{token[1:]}"
                    rewritten.append((el, f"{prefix}.{token[1:]}"))
                    changed = True
            if changed:
                el.set(name, " ".join(tokens))
    return rewritten


def date_range(documents) -> tuple[str, str] | None:
    """The earliest and the latest of the documents' dates (as written: YYYY, YYYY-MM or YYYY-MM-DD), each
    judged by the days it covers: July 1945 ends after 3 July 1945."""
    spans = [(value, date_span(value)) for doc in documents for value in (doc.date, *doc.date_range)
             if date_span(value)]
    if not spans:
        return None
    earliest = min(spans, key=lambda s: (s[1][0], s[0]))[0]
    latest = max(spans, key=lambda s: (s[1][1], s[0]))[0]
    return earliest, latest


def _role(agent: Agent, default: str) -> str:
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", agent.role).strip() if agent.role else default
    return words[:1].upper() + words[1:].lower()


def _orcid(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    return value if value.startswith(("http://", "https://")) else f"https://orcid.org/{value}"



def header(job: ExportJob, entries: list[tuple[DocumentMetadata, str]]) -> tuple[etree._Element, list[Problem]]:
    """The corpus teiHeader; `entries`: the metadata of each TEI element in the corpus, with its xml:id."""
    collection: Collection = job.collection
    where = collection.source
    problems = []
    head = _el(None, "teiHeader")
    file_desc = _el(head, "fileDesc")
    title_stmt = _el(file_desc, "titleStmt")
    _el(title_stmt, "title", collection.title)
    for agent, default in [(a, "creator") for a in collection.creators] + \
                          [(a, "contributor") for a in collection.contributors]:
        resp = _el(title_stmt, "respStmt")
        _el(resp, "resp", _role(agent, default))
        _el(resp, "name", agent.name, ref=_orcid(agent.orcid))
        if agent.affiliation:
            _el(resp, "note", agent.affiliation, type="affiliation")
    if not (collection.creators or collection.contributors):
        problems.append(Problem(where, "no creators or contributors in the collection: the corpus header names "
                                       "no one responsible"))
    documents = len(entries)
    _el(_el(file_desc, "extent"), "measure", f"{documents} document{'s' if documents != 1 else ''}",
        unit="documents", quantity=str(documents))
    publication = _el(file_desc, "publicationStmt")
    _el(publication, "publisher", collection.publisher or "Unpublished")
    if collection.url:
        _el(publication, "idno", collection.url, type="URL")
    if collection.identifier:
        _el(publication, "idno", collection.identifier, type="DOI")
    today = export_date().isoformat()
    _el(publication, "date", today, when=today)
    availability = _el(publication, "availability")
    if collection.licence:
        _el(availability, "licence", f"The corpus is licensed under {collection.licence}; each document's "
                                     "header keeps its own rights statement.", target=collection.licence)
    else:
        _el(availability, "p", "No licence is stated for the corpus; each document's header keeps its own "
                               "rights statement.")
        problems.append(Problem(where, "no licence in the collection: the corpus header states none (set "
                                       "licence in collection.toml)"))
    if collection.description:
        _el(_el(file_desc, "notesStmt"), "note", collection.description)
    bibls = _el(_el(file_desc, "sourceDesc"), "listBibl")
    for doc, tei_id in entries:
        bibl = _el(bibls, "bibl", corresp=f"#{tei_id}")
        _el(bibl, "title", doc.title)
        dating = date_attributes(doc)
        if dating:
            _el(bibl, "date", doc.date_text or " – ".join(dating.values()), **dating)
        _el(bibl, "idno", doc.path.name, type="file")
        if doc.source_url:
            _el(bibl, "ptr", target=doc.source_url)
    encoding = _el(head, "encodingDesc")
    _el(encoding, "p", "Each document's TEI element is copied whole from its file. So that every xml:id is "
                       "unique in the corpus, each document's xml:ids are prefixed with an identifier made from "
                       "its file name and a full stop (the identifier its bibl in the sourceDesc points to), "
                       "and every pointer in the document to one of its own xml:ids is changed to match.")
    profile = _el(head, "profileDesc")
    span = date_range(doc for doc, _ in entries)
    if span is not None:
        earliest, latest = span
        _el(_el(profile, "creation"), "date", earliest if earliest == latest else f"{earliest} – {latest}",
            **{"from": earliest, "to": latest})
    else:
        problems.append(Problem(None, "no document has a date: the corpus header gives no date range"))
    if collection.languages:
        usage = _el(profile, "langUsage")
        for language in collection.languages:
            _el(usage, "language", ident=language)
    if collection.keywords:
        keywords = _el(_el(profile, "textClass"), "keywords")
        for keyword in collection.keywords:
            _el(keywords, "term", keyword)
    if not len(profile):
        head.remove(profile)
    return head, problems


def build(job: ExportJob) -> tuple[etree._Element, list[Problem], list[tuple[Path, str]]]:
    """The teiCorpus element, the problems found, and the pointers rewritten as (document, target id)."""
    if not job.documents:
        raise ExportInvalid("there are no documents to put in the corpus")
    corpus = _el(None, "teiCorpus")
    entries, rewritten, documents = [], [], []
    for doc, prefix in zip(job.documents, prefixes(d.stem for d in job.documents)):
        root = parse_tei(doc.path).getroot()
        renamed = rename_ids(root, prefix)
        teis = [root] if root.tag == T + "TEI" else list(root.iterdescendants(T + "TEI"))
        rewritten += [(doc.path, target) for el, target in renamed  # those that are carried: in a TEI
                      if el.tag == T + "TEI" or any(True for _ in el.iterancestors(T + "TEI"))]
        if not teis:
            raise ExportInvalid(f"{doc.path}: the teiCorpus holds no TEI document")
        for n, tei in enumerate(teis, 1):
            if not tei.get(XML_ID):  # "p.1" cannot be a prefixed id: an NCName does not begin with a digit
                tei.set(XML_ID, prefix if len(teis) == 1 else f"{prefix}.{n}")
        for tei in teis:  # a TEI from a teiCorpus file is described by its own header, not the corpus's
            entries.append((doc if tei is root else read_metadata(doc.path, etree.ElementTree(tei)), tei.get(XML_ID)))
        documents.append(teis)
    head, problems = header(job, entries)
    corpus.append(head)
    for teis in documents:
        for tei in teis:
            tei.tail = None
            corpus.append(tei)  # moved, not copied: each file's tree is used once
    return corpus, problems, rewritten


def serialise(corpus: etree._Element) -> bytes:
    """The corpus as bytes: its header indented, the documents exactly as they were (no pretty-printing,
    which would add whitespace inside their mixed content)."""
    indent(corpus[0], level=1)
    corpus.text = "\n  "
    for child in corpus:
        child.tail = "\n  "
    corpus[-1].tail = "\n"
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(corpus, encoding="UTF-8") + b"\n"


def corpus_errors(root: etree._Element) -> list[str]:
    """What breaks the rules of a teiCorpus export that the grammar alone does not see; [] if nothing."""
    errors = []
    children = [c for c in root if isinstance(c.tag, str)]
    if root.tag != T + "teiCorpus" or not children or children[0].tag != T + "teiHeader" or \
            not all(c.tag == T + "TEI" for c in children[1:]) or len(children) < 2:
        errors.append("the corpus must be a teiCorpus holding a teiHeader and then one or more TEI")
    counts = Counter(el.get(XML_ID) for el in root.iter() if isinstance(el.tag, str) and el.get(XML_ID))
    repeated = sorted(i for i, n in counts.items() if n > 1)
    if repeated:
        errors.append(f"xml:id not unique: {', '.join(repeated[:10])}" + (" ..." if len(repeated) > 10 else ""))
    return errors


def export(job: ExportJob) -> list[Problem]:
    if job.out.is_dir():
        raise InputError(job.out, "is a folder; the teicorpus export writes one file here")
    corpus, problems, rewritten = build(job)
    data = serialise(corpus)
    tree = parse_export(data, "teiCorpus")
    root = tree.getroot()
    errors = corpus_errors(root)
    if errors:
        # An id still repeated after prefixing was repeated within one input document: name that document.
        owners = {prefix: str(doc.path) for doc, prefix in zip(job.documents, prefixes(d.stem for d in job.documents))}
        repeated = Counter(el.get(XML_ID) for el in root.iter() if isinstance(el.tag, str) and el.get(XML_ID))
        files = sorted({owners[i.split(".", 1)[0]] for i, n in repeated.items() if n > 1 and i.split(".", 1)[0] in owners})
        raise ExportInvalid("the teiCorpus breaks its rules: " + "; ".join(errors)
                            + (f" (an xml:id used twice within {', '.join(files)})" if files else ""))
    ids = {el.get(XML_ID) for el in root.iter() if isinstance(el.tag, str) and el.get(XML_ID)}
    for path, target in dict.fromkeys(rewritten):
        if target not in ids:  # its target was in the header of a teiCorpus file, which is not carried
            problems.append(Problem(path, f"a pointer to #{target.split('.', 1)[1]} no longer resolves: "
                                              "its target is not in the corpus"))
    starts = [(tei.sourceline, entry) for tei, entry in zip(root[1:], _names(job, root))]
    lines = [s for s, _ in starts]

    def where(line: int | None) -> str:
        if not line:
            return ""
        at = bisect_right(lines, line) - 1
        return " (the corpus header)" if at < 0 else f" (in {starts[at][1]})"

    problems += check_tei_all(tree, job, "teiCorpus", where)
    write_atomic(job.out, data)
    return problems


def _names(job: ExportJob, root: etree._Element) -> list[str]:
    """The file each TEI element of the corpus came from, in order."""
    by_id = {}
    for doc, prefix in zip(job.documents, prefixes(d.stem for d in job.documents)):
        by_id[prefix] = str(doc.path)  # as the user named it: a message points at the file to fix
    names = []
    for tei in root[1:]:
        ident = tei.get(XML_ID) or ""
        names.append(by_id.get(ident.split(".", 1)[0], "a document"))
    return names
