#!/usr/bin/env bash
# Reproduce docs/relevance.md's final table from a fresh clone: a fresh virtual environment,
# the project installed, then wiki_qa and the tashkeela probes with every word required
# (falling back to any) and with --any. Needs ../shared/corpora; says so and stops without it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d ../shared/corpora/wiki_qa ] || [ ! -d ../shared/corpora/tashkeela_sample ]; then
  echo "skipped: ../shared/corpora is not beside this checkout, so there is nothing to measure" >&2
  exit 0
fi
venv="$(mktemp -d)/venv"
python3 -m venv "$venv"
# shellcheck disable=SC1091
source "$venv/bin/activate"
python -m pip install --quiet --upgrade pip
python -m pip install --quiet .
work="$(mktemp -d)"
echo "## --any (every question word optional, as Lucene's BM25 runs)"
python bench/relevance.py --any --work "$work"
echo
echo "## default (every word required; any word when no document has them all)"
python bench/relevance.py --work "$work"
