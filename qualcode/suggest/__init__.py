"""Suggestions: similar passages, likely codes for uncoded passages, candidate categories.

The one public face of the suggestions engine: the functions below, defined in
:mod:`qualcode.suggest.service` and loaded on first use (importing a submodule such as
:mod:`qualcode.suggest.semantic` loads nothing else). The CLI and the TUI call them with
their own session:

* :func:`similar` / :func:`similar_to_code` — passages most like a span, or like a code's
  segments (text vectors and, where stored, sentence embeddings: :mod:`.meaning`);
* :func:`suggest_for_span` / :func:`suggest` — the likeliest codes of a span, of every
  uncoded paragraph; :func:`apply_suggestions` writes them as codings of the coder ``auto``
  from the score :func:`apply_from` gives (what held-out documents bear out);
* :func:`explain` / :func:`last_explain` — what the engine chose for the project, and why;
* :func:`get_model` — the trained code model (learned from the codings and the coding
  agenda: :mod:`.agenda`, :mod:`.model`, :mod:`.tune`, :mod:`.calibrate`);
* :func:`propose` — clusters of uncoded passages as candidate categories (:mod:`.cluster`).

The layers below: :mod:`.features` (text features) ← :mod:`.blocks` (feature blocks) ←
:mod:`.scoring`/:mod:`.model`; the passage index and the model are cached under a hash of
documents and codings (:mod:`.index`).
"""

from __future__ import annotations

from typing import Any

from qualcode.suggest import lazy_numpy

lazy_numpy.defer()  # before anything imports scipy.sparse

__all__ = [
    "similar",
    "similar_to_code",
    "suggest_for_span",
    "suggest",
    "apply_from",
    "apply_suggestions",
    "propose",
    "get_model",
    "explain",
    "last_explain",
    "uncoded_paragraphs",
    "code_paths",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from qualcode.suggest import service

        return getattr(service, name)
    raise AttributeError(f"module 'qualcode.suggest' has no attribute {name!r}")
