"""The processes `tei validate` and `tei build` spread their work over: started clean.

Worker processes are spawned, not forked (Saxon's runtime must not be inherited half-started). A spawned
worker is a new interpreter, `python -c "from multiprocessing.spawn import ..."`, and `-c` puts the current
folder first on its import path, so a `select.py` or `json.py` in the folder the command was run from
would be imported, and run, in place of the standard library's; then the worker takes the parent's
sys.path, which under `python -m tei` holds the current folder too. So each worker is started with
PYTHONSAFEPATH=1 (Python 3.11's -P: no current folder) and given the parent's path without the current
folder. The toolkit itself is found where it is installed, or, run from a source checkout that is the current
folder, in that folder put last, after the standard library and the installed packages, which it cannot shadow.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from multiprocessing import resource_tracker
from multiprocessing.context import SpawnContext, SpawnProcess

_TOOLKIT_HOME = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the folder holding tei/
_starting = threading.Lock()  # the environment and sys.path are changed for the moment a worker starts


def _is_current_folder(entry: str) -> bool:
    try:
        return entry == "" or os.path.samefile(entry, os.getcwd())
    except OSError:
        return False


@contextlib.contextmanager
def _clean_import_path():
    with _starting:
        saved_path, saved_flag = sys.path[:], os.environ.get("PYTHONSAFEPATH")
        sys.path[:] = [entry for entry in sys.path if not _is_current_folder(entry)] + [_TOOLKIT_HOME]
        os.environ["PYTHONSAFEPATH"] = "1"
        try:
            yield
        finally:
            sys.path[:] = saved_path
            if saved_flag is None:
                del os.environ["PYTHONSAFEPATH"]
            else:
                os.environ["PYTHONSAFEPATH"] = saved_flag


class _CleanProcess(SpawnProcess):
    @staticmethod
    def _Popen(process_obj):
        with _clean_import_path():  # the command line, the environment and the path handed over are made here
            return SpawnProcess._Popen(process_obj)


class _CleanContext(SpawnContext):
    Process = _CleanProcess


def worker_context() -> SpawnContext:
    """The multiprocessing context for a ProcessPoolExecutor: spawned workers that import nothing from the
    current folder."""
    with _clean_import_path():  # the pool's queues start multiprocessing's resource tracker, a process too
        resource_tracker.ensure_running()
    return _CleanContext()
