"""Work in forked processes: results and progress come back, errors are raised here, and a
task stopped half-way leaves no process behind."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
import weakref
from pathlib import Path

import pytest

from generator import parallel
from generator.parallel import ChildTask, WorkerLost, can_fork, fork_map, long_lived, mark_long_lived

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs fork and two cores")


def test_fork_map_runs_every_item_in_other_processes() -> None:
    results = list(fork_map(lambda n: (n * n, os.getpid()), list(range(20))))
    assert sorted(square for square, _ in results) == [n * n for n in range(20)]
    assert os.getpid() not in {pid for _, pid in results}


def parse(text: str) -> int:
    return int(text)


def test_an_error_in_a_worker_is_raised_here_with_the_workers_traceback() -> None:
    with pytest.raises(ValueError, match="invalid literal") as raised:
        list(fork_map(parse, ["1", "2", "three", "4"]))
    assert "in parse" in str(raised.value.__cause__)


def test_a_result_that_cannot_be_sent_back_is_an_error_not_a_lost_worker() -> None:
    with pytest.raises(RuntimeError, match="could not be sent back") as raised:
        list(fork_map(lambda n: (lambda: n), [1, 2]))  # a function made in the worker does not pickle
    assert "pickle" in str(raised.value.__cause__)


def test_a_child_task_returns_its_result_and_reports_progress() -> None:
    seen: list[tuple[int, int]] = []

    def task(report):  # type: ignore[no-untyped-def]
        for done in range(1, 4):
            report(done, 3)
        return {"pid": os.getpid(), "big": "x" * 1_000_000}

    result = ChildTask(task).result(lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert result["pid"] != os.getpid() and len(result["big"]) == 1_000_000


def test_an_error_in_the_child_is_raised_with_its_traceback() -> None:
    def task(report):  # type: ignore[no-untyped-def]
        raise ValueError("no terms in any paper")

    with pytest.raises(ValueError, match="no terms in any paper") as raised:
        ChildTask(task).result()
    assert 'raise ValueError("no terms in any paper")' in str(raised.value.__cause__)


def test_stopping_from_the_progress_callback_ends_the_child() -> None:
    def task(report):  # type: ignore[no-untyped-def]
        done = 0
        while True:  # would never end by itself
            done += 1
            report(done, 0)

    child = ChildTask(task)

    def stop_at_five(done: int, total: int) -> None:
        if done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        child.result(stop_at_five)
    assert child._process is not None and not child._process.is_alive()


def test_a_child_task_left_unasked_is_stopped_on_exit() -> None:
    def task(report):  # type: ignore[no-untyped-def]
        while True:
            pass

    with ChildTask(task) as child:
        assert child._process is not None and child._process.is_alive()
    assert not child._process.is_alive()


def test_the_parent_lets_go_of_what_the_child_task_holds() -> None:
    """The texts of every paper go to the related-papers child: the parent must not keep
    them for the rest of the build (at 100,000 papers that is hundreds of megabytes)."""
    import gc
    import weakref

    class Texts(dict):  # type: ignore[type-arg]
        pass

    texts = Texts(a="some words", b="more words")
    held = weakref.ref(texts)
    task = ChildTask(lambda report, texts=texts: len(texts))
    del texts
    gc.collect()
    assert held() is None
    assert task.result() == 2


def test_a_child_that_ignores_sigterm_is_killed_on_stop() -> None:
    """What happens when the parent's own SIGTERM handler, inherited at the fork, only takes note."""
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        def task(report):  # type: ignore[no-untyped-def]
            signal.signal(signal.SIGTERM, lambda signum, frame: None)
            report(1, 1)
            while True:
                pass

        child = ChildTask(task)
        with pytest.raises(KeyboardInterrupt):
            child.result(lambda done, total: (_ for _ in ()).throw(KeyboardInterrupt))
        assert child._process is not None and not child._process.is_alive()
    finally:
        signal.signal(signal.SIGTERM, previous)


_STOP_A_CHILD_WITH_A_POOL = """
import time
from generator.parallel import ChildTask, fork_map

def slow(item):
    time.sleep(1.0)
    return bytes(1_000_000)  # more than a pipe holds: the worker writes while its reader is gone

def task(report):
    report(0, 1)
    return list(fork_map(slow, range(4)))

child = ChildTask(task)
time.sleep(0.5)  # the child's workers are asleep in `slow`
child.stop()
time.sleep(1.5)  # long enough for a worker left behind to try to send its result
print("stopped")
"""


def test_stopping_a_child_that_runs_workers_stops_them_quietly(tmp_path: Path) -> None:
    """The child's own workers end with it: none is left to find its pipe gone and print a traceback."""
    done = subprocess.run([sys.executable, "-c", _STOP_A_CHILD_WITH_A_POOL], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0 and done.stdout.strip() == "stopped", done.stderr
    assert "Traceback" not in done.stderr and "Error" not in done.stderr, done.stderr


def test_forked_processes_leave_the_parents_objects_out_of_their_collections() -> None:
    assert gc.get_freeze_count() == 0
    frozen_in_workers = list(fork_map(lambda _: gc.get_freeze_count(), [0, 1, 2]))
    frozen_in_child = ChildTask(lambda report: gc.get_freeze_count()).result()
    assert min(frozen_in_workers) > 0 and frozen_in_child > 0
    assert gc.get_freeze_count() == 0  # here, collections see everything again


def test_a_long_lived_stretch_runs_no_collections_but_its_workers_do() -> None:
    assert gc.isenabled()
    with long_lived():
        with long_lived():
            assert not gc.isenabled()
            collecting_in_workers = list(fork_map(lambda _: gc.isenabled(), [0, 1, 2]))
            collecting_in_child = ChildTask(lambda report: gc.isenabled()).result()
        assert not gc.isenabled()  # until the outermost stretch ends
    assert gc.isenabled()
    assert all(collecting_in_workers) and collecting_in_child
    gc.disable()
    try:
        with long_lived():
            assert not ChildTask(lambda report: gc.isenabled()).result()
        assert not gc.isenabled()  # as it was before
    finally:
        gc.enable()


class Node:
    def __init__(self) -> None:
        self.itself = self  # a cycle: only the cyclic collector frees it


def test_cycles_marked_long_lived_are_collected_once_the_outermost_stretch_ends() -> None:
    with long_lived():
        with long_lived():
            node = Node()
            gone = weakref.ref(node)
            mark_long_lived()
            del node
        gc.collect()
        assert gone() is not None  # still left out: an inner stretch ended, not the outermost
    gc.collect()
    assert gone() is None


_WORKERS_THAT_SLEEP = """
import os, sys, time
from generator.parallel import fork_map

def sleep(item):
    open(os.path.join(sys.argv[1], f"worker-{os.getpid()}"), "w").close()
    time.sleep(120)

list(fork_map(sleep, range(2)))
"""


def running(pid: int) -> bool:
    """True while `pid` runs (a process killed but not yet reaped is a zombie, `Z`)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's parent-death signal is Linux's")
def test_workers_end_when_the_process_that_forked_them_is_killed(tmp_path: Path) -> None:
    """However their parent ends, no worker is left behind holding the build's output pipes."""
    parent = subprocess.Popen([sys.executable, "-c", _WORKERS_THAT_SLEEP, str(tmp_path)], cwd=Path(__file__).parent.parent)
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("worker-*"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = [int(path.name.split("-")[1]) for path in tmp_path.glob("worker-*")]
        assert len(workers) == 2 and all(map(running, workers))
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while any(map(running, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(running, workers))


_SIGNALLED_WHILE_FORKING = """
import os, signal, sys, time
from generator import parallel
from generator.parallel import ChildTask, fork_map

def signal_myself_while_forking():
    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(1000):  # bytecode where a handler runs if nothing holds the signal: inside the fork's callbacks
        pass

signal.signal(signal.SIGTERM, parallel._exit_on_signal)  # as in a child task, which runs pools of its own
os.register_at_fork(after_in_parent=signal_myself_while_forking)
if sys.argv[1] == "pool":
    list(fork_map(abs, range(4)))
else:
    ChildTask(lambda report: time.sleep(120)).result()
print("went on")
"""


@pytest.mark.parametrize("fork", ["pool", "child task"])
def test_a_stop_signal_during_a_fork_stops_the_process_once_the_fork_is_done(fork: str) -> None:
    """An exception raised in the fork's own callbacks (logging's locks) would be printed and
    dropped: the process would go on, having set its handler aside, and print a traceback."""
    done = subprocess.run([sys.executable, "-c", _SIGNALLED_WHILE_FORKING, fork], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).parent.parent)
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert done.stdout == "" and done.stderr == ""


_A_WORKER_IS_KILLED = """
import os, signal
from generator.parallel import WorkerLost, fork_map

def task(item):
    if item == 3:
        os.kill(os.getpid(), signal.SIGKILL)  # as the system does to free memory
    return item

try:
    list(fork_map(task, range(8)))
except WorkerLost as lost:
    print(lost)
"""


def test_a_worker_killed_mid_task_fails_the_map_instead_of_leaving_it_waiting() -> None:
    done = subprocess.run([sys.executable, "-c", _A_WORKER_IS_KILLED], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.startswith("a worker process ended before its task was done (killed by SIGKILL); "
                                  "if the system ran short of memory")


def test_a_child_task_killed_mid_task_says_how_it_ended() -> None:
    with pytest.raises(WorkerLost, match=r"ended before its task was done \(killed by SIGKILL\)"):
        ChildTask(lambda report: os.kill(os.getpid(), signal.SIGKILL)).result()


def test_a_worker_of_a_child_task_killed_mid_task_is_reported_in_the_same_words() -> None:
    def task(report):  # type: ignore[no-untyped-def]
        return list(fork_map(lambda item: os.kill(os.getpid(), signal.SIGKILL) if item == 1 else item, range(4)))

    with pytest.raises(WorkerLost, match=r"^a worker process ended before its task was done \(killed by SIGKILL\);"):
        ChildTask(task).result()


def test_a_worker_that_died_since_its_last_result_is_reported_when_given_its_next_task() -> None:
    worker = parallel._Worker(abs, [-1, -2])
    try:
        worker.give(0)
        assert worker.result() == 1
        worker.process.kill()
        worker.process.join()
        with pytest.raises(WorkerLost, match=r"killed by SIGKILL"):
            worker.give(1)
    finally:
        worker.pipe.close()
