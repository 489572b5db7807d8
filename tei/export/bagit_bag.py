"""`tei export bagit`: the edition as a BagIt bag (RFC 8493), for a repository's or archive's ingest.

The bag is made and checked with the Library of Congress `bagit` package:

    OUT/
      bagit.txt                      BagIt-Version: 1.0
      bag-info.txt                   Source-Organization, External-Description, Bagging-Date, Payload-Oxum...
      manifest-sha256.txt            every payload file's SHA-256 ...
      manifest-sha512.txt            ... and SHA-512
      tagmanifest-sha256.txt         the tag files' checksums
      tagmanifest-sha512.txt
      data/tei/<document>.xml        the TEI files, byte for byte
      data/transcripts/<name>.txt    the plain-text transcript each came from (--sources)
      data/html/                     the reading edition (--html, or rendered into the bag with the
                                     collection's title, its url as the address citations give)
      data/metadata.json             the collection and each document's metadata, and where its files are

Two things are done after `bagit.make_bag`, both checked by `bagit`'s validator afterwards:
- bagit-python 1.9 still declares `BagIt-Version: 0.97` (the last draft; its issue #141); this bag keeps
  RFC 8493's rules (every payload file in every manifest, no path that would need percent-encoding),
  so bagit.txt says 1.0, the version RFC 8493 defines;
- bagit-python lists the tag files in its tag manifests in the order the file system gives them, so the
  tag manifests are written again, sorted: the same input gives the same bytes.
Bagging-Date is export_date() (SOURCE_DATE_EPOCH when set). Bag-Software-Agent is bagit-python's own
line with its version.

The bag is built in a staged folder beside OUT and validated in full (structure, completeness,
Payload-Oxum, every checksum) before it replaces OUT; a bag that fails raises ExportInvalid and OUT is
left as it was.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from pathlib import Path

import bagit

from tei import TEI_NS, __version__
from tei.collection import Collection
from tei.edition import Renderer, render_edition
from tei.errors import InputError
from tei.export import ExportInvalid, ExportJob, Problem, export_date
from tei.files import name_clash, read_input, staged_folder
from tei.metadata import DocumentMetadata, Named
from tei.xmlread import parse_tei

CHECKSUMS = ("sha256", "sha512")
BAGIT_VERSION = "1.0"
# RFC 8493 wants CR, LF and % in manifest paths percent-encoded; bagit-python does not encode %.
_UNSAFE_NAME = re.compile(r"[%\x00-\x1f]")
_TRANSCRIPT = re.compile(r"from the plain-text transcript (.+?\.txt) \(layout:")


def transcript_name(doc: DocumentMetadata) -> str:
    """The transcript the TEI says it was converted from (editorialDecl), else <stem>.txt."""
    try:
        root = parse_tei(doc.path).getroot()
    except InputError:
        return f"{doc.stem}.txt"
    for p in root.iterfind(f"{{{TEI_NS}}}teiHeader/{{{TEI_NS}}}encodingDesc/{{{TEI_NS}}}editorialDecl/{{{TEI_NS}}}p"):
        found = _TRANSCRIPT.search(" ".join("".join(p.itertext()).split()))
        if found and "/" not in found.group(1):
            return found.group(1)
    return f"{doc.stem}.txt"


def _transcripts(documents, sources: Path | None, problems: list[Problem]) -> dict[str, Path]:
    """Document stem -> the transcript to carry."""
    if sources is None:
        problems.append(Problem(None, "no folder of transcripts given (--sources): the bag carries no transcripts"))
        return {}
    by_name: dict[str, list[Path]] = {}
    for path in sorted(sources.rglob("*.txt"), key=lambda p: (len(p.relative_to(sources).parts), str(p))):
        if path.is_file():
            by_name.setdefault(path.name, []).append(path)
    found = {}
    for doc in documents:
        name = transcript_name(doc)
        paths = by_name.get(name) or by_name.get(f"{doc.stem}.txt")
        if not paths:
            problems.append(Problem(doc.path, f"its transcript {name} is not in {sources}: the bag carries the TEI "
                                              "without it"))
        elif _UNSAFE_NAME.search(paths[0].name):
            problems.append(Problem(paths[0], "the name holds a % or a control character, which BagIt manifests "
                                              "cannot list as they are: left out"))
        else:
            found[doc.stem] = paths[0]
    return found


def _documents(job: ExportJob, problems: list[Problem]) -> list[DocumentMetadata]:
    """The documents the bag can carry: one per file name (data/tei/<stem>.xml), with names BagIt can list."""
    taken: dict[str, Path] = {}
    kept = []
    for doc in job.documents:
        clash = name_clash(doc.path, taken, f"data/tei/{doc.stem}.xml")
        if clash is not None:
            problems.append(Problem(doc.path, f"left out of the bag: {clash.message}", "error"))
        elif _UNSAFE_NAME.search(doc.path.name):
            problems.append(Problem(doc.path, "the name holds a % or a control character, which BagIt manifests "
                                              "cannot list as they are: left out of the bag"))
        else:
            taken[doc.stem.casefold()] = doc.path
            kept.append(doc)
    return kept


def _one_line(text: str) -> str:
    return " ".join(text.split())


def bag_info(collection: Collection, problems: list[Problem]) -> dict[str, str]:
    """bag-info.txt's fields (RFC 8493 2.2.2) that the collection fills; Payload-Oxum is bagit's."""
    extra = {k: str(v) for k, v in collection.extra.items() if isinstance(v, (str, int))}
    contact = next((c for c in collection.contributors if c.role.casefold() == "contactperson"), None)
    info = {
        "Source-Organization": collection.source_organization,
        "Organization-Address": extra.get("organization_address", ""),
        "Contact-Name": extra.get("contact_name") or (contact.name if contact else ""),
        "Contact-Phone": extra.get("contact_phone", ""),
        "Contact-Email": collection.email or (contact.email if contact else ""),
        "External-Description": collection.description or collection.title,
        "External-Identifier": collection.identifier,
        "Bagging-Date": export_date().isoformat(),
    }
    where = collection.source
    if not info["Source-Organization"]:
        problems.append(Problem(where, "no source_organization (or publisher) in the collection: bag-info.txt has "
                                       "no Source-Organization"))
    if not info["Contact-Email"]:
        problems.append(Problem(where, "no email in the collection: bag-info.txt has no Contact-Email"))
    return {key: _one_line(value) for key, value in info.items() if _one_line(value)}


def _named(named: Named | None):
    if named is None:
        return None
    return {**dataclasses.asdict(named), "uris": list(named.uris)}


def _document_json(doc: DocumentMetadata, files: dict[str, str | None]) -> dict:
    data = {}
    for f in dataclasses.fields(doc):
        value = getattr(doc, f.name)
        if f.name == "path":
            continue
        if isinstance(value, Named) or f.name in ("place_sent", "place_received"):
            value = _named(value)
        elif isinstance(value, tuple) and value and isinstance(value[0], Named):
            value = [_named(v) for v in value]
        data[f.name] = value
    return {**data, "files": files}


def metadata_json(collection: Collection, documents: list[dict]) -> bytes:
    """data/metadata.json: sorted keys, so the same metadata gives the same bytes."""
    about = dataclasses.asdict(collection)
    about.pop("source")  # a path on the exporting machine
    data = {"collection": about, "documents": documents, "generator": f"tei-transcripts {__version__}"}
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n").encode("utf-8")


def _put(path: Path, data: bytes) -> None:
    """A file in the staged bag (the staged folder makes the whole bag appear at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _copy_edition(edition: Path, into: Path) -> None:
    """The files of a rendered edition (hidden ones left out), each read through the one input door. A link
    is refused, not followed: `html/notes -> ~/.ssh` would put what it points to in a deposited bag."""
    for top, folders, files in os.walk(edition):  # does not descend into linked folders: they are refused below
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in [*folders, *sorted(f for f in files if not f.startswith("."))]:
            path = Path(top) / name
            if path.is_symlink():
                raise InputError(path, "is a symbolic link in the HTML edition; the bag carries the edition's "
                                       "own files, never what a link points to: replace the link by the file")
        for name in sorted(f for f in files if not f.startswith(".")):
            path = Path(top) / name
            _put(into / path.relative_to(edition), read_input(path, "a file of the HTML edition"))


def _payload(folder: Path, job: ExportJob, documents: list[DocumentMetadata], problems: list[Problem]) -> None:
    """Fill `folder` with what becomes data/: tei/, transcripts/, html/, metadata.json."""
    for doc in documents:
        _put(folder / "tei" / f"{doc.stem}.xml", read_input(doc.path, "a TEI file"))
    transcripts = _transcripts(documents, job.sources, problems)
    for path in transcripts.values():
        _put(folder / "transcripts" / path.name, read_input(path, "a transcript"))
    html = folder / "html"
    if job.html is not None:
        _copy_edition(job.html, html)
    else:
        # The edition as published: the collection's title, and citations with its address.
        renderer = Renderer(site_title=job.collection.title, base_url=job.collection.url)
        for error in render_edition([d.path for d in documents], html, renderer=renderer):
            problems.append(Problem(Path(error.path), f"not in the bag's HTML edition: {error.message}"))
    described = []
    for doc in documents:
        page = html / f"{doc.stem}.html"
        if job.html is not None and not page.is_file():
            problems.append(Problem(doc.path, f"the HTML edition {job.html} has no page {page.name} for it"))
        described.append(_document_json(doc, {
            "tei": f"tei/{doc.stem}.xml",
            "transcript": f"transcripts/{transcripts[doc.stem].name}" if doc.stem in transcripts else None,
            "html": f"html/{page.name}" if page.is_file() else None,
        }))
    _put(folder / "metadata.json", metadata_json(job.collection, described))


def _tag_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and p.relative_to(folder).parts[0] != "data"
                  and not p.name.startswith("tagmanifest-"))


def _declare_and_sort(folder: Path) -> None:
    """bagit.txt declares RFC 8493's version; the tag manifests are written again in sorted order."""
    declaration = f"BagIt-Version: {BAGIT_VERSION}\nTag-File-Character-Encoding: UTF-8\n"
    (folder / "bagit.txt").write_bytes(declaration.encode("utf-8"))
    for algorithm in CHECKSUMS:
        lines = "".join(f"{hashlib.new(algorithm, (folder / name).read_bytes()).hexdigest()} {name}\n"
                        for name in _tag_files(folder))
        (folder / f"tagmanifest-{algorithm}.txt").write_bytes(lines.encode("utf-8"))


def check_bag(folder: Path, info: dict[str, str], documents: list[DocumentMetadata]) -> None:
    """bagit's full validation (structure, completeness, Payload-Oxum, every checksum) and what this export
    promises; ExportInvalid with the reason if the bag fails."""
    try:
        bag = bagit.Bag(str(folder))
        bag.validate(processes=1)
    except bagit.BagValidationError as exc:
        details = "; ".join(str(d) for d in exc.details[:5]) if exc.details else ""
        raise ExportInvalid(f"bagit: {exc.message}{': ' + details if details else ''}") from None
    except bagit.BagError as exc:
        raise ExportInvalid(f"bagit: {exc}") from None
    if bag.version_info != tuple(int(n) for n in BAGIT_VERSION.split(".")):
        raise ExportInvalid(f"bagit.txt declares BagIt {bag.tags.get('BagIt-Version')}, not {BAGIT_VERSION}")
    for algorithm in CHECKSUMS:
        for kind in ("manifest", "tagmanifest"):
            if not (folder / f"{kind}-{algorithm}.txt").is_file():
                raise ExportInvalid(f"there is no {kind}-{algorithm}.txt")
    for key, value in info.items():
        if bag.info.get(key) != value:
            raise ExportInvalid(f"bag-info.txt has {key}: {bag.info.get(key)!r}, not {value!r}")
    if not re.fullmatch(r"\d+\.\d+", str(bag.info.get("Payload-Oxum", ""))):
        raise ExportInvalid("bag-info.txt has no Payload-Oxum")
    listed = set(bag.payload_entries())
    for name in ["data/metadata.json", *(f"data/tei/{d.stem}.xml" for d in documents)]:
        if name not in listed:
            raise ExportInvalid(f"the manifests do not list {name}")


def export(job: ExportJob) -> list[Problem]:
    problems: list[Problem] = []
    documents = _documents(job, problems)
    if not documents:
        raise ExportInvalid("no TEI documents to put in the bag")
    info = bag_info(job.collection, problems)
    with staged_folder(job.out, "bagit", job.force) as folder:
        _payload(folder, job, documents, problems)
        try:
            bagit.make_bag(str(folder), dict(info), processes=1, checksums=list(CHECKSUMS))
        except (bagit.BagError, RuntimeError) as exc:
            raise ExportInvalid(f"bagit could not make the bag: {exc}") from None
        _declare_and_sort(folder)
        check_bag(folder, info, documents)
    return problems
