"""The Whoosh analyzer of title and body: newsgrep's analysis (``newsgrep.analysis``)
as a Whoosh :class:`~whoosh.analysis.Analyzer`, so that it is pickled into the schema.

Indexes pickle these classes as ``newsgrep.analysis.NewsAnalyzer`` and
``newsgrep.analysis.ExactAnalyzer`` (``__module__`` below): ``newsgrep.analysis``
finds them here on unpickling, so existing indexes open unchanged.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...lexicon import Lexicon

from ._whoosh import light_imports

light_imports()
from whoosh.analysis import Analyzer, Token  # noqa: E402 -- after light_imports()

from ...analysis import (_analyze, _analyze_lemma, _check_morphology,  # noqa: E402
                         lemma_postings, normalize, postings)

__all__ = ["NewsAnalyzer", "ExactAnalyzer"]


class NewsAnalyzer(Analyzer):
    """The Whoosh analyzer for title and body: see the module docstring.

    ``morphology`` is ``"stem"`` or ``"lemma"``; ``signature`` (lemma mode)
    is the :attr:`~newsgrep.morphology.Lemmatizer.signature` of the
    lemmatizer the index was built with. Pickled into the index schema (so
    the mode and the signature are committed with the segments), so its
    import path must stay stable.

    In lemma mode, words are looked up first in the lexicon of an index built
    with the same signature (see :mod:`newsgrep.lexicon`), then analysed by
    this process's lemmatizer, which must have the same signature
    (:class:`~newsgrep.errors.MorphologyMismatch` otherwise).
    """

    signature: str | None = None  # (indexes from before lemma mode pickled no signature)
    # The archive's lexicon (``use_lexicon``): handed over when a schema is read, never
    # pickled.
    _lexicon: Lexicon | None = None
    _folder: Path | None = None

    def __init__(self, morphology: str = "stem", signature: str | None = None):
        _check_morphology(morphology)
        self.morphology = morphology
        if signature is not None:
            self.signature = signature

    def __eq__(self, other):
        return (type(other) is type(self) and other.morphology == self.morphology
                and other.signature == self.signature)

    def __hash__(self):
        return hash((self.morphology, self.signature))

    @property
    def postings(self) -> Callable[[str], dict[str, list[int]]] | None:
        """The indexing fast path for this analyzer: ``text -> {term: positions}``.

        ``segments`` uses it instead of calling the analyzer when it is not
        None; it must give exactly the terms and positions the analyzer gives
        in index mode. A subclass or mode whose words map to terms otherwise
        returns its own such function, or None (the analyzer itself is then
        used, which is correct but slower). The lemma fast path analyses with
        this process's lemmatizer: a writer checks its signature against the
        index's before it starts.
        """
        if type(self) is not NewsAnalyzer:
            return None
        return postings if self.morphology == "stem" else lemma_postings

    def use_lexicon(self, lex: Lexicon | None, folder: Path | None) -> None:
        """Look words up in ``lex`` (the :class:`~newsgrep.lexicon.Lexicon` of the archive
        at ``folder``, or None) before pymorphy3."""
        self._lexicon, self._folder = lex, folder

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_lexicon", None)
        state.pop("_folder", None)
        return state

    def lemmatizer(self) -> Callable[[str], tuple[str, ...]]:
        """Lemma mode: key -> terms, from the archive's lexicon, else pymorphy3."""
        from ... import lexicon

        return lexicon.lemmatizer(self.signature, self._lexicon, self._folder)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = normalize(value)
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        amode = "phrase" if mode == "phrase" else "query" if mode == "query" else "index"
        if self.morphology == "lemma":
            words = _analyze_lemma(value, amode, self.lemmatizer())
        else:
            words = _analyze(value, amode)
        for term, pos, s, e in words:
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[s:e]
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar, token.endchar = start_char + s, start_char + e
            yield token




class ExactAnalyzer(Analyzer):
    """Only unpickles the schema of an index of format 2, which had exact-form fields,
    so that ``newsgrep index --rebuild`` can replace it. Not used otherwise."""

    def __eq__(self, other):
        return type(other) is type(self)

    def __call__(self, value, **kwargs):
        return iter(())


# The name the pickled schemas of existing indexes give these classes.
NewsAnalyzer.__module__ = ExactAnalyzer.__module__ = "newsgrep.analysis"
