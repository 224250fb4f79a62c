"""The one place that loads spaCy.

Order: an explicitly configured installed pipeline (``QUALCODE_NLP_MODEL`` or
the project setting ``nlp.model``, e.g. ``de_core_news_md``), else
``spacy.blank(lang)`` with a sentencizer and the lookup lemmatizer from
spacy-lookups-data. Nothing is ever downloaded.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

from qualcode.config import ENV_LANG, ENV_NLP_MODEL
from qualcode.errors import QualcodeError

_lock = threading.Lock()
_cache: dict[tuple[str | None, str], NLP] = {}


@dataclass
class NLP:
    nlp: Any  # spacy.Language
    name: str  # what is active, for `qualcode status`
    level: str  # "pipeline" | "lookup" | "blank"
    has_vectors: bool


def configured(setting: str | None = None, lang: str | None = None) -> tuple[str | None, str]:
    """The pipeline to use: ``$QUALCODE_NLP_MODEL``, else the project setting ``nlp.model``."""
    return os.environ.get(ENV_NLP_MODEL) or setting or None, lang or os.environ.get(
        ENV_LANG
    ) or "de"


def describe(setting: str | None = None, lang: str | None = None) -> str:
    """What would be loaded, without loading spaCy."""
    model, lang = configured(setting, lang)
    if model:
        return f"{model} (installed spaCy pipeline)"
    return f"spacy.blank('{lang}') + sentencizer + lookup lemmatizer (spacy-lookups-data)"


def load(setting: str | None = None, lang: str | None = None, *, model: str | None = None) -> NLP:
    """Load (once per process) ``model``, else the configured pipeline, else the offline default."""
    key = (model, lang or "de") if model else configured(setting, lang)
    with _lock:
        if key not in _cache:
            _cache[key] = _load(*key)
        return _cache[key]


def load_sentences(setting: str | None = None, lang: str | None = None) -> NLP:
    """What splitting sentences needs: the configured pipeline, else ``blank + sentencizer``.

    Without a configured pipeline this skips the lemma tables (loading them is
    most of a second), so an import only pays for the tokenizer.
    """
    model, lang = configured(setting, lang)
    if model:
        return load(setting, lang)
    key = (_SENTENCES, lang)
    with _lock:
        if key not in _cache:
            full = _cache.get((None, lang))
            _cache[key] = full if full is not None else _load_blank(lang, lemmas=False)
        return _cache[key]


_SENTENCES = "<sentences>"  # cache key of the sentence-only default pipeline


def _load(model: str | None, lang: str) -> NLP:
    if model is None:
        return _load_blank(lang, lemmas=True)
    import spacy

    try:
        nlp = spacy.load(model)
    except OSError as exc:
        raise QualcodeError(
            f"spaCy pipeline {model!r} is not installed",
            f"install it (pip install {model}) or unset {ENV_NLP_MODEL} / the nlp.model setting",
        ) from exc
    if (
        not nlp.has_pipe("parser")
        and not nlp.has_pipe("senter")
        and not nlp.has_pipe("sentencizer")
    ):
        nlp.add_pipe("sentencizer", first=True)
    has_vectors = bool(nlp.vocab.vectors.shape[0]) if nlp.vocab.vectors is not None else False
    return NLP(
        nlp, f"{model} ({'with' if has_vectors else 'no'} word vectors)", "pipeline", has_vectors
    )


def _load_blank(lang: str, *, lemmas: bool) -> NLP:
    import spacy

    try:
        nlp = spacy.blank(lang)
    except Exception as exc:
        raise QualcodeError(
            f"spaCy has no language {lang!r}",
            "set QUALCODE_LANG to a language code such as de or en",
        ) from exc
    nlp.add_pipe("sentencizer")
    if not lemmas:
        return NLP(nlp, f"spacy.blank('{lang}') + sentencizer", "blank", False)
    try:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
        return NLP(nlp, f"spacy.blank('{lang}') + sentencizer + lookup lemmatizer", "lookup", False)
    except Exception:  # no lookup tables for this language
        if nlp.has_pipe("lemmatizer"):
            nlp.remove_pipe("lemmatizer")
        return NLP(
            nlp,
            f"spacy.blank('{lang}') + sentencizer (no lemma tables for {lang!r})",
            "blank",
            False,
        )


_MAX_PIECE = 100_000  # characters given to spaCy at once (a "paragraph" may be one 1 MB line)


def _bounded(text: str, spans: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """Split spans longer than ``limit`` at whitespace (spaCy refuses over-long texts)."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        while e - s > limit:
            cut = text.rfind(" ", s + limit // 2, s + limit)
            cut = cut + 1 if cut > s else s + limit
            out.append((s, cut))
            s = cut
        out.append((s, e))
    return out


def sentence_spans(
    nlp_obj: NLP, text: str, paragraphs: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Sentence spans inside each paragraph (sentences never cross paragraphs)."""
    nlp = nlp_obj.nlp
    keep = {"sentencizer", "senter", "parser", "tok2vec", "transformer"}
    disable = [p for p in nlp.pipe_names if p not in keep]
    spans: list[tuple[int, int]] = []
    pieces = _bounded(text, paragraphs, min(nlp.max_length, _MAX_PIECE))
    texts = (text[s:e] for s, e in pieces)
    with nlp.select_pipes(disable=disable):
        for (p_start, _), doc in zip(pieces, nlp.pipe(texts, batch_size=256), strict=True):
            for sent in doc.sents:
                s = p_start + sent.start_char
                e = p_start + sent.end_char
                while s < e and text[s].isspace():
                    s += 1
                while e > s and text[e - 1].isspace():
                    e -= 1
                if e > s:
                    spans.append((s, e))
    return spans


def lemmas(nlp_obj: NLP, texts: list[str], *, drop_stop: bool = True) -> list[list[str]]:
    """Lower-cased lemmas of each text, without stop words and punctuation."""
    nlp = nlp_obj.nlp
    out = []
    with nlp.select_pipes(
        disable=[p for p in nlp.pipe_names if p in ("parser", "ner", "senter", "sentencizer")]
    ):
        for doc in nlp.pipe(texts, batch_size=256):
            out.append(
                [
                    (t.lemma_ or t.text).lower()
                    for t in doc
                    if not t.is_punct
                    and not t.is_space
                    and not (drop_stop and t.is_stop)
                    and not t.like_num
                ]
            )
    return out
