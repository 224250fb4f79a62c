"""Batch re-coding: merge, rename and split codes, recode maps, autocoding, dry runs.

Core functions only (no UI imports); every change goes into the audit log of the
session's transaction, so one command is one `qualcode undo`.
"""

from qualcode.recode.merge import merge_codes, recode

__all__ = ["merge_codes", "recode"]
