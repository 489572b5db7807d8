"""The `tei` command: convert, validate, render, text, build, authority."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

import click

from tei import __version__
from tei.authority import load_authority
from tei.candidates import RECOGNISERS, spacy_available
from tei.errors import InputError, OutputRefused
from tei.export import FORMATS as EXPORT_FORMATS
from tei.files import (expand, not_regular, output_folder, refuse_links_on_the_way, remove_leftovers, unique_names,
                       write_atomic)
from tei.findings import Finding
from tei.gitfiles import changed_since
from tei.layout import profiles
from tei.document import DEFAULT_PUBLISHER
from tei.pipeline import check_outputs, convert_file, write_report
from tei.resources import tei_all as tei_all_grammar
from tei.reporting import FORMATS, WRITERS, markdown_summary, summary_line
from tei.validate import MAX_BYTES

EXISTING = click.Path(path_type=Path)


def _say_error(message: str) -> None:
    click.secho(message, err=True, fg="red" if sys.stderr.isatty() else None)


def _check_outputs(inputs, *, found=(), folders=(), files=(), replaced=(), inner=()) -> None:
    """Refuse (OutputRefused: exit 2) outputs that would write over an input (pipeline.check_outputs), and
    declare the output folders, so that nothing is written or deleted through a link inside them; `inner`:
    the folders inside them the command writes into (and deletes from), checked as they are now rather than
    when the first file goes there."""
    check_outputs(inputs, found=found, folders=[*folders, *inner], files=files, replaced=replaced)
    for folder in [*folders, *replaced]:
        output_folder(folder)
    for folder in inner:
        refuse_links_on_the_way(folder)


def _authority(folder: Path | None):
    """The authority, or exit 2 with the one line that says which file is wrong, and where."""
    return _or_exit(load_authority, folder)


def _check_conventions(path: Path | None) -> None:
    """A --conventions file that cannot be used: one clear error (exit 2) before any work."""
    from tei.brackets import load_conventions

    if path is not None:
        _or_exit(load_conventions, path)


def _or_exit(load, path: Path | None):
    try:
        return load(path)
    except InputError as exc:
        _say_error(str(exc))
        sys.exit(2)


def _inputs(paths: tuple[Path, ...], suffix: str, what: str) -> tuple[list[Path], list[InputError]]:
    """Files to work on, and an error for each path that is missing or a folder without any."""
    files, errors = [], []
    for path in paths:
        if not path.exists():
            errors.append(InputError(path, "no such file or folder"))
            continue
        found = list(expand([path], suffix))
        if path.is_dir() and not found:
            errors.append(InputError(path, f"is a folder with no {what} ({suffix} files) in it"))
        for file in found:  # a FIFO or a device is refused here, by its name, before anything opens it
            refused = not_regular(file, {"transcripts": "a transcript"}.get(what, "a TEI file"))
            (errors if refused else files).append(refused or file)
    seen: set[Path] = set()
    unique = [f for f in files if not (f.resolve() in seen or seen.add(f.resolve()))]  # a file named twice, once
    return unique, errors


def _cannot_write(exc: OSError, where: Path | str) -> str:
    """One line for an output that could not be written (a full disk, a read-only folder): the file, and why."""
    return f"{exc.filename or where}: cannot write: {exc.strerror or exc}"


class _Command(click.Command):
    """A command that ends in one line, never a traceback: a refused output (tei.errors.OutputRefused, from any
    stage) exits 2; an output it cannot write (a full disk, a read-only folder) exits 1, and every output is
    written atomically (tei.files), so what is there is complete; Ctrl-C exits 130."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except OutputRefused as exc:
            _say_error(str(exc))
            sys.exit(2)
        except KeyboardInterrupt:
            _say_error(f"tei {ctx.info_name}: interrupted, stopping; every file written so far is complete")
            sys.exit(130)
        except OSError as exc:
            if exc.errno == errno.EPIPE:  # output piped into `head`: click's own handling
                raise
            _say_error(_cannot_write(exc, ctx.params.get("out") or "the output")
                       + "; the files written before it are complete")
            sys.exit(1)


class _Commands(click.Group):
    command_class = _Command
    group_class = type  # the groups within it are _Commands too


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tei")
def main() -> None:
    """Turn plain-text archival transcripts into TEI P5, validate TEI, and render reading editions."""


def _conversion_options(command):
    """Options shared by `convert` and `build`."""
    for option in reversed([
        click.option("--layout", type=click.Choice(sorted(profiles())), help="Force a layout instead of detecting it."),
        click.option("--authority", "authority_dir", type=EXISTING,
                     help="Folder of authority CSV files that add to (or, by file name, replace) the defaults."),
        click.option("--conventions", "conventions_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="A conventions TOML file to use instead of the layout's (see converters/conventions.toml)."),
        click.option("--publisher", default=DEFAULT_PUBLISHER, show_default=True,
                     help="Publisher named in each file's publicationStmt."),
        click.option("--strict", is_flag=True, help="Exit non-zero when there are warnings (for CI)."),
        click.option("--recogniser", type=click.Choice(RECOGNISERS), default="auto", show_default=True,
                     help="How names the authority lacks are found: title rule, spaCy (the `ner` extra), both "
                          "(auto: spaCy when installed), or none."),
    ]):
        command = option(command)
    return command


@main.command()
@click.argument("paths", nargs=-1, required=True, type=EXISTING)
@click.option("-o", "--output", "out", required=True, type=EXISTING, help="Folder for the TEI files.")
@_conversion_options
@click.option("--report", "report", type=EXISTING,
              help="Write a review list (CSV: file, line, level, source, decision, why) for an editor.")
@click.option("--csv-raw", is_flag=True,
              help="Write the review list's values as they are: by default a cell a spreadsheet would take for a "
                   "formula (=, +, -, @) gets a ' before it.")
def convert(paths, out, **options):
    """Convert transcripts (.txt files, or folders of them) to TEI: OUTPUT/<name>.xml for each."""
    sys.exit(1 if _convert(paths, out, **options) else 0)


def _convert(paths, out, layout, authority_dir, conventions_file, publisher, report, strict, recogniser,
             csv_raw=False) -> int:
    """Convert, print errors and warnings, write the review list; returns the number of failures."""
    files, errors = _inputs(paths, ".txt", "transcripts")
    _check_outputs([*paths, authority_dir, conventions_file], found=files, folders=[out],
                   files=[*(out / f"{f.stem}.xml" for f in files), *([report] if report is not None else [])])
    authority = _authority(authority_dir)
    _check_conventions(conventions_file)
    if recogniser == "spacy" and not spacy_available():
        raise click.UsageError("--recogniser spacy needs the ner extra: pip install 'tei-transcripts[ner]'")
    files, clashes = unique_names(files, str(out / "{stem}.xml"))  # sub1/doc.txt and sub2/doc.txt
    errors += clashes
    remove_leftovers(out)  # what a killed conversion left
    for error in errors:
        _say_error(str(error))
    items = []
    with click.progressbar(files, label="Converting", file=sys.stderr, hidden=not sys.stderr.isatty()) as bar:
        for source in bar:
            try:
                _, review = convert_file(source, out, authority, layout, publisher, conventions_file, recogniser)
            except InputError as exc:
                _say_error(str(exc))
                errors.append(exc)
                continue
            items.extend(review)
            for item in review:
                if item.level == "warning":
                    click.echo(str(item), err=True)
    if report is not None:
        write_report(report, items, errors, csv_raw)
    warned = sum(item.level == "warning" for item in items)
    return len(errors) + (warned if strict else 0)


@main.command()
@click.argument("paths", nargs=-1, type=EXISTING)
@click.option("--schema", "schema_files", multiple=True, type=EXISTING,
              help="A schema: RELAX NG (.rng), XML Schema 1.1 (.xsd) or ISO Schematron (.sch); repeatable. "
                   "Default: the project's grammar and rules.")
@click.option("--tei-all", "tei_all", is_flag=False, flag_value="", default=None, metavar="[FILE.rng]",
              help="Check against TEI All as well, with its embedded rules: the toolkit's own copy (TEI P5 "
                   "4.9.0), or the one $TEI_ALL names, or FILE.rng (the word after --tei-all is taken as "
                   "the grammar only when it ends in .rng).")
@click.option("--no-embedded-rules", is_flag=True, help="Skip the Schematron rules embedded in .rng grammars.")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="human", show_default=True,
              help="human: file:line:column: level: message [rule]; json: one object per finding; "
                   "junit: JUnit XML for CI test reports; github: workflow annotations.")
@click.option("-o", "--output", "report_file", type=EXISTING, help="Write the findings to this file, not stdout.")
@click.option("--warn-only", is_flag=True, help="Report errors but exit 0 (to introduce validation gradually).")
@click.option("--changed-since", "revision", metavar="REV",
              help="Only the files changed since this git revision (plus uncommitted and untracked ones).")
@click.option("--unique-ids", is_flag=True, help="Report an xml:id used in more than one file of the corpus.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Processes to use; 0: every core for batches of 64 files or more.")
@click.option("--max-size", type=click.IntRange(min=1), default=MAX_BYTES // 2**20, show_default=True,
              help="Report files larger than this many MB instead of reading them.")
def validate(paths, schema_files, tei_all, no_embedded_rules, output_format, report_file, warn_only, revision,
             unique_ids, jobs, max_size):
    """Check TEI files (or folders of .xml files) against schemas and project rules.

    Exit status: 0 when no file has an error, 1 when some do, 2 for a usage or input/output error.
    """
    from tei.schematron import SchematronSchema, cannot_run_warning
    from tei.validate import default_schema_files, id_collisions, load_checks, validate_batch

    if tei_all and not tei_all.endswith(".rng"):  # `--tei-all doc.xml`: the flag, then a file to check
        paths, tei_all = (Path(tei_all), *paths), ""
    if not paths:
        raise click.UsageError("Missing argument 'PATHS...': name the TEI files or folders to check")
    schemas = [s.resolve() for s in schema_files] or default_schema_files()
    schemas += [tei_all_grammar(Path(tei_all) if tei_all else None).resolve()] if tei_all is not None else []
    schemas = list(dict.fromkeys(schemas))  # a schema named twice is checked once
    try:
        checks = [c for s in schemas for c in load_checks(s, not no_embedded_rules)]
        files, io_errors = _inputs(paths, ".xml", "TEI files")
        if report_file is not None:  # before the work, not after it
            _check_outputs([*paths, *schemas], found=files, files=[report_file])
        if revision is not None:
            changed = changed_since(revision, paths[0])
            files = [f for f in files if f.resolve() in changed]
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    for error in io_errors:
        _say_error(str(error))
    warning = cannot_run_warning() if any(isinstance(c, SchematronSchema) for c in checks) else None
    if warning is not None:  # an address-space limit too small for Saxon: the grammar is checked all the same
        click.echo(warning, err=True)
    results = list(validate_batch(files, schemas, jobs, not no_embedded_rules, max_size * 2**20, unique_ids))
    collisions = id_collisions(results) if unique_ids else []
    table = [(str(r.path), sorted(r.findings + [c for c in collisions if c.path == str(r.path)],
                                  key=Finding.sort_key)) for r in results]
    colour = report_file is None and output_format == "human" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    text = WRITERS[output_format](table, colour) if output_format == "human" else WRITERS[output_format](table)
    names = sorted({c.name for c in checks})
    if report_file is not None:
        write_atomic(report_file, text.encode("utf-8"))
    else:
        click.echo(text, nl=False)
    click.echo(summary_line(table, names) + (f" ({len(files)} changed since {revision})" if revision else ""),
               err=True)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as summary:
            summary.write(markdown_summary(table, names))
    failed = any(f.level == "error" for _, findings in table for f in findings)
    sys.exit(2 if io_errors else 1 if failed and not warn_only else 0)


def _edition_options(command):
    """Options of the reading edition, shared by render and build."""
    command = click.option("--templates", type=click.Path(exists=True, file_okay=False, path_type=Path),
                           help="A folder of templates that override the edition's own: page templates, "
                                "edition.css, edition.js, and elements/<TEI name>.html per TEI element.")(command)
    command = click.option("--base-url", default="", metavar="URL",
                           help="Where the edition will be published (https://.../), for stable addresses "
                                "in citations.")(command)
    return click.option("--title", "site_title", default="Reading edition", show_default=True,
                        help="The edition's title.")(command)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=EXISTING)
@click.option("-o", "--output", "out", required=True, type=EXISTING, help="Folder for the HTML edition.")
@_edition_options
def render(paths, out, **edition):
    """Render TEI files (or folders of .xml files) as an HTML reading edition: document pages, an index
    with search and filters, pages for people, places and organisations."""
    sys.exit(1 if _render(paths, out, **edition) else 0)


def _render(paths, out, templates=None, base_url="", site_title=None) -> int:
    from tei.edition import SITE_TITLE, Renderer, render_edition

    files, errors = _inputs(paths, ".xml", "TEI files")
    _check_outputs([*paths, templates], found=files, folders=[out], inner=[out / "tei", out / "entity"],
                   files=[out / name for f in files for name in (f"{f.stem}.html", f"tei/{f.stem}.xml")])
    renderer = _or_exit(lambda folder: Renderer(templates=folder, base_url=base_url,
                                                site_title=site_title or SITE_TITLE), templates)
    errors += render_edition(files, out, renderer=renderer)
    for error in errors:
        _say_error(str(error))
    return len(errors)


@main.command()
@click.argument("path", type=EXISTING)
def text(path):
    """Print the transcript's body back as plain text, from the TEI alone."""
    from tei.textout import body_text
    from tei.xmlread import parse_tei, too_large

    try:
        click.echo(body_text(parse_tei(path)), nl=False)
    except InputError as exc:
        _say_error(str(exc))
        sys.exit(1)
    except MemoryError:  # the file was read, but its text does not fit as well
        _say_error(str(too_large(path)))
        sys.exit(1)


@main.command()
@click.argument("sources", required=False, default="sources", type=EXISTING)
@click.option("-o", "--output", "out", default="build", show_default=True, type=EXISTING,
              help="Build folder: TEI in OUTPUT/tei, the edition in OUTPUT/html.")
@_conversion_options
@_edition_options
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Processes to use; 0: one per core.")
@click.option("--report", "report", type=EXISTING,
              help="Write a summary of the build as JSON: counts, every failure (file, line, stage, message), "
                   "validation findings, warnings, seconds per stage.")
def build(sources, out, templates, base_url, site_title, jobs, report, strict, **options):
    """Convert, validate and render in one go (defaults: sources/ -> build/), redoing only what changed."""
    from tei.build import STATE_DIR, BuildInterrupted, BuildLocked, BuildSettings, build as run_build
    from tei.edition import SITE_TITLE

    if not sources.exists():
        raise click.UsageError(f"{sources}: no such folder of transcripts")
    transcripts, errors = _inputs((sources,), ".txt", "transcripts")
    _check_outputs([sources, options["authority_dir"], options["conventions_file"], templates], found=transcripts,
                   folders=[out], files=[report] if report is not None else [],
                   inner=[out / STATE_DIR / "drafts", out / "tei", out / "html" / "tei", out / "html" / "entity"])
    if options["recogniser"] == "spacy" and not spacy_available():
        raise click.UsageError("--recogniser spacy needs the ner extra: pip install 'tei-transcripts[ner]'")
    _authority(options["authority_dir"])  # a broken authority or conventions file: one clear error before any work
    _check_conventions(options["conventions_file"])
    if templates is not None:  # a template that cannot be read or compiled: the same
        from tei.edition import Renderer

        _or_exit(lambda folder: Renderer(templates=folder, base_url=base_url, site_title=site_title or SITE_TITLE),
                 templates)
    for error in errors:
        _say_error(str(error))
    settings = BuildSettings(sources=sources, out=out, templates=templates, base_url=base_url,
                             site_title=site_title or SITE_TITLE, jobs=jobs or os.cpu_count() or 1, **options)
    try:
        result = run_build(settings, transcripts, say=_say_error)
    except BuildLocked as exc:
        _say_error(str(exc))
        sys.exit(2)
    except BuildInterrupted as exc:  # Ctrl-C or SIGTERM: what was finished is recorded, the workers stopped
        _say_error(f"tei build: interrupted, stopping; the files finished are kept in {out}, and the next build "
                   "carries on from them")
        sys.exit(128 + exc.signal_number)
    except OSError as exc:  # disk full, a read-only folder...: every file written so far is complete
        _say_error(_cannot_write(exc, out) + "; the files already there are complete (the old or the new version), "
                   "and the next build carries on from them")
        sys.exit(1)
    for warning in result.warnings:
        click.echo(warning, err=True)
    if report is not None:
        try:
            write_atomic(report, result.as_json())
        except OSError as exc:
            _say_error(f"{report}: cannot write the report: {exc.strerror or exc}")
            sys.exit(1)
    # a problem: an input that could not be read, a stage that failed for a file, a file with findings
    problems = len(errors) + len(result.failures) + len({f.split(":", 1)[0] for f in result.findings})
    if strict:
        problems += len(result.warnings)
    converted = result.documents - sum(f.stage == "convert" for f in result.failures)
    click.echo(f"{converted} converted, {result.valid} valid, {problems} problem(s); "
               f"edition: {out / 'html' / 'index.html'}")
    sys.exit(1 if problems else 0)


_EXPORT_HELP = ("Export TEI files (or folders of .xml files) as FORMAT for a repository or aggregator.\n\n"
                "\b\nFORMAT is one of:\n" + "\n".join(f"  {name:<10} {text}" for name, (_, _, text) in EXPORT_FORMATS.items())
                + "\n\nEvery export is checked before it is written; an export that fails the check writes nothing.")


@main.command("export", help=_EXPORT_HELP)
@click.argument("fmt", metavar="FORMAT", type=click.Choice(list(EXPORT_FORMATS)))
@click.argument("paths", nargs=-1, required=True, type=EXISTING)
@click.option("-o", "--output", "out", required=True, type=click.Path(path_type=Path),
              help="The file (cmif, teicorpus, datacite, zenodo) or folder (bagit, dc, csv) to write.")
@click.option("--collection", "collection_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TOML file describing the collection (title, creators, licence...); default: collection.toml "
                   "or sources/collection.toml when present.")
@click.option("--sources", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The folder of plain-text transcripts the TEI came from (bagit carries them); "
                   "default: sources/ when present.")
@click.option("--html", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A rendered edition (tei render) to carry; bagit renders one when not given.")
@click.option("--tei-all", "tei_all", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TEI All (tei_all.rng) to check cmif and teicorpus against (default: the one $TEI_ALL names, "
                   "else the toolkit's own copy, TEI P5 4.9.0).")
@click.option("--force", is_flag=True,
              help="Replace an output folder (bagit, dc, csv) that holds files this export did not make, and "
                   "everything in it. A folder holding an input is refused all the same.")
@click.option("--csv-raw", is_flag=True,
              help="csv: write the values as they are (for OpenRefine and scripts): by default a cell a "
                   "spreadsheet would take for a formula (=, +, -, @) gets a ' before it.")
def export_command(fmt, paths, out, collection_file, sources, html, tei_all, force, csv_raw):
    from tei.collection import DEFAULT_FILES, load_collection
    from tei.export import ExportInvalid, ExportJob, document_order, exporter
    from tei.files import check_replaceable
    from tei.metadata import read_metadata

    if sources is None and fmt == "bagit" and Path("sources").is_dir():
        sources = Path("sources")  # where tei build takes its transcripts from
    files, errors = _inputs(paths, ".xml", "TEI files")
    inputs = [*paths, sources, html, tei_all, collection_file, *DEFAULT_FILES]  # the collection file too
    if EXPORT_FORMATS[fmt][1] == "folder":
        _check_outputs(inputs, found=files, replaced=[out])
        check_replaceable(out, fmt, force)
    else:
        _check_outputs(inputs, found=files, files=[out])
    documents = []
    for path in files:
        try:
            documents.append(read_metadata(path))
        except InputError as exc:
            errors.append(exc)
    for error in errors:
        _say_error(str(error))
    try:
        collection = load_collection(collection_file, documents)
    except InputError as exc:
        _say_error(str(exc))
        sys.exit(2)
    job = ExportJob(tuple(sorted(documents, key=document_order)), collection, out, sources, html, tei_all, force,
                    csv_raw)
    try:
        problems = exporter(fmt)(job)
    except ExportInvalid as exc:
        _say_error(f"{out}: the {fmt} export is not valid, so nothing was written: {exc}")
        sys.exit(1)
    except InputError as exc:
        _say_error(str(exc))
        sys.exit(1)
    for problem in problems:
        _say_error(str(problem))
    failed = errors or any(p.level == "error" for p in problems)
    click.echo(f"{fmt}: {len(documents)} document(s) read, {len(problems)} problem(s); written: {out}", err=True)
    sys.exit(1 if failed else 0)


@main.group()
def authority():
    """Work on the authority files (people, places, organisations, roles)."""


@authority.command()
@click.argument("reports", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--authority", "authority_dir", type=EXISTING, help="The authority the rows are for (ids stay unique).")
@click.option("-o", "--output", "out", type=EXISTING,
              help="Write people.csv, places.csv, orgs.csv of new rows into this folder instead of printing them.")
@click.option("--csv-raw", is_flag=True,
              help="Write the values as they are: by default a cell a spreadsheet would take for a formula "
                   "(=, +, -, @) gets a ' before it.")
def suggest(reports, authority_dir, out, csv_raw):
    """Turn the name candidates of review reports (tei convert --report) into authority rows."""
    from tei.files import write_atomic
    from tei.suggest import suggestion_tables

    try:
        tables = suggestion_tables(list(reports), _authority(authority_dir), csv_raw)
    except InputError as exc:
        _say_error(str(exc))
        sys.exit(2)
    if not tables:
        click.echo("No name candidates in the report(s): nothing to add.", err=True)
    if out is not None:
        _check_outputs([*reports, authority_dir], files=[out / file for file in tables])  # -o . is fine
    for file, table in tables.items():
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            write_atomic(out / file, table.encode("utf-8"))
            click.echo(f"{out / file}: {table.count(chr(10)) - 1} row(s)", err=True)
        else:
            click.echo(f"# {file}")
            click.echo(table)


@authority.command()
@click.option("--authority", "authority_dir", type=EXISTING, help="A folder of authority files to check with the defaults.")
def check(authority_dir):
    """Check the authority files: identifiers well formed, no name that points to two entities."""
    from tei.authority import lint

    problems = lint(_authority(authority_dir))
    for problem in problems:
        click.echo(problem)
    click.echo(f"{len(problems)} problem(s)", err=True)
    sys.exit(1 if problems else 0)
