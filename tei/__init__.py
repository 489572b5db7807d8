"""Turn plain-text archival transcripts into TEI P5, validate TEI, render reading editions.

The data flows one way (see DESIGN.md):
transcript --layout--> fields and body blocks --annotate--> spans --weave--> TEI tree
TEI file --> validation findings | HTML reading edition | plain text.
"""

__version__ = "0.1.0"

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
