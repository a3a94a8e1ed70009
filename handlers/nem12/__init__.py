"""NEM12/NEM13 meter data files (AEMO Meter Data File Format): read them, write NEM12, write a file read back.

Reading is a wrapper over the maintained ``nemreader`` package with record checks of our own in
front (strict and lenient modes, errors that name the line); writing is ours (``nemreader`` has no
writer) and is round-trip checked with ``nemreader``::

    from handlers.nem12 import read_nem, rewrite_nem, write_nem12, Channel, IntervalDay
    nem = read_nem("meter.csv", strict=False)     # NemFile: days, reads, issues
    text = rewrite_nem(nem)                     # the file back, as read (null data included)
    text = write_nem12(days, from_participant="MDP1", to_participant="RETAILER",
                       created=datetime(2024, 10, 1, 9, 30))  # days we made: never null data
"""

from .errors import Issue, NemError, NemFormatError, NemWriteError
from .model import (
    INTERVAL_LENGTHS,
    READ_INTERVAL_LENGTHS,
    AccumulationRead,
    B2BDetail,
    B2BReadDetail,
    Channel,
    IntervalDay,
    NemFile,
    intervals_per_day,
)
from .reader import read_nem, read_nem_bytes, read_nem_text
from .writer import format_value, rewrite_nem, write_nem12, write_nem12_file

__all__ = [
    "INTERVAL_LENGTHS",
    "READ_INTERVAL_LENGTHS",
    "AccumulationRead",
    "B2BDetail",
    "B2BReadDetail",
    "Channel",
    "IntervalDay",
    "Issue",
    "NemError",
    "NemFile",
    "NemFormatError",
    "NemWriteError",
    "format_value",
    "intervals_per_day",
    "read_nem",
    "read_nem_bytes",
    "read_nem_text",
    "rewrite_nem",
    "write_nem12",
    "write_nem12_file",
]
