"""Event source mappings kept in the server's database, beside the functions they feed.

Each row holds a mapping's settled configuration exactly as GetEventSourceMapping answers it
(:mod:`.mapping_config`), as JSON. Every change is one transaction of :meth:`Store.write`, committed
before the API answers: a server killed after a yes polls the queue again when it is started.
"""

from __future__ import annotations

import json
from typing import Any

from ..store import Store
from ..tags import forget_tags, put_tags

__all__ = ["MappingRegistry"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS lambda_event_source_mappings (
    uuid TEXT PRIMARY KEY, region TEXT NOT NULL, source_arn TEXT NOT NULL, function_arn TEXT NOT NULL,
    config TEXT NOT NULL, seq INTEGER NOT NULL
)
"""


class MappingRegistry:
    def __init__(self, store: Store) -> None:
        self.store = store
        with store.write() as db:
            db.execute(_SCHEMA)

    def get(self, mapping_id: str) -> dict[str, Any] | None:
        row = self.store.one("SELECT config FROM lambda_event_source_mappings WHERE uuid = ?", (mapping_id,))
        return json.loads(row["config"]) if row is not None else None  # type: ignore[no-any-return]

    def all(self, region: str | None = None) -> list[dict[str, Any]]:
        """Every mapping (of one region, or all), oldest first."""
        rows = self.store.all("SELECT config FROM lambda_event_source_mappings" +
                              (" WHERE region = ?" if region is not None else "") + " ORDER BY seq",
                              (region,) if region is not None else ())
        return [json.loads(row["config"]) for row in rows]

    def create(self, region: str, config: dict[str, Any], tags: dict[str, str]) -> str | None:
        """Add the mapping; when one of the same queue and function exists, nothing is written and
        its UUID is returned."""
        with self.store.write() as db:
            found = db.execute("SELECT uuid FROM lambda_event_source_mappings WHERE source_arn = ? AND "
                               "function_arn = ?", (config["EventSourceArn"], config["FunctionArn"])).fetchone()
            if found is not None:
                return str(found["uuid"])
            db.execute("INSERT INTO lambda_event_source_mappings (uuid, region, source_arn, function_arn, config, seq) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (config["UUID"], region, config["EventSourceArn"],
                                                     config["FunctionArn"], json.dumps(config), self.store.next_seq()))
            put_tags(db, self.store, config["EventSourceMappingArn"], [(str(k), str(v)) for k, v in tags.items()])
        return None

    def replace(self, config: dict[str, Any]) -> str | None:
        """Write the mapping's new configuration; when another mapping has its queue and (new)
        function, nothing is written and that one's UUID is returned."""
        with self.store.write() as db:
            found = db.execute("SELECT uuid FROM lambda_event_source_mappings WHERE source_arn = ? AND "
                               "function_arn = ? AND uuid != ?", (config["EventSourceArn"], config["FunctionArn"],
                                                                   config["UUID"])).fetchone()
            if found is not None:
                return str(found["uuid"])
            db.execute("UPDATE lambda_event_source_mappings SET function_arn = ?, config = ? WHERE uuid = ?",
                       (config["FunctionArn"], json.dumps(config), config["UUID"]))
        return None

    def delete(self, config: dict[str, Any]) -> None:
        with self.store.write() as db:
            db.execute("DELETE FROM lambda_event_source_mappings WHERE uuid = ?", (config["UUID"],))
            forget_tags(db, config["EventSourceMappingArn"])

    def exists_arn(self, arn: str) -> bool:
        """Whether a mapping has this ARN (``...:event-source-mapping:UUID``)."""
        if ":event-source-mapping:" not in arn:
            return False
        config = self.get(arn.rsplit(":", 1)[-1])
        return config is not None and config["EventSourceMappingArn"] == arn
