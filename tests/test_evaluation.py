"""`search eval`: reading queries and judgments, the metrics, and the command on a real index."""

import json
import math

import pytest
from click.testing import CliRunner

from search.cli import cli
from search.errors import SearchError
from search.evaluation import Metrics, read_qrels, read_queries


@pytest.mark.parametrize(
    "ranking, judged, expected",
    [
        (["a", "b"], {"a": 1}, {"mrr@10": 1.0, "recall@1": 1.0, "recall@10": 1.0, "ndcg@10": 1.0}),
        (["x", "a"], {"a": 1}, {"mrr@10": 0.5, "recall@1": 0.0, "recall@10": 1.0,
                                "ndcg@10": 1 / math.log2(3)}),
        (["x"] * 10 + ["a"], {"a": 1}, {"mrr@10": 0.0, "recall@10": 0.0, "recall@100": 1.0}),
        (["a", "x", "b"], {"a": 1, "b": 1, "c": 1}, {"recall@1": 1 / 3, "recall@10": 2 / 3}),
        (["b", "a"], {"a": 2, "b": 1}, {"ndcg@10": (1 + 3 / math.log2(3)) / (3 + 1 / math.log2(3))}),
        ([], {"a": 1}, {"mrr@10": 0.0, "ndcg@10": 0.0, "recall@100": 0.0}),
    ],
    ids=["first", "second", "past ten", "several relevant", "graded", "nothing found"],
)
def test_metrics_of_one_query(ranking, judged, expected):
    metrics = Metrics("all")
    metrics.add(ranking, judged)
    scores = metrics.as_dict()
    assert scores["queries"] == 1
    for name, value in expected.items():
        assert scores[name] == pytest.approx(value), name


def test_metrics_are_means_over_queries():
    metrics = Metrics("all")
    metrics.add(["a"], {"a": 1})
    metrics.add(["x", "b"], {"b": 1})
    assert metrics.as_dict()["mrr@10"] == pytest.approx(0.75)


@pytest.mark.parametrize(
    "content",
    [
        '{"id": "q1", "text": "ما عاصمة سوريا؟"}\n\n{"id": 2, "text": "أين تقع \\"أثريا\\"؟"}\n',
        "q1\tما عاصمة سوريا؟\n2\tأين تقع \"أثريا\"؟\n",
    ],
    ids=["jsonl", "tsv"],
)
def test_queries_as_json_lines_or_tsv(tmp_path, content):
    path = tmp_path / "queries"
    path.write_text(content, encoding="utf-8")
    assert read_queries(path) == [("q1", "ما عاصمة سوريا؟"), ("2", 'أين تقع "أثريا"؟')]


def test_qrels_with_or_without_the_trec_iteration_column(tmp_path):
    path = tmp_path / "qrels.tsv"
    path.write_text("q1\td1\t1\nq1 0 d2 2\nq2\td3\t0\n", encoding="utf-8")
    assert read_qrels(path) == {"q1": {"d1": 1, "d2": 2}, "q2": {"d3": 0}}


@pytest.mark.parametrize(
    "reader, content, message",
    [
        (read_queries, "just text\n", "line 1: expected id<TAB>text"),
        (read_queries, '{"id": "q1"}\n', "line 1: not a query object"),
        (read_qrels, "q1\td1\n", "line 1: expected query_id<TAB>doc_id<TAB>relevance"),
        (read_qrels, "q1\td1\tyes\n", "line 1: expected"),
    ],
    ids=["tsv without tab", "json without text", "qrels short", "qrels grade not a number"],
)
def test_malformed_input_names_the_line(tmp_path, reader, content, message):
    path = tmp_path / "input"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SearchError, match=message):
        reader(path)


@pytest.fixture
def judged_index(tmp_path):
    docs = tmp_path / "docs.jsonl"
    records = [
        {"id": "d1", "title": "أثريا", "text": "أثريا بلدة في ريف حماة على طريق الرقة."},
        {"id": "d2", "title": "دمشق", "text": "دمشق عاصمة سوريا وأقدم العواصم المأهولة."},
        {"id": "d3", "title": "حلب", "text": "حلب مدينة في شمال سوريا، فيها قلعة شهيرة."},
    ]
    docs.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    queries = tmp_path / "queries.jsonl"
    queries.write_text(
        '{"id": "q1", "text": "ما هي عاصمة سوريا؟"}\n'
        '{"id": "q2", "text": "أين تقع أثريا؟"}\n'
        '{"id": "q3", "text": "في من"}\n'
        '{"id": "q4", "text": "سؤال بلا حكم"}\n',
        encoding="utf-8",
    )
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("q1\td2\t1\nq2\td1\t1\nq3\td3\t1\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    assert CliRunner().invoke(cli, ["index", "--index", str(index_dir), str(docs)]).exit_code == 0
    return index_dir, queries, qrels


def test_eval_command_scores_and_writes_a_trec_run(judged_index, tmp_path):
    index_dir, queries, qrels = judged_index
    run_file = tmp_path / "run.txt"
    result = CliRunner().invoke(
        cli, ["eval", "--json", "--index", str(index_dir), "--run", str(run_file), str(queries), str(qrels)]
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output.splitlines()[0])
    # q1 and q2 find their passage first; q3 is only stopwords and finds nothing.
    assert scores["queries"] == 3
    assert scores["mrr@10"] == pytest.approx(2 / 3)
    assert scores["recall@100"] == pytest.approx(2 / 3)
    assert "1 queries have no relevant document" in result.output
    lines = run_file.read_text(encoding="utf-8").splitlines()
    assert lines[0].split()[:4] == ["q1", "Q0", "d2", "1"]
    assert all(len(line.split()) == 6 and line.endswith(" search") for line in lines)


def test_eval_table_has_a_row_per_prefix(judged_index):
    index_dir, queries, qrels = judged_index
    result = CliRunner().invoke(
        cli, ["eval", "--by-prefix", "--index", str(index_dir), str(queries), str(qrels)]
    )
    assert result.exit_code == 0, result.output
    rows = [line.split("│")[0].strip() for line in result.output.splitlines() if "│" in line]
    assert rows == ["all", "q1", "q2", "q3"]
