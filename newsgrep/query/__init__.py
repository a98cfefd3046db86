"""The query language, engine-neutral parts: date specs, syntax checks, fuzzy matching.

Each engine parses the language itself (the Whoosh engine in
:mod:`newsgrep.engine.whoosh.query`, with Whoosh's parser and newsgrep's plugins);
these modules hold what every engine shares.
"""
from __future__ import annotations

from .dates import date_bounds, date_range
from .fuzzy import distance, near_terms
from .syntax import DEFAULT_FIELDS, FORM_PREFIX, check_syntax

__all__ = ["date_bounds", "date_range", "check_syntax", "distance", "near_terms",
           "DEFAULT_FIELDS", "FORM_PREFIX"]
