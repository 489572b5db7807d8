"""The compiled XSD, schema/tei_transcripts.xsd, says what the RELAX NG grammar says.

lxml's RELAX NG validator (with the grammar) and xmlschema (XSD 1.1, with the XSD)
give the same verdict, and the expected one, on every document of a corpus: the
converted samples, the hand-written valid and invalid documents of test_schema.py,
a document for each rule that trang's translation loses and schema/build_xsd.py
puts back, and the documents test_schema.py generates at random from the grammar.
And schema/build_xsd.py, run again, reproduces the committed XSD byte for byte.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys

import pytest
import xmlschema
from lxml import etree

from conftest import ROOT, SAMPLES
from test_schema import INVALID, SCHEMA, STAND_OFF, TEI_NS, VALID, RandomDocuments, tei

XSD = ROOT / "schema" / "tei_transcripts.xsd"
BUILD = ROOT / "schema" / "build_xsd.py"

# The rules trang's translation loses and build_xsd.py puts back, where INVALID has no example.
XSD_EDITS = {
    "root-not-tei": (False, f'<p xmlns="{TEI_NS}">Only TEI is a document.</p>'),
    "choice-empty": (False, tei("<p><choice/></p>")),
    "choice-corr-sic": (True, tei("<p><choice><corr>from</corr><sic>form</sic></choice></p>")),
    "gap-unit-without-quantity": (False, tei('<p><gap reason="illegible" unit="words"/></p>')),
    "birth-when-and-notafter": (False, tei("<p>Text.</p>", stand_off=STAND_OFF.replace(
        '<birth when="1894-12"/>', '<birth when="1894-12" notAfter="1895"/>'))),
    "viaf-id-malformed": (False, tei("<p>Text.</p>", stand_off=STAND_OFF.replace(
        '<idno type="viaf">95207079</idno>', '<idno type="viaf">n95207079</idno>'))),
    "unclear-text-beside-desc": (False, tei("<p><unclear>word <desc>illegible</desc></unclear></p>")),
    "xml-lang-empty": (False, tei('<p xml:lang="">Text.</p>')),
    "cert-not-a-number": (False, tei('<p><persName cert="NaN">Stalin</persName></p>')),
    "year-zero": (False, tei('<p><date when="0000">year zero</date></p>')),
}

SEEDS, PER_SEED = range(4), 25  # as many random documents as test_schema.py checks against TEI All

HAND_WRITTEN = {**{f"valid:{name}": (True, text) for name, text in sorted(VALID.items())},
                **{f"invalid:{name}": (False, text) for name, text in sorted(INVALID.items())},
                **{f"xsd-edit:{name}": case for name, case in XSD_EDITS.items()}}

CORPUS = ([f"sample:{path.stem}" for path in SAMPLES] + list(HAND_WRITTEN)
          + [f"random:{seed}-{i:02}" for seed in SEEDS for i in range(PER_SEED)])


@functools.cache
def random_documents(seed: int) -> tuple[etree._Element, ...]:
    generator = RandomDocuments(SCHEMA, seed)
    return tuple(generator.document() for _ in range(PER_SEED))


def document(name: str, sample_tei) -> tuple[bool, etree._ElementTree]:
    """The expected verdict and the document called `name` in CORPUS."""
    kind, key = name.split(":")
    if kind == "sample":
        return True, etree.parse(str(sample_tei[key]))
    if kind == "random":
        seed, i = map(int, key.split("-"))
        return True, etree.ElementTree(random_documents(seed)[i])
    expected, text = HAND_WRITTEN[name]
    return expected, etree.ElementTree(etree.fromstring(text.encode("utf-8")))


@pytest.fixture(scope="module")
def rng() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMA)))


@pytest.fixture(scope="module")
def xsd() -> xmlschema.XMLSchema11:
    return xmlschema.XMLSchema11(XSD)


@pytest.mark.parametrize("name", CORPUS)
def test_rng_and_xsd_agree(name, sample_tei, rng, xsd):
    expected, tree = document(name, sample_tei)
    rng_valid = rng.validate(tree)
    xsd_error = next(xsd.iter_errors(tree), None)
    assert rng_valid == (xsd_error is None), (
        f"{name}: the RNG {'accepts' if rng_valid else 'rejects'} it, the XSD does not\n"
        f"RNG: {rng.error_log}\nXSD: {xsd_error}")
    assert rng_valid == expected, f"{name}: both schemas {'accept' if rng_valid else 'reject'} it"


def test_xsd_is_a_valid_xsd_1_1_schema_with_only_tei_global():
    xmlschema.XMLSchema11.meta_schema.validate(str(XSD))  # the XSD 1.1 schema for schemas
    assert list(xmlschema.XMLSchema11(XSD).elements) == ["TEI"]  # builds: references and assertions resolve


def test_build_xsd_reproduces_the_committed_file():
    if shutil.which("java") is None:
        pytest.fail("schema/build_xsd.py runs trang, which needs Java (a JRE), not on this machine")
    result = subprocess.run([sys.executable, str(BUILD), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
