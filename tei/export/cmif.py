"""`tei export cmif`: the letters' metadata in the Correspondence Metadata Interchange Format, for correspSearch.

CMIF (TEI Correspondence SIG, https://github.com/TEI-Correspondence-SIG/CMIF) is a small subset of TEI:
one file, one `correspDesc` per letter with who sent it, from where and when, and to whom, the people
and places identified by authority URIs. correspSearch harvests such files and links letters across
editions by those URIs. The file written here:

    TEI/teiHeader/fileDesc
      titleStmt/title                   the collection's title
      titleStmt/editor                  a contact person (a contributor with role ContactPerson, else the
                                        first creator or contributor), with email (theirs or the collection's)
      publicationStmt/publisher         the collection's publisher (the CC BY attribution)
      publicationStmt/idno[@type=url]   where this file is published: `cmif_url` in collection.toml, else
                                        the collection's url + the file's name, else the file's own URL
      publicationStmt/date/@when        export_date() (SOURCE_DATE_EPOCH when set)
      publicationStmt/availability/licence/@target   the collection's licence (required)
      sourceDesc/bibl[@type=online][@xml:id]         the edition, with a UUID made from its URL (or title),
                                        so that it stays the same from one export to the next
    TEI/teiHeader/profileDesc/correspDesc[@ref][@source]   one per letter: @ref its page in the edition
                                        (url + stem + .html), else its source_url; @source the bibl
      correspAction[@type=sent]         persName/orgName (@ref: VIAF, GND, LC or Wikidata), placeName (@ref:
                                        GeoNames), date (@when, or @notBefore/@notAfter: YYYY, YYYY-MM, YYYY-MM-DD)
      correspAction[@type=received]     persName/orgName (or "Unknown", as CMIF asks), placeName
    TEI/text/body/p                     empty

A letter without a sender or without a date in those forms is left out and reported; a name or place
without an authority URI is written without @ref and reported (correspSearch cannot index it). Before it is
written the file is checked: well-formed, CMIF's rules (`cmif_errors`: the structure of the official CMIF
schema and Schematron, and correspSearch's authority URIs), and TEI All when it is available (see
tei.export._teicheck). A file that fails raises ExportInvalid and nothing is written.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote, urlsplit

from lxml import etree

from tei import TEI_NS, XML_NS
from tei.collection import Collection
from tei.errors import InputError
from tei.export import ExportInvalid, ExportJob, Problem, export_date
from tei.dates import date_span
from tei.export._teicheck import check_tei_all, date_attributes, indent, parse_export, tei_element as _el
from tei.files import write_atomic
from tei.identifiers import SCHEMES
from tei.metadata import DocumentMetadata, Named

T = f"{{{TEI_NS}}}"
XML_ID = f"{{{XML_NS}}}id"
PERSON_SCHEMES = ("viaf", "gnd", "lc", "wikidata")  # the order an @ref is chosen in
PLACE_SCHEMES = ("geonames",)
BIBL_TYPES = ("online", "print", "hybrid")
DATE_ATTRIBUTES = ("when", "notBefore", "notAfter", "from", "to")
CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
# correspSearch takes CMIF files under CC BY 4.0 (the CMIF documentation's mandatory licence) or CC0.
HARVESTABLE = {"creativecommons.org/licenses/by/4.0": "the Creative Commons License CC-BY 4.0",
               "creativecommons.org/publicdomain/zero/1.0": "Creative Commons CC0 1.0 (public domain dedication)"}
UNKNOWN = "Unknown"  # CMIF's name for an unknown sender or addressee


def _uri_pattern(keys) -> re.Pattern:
    """The http URIs of these schemes, e.g. http://d-nb.info/gnd/118540238, whole."""
    return re.compile("|".join(re.escape(SCHEMES[k].uri.split("{}")[0]) + f"(?:{SCHEMES[k].pattern.pattern})"
                               + re.escape(SCHEMES[k].uri.split("{}")[1]) for k in keys))


PERSON_URI = _uri_pattern(PERSON_SCHEMES)
PLACE_URI = _uri_pattern(PLACE_SCHEMES)
_SCHEME_LABELS = {keys: ", ".join(SCHEMES[k].label for k in keys[:-1]) + " or " + SCHEMES[keys[-1]].label
                  if len(keys) > 1 else SCHEMES[keys[0]].label for keys in (PERSON_SCHEMES, PLACE_SCHEMES)}


def _base(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _licence_key(url: str) -> str:
    """A licence URL without scheme, www., legalcode/deed and slashes, to compare licences by."""
    parts = urlsplit(url.strip())
    path = re.sub(r"/(legalcode(\.[a-z-]+)?|deed\.[a-zA-Z-]+)?/*$", "", parts.path)
    return parts.netloc.lower().removeprefix("www.") + path


def bibl_id(collection: Collection) -> str:
    """A UUID for the edition's bibl that stays the same from one export to the next (it is made from the
    edition's URL, or title) and begins with a letter, as an xml:id must and as the CMIF ODD asks."""
    seed = collection.url or f"urn:x-tei-transcripts:{collection.title}"
    n = 0
    while True:
        value = str(uuid.uuid5(uuid.NAMESPACE_URL, seed if n == 0 else f"{seed}#{n}"))
        if value[0].isalpha():
            return value
        n += 1


def _name_of(named: Named, doc: DocumentMetadata) -> str:
    """The name as the header gives it, else as its record does."""
    if named.name:
        return named.name
    record = next((e for e in doc.entities if named.id and e.id == named.id), None)
    return record.name if record is not None else ""


def _cmif_date(doc: DocumentMetadata) -> dict[str, str] | None:
    return date_attributes(doc) or None


class _Letters:
    """Builds the correspDescs, collecting the problems of each letter."""

    def __init__(self, job: ExportJob, source: str):
        self.job = job
        self.source = source
        self.base = _base(job.collection.url) if job.collection.url else None
        self.problems: list[Problem] = []
        self.left_out: list[Problem] = []

    def _warn(self, doc: DocumentMetadata, message: str) -> None:
        problem = Problem(doc.path, message)
        if problem not in self.problems:
            self.problems.append(problem)

    def _name(self, action: etree._Element, named: Named, doc: DocumentMetadata) -> None:
        name = _name_of(named, doc)
        uri = named.uri(*PERSON_SCHEMES)
        _el(action, "orgName" if named.kind == "org" else "persName", name, ref=uri)
        if uri is None:
            self._warn(doc, f"{name}: no {_SCHEME_LABELS[PERSON_SCHEMES]} identifier: written without @ref, "
                            "so correspSearch cannot index the name")

    def _place(self, action: etree._Element, named: Named | None, doc: DocumentMetadata) -> None:
        name = _name_of(named, doc) if named is not None else ""
        if not name:
            return
        uri = named.uri(*PLACE_SCHEMES)
        _el(action, "placeName", name, ref=uri)
        if uri is None:
            self._warn(doc, f"{name}: no GeoNames identifier: written without @ref, so correspSearch cannot "
                            "index the place")

    def correspondence(self, profile: etree._Element, doc: DocumentMetadata) -> None:
        senders = [s for s in doc.senders if _name_of(s, doc)]
        date = _cmif_date(doc)
        missing = [what for what, ok in (("sender", senders), ("date", date)) if not ok]
        if missing:
            detail = "" if date or not (doc.date or doc.date_text or any(doc.date_range)) else \
                f" (its date {doc.date or doc.date_text or '/'.join(d or '' for d in doc.date_range)!r} is not a " \
                "real date as YYYY, YYYY-MM or YYYY-MM-DD)"
            self.left_out.append(Problem(doc.path, f"left out of the CMIF: it has no {' and no '.join(missing)}"
                                                   f"{detail}; correspSearch needs the sender and the date of "
                                                   "every letter"))
            return
        if self.base:
            ref = self.base + quote(doc.stem) + ".html"
        else:
            ref = doc.source_url if doc.source_url and urlsplit(doc.source_url).scheme in ("http", "https") \
                else None
        corresp = _el(profile, "correspDesc", ref=ref, source=f"#{self.source}")
        if ref is None:
            self._warn(doc, "the letter has no URL (no url in collection.toml and no source URL): its "
                            "correspDesc has no @ref to link it")
        sent = _el(corresp, "correspAction", type="sent")
        for sender in senders:
            self._name(sent, sender, doc)
        self._place(sent, doc.place_sent, doc)
        _el(sent, "date", **date)
        received = _el(corresp, "correspAction", type="received")
        addressees = [a for a in doc.addressees if _name_of(a, doc)]
        for addressee in addressees:
            self._name(received, addressee, doc)
        if not addressees:
            _el(received, "persName", UNKNOWN)
            self._warn(doc, f"no addressee: the CMIF names them \"{UNKNOWN}\", as CMIF asks")
        self._place(received, doc.place_received, doc)


def _editor(collection: Collection) -> tuple[str, str]:
    """The CMIF file's contact person and their email."""
    contacts = [a for a in collection.contributors if a.role.lower() in ("contactperson", "contact")]
    agent = next(iter(contacts + list(collection.creators) + list(collection.contributors)), None)
    if agent is None:
        return collection.publisher, collection.email
    return agent.name, agent.email or collection.email


def _file_url(job: ExportJob) -> tuple[str, bool]:
    """Where this CMIF file is published, and whether that is known (not only the file's local URL)."""
    given = str(job.collection.extra.get("cmif_url", "") or "").strip()
    if given:
        return given, True
    if job.collection.url:
        return _base(job.collection.url) + quote(job.out.name), True
    return job.out.resolve().as_uri(), False


def build(job: ExportJob) -> tuple[etree._Element, list[Problem]]:
    """The CMIF TEI element and the problems found on the way (an ExportInvalid if it cannot be made)."""
    collection = job.collection
    where = collection.source
    problems: list[Problem] = []
    if not collection.licence:
        raise ExportInvalid("CMIF requires a licence for the file and the collection has none: set "
                            f'licence = "{CC_BY_4}" in collection.toml (correspSearch harvests CMIF files under '
                            "CC BY 4.0 or CC0 1.0)")
    if urlsplit(collection.licence).scheme not in ("http", "https"):
        raise ExportInvalid(f"the collection's licence {collection.licence!r} is not a URL; CMIF needs the "
                            f'licence\'s URL, e.g. licence = "{CC_BY_4}" in collection.toml')
    if not collection.publisher:
        raise ExportInvalid("CMIF requires a publisher (the attribution its licence names) and the collection "
                            "has none: set publisher in collection.toml")
    licence_text = HARVESTABLE.get(_licence_key(collection.licence))
    if licence_text is None:
        problems.append(Problem(where, f"the licence {collection.licence} is neither CC BY 4.0 nor CC0 1.0, "
                                       "the licences correspSearch harvests"))
    editor, email = _editor(collection)
    if not (collection.creators or collection.contributors):
        problems.append(Problem(where, "no creators or contributors: the CMIF's editor (its contact person) is "
                                       "the publisher"))
    if not email:
        problems.append(Problem(where, "no email: CMIF asks for the editor's address (set email in "
                                       "collection.toml)"))
    file_url, published = _file_url(job)
    if not published:
        problems.append(Problem(where, "no url (or cmif_url) in collection.toml: the CMIF's idno is the file's "
                                       f"local URL {file_url}, not where correspSearch will find it"))

    root = _el(None, "TEI")
    header = _el(root, "teiHeader")
    file_desc = _el(header, "fileDesc")
    title_stmt = _el(file_desc, "titleStmt")
    _el(title_stmt, "title", collection.title)
    editor_el = _el(title_stmt, "editor", editor)
    if email:
        editor_el.text = f"{editor} "
        _el(editor_el, "email", email)
    publication = _el(file_desc, "publicationStmt")
    _el(publication, "publisher", collection.publisher)
    _el(publication, "idno", file_url, type="url")
    _el(publication, "date", when=export_date().isoformat())
    availability = _el(publication, "availability")
    _el(availability, "licence", f"This file is licensed under the terms of {licence_text}" if licence_text
        else f"This file is licensed under the terms of the licence at {collection.licence}",
        target=collection.licence)
    source = bibl_id(collection)
    bibl = _el(_el(file_desc, "sourceDesc"), "bibl", type="online", xml_id=source)
    bibl.text = collection.title + (f". {collection.publisher}" if collection.publisher else "") + \
        (f", {collection.publication_year}" if collection.publication_year else "") + "."
    if collection.url:
        bibl.text += " "
        _el(bibl, "ref", collection.url, target=collection.url)
    profile = _el(header, "profileDesc")
    letters = _Letters(job, source)
    for doc in job.documents:
        letters.correspondence(profile, doc)
    if not len(profile):
        reasons = "; ".join(f"{p.path.name}: {p.message}" for p in letters.left_out)
        raise ExportInvalid("no letter can go into the CMIF" + (f": {reasons}" if reasons else
                                                                  ": there are no documents"))
    _el(_el(_el(root, "text"), "body"), "p")
    return root, problems + letters.left_out + letters.problems


def _allowed_date(value: str | None) -> bool:
    return date_span(value) is not None


def cmif_errors(root: etree._Element) -> list[str]:
    """What breaks CMIF's rules (the official schema's structure, its Schematron, correspSearch's authority
    files) in a CMIF TEI element; [] if nothing."""
    errors: list[str] = []
    ns = {"t": TEI_NS}

    def names(el, *wanted):
        return [c for c in el if isinstance(c.tag, str) and c.tag not in {T + w for w in wanted}]

    def text(el) -> str:
        return " ".join("".join(el.itertext()).split()) if el is not None else ""

    if root.tag != T + "TEI":
        return [f"the root is {root.tag}, not TEI in the TEI namespace"]
    if [c.tag for c in root if isinstance(c.tag, str)] != [T + "teiHeader", T + "text"]:
        errors.append("TEI must hold a teiHeader and a text, nothing else")
    header = root.find("t:teiHeader", ns)
    if header is None:
        return errors
    for extra in names(header, "fileDesc", "profileDesc"):
        errors.append(f"teiHeader may hold only fileDesc and profileDesc, not {etree.QName(extra).localname}")
    title_stmt = header.find("t:fileDesc/t:titleStmt", ns)
    if title_stmt is None or not text(title_stmt.find("t:title", ns)):
        errors.append("titleStmt/title is missing or empty")
    elif not [e for e in title_stmt.findall("t:editor", ns) if (e.text or "").strip()]:
        errors.append("titleStmt has no editor with a name")
    publication = header.find("t:fileDesc/t:publicationStmt", ns)
    if publication is None:
        errors.append("publicationStmt is missing")
    else:
        if [etree.QName(c).localname for c in publication if isinstance(c.tag, str) and c.tag != T + "publisher"] \
                != ["idno", "date", "availability"] or not text(publication.find("t:publisher", ns)):
            errors.append("publicationStmt must hold publisher (named), idno, date and availability, in that order")
        idno = publication.find("t:idno", ns)
        if idno is not None and (idno.get("type") != "url" or not urlsplit(text(idno)).scheme):
            errors.append('publicationStmt/idno must be type="url" and hold the URL of the file')
        date = publication.find("t:date", ns)
        if date is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}(T.+)?", date.get("when", "")):
            errors.append("publicationStmt/date needs @when, the date of this version of the file")
        licences = publication.findall("t:availability/t:licence", ns)
        if not licences or any(urlsplit(lic.get("target", "")).scheme not in ("http", "https") for lic in licences):
            errors.append("publicationStmt/availability/licence with @target, the licence's URL, is required")
    source_desc = header.find("t:fileDesc/t:sourceDesc", ns)
    bibls = header.findall("t:fileDesc/t:sourceDesc/t:bibl", ns)
    if source_desc is None or not bibls or names(source_desc, "bibl"):
        errors.append("sourceDesc must hold one or more bibl, and only bibl")
    bibl_ids = set()
    for bibl in bibls:
        if not bibl.get(XML_ID) or not bibl.get(XML_ID)[0].isalpha():
            errors.append("every sourceDesc/bibl needs an @xml:id beginning with a letter")
        bibl_ids.add(bibl.get(XML_ID))
        if bibl.get("type") not in BIBL_TYPES:
            errors.append(f"sourceDesc/bibl/@type must be one of {', '.join(BIBL_TYPES)}")
    profile = header.find("t:profileDesc", ns)
    if profile is None or profile.find("t:correspDesc", ns) is None:
        errors.append("profileDesc holds no correspDesc")
        return errors
    for extra in names(profile, "correspDesc"):
        errors.append(f"profileDesc may hold only correspDesc, not {etree.QName(extra).localname}")
    for n, corresp in enumerate(profile.findall("t:correspDesc", ns), 1):
        here = f"correspDesc {n}" + (f" ({corresp.get('ref')})" if corresp.get("ref") else "")
        if (corresp.get("source") or "").removeprefix("#") not in bibl_ids:
            errors.append(f"{here}: @source does not point to a sourceDesc/bibl")
        if corresp.get("ref") is not None and urlsplit(corresp.get("ref")).scheme not in ("http", "https"):
            errors.append(f"{here}: @ref is not the letter's http(s) URL")
        actions = corresp.findall("t:correspAction", ns)
        types = [a.get("type") for a in actions]
        if types.count("sent") != 1 or types.count("received") != 1 or len(types) != 2:
            errors.append(f"{here}: needs one correspAction type=\"sent\" and one type=\"received\"")
        for action in actions:
            if (action.text or "").strip() or any((c.tail or "").strip() for c in action):
                errors.append(f"{here}: correspAction holds text outside its names and date")
            for extra in names(action, "persName", "orgName", "placeName", "date"):
                errors.append(f"{here}: correspAction may not hold {etree.QName(extra).localname}")
            agents = action.findall("t:persName", ns) + action.findall("t:orgName", ns)
            if not agents or not all(text(a) for a in agents):
                errors.append(f"{here}: correspAction type=\"{action.get('type')}\" needs a persName or orgName "
                              "with a name")
            for el in action:
                if el.tag in (T + "persName", T + "orgName", T + "placeName") and len(el):
                    errors.append(f"{here}: {etree.QName(el).localname} may hold only text")
                pattern, schemes = (PLACE_URI, PLACE_SCHEMES) if el.tag == T + "placeName" else \
                    (PERSON_URI, PERSON_SCHEMES)
                ref = el.get("ref")
                if ref is not None and el.tag != T + "date" and not pattern.fullmatch(ref):
                    errors.append(f"{here}: {etree.QName(el).localname}/@ref {ref!r} is not an http URI of "
                                  f"{_SCHEME_LABELS[schemes]}")
            dates = action.findall("t:date", ns)
            if action.get("type") == "sent" and len(dates) != 1:
                errors.append(f"{here}: the sent action needs one date")
            for date in dates:
                given = {a: date.get(a) for a in DATE_ATTRIBUTES if date.get(a) is not None}
                if not given or not all(_allowed_date(v) for v in given.values()):
                    errors.append(f"{here}: date needs @when, @notBefore, @notAfter, @from or @to as YYYY, "
                                  f"YYYY-MM or YYYY-MM-DD, not {given or 'none'}")
                if "when" in given and len(given) > 1:
                    errors.append(f"{here}: date/@when cannot go with other dating attributes")
                if len(date) or (date.text or "").strip() or set(date.attrib) - set(DATE_ATTRIBUTES) - {"cert"}:
                    errors.append(f"{here}: date must be empty, with dating attributes only")
    return errors


def export(job: ExportJob) -> list[Problem]:
    if job.out.is_dir():
        raise InputError(job.out, "is a folder; the cmif export writes one file here")
    root, problems = build(job)
    indent(root)
    data = b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8") + b"\n"
    tree = parse_export(data, "CMIF file")
    errors = cmif_errors(tree.getroot())
    if errors:
        raise ExportInvalid("the CMIF file breaks CMIF's rules: " + "; ".join(errors))
    problems += check_tei_all(tree, job, "CMIF file")
    write_atomic(job.out, data)
    return problems
