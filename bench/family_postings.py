"""What summing a word family's postings would cost if they were stored without positions.

A one-word search sums the postings of some fifty forms a field (``search.query._summed_postings``),
reading Whoosh's blocks, where each posting's positions are decoded with its document and
frequency. This measures, on an index of tashkeela_classical and the single words of
bench/query.py, the same sums from two layouts held in memory for the forms those words use:

- arrays: each form's document numbers and frequencies (``array('I')``), summed by a Python loop;
- occurrences: each form's document numbers, each repeated as often as the document holds the
  form, summed by ``Counter.update`` in C.

Baseline, in the same run, alternating: ``_summed_postings`` over Whoosh's blocks. The sums are
checked equal. Looking a form up in a file on disk is not in the layouts' figures (a term
dictionary lookup is some 5 µs). Prints ms per query (median of the rounds) and the bytes the
layouts take for these forms.

    python bench/family_postings.py --index DIR [--rounds 5]
"""

import argparse
import statistics
import sys
import time
from array import array
from collections import Counter
from itertools import chain, repeat
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from _corpus import corpus_file, read_jsonl  # noqa: E402
from query import draw_queries  # noqa: E402
from search.query import FamilyTerm, _summed_postings, expanded_weights, form_blocks  # noqa: E402
from search.errors import SearchError  # noqa: E402
from search.searching import IndexSearcher  # noqa: E402


def families(searcher: IndexSearcher, words: list[str]) -> list[FamilyTerm]:
    return [leaf for word in words for leaf in searcher.parse(word).query.leaves() if type(leaf) is FamilyTerm]


def layouts(reader, terms: list[FamilyTerm]) -> tuple[dict, dict]:
    """({(field, form): (docnums, frequencies)}, {(field, form): occurrences}) for the forms used."""
    arrays, occurrences = {}, {}
    for term in terms:
        for form, _ in term.forms:
            key = (term.fieldname, form)
            if key in arrays:
                continue
            docnums, weights = array("I"), array("I")
            for block_docnums, block_weights in form_blocks(reader, term.fieldname, form):
                docnums.extend(block_docnums)
                weights.extend(map(int, expanded_weights(block_docnums, block_weights)))
            if docnums:
                arrays[key] = (docnums, weights)
                occurrences[key] = array("I", chain.from_iterable(map(repeat, docnums, weights)))
    return arrays, occurrences


def summed_from_arrays(arrays, term: FamilyTerm):
    frequencies, exact = Counter(), {}
    get = frequencies.get
    for form, factor in term.forms:
        found = arrays.get((term.fieldname, form))
        if found is None:
            continue
        docnums, weights = found
        if factor == 1.0 and weights.count(1) == len(weights):
            frequencies.update(docnums)
        else:
            for docnum, weight in zip(docnums, weights):
                frequencies[docnum] = get(docnum, 0.0) + factor * weight
        if form == term.text:
            exact.update(zip(docnums, map(float, weights)))
    return frequencies, exact


def summed_from_occurrences(occurrences, term: FamilyTerm):
    frequencies, exact = Counter(), {}
    for form, factor in term.forms:
        found = occurrences.get((term.fieldname, form))
        if found is None:
            continue
        if factor == 1.0:
            frequencies.update(found)
        else:  # not met on these words: every form weighs 1
            for docnum, count in Counter(found).items():
                frequencies[docnum] = frequencies.get(docnum, 0.0) + factor * count
        if form == term.text:
            exact = {docnum: float(count) for docnum, count in Counter(found).items()}
    return frequencies, exact


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="an index of tashkeela_classical")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    source = corpus_file("tashkeela_classical", "docs.jsonl")
    if source is None:
        sys.exit("nothing to measure without the corpus")
    words = draw_queries(read_jsonl(source))["single word"]
    try:
        searcher = IndexSearcher(args.index)
    except SearchError as error:
        sys.exit(str(error))
    with searcher:
        leaves = [leaf.reader() for leaf, _ in searcher.searcher.leaf_searchers()]
        if len(leaves) != 1 or leaves[0].has_deletions():
            sys.exit("needs an index of one segment without deletions (a fresh build)")
        reader = leaves[0]
        terms = families(searcher, words)
        arrays, occurrences = layouts(reader, terms)
        ways = {
            "Whoosh's blocks (today)": lambda term: _summed_postings(reader, term.fieldname, term.forms, term.text),
            "arrays, summed in Python": lambda term: summed_from_arrays(arrays, term),
            "occurrences, Counter.update": lambda term: summed_from_occurrences(occurrences, term),
        }
        expected = [ways["Whoosh's blocks (today)"](term) for term in terms]
        for name, way in ways.items():
            if [way(term) for term in terms] != expected:
                sys.exit(f"{name}: not the same sums")
        seconds = {name: [] for name in ways}
        for _ in range(args.rounds):
            for name, way in ways.items():
                started = time.perf_counter()
                for term in terms:
                    way(term)
                seconds[name].append(time.perf_counter() - started)
    print(f"{len(words)} single words, {len(terms)} families, {len(arrays):,} forms; ms per query, "
          f"median of {args.rounds} rounds; the same sums each way")
    for name, timings in seconds.items():
        print(f"  {name:30} {statistics.median(timings) / len(words) * 1000:6.2f}")
    array_bytes = sum(d.itemsize * len(d) + w.itemsize * len(w) for d, w in arrays.values())
    occurrence_bytes = sum(o.itemsize * len(o) for o in occurrences.values())
    print(f"  bytes for these forms: arrays {array_bytes:,}, occurrences {occurrence_bytes:,}")


if __name__ == "__main__":
    main()
