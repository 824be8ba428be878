"""A stopped or killed `search index` leaves no worker process behind (real subprocesses)."""

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from search import store

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/environ").exists(), reason="finds the run's processes through /proc"
)

# The run under test: workers start at any size, and it pauses, with its workers running,
# once it has read PAUSE_AT files (Whoosh hands documents to workers 100 at a time).
PAUSE_AT = 150
RUN = textwrap.dedent(
    f"""
    import sys, time
    from pathlib import Path
    from search import indexer
    from search.cli import main

    indexer.PARALLEL_THRESHOLD_BYTES = 0
    real_read_file, calls, ready = indexer.read_file, [], Path(sys.argv[1])

    def read_file(source):
        calls.append(source)
        if len(calls) == {PAUSE_AT}:
            ready.touch()
            time.sleep(600)
        return real_read_file(source)

    indexer.read_file = read_file
    sys.argv = ["search", *sys.argv[2:]]
    main()
    """
)


def processes_marked(marker: str) -> list[int]:
    """The live (not zombie) processes whose environment holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in environ and state != "Z":
            found.append(int(entry.name))
    return found


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.fixture
def corpus(tmp_path):
    """Files enough for a parallel run, and an index of the first few."""
    root = tmp_path / "docs"
    root.mkdir()
    for number in range(5):
        (root / f"a{number}.txt").write_text(f"وثيقة قديمة {number}", encoding="utf-8")
    index_dir = tmp_path / "index"
    from search.indexer import index_paths

    index_paths([root], index_dir)
    for number in range(PAUSE_AT + 50):
        (root / f"b{number:03}.txt").write_text(f"وثيقة جديدة رقم {number} في المدرسة", encoding="utf-8")
    return root, index_dir


def stored_count(index_dir) -> int:
    with store.open_index(index_dir).searcher() as searcher:
        return sum(1 for _ in searcher.documents(kind=store.KIND_RECORD))


@pytest.mark.parametrize("number", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP],
                         ids=["SIGKILL", "SIGTERM", "SIGHUP"])
def test_no_worker_outlives_a_stopped_run(corpus, tmp_path, number):
    root, index_dir = corpus
    marker = f"SEARCH_TEST_RUN={uuid.uuid4().hex}"
    ready = tmp_path / "ready"
    stderr = tmp_path / "stderr"
    with open(stderr, "wb") as errors:  # a file: an orphaned worker would hold a pipe open
        process = subprocess.Popen(
            [sys.executable, "-c", RUN, str(ready), "index", "-q", "--index", str(index_dir), str(root)],
            env={**os.environ, marker.split("=")[0]: marker.split("=")[1]},
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    try:
        wait_for(lambda: ready.exists() or process.poll() is not None, 120, "the run never paused")
        assert process.poll() is None, stderr.read_text()
        # this run, its forkserver and at least one worker
        assert len(processes_marked(marker)) >= 3
        process.send_signal(number)
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    try:
        wait_for(lambda: not processes_marked(marker), 60, "worker processes outlived the run")
    finally:
        for pid in processes_marked(marker):  # only after a failure: leave no orphan behind
            os.kill(pid, signal.SIGKILL)
    if number == signal.SIGKILL:
        assert process.returncode == -signal.SIGKILL
    else:  # handled like Ctrl-C
        assert (process.returncode, stderr.read_text()) == (130, "search: interrupted\n")
    assert stored_count(index_dir) == 5
    from search.indexer import index_paths

    report = index_paths([root], index_dir)
    assert (report.added, report.unchanged) == (PAUSE_AT + 50, 5)
