"""`python -m tei`: as the `tei` command, except that `-m` has put the current folder first on the import
path; it is taken off before anything else is imported, so a `json.py` or `select.py` in the folder the
command is run from is not imported (and run) in place of the standard library's. (A folder named `tei`
there would still be taken for the toolkit: the `tei` command, which never looks in the current folder,
is the safe way.)"""

import os
import sys

if sys.path and not sys.flags.safe_path:
    try:
        if sys.path[0] == "" or os.path.samefile(sys.path[0], os.getcwd()):
            del sys.path[0]
    except OSError:
        pass

from tei.cli import main  # noqa: E402

main()
