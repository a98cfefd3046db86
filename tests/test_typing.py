"""The library passes mypy with the config in setup.cfg ([mypy]): strict on the engine
interface and the public API, check_untyped_defs on the rest."""
from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import REPO


def test_mypy_passes_on_the_package():
    pytest.importorskip("mypy")
    out = subprocess.run([sys.executable, "-m", "mypy", "--config-file", "setup.cfg",
                          "--no-error-summary", "--cache-dir", "/tmp/newsgrep-mypy-cache"],
                         cwd=REPO, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout + out.stderr
