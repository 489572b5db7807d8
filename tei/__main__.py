"""`python -m tei`: as the `tei` command, except that `-m` has put the current folder first on the import
path; it is taken off before anything else is imported, so a `json.py` or `select.py` in the folder the
command is run from is not imported (and run) in place of the standard library's, and a folder named `tei`
there (TEI files) is not taken for the toolkit. The `tei` command never looks in the current folder."""

import os
import sys

if sys.path and not sys.flags.safe_path:
    try:
        if sys.path[0] == "" or os.path.samefile(sys.path[0], os.getcwd()):
            del sys.path[0]
    except OSError:
        pass

if getattr(sys.modules.get("tei"), "__file__", None) is None:  # the current folder's tei/, as a namespace package
    for name in [name for name in sys.modules if name == "tei" or name.startswith("tei.")]:
        del sys.modules[name]

from tei.cli import main  # noqa: E402

main()
