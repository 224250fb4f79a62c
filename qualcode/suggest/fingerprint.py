"""What a cached model depends on, read cheaply: one aggregated row per table.

On SQLite the human codings are folded by the database into a count, the highest id and two
sums of a per-row polynomial hash (modulo a prime, so no intermediate value overflows): the
same multiset of rows gives the same value, and any changed, added or removed coding
changes it — at a seventh of the cost of concatenating 50,000 rows into one string and
hashing that. The code tree is small and is concatenated. Plain SQL strings: the ORM path
(:func:`qualcode.suggest.model.codings_hash`) and the sqlite3 path
(:mod:`qualcode.suggest.fast`) run the same statements.
"""

from __future__ import annotations

from collections.abc import Callable

_P = 2147483647  # 2**31 - 1
_ROW = (
    f'((((((c.id * 1000003 + c.document_id) % {_P}) * 1000033 + c.start) % {_P} * 1000037 + c."end")'
    f" % {_P}) * 1000039 + c.code_id * 4 + c.coder_id * 2 + c.orphaned) % {_P}"
)
SQLITE_CODINGS = (
    f"SELECT count(*), max(id), sum(t), sum(t * t % 2147483629), sum(t % 65521 * (id % 65519)) "
    f"FROM (SELECT c.id AS id, {_ROW} AS t FROM coding c "
    "WHERE c.coder_id NOT IN (SELECT id FROM coder WHERE name = :auto))"
)
SQLITE_CODES = (
    "SELECT group_concat(v, '|') FROM (SELECT id || ',' || COALESCE(parent_id, '') || ',' "
    "|| codable AS v FROM code ORDER BY id)"
)


def sqlite_codings(first_row: Callable[[str, dict], tuple | None]) -> str:
    """The codings part of a SQLite project's model hash; ``first_row(sql, params)`` runs a
    statement and returns its first row."""
    from qualcode.config import AUTO_CODER

    rows = first_row(SQLITE_CODINGS, {"auto": AUTO_CODER})
    codes = first_row(SQLITE_CODES, {})
    return f"codings={tuple(rows or ())};codes={(codes or ('',))[0] or ''}"
