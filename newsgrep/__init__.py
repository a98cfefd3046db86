"""newsgrep: full-text search for archives of Russian-language news."""

__version__ = "0.1.0"
