"""Every real sample file in ../shared/nem12-samples: valid ones read (and round-trip through our
writer and nemreader), invalid ones are rejected with a clear error or, in lenient mode, read with
what was skipped reported."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from handlers.nem12 import NemFormatError, NemWriteError, read_nem, read_nem_text, rewrite_nem, write_nem12

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "nem12-samples"

if not SAMPLES.is_dir():
    pytest.skip(f"sample NEM12 files not found at {SAMPLES} (../shared is not checked out)",
                allow_module_level=True)

VALID = sorted((SAMPLES / "valid").glob("*.csv"))
VALID_NEM12 = [p for p in VALID if p.read_text().lstrip().startswith("100,NEM12")]
INVALID = sorted((SAMPLES / "invalid").glob("*.csv"))


def test_the_sample_folders_are_not_empty():
    assert len(VALID) >= 10 and len(INVALID) >= 8
    assert len(VALID) - len(VALID_NEM12) == 2  # the NEM13 files: written back as NEM13


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_every_valid_file_reads_in_strict_mode_without_issues(path):
    nem = read_nem(path, strict=True)
    assert nem.issues == ()
    assert nem.days or nem.reads
    for day in nem.days:
        assert len(day.values) == 1440 // day.channel.interval_length == len(day.qualities)
        assert all(v >= 0 for v in day.values)
        assert all(q and q != "V" for q in day.qualities)


def as_written(days):
    """The days in the writer's order (channel, then day), line numbers aside."""
    def key(d):
        return d.channel.nmi, d.channel.suffix, d.channel.register_id, d.channel.interval_length, d.day
    return [dataclasses.replace(d, line=0) for d in sorted(days, key=key)]


@pytest.mark.parametrize("path", VALID_NEM12, ids=lambda p: p.name)
def test_every_valid_nem12_file_round_trips_through_our_writer(path, tmp_path):
    nem = read_nem(path)
    text = rewrite_nem(nem)
    assert text.startswith("100,NEM12,")
    back = read_nem_text(text, name="written")
    # nothing lost: the header and every day (10-minute channels included) with every field as read,
    # line numbers aside
    assert dataclasses.replace(back, days=()) == dataclasses.replace(nem, days=())
    assert as_written(back.days) == as_written(nem.days)
    assert rewrite_nem(back) == text
    # and nemreader itself, on the file as written to disk, sees the same numbers
    from nemreader import NEMFile

    written = tmp_path / "written.csv"
    written.write_text(text)
    data = NEMFile(str(written), strict=True).nem_data()
    for day in nem.days:
        readings = data.readings[day.channel.nmi][day.channel.suffix]
        floats = [r.read_value for r in readings if r.t_start.date() == day.day]
        assert [Decimal(repr(f)) for f in floats] == list(day.values)


@pytest.mark.parametrize("path", [p for p in VALID if p not in VALID_NEM12], ids=lambda p: p.name)
def test_every_valid_nem13_file_round_trips_through_our_writer(path):
    nem = read_nem(path)
    text = rewrite_nem(nem)
    assert text.startswith("100,NEM13,")
    back = read_nem_text(text, name="written")
    # nothing lost: the header and every read (reasons, update and MSATS times, 550 records) as read
    assert dataclasses.replace(back, reads=()) == dataclasses.replace(nem, reads=())
    assert [dataclasses.replace(r, line=0) for r in back.reads] == [dataclasses.replace(r, line=0) for r in nem.reads]
    assert rewrite_nem(back) == text
    assert text.count("\n550,") == path.read_text().count("\n550,")


def test_the_pipelines_writer_refuses_what_only_a_file_read_may_hold():
    ten_minute = [d for d in read_nem(SAMPLES / "valid" / "Example_NEM12_different_interval_length.csv").days
                  if d.channel.suffix == "V1"]
    with pytest.raises(NemWriteError, match="interval length 10"):
        write_nem12(ten_minute, from_participant="a", to_participant="b", created=datetime(2024, 1, 1))


def test_actual_interval_sample_values():
    nem = read_nem(SAMPLES / "valid" / "Example_NEM12_actual_interval.csv")
    by_suffix = {d.channel.suffix: d for d in nem.days}
    assert set(by_suffix) == {"E1", "Q1"}
    e1 = by_suffix["E1"]
    assert e1.channel.nmi == "VABD000163" and len(e1.values) == 48
    assert e1.values[0] == Decimal("1.111") and e1.qualities[0] == "A"
    assert by_suffix["Q1"].channel.uom == "kVArh"


def test_nem13_consumption_sample_register_values():
    nem = read_nem(SAMPLES / "valid" / "Example_NEM13_consumption_data.csv")
    (read,) = nem.reads
    assert read.nmi == "VABC005890"
    assert (read.previous_value, read.current_value, read.quantity) == (
        Decimal("6342.8"), Decimal("7654.9"), Decimal("1312.1"))
    assert read.current_at == datetime(2004, 1, 7, 10, 3, 33)


def test_multiple_quality_sample_applies_400_records_per_interval():
    (day,) = read_nem(SAMPLES / "valid" / "Example_NEM12_multiple_quality.csv").days
    assert day.qualities[:20] == ("F14",) * 20 and day.reasons[0] == "76"
    assert day.qualities[20:24] == ("A",) * 4
    assert day.qualities[24:] == ("S14",) * 24 and day.reasons[47] == "1"
    assert day.estimated_intervals == 44


def test_different_interval_length_sample_keeps_the_ten_minute_channel():
    nem = read_nem(SAMPLES / "valid" / "Example_NEM12_different_interval_length.csv")
    lengths = {d.channel.suffix: len(d.values) for d in nem.days}
    assert lengths == {"E1": 48, "E2": 48, "V1": 144}
    assert "\n200,C123,E1E2V1,,V1,,,,10,\n" in rewrite_nem(nem)  # written back as read: no unit, 10 minutes


def test_five_minute_solar_month():
    nem = read_nem(SAMPLES / "valid" / "Example_NEM12_month_solar.csv")
    assert {len(d.values) for d in nem.days} == {288}
    assert len({d.day for d in nem.days}) == 31


# What each invalid file must do: (strict error fragment, lenient outcome).
# Lenient outcome: an error fragment (still rejected), or (days kept, issue lines).
INVALID_EXPECTED = {
    "Example_NEM12_15min_200_30min_300.csv": ("interval length mismatch", "interval length mismatch"),
    "Example_NEM12_15min_200_30min_400.csv": ("interval length mismatch", "interval length mismatch"),
    "Example_NEM12_30min_200_15min_300.csv": ("interval length mismatch", "interval length mismatch"),
    "Example_NEM12_30min_200_15min_400.csv": ("interval length mismatch", "interval length mismatch"),
    "Example_NEM12_empty.csv": ("no data records", "no data records"),
    "Example_empty_file.csv": ("file is empty", "file is empty"),
    "Example_NEM12_missing_header.csv": ("missing header", (2, [2])),
    "Example_NEM12_incomplete_interval.csv": ("0 of 48 interval values", (3, [3])),
    "Example_NEM12_powercor.csv": ("missing header", (2, [2, 8, 9, 11])),
    "Example_NEM12_powercor_missing_fields.csv": ("missing header", (2, [2, 3, 5, 8, 9, 9, 11, 11])),
}


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_every_invalid_file_is_rejected_in_strict_mode_with_a_clear_error(path):
    with pytest.raises(NemFormatError) as caught:
        read_nem(path, strict=True)
    message = str(caught.value)
    assert path.name in message  # names the file
    expected = INVALID_EXPECTED.get(path.name)
    if expected:
        assert expected[0] in message


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_every_invalid_file_in_lenient_mode_keeps_what_is_complete_or_is_rejected(path):
    expected = INVALID_EXPECTED.get(path.name)
    if expected is None:
        pytest.fail(f"new invalid sample {path.name}: add its expected behaviour to the table")
    outcome = expected[1]
    if isinstance(outcome, str):
        with pytest.raises(NemFormatError, match=outcome):
            read_nem(path, strict=False, assume_nem12=True)
        return
    days, issue_lines = outcome
    nem = read_nem(path, strict=False, assume_nem12=True)
    assert len(nem.days) == days
    assert [i.line for i in nem.issues] == issue_lines
    assert all(i.message for i in nem.issues)


def test_mismatch_message_names_both_lines_and_lengths():
    with pytest.raises(NemFormatError) as caught:
        read_nem(SAMPLES / "invalid" / "Example_NEM12_15min_200_30min_400.csv", strict=False)
    assert caught.value.line == 4
    assert "cover intervals 1-48" in str(caught.value) and "IntervalLength 15" in str(caught.value)


def test_missing_header_is_rejected_even_leniently_unless_nem12_may_be_assumed():
    path = SAMPLES / "invalid" / "Example_NEM12_missing_header.csv"
    with pytest.raises(NemFormatError, match="missing header"):
        read_nem(path, strict=False)
    nem = read_nem(path, strict=False, assume_nem12=True)
    assert nem.header_assumed and nem.version == "NEM12"


def test_powercor_concatenation_keeps_the_later_body_and_says_so():
    nem = read_nem(SAMPLES / "invalid" / "Example_NEM12_powercor.csv", strict=False,
                   assume_nem12=True)
    values = {d.channel.suffix: d.values[0] for d in nem.days}
    assert values == {"E1": Decimal("3.333"), "Q1": Decimal("4.444")}
    assert any("already given on line 3" in i.message for i in nem.issues)


def test_incomplete_interval_keeps_the_complete_days():
    nem = read_nem(SAMPLES / "invalid" / "Example_NEM12_incomplete_interval.csv", strict=False)
    kept = sorted((d.channel.suffix, d.day.isoformat()) for d in nem.days)
    assert kept == [("E1", "2004-02-02"), ("Q1", "2004-02-01"), ("Q1", "2004-02-02")]
