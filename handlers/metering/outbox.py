"""The customer-message outbox: read what NotifyCustomer queued.

From Python: ``list_outbox(db=None, account_id=None, notification_type=None)``. From a shell::

    python -m handlers.metering.outbox [--db PATH] [--account ACC-1001] [--type BILL_READY] [--json]

(the database is ``--db``, else ``$ASLRUN_DB``, else ``.aslrun/aslrun.sqlite3``).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from typing import Any

from handlers.metering.store import MeteringStore, open_store

__all__ = ["list_outbox", "main", "message_by_key"]


def _message(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "messageId": row["message_id"],
        "notificationType": row["notification_type"],
        "accountId": row["account_id"],
        "channel": row["channel"],
        "recipient": row["recipient"],
        "subject": row["subject"],
        "body": row["body"],
        "payload": json.loads(row["payload"]),
        "status": row["status"],
        "createdAt": row["created_at"],
    }


def message_by_key(store: MeteringStore, dedupe_key: str) -> dict[str, Any] | None:
    """The message queued under a dedupe key, or None."""
    row = store.conn.execute(
        "SELECT * FROM metering_outbox WHERE dedupe_key = ?", (dedupe_key,)
    ).fetchone()
    return _message(row) if row else None


def list_outbox(
    db: str | os.PathLike[str] | None = None,
    *,
    account_id: str | None = None,
    notification_type: str | None = None,
) -> list[dict[str, Any]]:
    """Queued messages, oldest first, optionally for one account and/or of one type."""
    clauses, params = [], []
    if account_id:
        clauses.append("account_id = ?")
        params.append(account_id)
    if notification_type:
        clauses.append("notification_type = ?")
        params.append(notification_type)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    with open_store(db) as store:
        rows = store.conn.execute(
            f"SELECT * FROM metering_outbox{where} ORDER BY message_id", params
        ).fetchall()
        return [_message(row) for row in rows]


def main(argv: list[str] | None = None) -> int:
    """Print the outbox as a table (or JSON lines with --json)."""
    parser = argparse.ArgumentParser(
        prog="python -m handlers.metering.outbox",
        description="List customer messages queued by the pipeline.",
    )
    parser.add_argument(
        "--db", help="database file (default: $ASLRUN_DB or .aslrun/aslrun.sqlite3)"
    )
    parser.add_argument("--account", help="only this account id")
    parser.add_argument("--type", choices=["BILL_READY", "ANOMALY_ALERT"], help="only this type")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args(argv)
    messages = list_outbox(args.db, account_id=args.account, notification_type=args.type)
    for message in messages:
        if args.json:
            print(json.dumps(message))
        else:
            print(
                f"#{message['messageId']} {message['createdAt']} {message['notificationType']} "
                f"-> {message['recipient']} ({message['accountId']})\n  {message['subject']}\n"
                f"  {message['body']}"
            )
    if not messages and not args.json:
        print("(the outbox is empty)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
