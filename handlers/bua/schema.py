"""The BUA database: the snapshot tables production holds, and the tables each run writes.

Sized for 100,000 accounts on one SQLite file:

- one ``interval_read`` row per NMI, channel and NEM day with the day's values packed in a BLOB of
  little-endian int32 watt-hours (``wh``), plus the day total and the count of non-actual intervals
  so set-based SQL can total, filter and exclude days without unpacking anything;
- energy is integer watt-hours everywhere (0.001 kWh: exact, and what NEM12 files carry), money is
  integer cents, dates are ISO text (they sort and compare as dates);
- periods are half-open ``[start, end)``, as in the bill engine: a bill ``[12 Sep, 14 Oct)`` ends
  with the read of 14 Oct and covers 32 days;
- every table a run writes is keyed by ``run_date`` first, so a stage re-run replaces its own rows
  (delete by key prefix, then insert, in one transaction) and different runs never mix;
- rows the pipeline estimates (``source = 'BUA'``) sit beside the meter's (``'METER'``) and are
  found through partial indexes, so "reset basic reads" is a cheap indexed delete.
"""

from __future__ import annotations

__all__ = ["RUN_SCHEMA", "SCHEMA", "SNAPSHOT_SCHEMA", "SNAPSHOT_TABLES"]

SNAPSHOT_TABLES = ("tariff", "nmi", "register", "account", "bill", "interval_read", "basic_read")

SNAPSHOT_SCHEMA = """
CREATE TABLE IF NOT EXISTS tariff (
    tariff_code     TEXT NOT NULL,
    effective_from  TEXT NOT NULL,
    tariff_type     TEXT NOT NULL CHECK (tariff_type IN ('FLAT', 'BLOCK', 'TOU')),
    definition      TEXT NOT NULL,          -- the bill engine's JSON form of one tariff version
    PRIMARY KEY (tariff_code, effective_from)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS nmi (
    nmi             TEXT PRIMARY KEY,
    jurisdiction    TEXT NOT NULL CHECK (jurisdiction IN ('NSW', 'VIC', 'QLD', 'SA', 'ACT', 'TAS')),
    meter_type      TEXT NOT NULL CHECK (meter_type IN ('INTERVAL', 'BASIC')),
    interval_length INTEGER CHECK (interval_length IN (5, 15, 30))
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS register (
    nmi             TEXT NOT NULL,
    register_id     TEXT NOT NULL,
    suffix          TEXT NOT NULL,
    digits          INTEGER NOT NULL CHECK (digits BETWEEN 4 AND 9),  -- rolls over at 10^digits kWh
    PRIMARY KEY (nmi, register_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS account (
    account_id      TEXT PRIMARY KEY,
    nmi             TEXT NOT NULL,
    customer_class  TEXT NOT NULL CHECK (customer_class IN ('RESIDENTIAL', 'BUSINESS')),
    tariff_code     TEXT NOT NULL,
    bill_cycle      TEXT NOT NULL CHECK (bill_cycle IN ('MONTHLY', 'QUARTERLY')),
    bill_day        INTEGER NOT NULL CHECK (bill_day BETWEEN 1 AND 28),
    open_date       TEXT NOT NULL,          -- first day supplied
    close_date      TEXT                    -- first day no longer supplied; NULL while open
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS account_by_nmi ON account (nmi);

CREATE TABLE IF NOT EXISTS bill (
    account_id      TEXT NOT NULL,
    period_start    TEXT NOT NULL,
    period_end      TEXT NOT NULL,          -- the closing read's day, not billed
    usage_wh        INTEGER NOT NULL CHECK (usage_wh >= 0),
    issued_date     TEXT NOT NULL,
    PRIMARY KEY (account_id, period_end)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS interval_read (
    nmi             TEXT NOT NULL,
    suffix          TEXT NOT NULL,
    day             TEXT NOT NULL,
    interval_length INTEGER NOT NULL,
    wh              BLOB NOT NULL,          -- 1440/interval_length little-endian int32 Wh
    day_wh          INTEGER NOT NULL,
    est_intervals   INTEGER NOT NULL,       -- intervals of quality E, S, F or N
    quality         TEXT NOT NULL,          -- the day's quality: A, E.., S.., F.., N or V (mixed)
    source          TEXT NOT NULL DEFAULT 'METER' CHECK (source IN ('METER', 'BUA')),
    run_date        TEXT,                   -- the BUA run that estimated it (source BUA)
    PRIMARY KEY (nmi, suffix, day)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS interval_read_estimates ON interval_read (run_date, nmi)
    WHERE source = 'BUA';

CREATE TABLE IF NOT EXISTS basic_read (
    nmi             TEXT NOT NULL,
    register_id     TEXT NOT NULL,
    read_date       TEXT NOT NULL,          -- read at the start of this day
    source          TEXT NOT NULL DEFAULT 'METER' CHECK (source IN ('METER', 'BUA')),
    value_wh        INTEGER NOT NULL CHECK (value_wh >= 0),
    quality         TEXT NOT NULL,
    run_date        TEXT,
    PRIMARY KEY (nmi, register_id, read_date, source)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS basic_read_estimates ON basic_read (run_date, nmi) WHERE source = 'BUA';
"""

RUN_SCHEMA = """
CREATE TABLE IF NOT EXISTS bua_run (
    run_date        TEXT PRIMARY KEY,
    period_start    TEXT NOT NULL,
    period_end      TEXT NOT NULL,
    window_start    TEXT,                   -- first day profiles are built for (accounts stage)
    config          TEXT NOT NULL,          -- JSON of RunConfig
    created_at      TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS bua_control (          -- stage statuses of python -m handlers.bua
    run_date        TEXT NOT NULL,
    stage           TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    started_at      TEXT,
    finished_at     TEXT,
    detail          TEXT,
    error           TEXT,
    PRIMARY KEY (run_date, stage)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS bua_batch (
    run_date        TEXT NOT NULL,
    stage           TEXT NOT NULL,
    batch_no        INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('SUCCEEDED', 'FAILED')),
    attempts        INTEGER NOT NULL DEFAULT 1,
    detail          TEXT,
    error           TEXT,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (run_date, stage, batch_no)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS bua_queue_item (      -- batches a list step handed out
    run_date        TEXT NOT NULL,
    stage           TEXT NOT NULL,
    batch_no        INTEGER NOT NULL,
    first_account   TEXT NOT NULL,
    last_account    TEXT NOT NULL,
    accounts        INTEGER NOT NULL,
    PRIMARY KEY (run_date, stage, batch_no)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS bua_date (
    run_date        TEXT NOT NULL,
    day             TEXT NOT NULL,
    in_period       INTEGER NOT NULL,
    PRIMARY KEY (run_date, day)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS bua_account (
    run_date        TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    nmi             TEXT NOT NULL,
    jurisdiction    TEXT NOT NULL,
    customer_class  TEXT NOT NULL,
    tariff_type     TEXT NOT NULL,
    tariff_code     TEXT NOT NULL,
    meter_type      TEXT NOT NULL,
    interval_length INTEGER,
    open_during_period INTEGER NOT NULL,
    last_billed_end TEXT,
    unbilled_start  TEXT,                   -- NULL when nothing is unbilled
    unbilled_end    TEXT,
    ref_start       TEXT,                   -- the last bill: the micro scalar's reference period
    ref_end         TEXT,
    ref_wh          INTEGER,
    PRIMARY KEY (run_date, account_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS profile_partial (
    run_date        TEXT NOT NULL,
    batch_no        INTEGER NOT NULL,
    jurisdiction    TEXT NOT NULL,
    customer_class  TEXT NOT NULL,
    tariff_type     TEXT NOT NULL,
    day             TEXT NOT NULL,
    accounts        INTEGER NOT NULL,
    wh_sum          INTEGER NOT NULL,
    shape_sum       BLOB NOT NULL,          -- 48 float64: Wh per half hour, summed over accounts
    PRIMARY KEY (run_date, batch_no, jurisdiction, customer_class, tariff_type, day)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS profile_member (
    run_date        TEXT NOT NULL,
    batch_no        INTEGER NOT NULL,
    jurisdiction    TEXT NOT NULL,
    customer_class  TEXT NOT NULL,
    tariff_type     TEXT NOT NULL,
    accounts        INTEGER NOT NULL,       -- accounts with at least one usable day
    PRIMARY KEY (run_date, batch_no, jurisdiction, customer_class, tariff_type)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS segment_profile (
    run_date        TEXT NOT NULL,
    jurisdiction    TEXT NOT NULL,          -- '*' for the national profile
    customer_class  TEXT NOT NULL,          -- '*' for jurisdiction-wide and national profiles
    tariff_type     TEXT NOT NULL,
    day             TEXT NOT NULL,
    accounts        INTEGER NOT NULL,
    avg_wh          REAL,                   -- M(d) as measured; NULL when no account had the day
    shape           BLOB,                   -- 48 float64 fractions of the day, as measured
    status          TEXT NOT NULL DEFAULT 'OK' CHECK (status IN ('OK', 'MISSING', 'NEGATIVE', 'THIN')),
    fill            TEXT,                   -- how a marked day was filled
    final_wh        REAL,
    final_shape     BLOB,
    PRIMARY KEY (run_date, jurisdiction, customer_class, tariff_type, day)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS segment_summary (
    run_date        TEXT NOT NULL,
    jurisdiction    TEXT NOT NULL,
    customer_class  TEXT NOT NULL,
    tariff_type     TEXT NOT NULL,
    accounts        INTEGER NOT NULL,
    valid           INTEGER NOT NULL,
    reason          TEXT,
    fill            TEXT,
    PRIMARY KEY (run_date, jurisdiction, customer_class, tariff_type)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS segment_anomaly (
    run_date        TEXT NOT NULL,
    jurisdiction    TEXT NOT NULL,
    customer_class  TEXT NOT NULL,
    tariff_type     TEXT NOT NULL,
    day             TEXT NOT NULL,
    kind            TEXT NOT NULL,
    detail          TEXT NOT NULL,
    PRIMARY KEY (run_date, jurisdiction, customer_class, tariff_type, day, kind)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS macro_profile (
    run_date        TEXT NOT NULL,
    jurisdiction    TEXT NOT NULL,
    customer_class  TEXT NOT NULL,
    tariff_type     TEXT NOT NULL,
    day             TEXT NOT NULL,
    wh              REAL NOT NULL,          -- M(d): Wh per account per day
    shape           BLOB NOT NULL,          -- 48 float64 fractions, summing to 1
    source          TEXT NOT NULL,          -- MEASURED, INTERPOLATED, JURISDICTION, NATIONAL...
    PRIMARY KEY (run_date, jurisdiction, customer_class, tariff_type, day)
) WITHOUT ROWID;

-- a new token each time macro_profile is written for the run: readers key what they keep of the
-- profile on it (steps_profile.load_profile), so a profile written again is read again
CREATE TABLE IF NOT EXISTS macro_profile_version (
    run_date        TEXT PRIMARY KEY,
    token           TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS micro_scalar (
    run_date        TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    scalar          REAL NOT NULL,          -- k_a
    flag            TEXT NOT NULL,          -- BILLED, CLIPPED, METERED, NO_HISTORY, ADL, LATER_READ
    reference_start TEXT,
    reference_end   TEXT,
    reference_wh    INTEGER,
    profile_wh      REAL,
    adl_wh          REAL,                   -- average daily load, when the profile cannot be used
    PRIMARY KEY (run_date, account_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS invoice_line (
    run_date        TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    line_no         INTEGER NOT NULL,
    month           TEXT NOT NULL,          -- YYYY-MM the line belongs to
    kind            TEXT NOT NULL,
    description     TEXT NOT NULL,
    band            TEXT,
    period_start    TEXT NOT NULL,
    period_end      TEXT NOT NULL,
    quantity        TEXT NOT NULL,
    unit            TEXT NOT NULL,
    cents_per_unit  TEXT NOT NULL,
    amount_cents    INTEGER NOT NULL,       -- ex GST
    gst_cents       INTEGER NOT NULL,
    gst_free        INTEGER NOT NULL,
    PRIMARY KEY (run_date, account_id, line_no)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS invoice_summary (
    run_date        TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    unbilled_days   INTEGER NOT NULL,
    actual_wh       INTEGER NOT NULL,
    estimated_wh    INTEGER NOT NULL,
    amount_cents    INTEGER NOT NULL,
    gst_cents       INTEGER NOT NULL,
    flags           TEXT NOT NULL,
    PRIMARY KEY (run_date, account_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS bua_account_summary (
    run_date        TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    nmi             TEXT NOT NULL,
    jurisdiction    TEXT NOT NULL,
    customer_class  TEXT NOT NULL,
    tariff_code     TEXT NOT NULL,
    meter_type      TEXT NOT NULL,
    last_billed_day TEXT,
    first_unbilled_day TEXT NOT NULL,
    last_unbilled_day TEXT NOT NULL,
    unbilled_days   INTEGER NOT NULL,
    actual_kwh      TEXT NOT NULL,
    estimated_kwh   TEXT NOT NULL,
    micro_scalar    TEXT NOT NULL,
    scalar_flag     TEXT NOT NULL,
    accrued_ex_gst  TEXT NOT NULL,
    gst             TEXT NOT NULL,
    accrued_inc_gst TEXT NOT NULL,
    flags           TEXT NOT NULL,
    PRIMARY KEY (run_date, account_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS invoice_line_item_monthly (
    run_date        TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    month           TEXT NOT NULL,
    line_no         INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    description     TEXT NOT NULL,
    quantity        TEXT NOT NULL,
    unit            TEXT NOT NULL,
    rate_cents      TEXT NOT NULL,
    amount_ex_gst   TEXT NOT NULL,
    gst             TEXT NOT NULL,
    PRIMARY KEY (run_date, account_id, month, line_no)
) WITHOUT ROWID;
"""

SCHEMA = SNAPSHOT_SCHEMA + RUN_SCHEMA
