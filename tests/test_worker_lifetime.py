"""A stopped or killed `search index` leaves no worker process behind (real subprocesses)."""

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from search import store
from search.indexer import index_paths

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/environ").exists(), reason="finds the run's processes through /proc"
)

# The run under test: workers start at any size, and it pauses, with its workers running,
# once it has read PAUSE_AT files (Whoosh hands documents to workers 100 at a time), until
# a file named "go" appears beside the "ready" one.
PAUSE_AT = 150
RUN = textwrap.dedent(
    f"""
    import sys, time
    from pathlib import Path
    from search import indexer
    from search.cli import main

    indexer.PARALLEL_THRESHOLD_BYTES, indexer.default_workers = 0, lambda: 2
    real_read_file, calls, ready = indexer.read_file, [], Path(sys.argv[1])
    go = ready.with_name("go")

    def read_file(source):
        calls.append(source)
        if len(calls) == {PAUSE_AT}:
            ready.touch()
            while not go.exists():
                time.sleep(0.05)
        return real_read_file(source)

    indexer.read_file = read_file
    sys.argv = ["search", *sys.argv[2:]]
    main()
    """
)


def processes_marked(marker: str) -> dict[int, int]:
    """{pid: parent pid} of the live (not zombie) processes whose environment holds ``marker``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state, parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
        except OSError:
            continue
        if marker.encode() in environ and state != "Z":
            found[int(entry.name)] = int(parent)
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
    index_paths([root], index_dir)
    for number in range(PAUSE_AT + 50):
        (root / f"b{number:03}.txt").write_text(f"وثيقة جديدة رقم {number} في المدرسة", encoding="utf-8")
    return root, index_dir


def stored_count(index_dir) -> int:
    with store.open_index(index_dir).searcher() as searcher:
        return sum(1 for _ in searcher.documents(kind=store.KIND_RECORD))


# A run that pauses once its helper process (whoosh_pool.TermRangeHelper) has started
# writing part of the segment, before it waits for it; the helper never ends by itself.
# A file, not -c: the forkserver then imports it, where the helper finds its function.
HELPER_RUN = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from search import indexer, whoosh_pool
    from search.cli import main

    def endless_range_writer(*args):
        time.sleep(3600)

    if __name__ == "__main__":
        indexer.PARALLEL_THRESHOLD_BYTES, indexer.default_workers = 0, lambda: 2
        whoosh_pool.SHARED_WRITE_BYTES, whoosh_pool.CHUNK_BYTES = 0, 200
        whoosh_pool.RANGE_WRITER = endless_range_writer
        real_join, ready = whoosh_pool.TermRangeHelper.join, Path(sys.argv[1])
        go = ready.with_name("go")

        def join(helper, entries):
            ready.touch()
            while not go.exists():
                time.sleep(0.05)
            return real_join(helper, entries)

        whoosh_pool.TermRangeHelper.join = join
        sys.argv = ["search", *sys.argv[2:]]
        main()
    """
)


@contextmanager
def paused_run(tmp_path, root, index_dir, script=None):
    """A `search index` subprocess paused with its workers running (or, given ``script``
    to run from a file, wherever that pauses it), and its marker; on leaving, the run is
    over (killed if need be) and none of its processes is left."""
    marker = uuid.uuid4().hex
    ready = tmp_path / "ready"
    stderr = tmp_path / "stderr"
    if script is None:
        command = [sys.executable, "-c", RUN]
    else:
        (tmp_path / "run.py").write_text(script, encoding="utf-8")
        command = [sys.executable, str(tmp_path / "run.py")]
    with open(stderr, "wb") as errors:  # a file: an orphaned worker would hold a pipe open
        process = subprocess.Popen(
            [*command, str(ready), "index", "-q", "--index", str(index_dir), str(root)],
            env={**os.environ, "SEARCH_TEST_RUN": marker},
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    try:
        wait_for(lambda: ready.exists() or process.poll() is not None, 120, "the run never paused")
        assert process.poll() is None, stderr.read_text()
        yield process, marker, stderr
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


def workers_of(process, marker) -> list[int]:
    """The run's workers: the children of its forkserver (the start method whoosh3 offers)."""
    marked = processes_marked(marker)
    return [pid for pid, parent in marked.items() if parent in marked and parent != process.pid]


@pytest.mark.parametrize("number", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP],
                         ids=["SIGKILL", "SIGTERM", "SIGHUP"])
def test_no_worker_outlives_a_stopped_run(corpus, tmp_path, number):
    root, index_dir = corpus
    with paused_run(tmp_path, root, index_dir) as (process, marker, stderr):
        assert workers_of(process, marker)
        process.send_signal(number)
    if number == signal.SIGKILL:
        assert process.returncode == -signal.SIGKILL
    else:  # handled like Ctrl-C
        assert (process.returncode, stderr.read_text()) == (130, "search: interrupted\n")
    assert stored_count(index_dir) == 5
    report = index_paths([root], index_dir)
    assert (report.added, report.unchanged) == (PAUSE_AT + 50, 5)


def test_a_worker_that_dies_fails_the_run_instead_of_losing_its_documents(corpus, tmp_path):
    root, index_dir = corpus
    with paused_run(tmp_path, root, index_dir) as (process, marker, stderr):
        os.kill(workers_of(process, marker)[0], signal.SIGKILL)  # as the OOM killer would
        (tmp_path / "go").touch()
    assert process.returncode == 2
    assert stderr.read_text() == (
        "Error: an indexing worker stopped (exit status -9); nothing of this run since the "
        "last commit was kept — run it again\n"
    )
    assert stored_count(index_dir) == 5


@pytest.mark.parametrize("number", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_no_helper_outlives_a_run_stopped_while_it_writes(corpus, tmp_path, number):
    root, index_dir = corpus
    with paused_run(tmp_path, root, index_dir, script=HELPER_RUN) as (process, marker, stderr):
        assert len(workers_of(process, marker)) == 1  # the workers are done; the helper writes
        process.send_signal(number)
    if number == signal.SIGKILL:
        assert process.returncode == -signal.SIGKILL
    else:
        assert (process.returncode, stderr.read_text()) == (130, "search: interrupted\n")
    assert stored_count(index_dir) == 5
    report = index_paths([root], index_dir)
    assert (report.added, report.unchanged) == (PAUSE_AT + 50, 5)


# Runs whose workers die where the run cannot see it between records: at the end, while
# they hand over their postings (after the run's last look at them), or as they start,
# while the run hands them all that waited for them at once (WorkersWhenWorthIt). A file,
# not -c: the forkserver imports it, so the workers it forks are patched too.
DYING_RUN = textwrap.dedent(
    """
    import os, sys
    from search import indexer, whoosh_pool

    WHERE = os.environ["SEARCH_TEST_DIE"]

    def dying_finish(writer, k=64):
        os._exit(3)

    def dying_worker(*args):
        os._exit(3)

    if WHERE == "finish":
        whoosh_pool._finish_pooled_subsegment = dying_finish

    if __name__ == "__main__":
        from search.cli import main

        indexer.default_workers = lambda: 2
        if WHERE == "start":
            # About 1,000 records wait, then go at once: more batches than the queue holds.
            indexer.PARALLEL_THRESHOLD_BYTES = 30_000
            whoosh_pool._run_pooled_subwriter = dying_worker
        else:
            indexer.PARALLEL_THRESHOLD_BYTES = 0
        sys.argv = ["search", *sys.argv[1:]]
        main()
    """
)


@pytest.mark.parametrize("where", ["finish", "start"])
def test_workers_that_die_unseen_fail_the_run_instead_of_losing_documents(corpus, tmp_path, where):
    root, index_dir = corpus
    for number in range(1200):  # more batches than the job queue holds
        (root / f"c{number:04}.txt").write_text(f"خبر إضافي رقم {number} عن المكتبة", encoding="utf-8")
    (tmp_path / "run.py").write_text(DYING_RUN, encoding="utf-8")
    marker = uuid.uuid4().hex
    try:
        finished = subprocess.run(
            [sys.executable, str(tmp_path / "run.py"), "index", "-q", "--index", str(index_dir), str(root)],
            env={**os.environ, "SEARCH_TEST_DIE": where, "SEARCH_TEST_RUN": marker},
            capture_output=True, text=True, timeout=60,
        )
    finally:
        for pid in processes_marked(marker):  # after a hang: leave no orphan behind
            os.kill(pid, signal.SIGKILL)
    assert finished.returncode == 2, finished.stderr
    assert finished.stderr == (
        "Error: an indexing worker stopped (exit status 3); nothing of this run since the "
        "last commit was kept — run it again\n"
    )
    assert stored_count(index_dir) == 5
    report = index_paths([root], index_dir)
    assert (report.added, report.unchanged) == (PAUSE_AT + 50 + 1200, 5)
