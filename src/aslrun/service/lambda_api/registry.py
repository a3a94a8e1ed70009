"""Functions, their published versions and aliases, kept in the server's database.

Each row holds the configuration exactly as the API answers it (``FunctionConfiguration``,
``AliasConfiguration``), as JSON, and the digest of the code archive it runs
(:mod:`.code_store`). Every change is one transaction of :meth:`Store.write`, committed before the
API answers, like the state machines beside them: a server killed after a yes has kept it.
"""

from __future__ import annotations

import json
from typing import Any

from ..store import Store
from ..tags import forget_tags, put_tags, remove_tags, tags_of

__all__ = ["FunctionRow", "Registry"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS lambda_functions (
    region TEXT NOT NULL, name TEXT NOT NULL, config TEXT NOT NULL, digest TEXT NOT NULL,
    next_version INTEGER NOT NULL DEFAULT 1, concurrency INTEGER, policy TEXT, seq INTEGER NOT NULL,
    PRIMARY KEY (region, name)
);
CREATE TABLE IF NOT EXISTS lambda_versions (
    region TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL, config TEXT NOT NULL,
    digest TEXT NOT NULL, PRIMARY KEY (region, name, version)
);
CREATE TABLE IF NOT EXISTS lambda_aliases (
    region TEXT NOT NULL, name TEXT NOT NULL, alias TEXT NOT NULL, config TEXT NOT NULL,
    PRIMARY KEY (region, name, alias)
);
"""


class FunctionRow:
    """One function's ``$LATEST`` (or one published version): its configuration and code digest."""

    __slots__ = ("concurrency", "config", "digest", "next_version", "policy")

    def __init__(self, config: dict[str, Any], digest: str, next_version: int = 1, concurrency: int | None = None,
                 policy: dict[str, Any] | None = None) -> None:
        self.config = config
        self.digest = digest
        self.next_version = next_version
        self.concurrency = concurrency
        self.policy = policy


class Registry:
    def __init__(self, store: Store) -> None:
        self.store = store
        with store.write() as db:
            for statement in filter(str.strip, _SCHEMA.split(";")):
                db.execute(statement)

    # -- reading ----------------------------------------------------------------------------------

    def function(self, region: str, name: str) -> FunctionRow | None:
        row = self.store.one("SELECT config, digest, next_version, concurrency, policy FROM lambda_functions "
                             "WHERE region = ? AND name = ?", (region, name))
        if row is None:
            return None
        return FunctionRow(json.loads(row["config"]), row["digest"], row["next_version"], row["concurrency"],
                           json.loads(row["policy"]) if row["policy"] else None)

    def version(self, region: str, name: str, version: int) -> FunctionRow | None:
        row = self.store.one("SELECT config, digest FROM lambda_versions WHERE region = ? AND name = ? AND version = ?",
                             (region, name, version))
        return FunctionRow(json.loads(row["config"]), row["digest"]) if row is not None else None

    def count(self) -> int:
        """How many functions there are (every region)."""
        return int(self.store.one("SELECT COUNT(*) FROM lambda_functions")[0])  # type: ignore[index]

    def named(self, name: str) -> bool:
        """Whether a function of that name exists in some region."""
        return self.store.one("SELECT 1 FROM lambda_functions WHERE name = ? LIMIT 1", (name,)) is not None

    def versions(self, region: str, name: str) -> list[FunctionRow]:
        rows = self.store.all("SELECT config, digest FROM lambda_versions WHERE region = ? AND name = ? "
                              "ORDER BY version", (region, name))
        return [FunctionRow(json.loads(row["config"]), row["digest"]) for row in rows]

    def functions(self, region: str) -> list[FunctionRow]:
        rows = self.store.all("SELECT config, digest FROM lambda_functions WHERE region = ? ORDER BY name", (region,))
        return [FunctionRow(json.loads(row["config"]), row["digest"]) for row in rows]

    def alias(self, region: str, name: str, alias: str) -> dict[str, Any] | None:
        row = self.store.one("SELECT config FROM lambda_aliases WHERE region = ? AND name = ? AND alias = ?",
                             (region, name, alias))
        return json.loads(row["config"]) if row is not None else None  # type: ignore[no-any-return]

    def aliases(self, region: str, name: str) -> list[dict[str, Any]]:
        rows = self.store.all("SELECT config FROM lambda_aliases WHERE region = ? AND name = ? ORDER BY alias",
                              (region, name))
        return [json.loads(row["config"]) for row in rows]

    def digests_in_use(self) -> set[str]:
        rows = self.store.all("SELECT digest FROM lambda_functions UNION SELECT digest FROM lambda_versions")
        return {row["digest"] for row in rows}

    def tags(self, arn: str) -> dict[str, str]:
        return dict(tags_of(self.store, arn))

    # -- acknowledged changes ---------------------------------------------------------------------

    def create(self, region: str, name: str, row: FunctionRow, tags: dict[str, str], arn: str) -> bool:
        """Add the function (False when one of that name exists: nothing is written)."""
        with self.store.write() as db:
            if db.execute("SELECT 1 FROM lambda_functions WHERE region = ? AND name = ?", (region, name)).fetchone():
                return False
            db.execute("INSERT INTO lambda_functions (region, name, config, digest, seq) VALUES (?, ?, ?, ?, ?)",
                       (region, name, json.dumps(row.config), row.digest, self.store.next_seq()))
            put_tags(db, self.store, arn, [(str(k), str(v)) for k, v in tags.items()])
        return True

    def replace(self, region: str, name: str, row: FunctionRow, expected_revision: str) -> bool:
        """``$LATEST`` replaced, if its revision is still ``expected_revision`` (False otherwise)."""
        with self.store.write() as db:
            found = db.execute("SELECT config FROM lambda_functions WHERE region = ? AND name = ?",
                               (region, name)).fetchone()
            if found is None or json.loads(found["config"])["RevisionId"] != expected_revision:
                return False
            db.execute("UPDATE lambda_functions SET config = ?, digest = ?, concurrency = ?, policy = ? "
                       "WHERE region = ? AND name = ?",
                       (json.dumps(row.config), row.digest, row.concurrency,
                        json.dumps(row.policy) if row.policy else None, region, name))
        return True

    def publish(self, region: str, name: str, latest_revision: str, make: Any) -> dict[str, Any] | None:
        """Publish ``$LATEST`` as the next version: ``make(latest, number)`` gives the version's
        configuration; None when ``$LATEST`` changed meanwhile."""
        with self.store.write() as db:
            found = db.execute("SELECT config, digest, next_version FROM lambda_functions WHERE region = ? AND "
                               "name = ?", (region, name)).fetchone()
            if found is None or json.loads(found["config"])["RevisionId"] != latest_revision:
                return None
            number = found["next_version"]
            config = make(json.loads(found["config"]), number)
            db.execute("INSERT INTO lambda_versions (region, name, version, config, digest) VALUES (?, ?, ?, ?, ?)",
                       (region, name, number, json.dumps(config), found["digest"]))
            db.execute("UPDATE lambda_functions SET next_version = ? WHERE region = ? AND name = ?",
                       (number + 1, region, name))
        return config  # type: ignore[no-any-return]

    def delete_function(self, region: str, name: str, arn: str) -> None:
        with self.store.write() as db:
            for table in ("lambda_functions", "lambda_versions", "lambda_aliases"):
                db.execute(f"DELETE FROM {table} WHERE region = ? AND name = ?", (region, name))
            forget_tags(db, arn)

    def delete_version(self, region: str, name: str, version: int) -> None:
        with self.store.write() as db:
            db.execute("DELETE FROM lambda_versions WHERE region = ? AND name = ? AND version = ?",
                       (region, name, version))

    def put_alias(self, region: str, name: str, alias: str, config: dict[str, Any], *, new: bool) -> bool:
        """Write the alias (``new``: False when it exists already; else False when it is gone)."""
        with self.store.write() as db:
            exists = db.execute("SELECT 1 FROM lambda_aliases WHERE region = ? AND name = ? AND alias = ?",
                                (region, name, alias)).fetchone() is not None
            if exists == new:
                return False
            db.execute("INSERT INTO lambda_aliases (region, name, alias, config) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (region, name, alias) DO UPDATE SET config = excluded.config",
                       (region, name, alias, json.dumps(config)))
        return True

    def delete_alias(self, region: str, name: str, alias: str) -> None:
        with self.store.write() as db:
            db.execute("DELETE FROM lambda_aliases WHERE region = ? AND name = ? AND alias = ?", (region, name, alias))

    def tag(self, arn: str, tags: dict[str, str]) -> None:
        with self.store.write() as db:
            put_tags(db, self.store, arn, [(str(k), str(v)) for k, v in tags.items()])

    def untag(self, arn: str, keys: list[str]) -> None:
        with self.store.write() as db:
            remove_tags(db, arn, keys)

