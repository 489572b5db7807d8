"""Turn plain-text archival transcripts into TEI P5, validate TEI, render reading editions.

The data flows one way (see DESIGN.md):
transcript --layout--> fields and body blocks --annotate--> spans --weave--> TEI tree
TEI file --> validation findings | HTML reading edition | plain text.
"""

import sys as _sys

__version__ = "0.1.0"

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# libxml2 accepts documents 256 elements deep, and rendering and text output recurse a few frames per level:
# room for that in every process that uses the toolkit (the command, and a build's workers).
TOOLKIT_RECURSION_LIMIT = 10_000
_sys.setrecursionlimit(max(_sys.getrecursionlimit(), TOOLKIT_RECURSION_LIMIT))
