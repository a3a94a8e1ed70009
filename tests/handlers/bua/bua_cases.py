"""Hand-made BUA snapshots (helpers shared by the BUA tests; fixtures in conftest.py) whose accruals can be worked out on paper.

Every case account is residential, flat tariff, in NSW. Profile accounts P1 and P2 (interval) use
exactly 10,000 Wh every day, spread evenly, so M(d) = 10,000 Wh and k_a = billed Wh / (days x
10,000). The flat tariff charges 100 c/day supply and 30 c/kWh. Runs use ``min_segment_accounts
= 1`` so this small segment counts as valid.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fixtures.bua.builder import SnapshotBuilder, flat_tariff
from handlers.bua.pipeline import run_pipeline

RUN = "2024-10-01"
CONFIG = {"min_segment_accounts": 1}


def build_cases(path: Path, *, data_end: str = "2024-10-01") -> Path:
    """The snapshot of the hand-computed cases (see each test for its figures)."""
    snap = SnapshotBuilder.create(path)
    snap.tariff("NSW-RES-FLAT", flat_tariff("NSW-RES-FLAT", supply="100", rate="30"))
    snap.tariff("NSW-BUS-FLAT", flat_tariff("NSW-BUS-FLAT", supply="100", rate="30"))
    # profile accounts: 10 kWh a day, billed monthly to 1 Sep
    for name in ("P1", "P2"):
        nmi = f"NMI000000{name[-1]}"
        snap.interval_nmi(nmi, "NSW")
        snap.account(name, nmi, "NSW-RES-FLAT")
        snap.bill(name, "2024-08-01", "2024-09-01", usage_wh=310_000)
        snap.interval_days(nmi, "2024-03-01", data_end, day_wh=10_000,
                           skip=["2024-09-05"] if name == "P1" else ())
    # P1 on 5 Sep: a wild day with 3 of 48 intervals estimated (> 5 %): kept out of the profile
    snap.interval_day("NMI0000001", "2024-09-05", [50_000 // 48] * 47 + [50_000 - 47 * (50_000 // 48)],
                      quality="V", est_intervals=3)
    # A: basic meter, 31-day bill of 950 kWh to 19 Sep; 12 days unbilled
    snap.basic_nmi("NMI000000A", "NSW")
    snap.account("A", "NMI000000A", "NSW-RES-FLAT")
    snap.bill("A", "2024-08-19", "2024-09-19", usage_wh=950_000)
    snap.basic_read("NMI000000A", "2024-08-19", 11_395_000)
    snap.basic_read("NMI000000A", "2024-09-19", 12_345_000)
    # C: interval meter, billed to 15 Sep at 10 kWh a day; 20 Sep never arrived
    snap.interval_nmi("NMI000000C", "NSW")
    snap.account("C", "NMI000000C", "NSW-RES-FLAT")
    snap.bill("C", "2024-08-15", "2024-09-15", usage_wh=310_000)
    snap.interval_days("NMI000000C", "2024-03-01", data_end, day_wh=10_000, skip=["2024-09-20"])
    # D: 5-digit basic register at 99,900 kWh on 10 Sep; 10 kWh a day rolls it over
    snap.basic_nmi("NMI000000D", "NSW", digits=5)
    snap.account("D", "NMI000000D", "NSW-RES-FLAT")
    snap.bill("D", "2024-08-10", "2024-09-10", usage_wh=310_000)
    snap.basic_read("NMI000000D", "2024-08-10", 99_590_000)
    snap.basic_read("NMI000000D", "2024-09-10", 99_900_000)
    # E: quarterly, last billed 5 Apr - 5 Jul (91 days, 910 kWh); next read 5 Oct: not yet due
    snap.basic_nmi("NMI000000E", "NSW", digits=6)
    snap.account("E", "NMI000000E", "NSW-RES-FLAT", bill_cycle="QUARTERLY", bill_day=5)
    snap.bill("E", "2024-04-05", "2024-07-05", usage_wh=910_000)
    snap.basic_read("NMI000000E", "2024-04-05", 500_000)
    snap.basic_read("NMI000000E", "2024-07-05", 1_410_000)
    # F: new basic account, move-in read on 21 Sep, no bill: no history, k = 1
    snap.basic_nmi("NMI000000F", "NSW")
    snap.account("F", "NMI000000F", "NSW-RES-FLAT", open_date="2024-09-21")
    snap.basic_read("NMI000000F", "2024-09-21", 4_000_000)
    # G: new business interval account (own segment) from 24 Sep, 20 kWh a day, 28 Sep missing
    snap.interval_nmi("NMI000000G", "NSW")
    snap.account("G", "NMI000000G", "NSW-BUS-FLAT", customer_class="BUSINESS",
                 open_date="2024-09-24")
    snap.interval_days("NMI000000G", "2024-09-24", data_end, day_wh=20_000, skip=["2024-09-28"])
    snap.close()
    return path


def cases_event(tmp_path: Path) -> dict[str, Any]:
    """The hand-made snapshot, and an event for a run of it in its own database."""
    snapshot = build_cases(tmp_path / "snapshot.sqlite3")
    return {"run_date": RUN, "db": str(tmp_path / "run.sqlite3"), "snapshot": str(snapshot),
            "config": {**CONFIG, "output_dir": str(tmp_path / "out")}}


def finished_run(cases: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The cases after a complete pipeline run: (event, report, open connection)."""
    report = run_pipeline(cases)
    conn = sqlite3.connect(cases["db"])
    conn.row_factory = sqlite3.Row
    yield {"event": cases, "report": report, "conn": conn}
    conn.close()


def scalar_of(conn: sqlite3.Connection, account: str) -> sqlite3.Row:
    return conn.execute("SELECT * FROM micro_scalar WHERE run_date = ? AND account_id = ?",
                        (RUN, account)).fetchone()


def summary_of(conn: sqlite3.Connection, account: str) -> sqlite3.Row:
    return conn.execute("SELECT * FROM invoice_summary WHERE run_date = ? AND account_id = ?",
                        (RUN, account)).fetchone()


def lines_of(conn: sqlite3.Connection, account: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM invoice_line WHERE run_date = ? AND account_id = ? "
                        "ORDER BY line_no", (RUN, account)).fetchall()
