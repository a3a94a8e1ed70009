"""The default snapshot is made once when several runs need it at the same moment: the others wait
for it and reuse it, the file is whole, and no half-written file is left behind."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

MAKE = """
import sys
from datetime import date
from fixtures.bua.default import ensure_default_snapshot
print(ensure_default_snapshot(date(2024, 10, 1)))
"""


def test_three_processes_needing_the_default_snapshot_at_once_share_one(tmp_path: Path) -> None:
    environment = {"ASLRUN_BUA_SNAPSHOTS": str(tmp_path), "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    processes = [subprocess.Popen([sys.executable, "-c", MAKE], cwd=ROOT, env=environment, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [process.communicate(timeout=120) for process in processes]
    assert all(process.returncode == 0 for process in processes), [err for _, err in results]
    paths = {out.strip() for out, _ in results}
    assert len(paths) == 1
    (path,) = paths
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        assert conn.execute("SELECT count(*) FROM account").fetchone()[0] == 200
    assert sorted(p.name for p in tmp_path.iterdir()) == [".generate.lock", Path(path).name]
