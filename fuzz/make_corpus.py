"""Write the seed corpus, fuzz/corpus/: small hostile and odd inputs for every target.

    python fuzz/make_corpus.py

The seeds are committed; this script is how they were made (and remakes the same bytes). Every seed goes
through every target (tests/test_fuzz.py): an .xml seed is also a strange transcript for `tei convert`, a
.txt seed also a strange TEI file for the others. Placeholders (@SECRET@, @LISTENER@, @FIFO@...) are filled
by the targets: see fuzz/targets.py.
"""

from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"
ROOT = Path(__file__).resolve().parent.parent

HEADER = ('<teiHeader><fileDesc><titleStmt><title>t</title></titleStmt><publicationStmt><publisher>p</publisher>'
          "</publicationStmt><sourceDesc><p>s</p></sourceDesc></fileDesc></teiHeader>")


def tei(body: str = "x", prolog: str = "", attributes: str = "") -> str:
    """A TEI document valid against the project schema whose paragraph holds `body`, after `prolog`."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}<TEI xmlns="http://www.tei-c.org/ns/1.0"{attributes}>'
            f"{HEADER}<text><body><div><p>{body}</p></div></body></text></TEI>\n")


def bomb() -> str:
    entities = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    return tei("&lol9;", f"<!DOCTYPE TEI [{entities}]>\n")


def quadratic() -> str:
    """One entity of 50 000 characters used 50 000 times: 2.5 GB of text, with no nesting at all."""
    return tei("&a;" * 50_000, f'<!DOCTYPE TEI [<!ENTITY a "{"a" * 50_000}">]>\n')


VALID = tei('Met <persName ref="#stalin">Stalin</persName> on <date when="1945-07-03">3 July</date>; '
            '<gap reason="illegible"/> <choice><orig>Darien</orig><reg>Dalian</reg></choice>.').replace(
    "</teiHeader>", '</teiHeader><standOff><listPerson><person xml:id="stalin"><persName>Joseph Stalin</persName>'
    "</person></listPerson></standOff>")

CORPUS_DOC = ('<?xml version="1.0" encoding="UTF-8"?>\n<teiCorpus xmlns="http://www.tei-c.org/ns/1.0">'
              f"{HEADER}" + "".join(f'<TEI xml:id="d{i}">{HEADER}<text><body><p>Document {i}</p></body></text></TEI>'
                                    for i in (1, 2)) + "</teiCorpus>\n")

SEEDS: dict[str, bytes | str] = {
    # external entities and DTDs: never read, never fetched
    "xxe-file.xml": tei("&s;", '<!DOCTYPE TEI [<!ENTITY s SYSTEM "@SECRET@">]>\n'),
    "xxe-file-path.xml": tei("&s;", '<!DOCTYPE TEI [<!ENTITY s SYSTEM "@SECRET_PATH@">]>\n'),
    "xxe-etc-passwd.xml": tei("&s;", '<!DOCTYPE TEI [<!ENTITY s SYSTEM "file:///etc/passwd">]>\n'),
    "xxe-url.xml": tei("&s;", '<!DOCTYPE TEI [<!ENTITY s SYSTEM "@LISTENER@/entity">]>\n'),
    "xxe-public.xml": tei("&s;", '<!DOCTYPE TEI [<!ENTITY s PUBLIC "-//X//Y" "@LISTENER@/public">]>\n'),
    "xxe-parameter.xml": tei("x", '<!DOCTYPE TEI [<!ENTITY % p SYSTEM "@LISTENER@/p.dtd"> %p;]>\n'),
    "xxe-fifo.xml": tei("&s;", '<!DOCTYPE TEI [<!ENTITY s SYSTEM "@FIFO@">]>\n'),
    "remote-dtd.xml": tei("x", '<!DOCTYPE TEI SYSTEM "@LISTENER@/tei.dtd">\n'),
    "remote-dtd-public.xml": tei("x", '<!DOCTYPE TEI PUBLIC "-//TEI//DTD TEI P5//EN" "@LISTENER@/tei.dtd">\n'),
    "fifo-dtd.xml": tei("x", '<!DOCTYPE TEI SYSTEM "@FIFO@">\n'),
    "xinclude.xml": tei('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="@SECRET_PATH@" parse="text"/>'
                        '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="@LISTENER@/xi" parse="text"/>'),
    "stylesheet-pi.xml": tei("x", '<?xml-stylesheet type="text/xsl" href="@LISTENER@/x.xsl"?>\n'),
    "schema-location.xml": tei("x", '<?xml-model href="@LISTENER@/x.rng" type="application/xml"?>\n',
                               ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
                               ' xsi:schemaLocation="http://www.tei-c.org/ns/1.0 @LISTENER@/x.xsd"'),
    # entity expansion
    "billion-laughs.xml": bomb(),
    "quadratic-blowup.xml": quadratic(),
    "entity-markup.xml": tei("&m;", '<!DOCTYPE TEI [<!ENTITY m "<hi>unclosed">]>\n'),
    "entity-recursive.xml": tei("&a;", '<!DOCTYPE TEI [<!ENTITY a "&b;"><!ENTITY b "&a;">]>\n'),
    "entity-undefined.xml": tei("&nowhere;"),
    "internal-dtd-defaults.xml": tei("x", '<!DOCTYPE TEI [<!ATTLIST p rend CDATA "default"><!ENTITY e "ok">]>\n'),
    # size and shape
    "deep-nesting-100k.xml": tei('<hi rend="b">' * 100_000 + "x" + "</hi>" * 100_000),
    "deep-nesting-250.xml": tei('<hi rend="b">' * 250 + "x" + "</hi>" * 250),
    "huge-attribute-10mb.xml": tei(f'<hi rend="{"b" * (10 * 2**20)}">x</hi>'),
    "many-attributes.xml": tei("<hi " + " ".join(f'a{i}="{i}"' for i in range(20_000)) + ">x</hi>"),
    "long-line-1mb.xml": tei("word " * (2**20 // 5)),
    "long-line-1mb.txt": ("word " * (2**20 // 5)).strip() + "\n",
    "many-paragraphs.txt": "Heading\n\n" + "A short paragraph.\n\n" * 20_000,
    # encodings and bytes
    "invalid-utf8.xml": tei("caf\udce9").encode("utf-8", "surrogateescape"),
    "invalid-utf8.txt": "Heading\n\nSoong met Stalin \xe0 Moscou.\n".encode("latin-1"),
    "nul-bytes.xml": tei("a\x00b").encode("utf-8"),
    "nul-bytes.txt": b"Heading\n\nA \x00 paragraph.\n",
    "control-characters.xml": tei("bell &#7; and \x07"),
    "bom.xml": b"\xef\xbb\xbf" + VALID.encode("utf-8"),
    "bom.txt": b"\xef\xbb\xbfHeading\n\nA paragraph after a byte order mark.\n",
    "utf16.xml": VALID.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
    "utf16.txt": "Heading\n\nA paragraph in UTF-16.\n".encode("utf-16"),
    "encoding-lie.xml": VALID.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace("x", "\u00e9"),
    "encoding-unknown.xml": VALID.replace('encoding="UTF-8"', 'encoding="x-no-such-encoding"'),
    "xml11-controls.xml": tei("&#1;&#x1F;").replace('version="1.0"', 'version="1.1"'),
    "lone-surrogate-ref.xml": tei("&#xD800;"),
    "cr-only.txt": b"Heading\r\rA paragraph\rwith CR line ends.\r",
    "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 16,
    # documents that are not what the command expects
    "valid.xml": VALID,
    "transcript.txt": (ROOT / "sources" / "001_e5f868fdedea9438.txt").read_bytes(),
    "teicorpus.xml": CORPUS_DOC,
    # an undeclared prefix that libxml2 lets through when a later error is only a warning (xml:space="x")
    "unbound-prefix-root.xml": '<tei:TEI><teiHeader/><text><body><p xml:space="x">x</p></body></text></tei:TEI>\n',
    "unbound-prefix-element.xml": tei('a<x:y>b</x:y><hi xml:space="x">c</hi>'),
    "non-tei-root.xml": '<?xml version="1.0"?>\n<html><body><p>x</p></body></html>\n',
    "tei-no-namespace.xml": VALID.replace(' xmlns="http://www.tei-c.org/ns/1.0"', ""),
    "tei-empty.xml": '<TEI xmlns="http://www.tei-c.org/ns/1.0"/>',
    "empty.xml": b"",
    "empty.txt": b"",
    "whitespace.xml": " \n\t\n",
    "truncated.xml": VALID[: len(VALID) // 2],
    "duplicate-ids.xml": VALID.replace("</listPerson>", '<person xml:id="stalin"/>' * 3 + "</listPerson>"),
    "odd-ids.xml": VALID.replace('xml:id="stalin"', 'xml:id="index"').replace('ref="#stalin"', 'ref="#index ../x #"'),
    "odd-names.xml": tei('<persName ref="../../../etc/passwd">a</persName><placeName ref="#">b</placeName>'
                         '<orgName ref="javascript:alert(1)">c</orgName><date when="99999-99-99">d</date>'),
    "html-injection.xml": tei("&lt;script&gt;alert(1)&lt;/script&gt;<hi rend='\"&gt;&lt;script&gt;'>x</hi>"),
    "cdata-comments-pis.xml": tei("<![CDATA[<not> & markup]]><!-- c --><?pi data?>]]&gt;"),
}


def main() -> None:
    CORPUS.mkdir(exist_ok=True)
    for old in CORPUS.iterdir():
        if old.name not in SEEDS:
            old.unlink()
    for name, content in SEEDS.items():
        (CORPUS / name).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    print(f"{len(SEEDS)} seeds in {CORPUS}")


if __name__ == "__main__":
    main()
