"""Work spread over forked processes, which inherit the data instead of receiving it pickled.

Rendering pages and finding related papers are CPU-bound Python; threads would
share one interpreter lock. A forked worker starts with the parent's memory
(the plan, the TF-IDF matrix) for free, and only each task's small result is
pickled back.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
import traceback
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any, Callable, Generic, Iterator, NoReturn, Sequence, TypeVar

from . import stop_signals

Item = TypeVar("Item")
Result = TypeVar("Result")

MAX_WORKERS = 8
STOP_GRACE_SECONDS = 2.0
"""How long a stopped child has to end on SIGTERM before it is killed (and a lost one to be reaped)."""

_long_lived_depth = 0
_collector_was_enabled = True


@contextmanager
def long_lived() -> Iterator[None]:
    """A stretch of work whose data lives until it ends (a build), during which this process runs
    no automatic garbage collection.

    Nearly every object a build makes lives to its end, and every collection walks the objects
    made since the last step was marked (`mark_long_lived`) again, only to find them alive: at
    100,000 papers, a build after an edit took 80 s with collections and 55 s without, at the
    same peak memory. What the build leaves as cyclic garbage (some 80,000 objects at 10,000
    papers) waits for the first collection after the outermost stretch ends. Forked workers
    collect as usual (`_collect_as_before`): their objects come and go with each task.
    """
    global _long_lived_depth, _collector_was_enabled  # noqa: PLW0603 - the collector's state is the process's
    if _long_lived_depth == 0:
        _collector_was_enabled = gc.isenabled()
        gc.disable()
    _long_lived_depth += 1
    try:
        yield
    finally:
        _long_lived_depth -= 1
        if _long_lived_depth == 0:
            gc.unfreeze()
            if _collector_was_enabled:
                gc.enable()


def mark_long_lived() -> None:
    """Leave every object made so far out of the cyclic collector's collections.

    The build holds millions of small objects (records, views, the cache) to its end. A
    forked worker collects (see `long_lived`), and each collection would walk all of them
    and write to each one's header, so the worker would get a private copy of every page
    they lie on (`gc.freeze`'s documented use: freeze before forking). Marked objects that
    become garbage are still freed at once by reference counting; only unreachable cycles
    among them wait for the first full collection after the outermost `long_lived()` ends.
    """
    gc.freeze()


def _collect_as_before() -> None:
    """In a forked worker or child: collect as the process did before its build turned collections off."""
    if _long_lived_depth and _collector_was_enabled:
        gc.enable()


@contextmanager
def collections_paused() -> Iterator[None]:
    """No garbage collection while a large structure is unpickled. Each of its million objects
    counts as an allocation, so collections run again and again, each walking every object
    made so far, though none of them is garbage: loading the build cache at 10,000 papers
    took twice as long."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def leave_objects_to_exit() -> None:
    """Call last thing before a one-shot command's process exits: the collections Python runs as
    it exits walk every object still alive and every cycle the command left (0.4 s after a build
    after an edit at 10,000 papers) only to free memory the system takes back anyway."""
    gc.freeze()


@contextmanager
def _forking() -> Iterator[None]:
    """Around a fork: the children keep the parent's objects out of their collections, and
    a stop signal waits for the fork to end (`stop_signals`), then acts as it leaves this block."""
    with long_lived(), stop_signals.held():
        mark_long_lived()
        yield


def worker_count() -> int:
    return min(os.cpu_count() or 1, MAX_WORKERS)


def can_fork() -> bool:
    return worker_count() > 1 and "fork" in multiprocessing.get_all_start_methods()


def fork_map(task: Callable[[Item], Result], items: Sequence[Item]) -> Iterator[Result]:
    """`task(item)` for every item, in worker processes when there are cores to spare.

    Results come back in the order they finish. Leaving the iteration early (an
    error, a stop signal, a caller that stops asking) stops the workers at once.

    Not multiprocessing.Pool nor ProcessPoolExecutor: their workers send results
    through one shared pipe, read by a helper thread. A worker that dies half-way
    through sending (killed by the system to free memory, or stopped with the
    others when an error ends the map) leaves that thread waiting for the rest of
    its message, so the build waits forever. Here each worker has a pipe of its
    own, read by the caller's thread: a dead worker is an end of file on it.
    """
    if len(items) < 2 or not can_fork():
        yield from map(task, items)
        return
    workers: list[_Worker] = []
    try:
        with _forking():  # a stop signal held over the forks stops the workers forked so far
            for _ in range(min(worker_count(), len(items))):
                workers.append(_Worker(task, items))
        indexes = iter(range(len(items)))
        busy = {}
        for worker in workers:
            worker.give(next(indexes))
            busy[worker.pipe] = worker
        while busy:
            for pipe in multiprocessing.connection.wait(list(busy)):
                worker = busy.pop(pipe)  # type: ignore[call-overload]
                result = worker.result()
                index = next(indexes, None)
                if index is not None:  # handed out before the caller takes its time over the result
                    worker.give(index)
                    busy[pipe] = worker
                yield result  # type: ignore[misc]
    finally:
        for worker in workers:
            worker.process.terminate()  # idle, or in a task whose result nobody will read
        for worker in workers:
            worker.process.join()
            worker.pipe.close()


class _Worker:
    """A forked process that runs `task(items[index])` for each index it is sent (`_serve`)."""

    def __init__(self, task: Callable[[Any], object], items: Sequence[object]) -> None:
        self.pipe, theirs = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("fork").Process(
            target=_serve, args=(task, items, theirs, os.getpid()), name="paper-digest-worker", daemon=True)
        try:
            self.process.start()
        finally:
            theirs.close()  # the worker's end is the worker's alone: when it dies, this end reads end of file

    def give(self, index: int) -> None:
        try:
            self.pipe.send(index)
        except OSError:  # it died since its last result (Python ignores SIGPIPE: this is EPIPE)
            raise _lost(self.process) from None

    def result(self) -> object:
        try:
            with collections_paused():  # a slice of pages' or records' results: many objects
                kind, value, trace = self.pipe.recv()
        except (EOFError, ConnectionResetError):
            raise _lost(self.process) from None
        if kind == "error":
            _raise_remote(value, trace)
        return value


class _RemoteTraceback(Exception):
    """Where in a worker an error was raised: shown as the cause of the error raised here."""

    def __str__(self) -> str:
        return str(self.args[0])


def _serve(task: Callable[[object], object], items: Sequence[object], pipe: Connection, parent: int) -> None:
    _worker_signals(parent)
    _collect_as_before()
    while True:
        try:
            index = pipe.recv()
        except EOFError:  # the parent is gone
            return
        try:
            reply = ("result", task(items[index]), "")
        except Exception as error:  # noqa: BLE001 - raised again in the parent (`_raise_remote`)
            reply = ("error", error, traceback.format_exc())
        try:
            _send_reply(pipe, reply)
        except OSError:  # the parent is gone
            return


def _send_reply(pipe: Connection, reply: tuple[str, object, object]) -> None:
    """Send a worker's or a child's `("result", value, extra)` or `("error", error, traceback)`."""
    try:
        pipe.send(reply)
    except OSError:
        raise
    except Exception:  # noqa: BLE001 - a result or an error that does not pickle
        pipe.send(("error", RuntimeError("a worker's reply could not be sent back"), traceback.format_exc()))


def _raise_remote(error: BaseException, trace: str) -> NoReturn:
    """Raise an error a worker or a child sent, with where it was raised there as its cause."""
    raise error from _RemoteTraceback(trace)


class WorkerLost(RuntimeError):
    """A worker process ended without its result: killed (the system does that to free memory) or crashed."""

    def __str__(self) -> str:
        return f"{super().__str__()}; if the system ran short of memory, its log names the process it killed"


def _lost(process: multiprocessing.process.BaseProcess) -> WorkerLost:
    """The error for `process`, whose pipe reached its end before the result came."""
    process.join(timeout=STOP_GRACE_SECONDS)
    code = process.exitcode
    ending = ("still running" if code is None else f"killed by {signal.Signals(-code).name}" if code < 0
              else f"exit code {code}")
    return WorkerLost(f"a worker process ended before its task was done ({ending})")


Report = Callable[[int, int], None]
"""report(done, total): how far a long task is."""


class ChildTask(Generic[Result]):
    """`task(report)` running in a forked child process while this one goes on.

    For work that needs a lot of memory for a short while (the TF-IDF matrices of
    related papers, and numpy and scipy themselves): the child's memory goes back
    to the system when it exits, so the build's own peak stays low, and the build
    does other steps meanwhile. `report(done, total)` calls in the child reach the
    `on_progress` given to `result()`, which may raise to stop the child.
    With `fork=False` (a small site, where a fresh process costs more than the
    work) or without fork, the task runs in this process when its result is asked for.
    """

    def __init__(self, task: Callable[[Report], Result], fork: bool = True) -> None:
        self._task: Callable[[Report], Result] | None = task
        self.seconds = 0.0
        """How long the task itself ran, once its result is in."""
        self._process: multiprocessing.process.BaseProcess | None = None
        if fork and can_fork():
            self._receiver, sender = multiprocessing.Pipe(duplex=False)
            self._process = multiprocessing.get_context("fork").Process(
                target=_child_main, args=(task, sender, os.getpid()), name="paper-digest-child")
            try:
                with _forking():
                    self._process.start()
            except BaseException:  # a stop signal held over the fork: nothing will ask for the result
                self.stop()
                raise
            finally:
                sender.close()
            # The child has its own copy now: let go of the task and the data it holds
            # (the texts of every paper), which would otherwise stay until the build ends.
            self._task = None

    def result(self, on_progress: Report | None = None) -> Result:
        if self._process is None:
            assert self._task is not None
            start = time.perf_counter()
            result = self._task(on_progress or (lambda done, total: None))
            self.seconds = time.perf_counter() - start
            return result
        try:
            while True:
                try:
                    with collections_paused():  # the related papers of every paper: many objects
                        kind, *payload = self._receiver.recv()
                except EOFError:
                    raise _lost(self._process) from None
                if kind == "progress":
                    if on_progress is not None:
                        on_progress(*payload)
                elif kind == "result":
                    self.seconds = payload[1]
                    return payload[0]  # type: ignore[no-any-return]
                else:
                    _raise_remote(*payload)
        finally:
            self.stop()

    def stop(self) -> None:
        """End the child (at once if it still runs); safe to call more than once."""
        if self._process is None or self._receiver.closed:
            return
        if self._process.pid is not None:  # it was forked
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(timeout=STOP_GRACE_SECONDS)
                if self._process.is_alive():
                    self._process.kill()
            self._process.join()
        self._receiver.close()

    def __enter__(self) -> ChildTask[Result]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _child_main(task: Callable[[Report], object], sender: Connection, parent: int) -> None:
    _child_signals(parent)
    _collect_as_before()
    try:
        start = time.perf_counter()
        result = task(lambda done, total: sender.send(("progress", done, total)))
        _send_reply(sender, ("result", result, time.perf_counter() - start))
    except SystemExit:
        raise  # stopped by the parent (see `_child_signals`): nothing waits for a result
    except BaseException as error:  # noqa: BLE001 - the parent raises it (a lost worker of its own, too)
        _send_reply(sender, ("error", error, traceback.format_exc()))


def _child_signals(parent: int) -> None:
    """As `_worker_signals`, except that SIGTERM unwinds the child: one running workers of its own
    (`fork_map`) then stops them as it leaves, instead of leaving them to its parent-death signal."""
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    stop_signals.release_in_child()


def _exit_on_signal(signum: int, _frame: object) -> None:
    # Once: a second SIGTERM (the parent's `stop()`) would interrupt the unwinding half-way,
    # and a pool being stopped then prints its traceback. A child that does not end in
    # time is killed, and its workers with it (`_die_with`).
    signal.signal(signum, signal.SIG_IGN)
    raise SystemExit(128 + signum)


def _worker_signals(parent: int) -> None:
    """Ctrl+C reaches the whole process group; only the parent acts on it (it stops the
    pool and removes the staging folder), so workers do not each print a traceback."""
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    stop_signals.release_in_child()


PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """On Linux, have the kernel kill this process when `parent`, which forked it, ends.

    However the parent ends: a child task killed after its grace period, or any process
    killed outright, leaves no worker behind waiting for tasks forever and holding the
    build's output pipes open. Strictly, the kernel watches the thread that forked,
    which here is the one that waits for the process. Elsewhere this does nothing.
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        return
    if os.getppid() != parent:  # the parent ended before the request above took effect
        os._exit(1)
