"""Activities over the API: CreateActivity, DescribeActivity, ListActivities, DeleteActivity and
GetActivityTask, and the broker that hands activity tasks from executions to polling workers.

An activity Task (see :mod:`aslrun.integrations.activity`) *offers* its input and token to the
broker; a worker's GetActivityTask takes the oldest offer of that activity, waiting (long polling)
up to 60 seconds for one, as AWS does; the worker then answers with SendTaskSuccess/Failure.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .arns import activity_arn, check_name, require_arn
from .context import Call
from .faults import activity_does_not_exist
from .paging import page
from .store import Store
from .tags import forget_tags, put_tags, read_tags

__all__ = ["ActivityApi", "ActivityBroker"]

POLL_SECONDS = 60.0  # how long GetActivityTask waits for a task, as on AWS


@dataclass
class Offer:
    token: str
    input: str
    started: Callable[[str | None], None]  # records ActivityStarted on the execution's thread


class ActivityBroker:
    """Activity tasks waiting for a worker, per activity ARN, oldest first."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._offers: dict[str, deque[Offer]] = {}
        self._condition = threading.Condition()

    def exists(self, arn: str) -> bool:
        return self.store.one("SELECT 1 FROM activities WHERE arn = ?", (arn,)) is not None

    def offer(self, arn: str, token: str, input_text: str, started: Callable[[str | None], None]) -> None:
        with self._condition:
            self._offers.setdefault(arn, deque()).append(Offer(token, input_text, started))
            self._condition.notify_all()

    def withdraw(self, arn: str, token: str) -> None:
        """The task no longer waits for a worker (it ended, timed out, or its execution stopped)."""
        with self._condition:
            offers = self._offers.get(arn)
            if offers:
                for offer in list(offers):
                    if offer.token == token:
                        offers.remove(offer)

    def take(self, arn: str, worker_name: str | None, timeout: float) -> Offer | None:
        """The oldest task offered for ``arn``, waiting up to ``timeout`` seconds for one."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                offers = self._offers.get(arn)
                if offers:
                    offer = offers.popleft()
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._condition.wait(left)
        offer.started(worker_name)
        return offer


class ActivityApi:
    def __init__(self, store: Store, *, poll_seconds: float = POLL_SECONDS) -> None:
        self.store = store
        self.broker = ActivityBroker(store)
        self.poll_seconds = poll_seconds

    def create_activity(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        name = request["name"]
        check_name(name)
        tags = read_tags(request.get("tags") or [])
        arn = activity_arn(call.partition, call.region, call.account, name)
        with self.store.write() as db:
            row = db.execute("SELECT created FROM activities WHERE arn = ?", (arn,)).fetchone()
            if row is not None:  # creating it again answers the one there is
                return {"activityArn": arn, "creationDate": row["created"]}
            encryption = request.get("encryptionConfiguration") or {"type": "AWS_OWNED_KEY"}
            db.execute("INSERT INTO activities (arn, name, region, created, encryption, seq) VALUES (?, ?, ?, ?, ?, ?)",
                       (arn, name, call.region, call.now, json.dumps(encryption), self.store.next_seq()))
            put_tags(db, self.store, arn, tags)
        return {"activityArn": arn, "creationDate": call.now}

    def describe_activity(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        arn = request["activityArn"]
        require_arn(arn, "activity")
        row = self.store.one("SELECT * FROM activities WHERE arn = ?", (arn,))
        if row is None:
            raise activity_does_not_exist(arn)
        return {"activityArn": arn, "name": row["name"], "creationDate": row["created"],
                "encryptionConfiguration": json.loads(row["encryption"])}

    def list_activities(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        rows = self.store.all("SELECT arn, name, created FROM activities WHERE region = ? ORDER BY seq", (call.region,))
        items = [{"activityArn": row["arn"], "name": row["name"], "creationDate": row["created"]} for row in rows]
        chosen, token = page(items, request, "ListActivities")
        return {"activities": chosen, "nextToken": token}

    def delete_activity(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        arn = request["activityArn"]
        require_arn(arn, "activity")
        with self.store.write() as db:
            db.execute("DELETE FROM activities WHERE arn = ?", (arn,))
            forget_tags(db, arn)
        return {}

    def get_activity_task(self, request: dict[str, Any], call: Call) -> dict[str, Any]:
        arn = request["activityArn"]
        require_arn(arn, "activity")
        if not self.broker.exists(arn):
            raise activity_does_not_exist(arn)
        offer = self.broker.take(arn, request.get("workerName"), self.poll_seconds)
        if offer is None:
            return {}
        return {"taskToken": offer.token, "input": offer.input}
