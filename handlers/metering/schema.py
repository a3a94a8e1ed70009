"""The metering tables in the embedded SQLite database (prefixed ``metering_``).

The prefix keeps them apart from other pipelines' tables in the shared default database file.
Decimal quantities and amounts are stored as TEXT (exact); timestamps as ISO 8601 TEXT with their
offset; documents (bills, usage records, notification payloads) as JSON TEXT.
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS metering_tariffs (
    tariff_code     TEXT NOT NULL,
    effective_from  TEXT NOT NULL,
    definition      TEXT NOT NULL,
    PRIMARY KEY (tariff_code, effective_from)
);
CREATE TABLE IF NOT EXISTS metering_accounts (
    account_id      TEXT PRIMARY KEY,
    customer_name   TEXT NOT NULL,
    email           TEXT,
    tariff_code     TEXT NOT NULL,
    payment_token   TEXT,
    status          TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'CLOSED'))
);
CREATE TABLE IF NOT EXISTS metering_meters (
    meter_id        TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES metering_accounts(account_id),
    nmi             TEXT NOT NULL,
    fuel            TEXT NOT NULL DEFAULT 'ELECTRICITY' CHECK (fuel IN ('ELECTRICITY', 'GAS')),
    phases          INTEGER NOT NULL DEFAULT 1 CHECK (phases IN (1, 3)),
    register_digits INTEGER NOT NULL DEFAULT 6 CHECK (register_digits BETWEEN 3 AND 10),
    max_demand      TEXT,
    installed_on    TEXT NOT NULL,
    removed_on      TEXT,
    export_enabled  INTEGER NOT NULL DEFAULT 0,
    heating_value   TEXT,
    pressure_factor TEXT
);
CREATE INDEX IF NOT EXISTS metering_meters_account ON metering_meters(account_id);
CREATE TABLE IF NOT EXISTS metering_registers (
    meter_id        TEXT NOT NULL REFERENCES metering_meters(meter_id),
    suffix          TEXT NOT NULL,
    value           TEXT NOT NULL,
    read_at         TEXT NOT NULL,
    reading_id      TEXT,
    PRIMARY KEY (meter_id, suffix)
);
CREATE TABLE IF NOT EXISTS metering_meter_events (
    event_id        INTEGER PRIMARY KEY AUTOINCREMENT,
    meter_id        TEXT NOT NULL REFERENCES metering_meters(meter_id),
    occurred_at     TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    detail          TEXT
);
CREATE INDEX IF NOT EXISTS metering_meter_events_meter
    ON metering_meter_events(meter_id, occurred_at);
CREATE TABLE IF NOT EXISTS metering_readings (
    reading_id      TEXT PRIMARY KEY,
    meter_id        TEXT NOT NULL,
    account_id      TEXT,
    reading_type    TEXT,
    read_at         TEXT,
    read_at_epoch   REAL,
    period_start    TEXT,
    period_end      TEXT,
    status          TEXT NOT NULL CHECK (status IN ('VALID', 'INVALID', 'DUPLICATE')),
    result          TEXT NOT NULL,
    content_hash    TEXT NOT NULL,
    received_at     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS metering_readings_meter
    ON metering_readings(meter_id, reading_type, read_at_epoch);
CREATE TABLE IF NOT EXISTS metering_usage (
    reading_id      TEXT PRIMARY KEY,
    meter_id        TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    period_start    TEXT NOT NULL,
    period_end      TEXT NOT NULL,
    days            INTEGER NOT NULL,
    unit            TEXT NOT NULL,
    total           TEXT NOT NULL,
    record          TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS metering_usage_meter ON metering_usage(meter_id, period_end);
CREATE TABLE IF NOT EXISTS metering_anomalies (
    reading_id      TEXT NOT NULL,
    meter_id        TEXT NOT NULL,
    anomaly_type    TEXT NOT NULL,
    details         TEXT NOT NULL,
    detected_at     TEXT NOT NULL,
    PRIMARY KEY (reading_id, anomaly_type)
);
CREATE TABLE IF NOT EXISTS metering_bills (
    bill_id         TEXT PRIMARY KEY,
    reading_id      TEXT NOT NULL UNIQUE,
    account_id      TEXT NOT NULL,
    period_start    TEXT NOT NULL,
    period_end      TEXT NOT NULL,
    total           TEXT NOT NULL,
    status          TEXT NOT NULL,
    document        TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS metering_bills_account ON metering_bills(account_id, period_end);
CREATE TABLE IF NOT EXISTS metering_payments (
    payment_id      TEXT PRIMARY KEY,
    bill_id         TEXT NOT NULL UNIQUE REFERENCES metering_bills(bill_id),
    account_id      TEXT NOT NULL,
    amount          TEXT NOT NULL,
    status          TEXT NOT NULL,
    charge_id       TEXT,
    created_at      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS metering_payment_attempts (
    attempt_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    bill_id         TEXT NOT NULL,
    attempted_at    TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    detail          TEXT
);
CREATE INDEX IF NOT EXISTS metering_payment_attempts_bill ON metering_payment_attempts(bill_id);
CREATE TABLE IF NOT EXISTS metering_gateway_charges (
    idempotency_key TEXT PRIMARY KEY,
    charge_id       TEXT NOT NULL UNIQUE,
    token           TEXT NOT NULL,
    amount          TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS metering_gateway_requests (
    idempotency_key TEXT PRIMARY KEY,
    attempts        INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS metering_outbox (
    message_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key      TEXT NOT NULL UNIQUE,
    account_id      TEXT NOT NULL,
    notification_type TEXT NOT NULL,
    channel         TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'PENDING',
    created_at      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS metering_outbox_account ON metering_outbox(account_id, message_id);
"""
