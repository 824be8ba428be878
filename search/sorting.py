"""Hits in another order than relevance: newest first, for documents that have dates."""

import dataclasses
import math
import re

from search.searching import Results

# Dates as JSON records and metadata give them: ISO 8601 and its everyday variants
# (2024, 2024-03, 2024-03-01, 2024/03/01, 2024-03-01T10:30:00Z); a time zone is ignored.
DATE = re.compile(
    r"\s*(?P<year>\d{4})(?:[-/.](?P<month>\d{1,2})(?:[-/.](?P<day>\d{1,2})"
    r"(?:[T ](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?)?)?(?!\d)"
)


def sortable_date(date: str) -> str:
    """``date`` as a string that sorts in time order, or "" if it is not a date.

    >>> sortable_date("2024-3-1"), sortable_date("2024/03/01 9:05"), sortable_date("أمس")
    ('2024-03-01T00:00:00', '2024-03-01T09:05:00', '')
    >>> sortable_date("20240301")
    ''
    """
    match = DATE.match(date)
    if not match:
        return ""
    parts = {name: int(value or (1 if name in ("month", "day") else 0))
             for name, value in match.groupdict().items()}
    return "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}".format(**parts)


def newest_first(results: Results, limit: int, page: int) -> Results:
    """Page ``page`` of ``results``' hits, newest first; undated hits after the dated ones,
    and hits of the same date in their order of relevance."""
    dated = [hit for hit in results.hits if sortable_date(hit.date)]
    dated.sort(key=lambda hit: sortable_date(hit.date), reverse=True)  # stable, even reversed
    ordered = dated + [hit for hit in results.hits if not sortable_date(hit.date)]
    first = (page - 1) * limit
    hits = [dataclasses.replace(hit, rank=first + rank) for rank, hit in
            enumerate(ordered[first : first + limit], start=1)]
    return dataclasses.replace(
        results, hits=hits, page=page, pages=max(math.ceil(len(ordered) / limit), 1)
    )
