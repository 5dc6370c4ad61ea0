"""`make run`'s SQLite, also when named by DATABASE_URL: racing guests get 409, never a 500."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_racing_bookings_on_sqlite_from_database_url_answer_409_not_500(tmp_path):
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_ENV")},
        "DATABASE_URL": f"sqlite:///{tmp_path}/race.sqlite3",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "development",
        "VAR_DIR": str(tmp_path / "var"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.bookings.sqlite_race"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    statuses = json.loads(result.stdout.strip().splitlines()[-1])
    assert statuses == [201] + [409] * 7, statuses
