"""Lambda entry points of the segments and microscalar stages (``handler(event, context)`` each).

Segments: list accounts (unbilled/all, dates to check) -> list profile batches -> extract (Map)
-> average -> mark -> fill -> validate -> macro profile. Microscalar: list -> batch (Map).
Each returns JSON-serialisable data; each writes in one transaction (a batch: its own).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from handlers.db import file_identity, transaction

from .accounts import prepare_accounts
from .batches import hand_out, selection_ids
from .events import Batch, Context, common_fields, open_context
from .microscalar import compute_scalars
from .profile import ProfileSet
from .profile_build import average_profiles, extract_batch, profile_account_ids
from .profile_fix import create_macro_profile, fill_segments, mark_segments, validate_segments
from .runner import run_batches
from .worklist import worklist_target

__all__ = [
    "accounts_handler",
    "load_profile",
    "macro_profile_handler",
    "microscalar_batch_handler",
    "microscalar_list_handler",
    "profile_average_handler",
    "profile_extract_handler",
    "profile_fill_handler",
    "profile_list_handler",
    "profile_mark_handler",
    "profile_validate_handler",
    "single_step",
]


def single_step(event: Any, work: Callable[[Context], dict[str, Any]]) -> dict[str, Any]:
    """Open the run, do ``work`` in one transaction, return its result with the run date."""
    with open_context(event) as ctx:
        with transaction(ctx.conn):
            result = work(ctx)
    return {"run_date": ctx.key, **result}


def load_profile(ctx: Context) -> ProfileSet:
    """The run's macro profile over its window, read once per process for as long as the segments
    stage has not written it again (its ``macro_profile_version`` token; a database without one is
    read every time). Each batch of the stages after segments needs it: reading and unpacking it
    took about 24 ms a batch (the BUA pipeline's batches read it some 700 times at 100,000
    accounts). The kept profile's arrays are read-only."""
    run = ctx.info
    start = run.window_start or run.period_start
    row = ctx.conn.execute("SELECT token FROM macro_profile_version WHERE run_date = ?",
                           (run.run_date.isoformat(),)).fetchone()
    if row is None:
        return ProfileSet.load(ctx.conn, run.run_date, start, run.period_end)
    key = (file_identity(ctx.db_path), run.run_date, start, run.period_end, row[0])
    with _PROFILES_LOCK:
        kept = _PROFILES.get(key)
    if kept is not None:
        return kept
    profile = ProfileSet.load(ctx.conn, run.run_date, start, run.period_end)
    for array in (profile.wh, profile.cum, profile.shapes):
        array.flags.writeable = False
    with _PROFILES_LOCK:
        _PROFILES[key] = profile
        while len(_PROFILES) > _PROFILES_KEPT:
            _PROFILES.popitem(last=False)
    return profile


_PROFILES: OrderedDict[tuple[Any, ...], ProfileSet] = OrderedDict()
_PROFILES_KEPT = 4
_PROFILES_LOCK = threading.Lock()


def accounts_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaListAccounts: unbilled and all accounts, their unbilled days, the dates to check."""
    return single_step(event, lambda ctx: prepare_accounts(ctx.conn, ctx.info))


def profile_list_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaProfileList: the interval accounts to extract profiles from, as a worklist in
    batches of ``profile_batch_size``."""
    target = worklist_target(common_fields(event).get("worklist"))
    with open_context(event) as ctx:
        return hand_out(ctx.conn, ctx.run_date, "segments", profile_account_ids(ctx.conn, ctx.info),
                        ctx.info.config.profile_batch_size, db=ctx.db, target=target)


def profile_extract_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaProfileExtract (Map item): one batch's per-segment, per-day sums."""
    return run_batches(event, "segments", lambda ctx, b: extract_batch(ctx.conn, ctx.info, b),
                       writes_last=True)  # (it reads nothing it writes)


def profile_average_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaProfileAverage: SegmentJurisdictionAvgExclEst from the batch sums."""
    return single_step(event, lambda ctx: average_profiles(ctx.conn, ctx.info))


def profile_mark_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaProfileMark: SegmentJurisdictionCheck (thin segments, missing/negative days)."""
    return single_step(event, lambda ctx: mark_segments(ctx.conn, ctx.info))


def profile_fill_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaProfileFill: SegmentJurisdictionFix (jurisdiction-wide profile or interpolation)."""
    return single_step(event, lambda ctx: fill_segments(ctx.conn, ctx.info))


def profile_validate_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaProfileValidate: final profiles usable; anomalies recorded."""
    return single_step(event, lambda ctx: validate_segments(ctx.conn, ctx.info))


def macro_profile_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaMacroProfile: bua_create_macro_profile."""
    return single_step(event, lambda ctx: create_macro_profile(ctx.conn, ctx.info))


def microscalar_list_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaMicroScalarList: batches of the unbilled accounts."""
    return list_handler(event, "microscalar", "unbilled")


def microscalar_batch_handler(event: Any, context: Any = None) -> dict[str, Any]:
    """BuaMicroScalarBatch (Map item): k_a for one batch."""
    def work(ctx: Context, batch: Batch) -> dict[str, Any]:
        return compute_scalars(ctx.conn, ctx.info, batch, load_profile(ctx))
    return run_batches(event, "microscalar", work, writes_last=True)  # (it reads nothing it writes)


def list_handler(event: Any, stage: str, selection: str) -> dict[str, Any]:
    """A stage's accounts as a worklist in batches of ``batch_size``: in S3 when the event names
    ``worklist: {bucket, prefix}`` (the machines), else inline (the engine-free driver)."""
    target = worklist_target(common_fields(event).get("worklist"))
    with open_context(event) as ctx:
        return hand_out(ctx.conn, ctx.run_date, stage, selection_ids(ctx.conn, ctx.run_date, selection),
                        ctx.info.config.batch_size, db=ctx.db, target=target)
