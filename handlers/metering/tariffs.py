"""The bill engine's public API: tariffs, usage, and pricing a period (stable; reused by BUA).

Import everything from here; the sibling modules are implementation detail::

    from handlers.metering.tariffs import (
        Tariff, TariffSchedule, Usage, ChannelUsage, price_usage, bill_totals, pro_rata,
        days_by_month,
    )

    tariff = Tariff.from_json({
        "code": "RES-FLAT", "effectiveFrom": "2024-07-01",
        "supplyCentsPerDay": "110.0",
        "usage": {"kind": "FLAT", "centsPerUnit": "30.0"},
        "feedIn": {"centsPerUnit": "5.0"},
    })
    lines = price_usage(tariff, date(2024, 9, 12), date(2024, 10, 14),
                        Usage.of_totals(general="350.5", feed_in="40"))
    totals = bill_totals(lines)          # taxable, gst, gst_free, total (Decimal dollars)
    band_totals(tou_tariff, channel)     # energy per time-of-use band (for usage reports)

Conventions (all of them deliberate, all of them tested):

- Periods are half-open ``[period_start, period_end)``: ``period_end`` is the closing read's day
  and is not billed; 12 Sep - 14 Oct is 32 days, 19 in September (:func:`days_by_month`).
- Metering days are NEM days (UTC+10, no DST). Time-of-use windows are read in the tariff's local
  ``timezone`` (default Australia/Sydney, DST included); holidays count as weekend days.
- Money is :class:`~decimal.Decimal` inside. Rates are cents (c/day, c/kWh or c/MJ). Each
  :class:`BillLine` ``amount`` is dollars rounded to the cent with ROUND_HALF_UP, computed from the
  line's own quantity x rate; GST is 10 % of the sum of taxable lines, rounded once. Feed-in credits
  are negative and GST-free. ``to_json()`` gives amounts as strings like ``"123.45"``.
- A bill splits into segments wherever a tariff version takes effect (each version runs until the
  next one in the :class:`TariffSchedule` starts) and, with ``split_by_month=True``, at every first
  of a month, so each line belongs to one month (what accruals need).
- Energy given as a bare total is apportioned over segments by days (0.001 unit, last segment takes
  the remainder); daily or interval data is summed per day. Block thresholds are stated per
  ``thresholdDays`` days and pro-rated to each segment's days (rounded to 0.001 unit).
- :func:`pro_rata` rounds once at the end: (950 / 31) x 12 = 367.74.

Errors: :class:`TariffError` (a subclass of ``MeteringError``) with a message naming the field,
day or tariff at fault; never a bare traceback for bad input.
"""

from __future__ import annotations

from handlers.metering.consumption import ChannelUsage, Usage
from handlers.metering.errors import TariffError
from handlers.metering.money import pro_rata, round_cents
from handlers.metering.periods import days_between, days_by_month
from handlers.metering.pricing import (
    GST_RATE,
    BillLine,
    BillTotals,
    band_totals,
    bill_totals,
    price_usage,
)
from handlers.metering.tariff_model import (
    Block,
    BlockUsage,
    ControlledLoad,
    FeedIn,
    FlatUsage,
    Tariff,
    TariffSchedule,
    TimeOfUseUsage,
    TouBand,
    TouWindow,
)

__all__ = [
    "GST_RATE",
    "BillLine",
    "BillTotals",
    "Block",
    "BlockUsage",
    "ChannelUsage",
    "ControlledLoad",
    "FeedIn",
    "FlatUsage",
    "Tariff",
    "TariffError",
    "TariffSchedule",
    "TimeOfUseUsage",
    "TouBand",
    "TouWindow",
    "Usage",
    "band_totals",
    "bill_totals",
    "days_between",
    "days_by_month",
    "price_usage",
    "pro_rata",
    "round_cents",
]
