"""The WSGI entry point (what gunicorn loads)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_start_up_objects_are_kept_out_of_the_collector():
    """After loading, the worker's long-lived objects are frozen (gc.freeze), so a full collection does
    not walk them on a request."""
    script = "import gc, opensales.wsgi; print(gc.get_freeze_count())"
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert int(out.stdout.strip().splitlines()[-1]) > 50_000
