"""Importing Whoosh without what it does not need (see :func:`light_imports`)."""
from __future__ import annotations

import sys
import types

# Modules Whoosh imports at start-up only for functions a newsgrep search never
# calls: module -> those functions. Together they are about half of Whoosh's
# import time: urllib.request (http, email, ssl ...) for whoosh.compat's
# urlretrieve, and whoosh.lang.morph_en, which compiles a large regular
# expression, for the Variations query.
_LAZY = {
    "urllib.request": ("urlretrieve",),
    "whoosh.lang.morph_en": ("variations",),
}


def _forward(module: str, name: str):
    def call(*args, **kwargs):
        from importlib import import_module
        return getattr(import_module(module), name)(*args, **kwargs)
    call.__name__ = name
    return call


class _cached_property:  # noqa: N801 -- the cached_property package's, for sync methods
    def __init__(self, func):
        self.func = func
        self.__doc__ = func.__doc__

    def __get__(self, obj, cls):
        if obj is None:
            return self
        value = obj.__dict__[self.func.__name__] = self.func(obj)
        return value


def light_imports() -> None:
    """Import Whoosh's core with stand-ins for the modules in ``_LAZY`` and ``cached_property``.

    ``whoosh.reading`` imports the ``cached_property`` package, which imports
    ``asyncio``; a small equivalent for plain methods stands in for it. Each
    stand-in forwards to the real module on first call, and all are removed
    from ``sys.modules`` right after the import, so any later import gets the
    real module.
    """
    if "whoosh.reading" in sys.modules:
        return
    stubs = {}
    for module, names in _LAZY.items():
        if module not in sys.modules:
            stub = types.ModuleType(module)
            for name in names:
                setattr(stub, name, _forward(module, name))
            stubs[module] = stub
    if "cached_property" not in sys.modules:
        stubs["cached_property"] = types.ModuleType("cached_property")
        setattr(stubs["cached_property"], "cached_property", _cached_property)
    sys.modules.update(stubs)
    try:
        import whoosh.compat  # noqa: F401
        import whoosh.query  # noqa: F401
        import whoosh.reading  # noqa: F401
    finally:
        for module, stub in stubs.items():
            if sys.modules.get(module) is stub:
                del sys.modules[module]
            parent, _, child = module.rpartition(".")
            if parent in sys.modules and getattr(sys.modules[parent], child, None) is stub:
                delattr(sys.modules[parent], child)
