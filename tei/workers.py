"""The processes `tei validate` and `tei build` spread their work over: started clean.

Worker processes are spawned, not forked (Saxon's runtime must not be inherited half-started). A spawned
worker is a new interpreter, `python -c "from multiprocessing.spawn import ..."`, and `-c` puts the current
folder first on its import path, so a `select.py` or `json.py` in the folder the command was run from
would be imported, and run, in place of the standard library's; then the worker takes the parent's
sys.path, which under `python -m tei` holds the current folder too. So each worker is started with
PYTHONSAFEPATH=1 (Python 3.11's -P: no current folder) and given the parent's path without the current
folder. The toolkit itself is the one the command runs: found where it is installed, or, run from a source
checkout (perhaps with another copy installed), through a folder that holds a link to the checkout's tei/ and
nothing else, first on the path (the other files beside a checkout are not taken with it).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.machinery
import os
import shutil
import signal
import sys
import tempfile
import threading
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import resource_tracker
from multiprocessing.context import SpawnContext, SpawnProcess

_TOOLKIT = os.path.dirname(os.path.abspath(__file__))  # this toolkit's package folder, tei/
_starting = threading.Lock()  # the environment and sys.path are changed for the moment a worker starts
_only_the_toolkit: list[str] = []  # a folder holding a link to _TOOLKIT and nothing else, made once


def _toolkit_entries(path: list[str]) -> list[str]:
    """What to put first on a worker's path (`path`: the parent's, without the current folder) so that the
    worker takes the toolkit this process runs: nothing when `path` finds it already (an installed toolkit);
    else (a source checkout run from its own folder, perhaps with another copy installed) a folder holding a
    link to it and nothing else, so that no other file beside the checkout (a select.py) is taken too."""
    found = importlib.machinery.PathFinder.find_spec("tei", path)
    if found is not None and found.origin and os.path.dirname(os.path.realpath(found.origin)) == \
            os.path.realpath(_TOOLKIT):
        return []
    if not _only_the_toolkit:
        folder = tempfile.mkdtemp(prefix="tei-toolkit-")
        os.symlink(_TOOLKIT, os.path.join(folder, "tei"))
        atexit.register(shutil.rmtree, folder, True)
        _only_the_toolkit.append(folder)
    return _only_the_toolkit


def _is_current_folder(entry: str) -> bool:
    try:
        return entry == "" or os.path.samefile(entry, os.getcwd())
    except OSError:
        return False


@contextlib.contextmanager
def _clean_import_path():
    with _starting:
        saved_path, saved_flag = sys.path[:], os.environ.get("PYTHONSAFEPATH")
        path = [entry for entry in sys.path if not _is_current_folder(entry)]
        sys.path[:] = _toolkit_entries(path) + path
        os.environ["PYTHONSAFEPATH"] = "1"
        try:
            yield
        finally:
            sys.path[:] = saved_path
            if saved_flag is None:
                del os.environ["PYTHONSAFEPATH"]
            else:
                os.environ["PYTHONSAFEPATH"] = saved_flag


@contextlib.contextmanager
def _interrupts_deferred(wanted: bool):
    """For the moment a worker starts: SIGINT blocked in this thread, so that the worker inherits it blocked
    across exec and never sees it; and a Ctrl-C that comes meanwhile is held, and raised here once the worker
    has started, so that the parent never stops half-way through handing a worker its start (the worker would
    print a traceback) and knows every worker it has to stop."""
    if not wanted:
        yield
        return
    held: list[int] = []
    main = threading.current_thread() is threading.main_thread()  # only the main thread may set a handler
    handler = signal.signal(signal.SIGINT, lambda number, frame: held.append(number)) if main else None
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a Ctrl-C pending for this thread is held now
        if main:
            signal.signal(signal.SIGINT, handler)
            if held:
                signal.raise_signal(signal.SIGINT)


class _CleanProcess(SpawnProcess):
    ignore_interrupts = False

    def start(self):
        with _interrupts_deferred(self.ignore_interrupts):
            super().start()

    @staticmethod
    def _Popen(process_obj):
        with _clean_import_path():  # the command line, the environment and the path handed over are made here
            return SpawnProcess._Popen(process_obj)


class _CleanContext(SpawnContext):
    def __init__(self, ignore_interrupts: bool):
        super().__init__()
        self.ignore_interrupts = ignore_interrupts
        self.processes: list[_CleanProcess] = []  # every worker made, for stop_workers

    def Process(self, *args, **kwargs):  # noqa: N802 (multiprocessing's name)
        process = _CleanProcess(*args, **kwargs)
        process.ignore_interrupts = self.ignore_interrupts
        self.processes.append(process)
        return process

    def stop_workers(self) -> None:
        """Stop every worker started in this context now (SIGTERM), and wait for them: ProcessPoolExecutor has no
        way to before Python 3.14, and does not know a worker whose start an interruption followed."""
        started = [process for process in self.processes if process.pid is not None]
        for process in started:
            if process.is_alive():
                process.terminate()
        for process in started:
            process.join(5)


def worker_context(ignore_interrupts: bool = False) -> SpawnContext:
    """The multiprocessing context for a ProcessPoolExecutor: spawned workers that import nothing from the
    current folder. ignore_interrupts: the workers ignore Ctrl-C (which a terminal sends to the whole process
    group) from the moment they start, for a parent that stops them itself (tei build)."""
    with _clean_import_path():  # the pool's queues start multiprocessing's resource tracker, a process too
        resource_tracker.ensure_running()
    return _CleanContext(ignore_interrupts)


def _map_chunk(function, chunk: list) -> list:
    return [function(item) for item in chunk]


def _chunk_results(futures: list):
    """Each chunk's results in order, each chunk let go once its results are given."""
    futures.reverse()
    while futures:
        yield from futures.pop().result()


class WorkerPool:
    """A pool of clean workers (worker_context) that ignore Ctrl-C, which a terminal sends to the whole process
    group: the parent stops them itself (close), so an interrupted command ends in one line, not a traceback
    from each worker."""

    def __init__(self, jobs: int, initializer, initargs: tuple):
        self.context = worker_context(ignore_interrupts=True)
        self.pool = ProcessPoolExecutor(jobs, mp_context=self.context, initializer=initializer, initargs=initargs)

    def map(self, function, items: list, size: int):
        """function(item) for each item, in order, as the results come, in chunks of `size`. Executor.map, except
        that a command that stops does not cancel what is queued: Python 3.11's pool fails on a cancelled task
        when its workers are then stopped (InvalidStateError in its thread)."""
        futures = [self.pool.submit(_map_chunk, function, items[i:i + size]) for i in range(0, len(items), size)]
        return _chunk_results(futures)

    def close(self, interrupted: bool = False) -> None:
        """Stop the workers: once they have finished what they hold, or, when interrupted, at once."""
        if not interrupted:
            self.pool.shutdown(cancel_futures=True)
            return
        self.context.stop_workers()  # the pool sees them gone, fails what was queued, and its thread ends
        try:
            self.pool.shutdown()  # not cancel_futures: Python 3.11's pool thread then fails on the cancelled ones
        except RuntimeError:  # "cannot join thread before it is started": interrupted as the pool started
            self.pool.shutdown(wait=False)
