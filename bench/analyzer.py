"""Analyzer throughput: full-chain and normalize-only tokens per second, on one core.

Reads ../shared/corpora/tashkeela_classical/docs.jsonl; without it, says so and
uses a generated diacritized text. Prints medians of several runs, beside a
baseline measured in the same run: Whoosh's own StandardAnalyzer (\\w+ tokens,
lowercase, no stopwords) over the same text. That baseline splits diacritized
words at every mark, so it finds about three times as many "words": compare MB/s.

    python bench/analyzer.py [--docs N] [--repeat R]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from whoosh.analysis import StandardAnalyzer  # noqa: E402

from _corpus import corpus_file, read_jsonl  # noqa: E402
from analyzers.normalization import normalize  # noqa: E402
from analyzers.whoosh_analysis import arabic_analyzer, word_tokenizer  # noqa: E402

GENERATED_SENTENCE = "وَبِالْمَدْرَسَةِ الأُولى قَالَ أَحْمَدُ: إِنَّ الطُّلَّابَ ذَهَبُوا إلى أثريا ٢٠١٩، "


def load_texts(limit: int) -> list[str]:
    path = corpus_file("tashkeela_classical", "docs.jsonl")
    if path is None:
        print("using a generated text instead", file=sys.stderr)
        return [GENERATED_SENTENCE * 200] * 200
    return [doc["text"] for doc in read_jsonl(path)[:limit]]


def median_seconds(run, texts, repeat: int) -> tuple[float, int]:
    seconds, emitted = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        emitted = run(texts)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), emitted


def word_count(tokenizer, texts) -> int:
    return sum(1 for text in texts for _ in tokenizer(text))


def full_chain(texts):
    analyzer = arabic_analyzer()
    return sum(1 for text in texts for _ in analyzer(text))


def normalize_only(texts):
    tokenizer = word_tokenizer()
    return sum(1 for text in texts for token in tokenizer(text) if normalize(token.text))


def whoosh_standard(texts):
    analyzer = StandardAnalyzer(stoplist=None)
    return sum(1 for text in texts for _ in analyzer(text))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000, help="documents to analyze")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement")
    args = parser.parse_args()
    texts = load_texts(args.docs)
    megabytes = sum(len(text.encode("utf-8")) for text in texts) / 1e6
    print(f"{len(texts)} documents, {megabytes:.1f} MB, median of {args.repeat} runs")
    print("tokens/s counts the words each chain's tokenizer found, stopwords included")
    ours = word_count(word_tokenizer(), texts)
    theirs = word_count(StandardAnalyzer(stoplist=None), texts)
    for name, run, words in [
        ("baseline: whoosh StandardAnalyzer", whoosh_standard, theirs),
        ("tokenize + normalize (uncached)", normalize_only, ours),
        ("full chain (normalize, stop, stem)", full_chain, ours),
    ]:
        seconds, emitted = median_seconds(run, texts, args.repeat)
        print(
            f"{name:36} {words / seconds:10,.0f} tokens/s {megabytes / seconds:6.2f} MB/s"
            f"  ({words:,} words, {emitted:,} terms out)"
        )


if __name__ == "__main__":
    main()
