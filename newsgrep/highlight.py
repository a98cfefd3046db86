"""Finding the words of a text whose index terms a query wants (for highlighting).

Engine-neutral: an engine builds a :class:`Marker` for its archive's
morphology (with its lexicon in lemma mode) and answers ``Engine.mark``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .analysis import _analyze_lemma, lemma_matching_spans, matching_spans

__all__ = ["Marker", "Span"]
Span = tuple[int, int]


class Marker:
    """Spans of the words of a text whose terms are wanted.

    Stem mode analyses only the words that can match (:func:`matching_spans`).
    Lemma mode cannot tell that from a word's first letter (шёл -> идти), so
    it asks the archive's lexicon for the Russian words that have the wanted
    terms, once per query, and then looks each word of the text up in that
    set (:func:`~newsgrep.analysis.lemma_matching_spans`): no pymorphy3. An
    archive whose lexicon is missing or incomplete (``lexicon`` None) gets its
    articles analysed with ``lemmatize``.
    """

    def __init__(self, morphology: str = "stem",
                 lemmatize: Callable[[str], tuple[str, ...]] | None = None,
                 lexicon: Any = None):
        self.lemma = morphology == "lemma"
        self.lemmatize = lemmatize
        self.lexicon = lexicon
        self._forms: dict[frozenset[str], set[str] | None] = {}

    def spans(self, text: str, wanted: set[str]) -> list[Span]:
        if not self.lemma:
            return matching_spans(text, wanted)
        if not wanted or not text:
            return []
        assert self.lemmatize is not None
        if self.lexicon is not None:
            key = frozenset(wanted)
            if key not in self._forms:
                self._forms[key] = self.lexicon.forms(key)
            forms = self._forms[key]
            if forms is not None:
                return lemma_matching_spans(text, wanted, forms, self.lemmatize)
        spans: list[Span] = []
        for term, _, s, e in _analyze_lemma(text, "index", self.lemmatize):
            if term in wanted and not (spans and s < spans[-1][1]):
                spans.append((s, e))
        return spans
