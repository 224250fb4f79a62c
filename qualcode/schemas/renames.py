"""Keys renamed or removed since qualcode 0.1 (vocabulary 1): ``(command, 0.1, now)``.

The JSON reference shows them as a before/after table for scripts written for 0.1.
"""

from __future__ import annotations

RENAMES: list[tuple[str, str, str]] = [
    (
        "status",
        "`coders` (objects `{name, codings}`)",
        "`coders` (names); `by_coder` (`{id, coder, codings}`)",
    ),
    ("status", "`memos` (a count)", "`memo_count`"),
]
