"""The run: its date, the accrual period, and the thresholds every stage uses.

One run date is passed through every stage; everything else about the run is fixed when the run
is created (restore stage) and read back from the ``bua_run`` table by later stages, so a stage
re-run or resumed later cannot silently use a different period or threshold.

Default period: the last complete calendar month before the run date (run on 1 Oct 2024 ->
``[2024-09-01, 2024-10-01)``). Periods are half-open: ``period_end`` is the first day NOT accrued.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import BadEvent

__all__ = ["RunConfig", "RunInfo", "default_period", "parse_config", "parse_date_field"]


class RunConfig(BaseModel):
    """Thresholds and sizes (the defaults are DOMAIN.md's; each can be set per run)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_segment_accounts: int = Field(default=30, ge=1)
    """A segment profile built from fewer interval accounts is invalid and filled."""
    max_estimated_fraction: float = Field(default=0.05, ge=0, le=1)
    """A NMI-day with more than this share of non-actual intervals is left out of profiles."""
    max_interpolation_gap_days: int = Field(default=3, ge=0)
    """Runs of missing/negative profile days up to this long are interpolated; longer runs are
    filled from the jurisdiction-wide profile scaled to the segment's level."""
    anomaly_factor: float = Field(default=3.0, gt=1)
    """A profile day above factor x (or below 1/factor x) its segment's median is reported."""
    max_lookback_days: int = Field(default=400, ge=31)
    """Profiles are never built for days further back than this before the period end."""
    batch_size: int = Field(default=500, ge=1, le=100_000)
    """Accounts per batch in the per-account stages (one Map item each)."""
    profile_batch_size: int = Field(default=5000, ge=1, le=1_000_000)
    """Interval accounts per batch when extracting segment profiles."""
    nem12_quality: str = Field(default="E14", pattern=r"^E\d{2}$")
    """Quality method written on estimated NEM12 intervals (E + an interval method 11-25)."""
    nem12_from: str = Field(default="BUA", min_length=1, max_length=10, pattern=r"^[^,\s]+$")
    nem12_to: str = Field(default="RETAILER", min_length=1, max_length=10, pattern=r"^[^,\s]+$")
    output_dir: str | None = None
    """Where NEM12 and CSV files go; default ``<db folder>/bua-out/<run_date>``."""

    def to_json(self) -> str:
        return self.model_dump_json()


class RunInfo(BaseModel):
    """A created run as stored in ``bua_run``."""

    model_config = ConfigDict(frozen=True)

    run_date: date
    period_start: date
    period_end: date
    window_start: date | None = None
    config: RunConfig


def parse_date_field(value: Any, field: str) -> date:
    """An ISO date (``YYYY-MM-DD``) from an event field; :class:`BadEvent` naming it otherwise."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise BadEvent(f"{field}: expected a date YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadEvent(f"{field}: expected a date YYYY-MM-DD, got {value!r}") from None


def default_period(run_date: date) -> tuple[date, date]:
    """The last complete calendar month before ``run_date``: ``[first, next first)``."""
    end = run_date.replace(day=1)
    start = date(end.year - 1, 12, 1) if end.month == 1 else date(end.year, end.month - 1, 1)
    return start, end


def parse_config(value: Any, field: str = "config") -> RunConfig:
    """A :class:`RunConfig` from a JSON object (or text); unknown or bad fields name themselves."""
    if value is None:
        return RunConfig()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise BadEvent(f"{field}: not JSON ({exc.msg} at char {exc.pos})") from None
    if not isinstance(value, dict):
        raise BadEvent(f"{field}: expected an object, got {type(value).__name__}")
    try:
        return RunConfig.model_validate(value)
    except ValidationError as exc:
        problems = "; ".join(
            f"{field}.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise BadEvent(problems) from None
