"""Our NEM12 writer: exact Decimal text, 400 records for mixed days, refusals that name the place,
and a property test that nemreader reads back exactly what was written (5, 15 and 30 minutes)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.nem12 import (
    Channel,
    IntervalDay,
    NemWriteError,
    format_value,
    read_nem,
    read_nem_text,
    rewrite_nem,
    write_nem12,
    write_nem12_file,
)

CREATED = datetime(2024, 10, 1, 9, 30, 15)


def day_of(values, qualities=None, reasons=(), *, length=30, nmi="NCDE001111", on=date(2024, 9, 3)):
    n = 1440 // length
    values = list(values) if len(values) == n else list(values) * (n // len(values))
    return IntervalDay(channel=Channel(nmi=nmi, suffix="E1", interval_length=length, register_id="1",
                                       meter_serial="M1"),
                       day=on, values=tuple(values), qualities=tuple(qualities or ["A"] * n),
                       reasons=tuple(reasons))


def write(days):
    return write_nem12(days, from_participant="BUA", to_participant="RETAILER", created=CREATED)


def test_value_text_has_no_float_noise_exponent_or_negative_zero():
    assert format_value(Decimal("1.111")) == "1.111"
    assert format_value(Decimal("1E+2")) == "100"
    assert format_value(Decimal("-0.000")) == "0.000"
    assert format_value(Decimal(1111).scaleb(-3)) == "1.111"
    assert format_value(7) == "7"
    with pytest.raises(NemWriteError, match="floats carry noise"):
        format_value(0.1)
    with pytest.raises(NemWriteError, match="not finite"):
        format_value(Decimal("NaN"))


def test_uniform_day_is_one_300_record_with_its_quality():
    text = write([day_of([Decimal("0.5")], ["E14"] * 48)])
    lines = text.splitlines()
    assert lines[0] == "100,NEM12,202410010930,BUA,RETAILER"
    assert lines[1] == "200,NCDE001111,E1,1,E1,,M1,kWh,30,"
    assert lines[2].startswith("300,20240903,0.5,0.5,") and lines[2].endswith(",E14,,,20241001093015,")
    assert lines[2].count(",") == 2 + 48 + 4
    assert lines[3] == "900" and len(lines) == 4


def test_mixed_day_becomes_V_with_contiguous_400_records():
    qualities = ["A"] * 10 + ["S53"] * 5 + ["E14"] * 33
    reasons = [""] * 10 + ["76"] * 5 + [""] * 33
    text = write([day_of([Decimal(1)], qualities, reasons)])
    lines = text.splitlines()
    assert ",V,,," in lines[2]
    assert lines[3:6] == ["400,1,10,A,,", "400,11,15,S53,76,", "400,16,48,E14,,"]
    (back,) = read_nem_text(text).days
    assert back.qualities == tuple(qualities) and back.reasons == tuple(reasons)


def test_days_are_sorted_and_each_channel_gets_one_200_record():
    a = day_of([Decimal(1)], on=date(2024, 9, 4))
    b = day_of([Decimal(2)], on=date(2024, 9, 3))
    c = day_of([Decimal(3)], nmi="AAAA000001")
    lines = write([a, b, c]).splitlines()
    assert [line[:14] for line in lines if line[:3] in ("200", "300")] == [
        "200,AAAA000001", "300,20240903,3", "200,NCDE001111", "300,20240903,2", "300,20240904,1"]


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (day_of([Decimal(1)] * 47), "47 values and 48 qualities given, 48 needed"),
        (day_of([Decimal(-1)]), "interval 1: value -1 is negative"),
        (day_of([Decimal(1)], ["N"] * 48), "quality 'N' cannot be written"),
        (day_of([Decimal(1)], ["V"] * 48), "quality 'V' cannot be written"),
        (day_of([Decimal(1)], ["E"] * 48), "quality 'E' cannot be written"),
        (day_of([Decimal(1)], ["S53"] * 48), "quality S53 needs a reason code"),
        (day_of([1.5] * 48), "floats carry noise"),
        (day_of([Decimal(1)], length=10), "interval length 10 is not 5, 15 or 30"),
    ],
)
def test_invalid_days_are_refused_naming_channel_day_and_interval(day, message):
    with pytest.raises(NemWriteError, match=message):
        write([day])


def test_a_day_given_twice_is_refused():
    with pytest.raises(NemWriteError, match="given twice"):
        write([day_of([Decimal(1)]), day_of([Decimal(2)])])


def test_commas_inside_fields_are_refused():
    with pytest.raises(NemWriteError, match="comma"):
        write_nem12([day_of([Decimal(1)])], from_participant="A,B", to_participant="R",
                    created=CREATED)


def test_file_is_written_atomically_and_reads_back(tmp_path):
    target = write_nem12_file(tmp_path / "out" / "x.csv", [day_of([Decimal("0.25")], length=15)],
                              from_participant="A", to_participant="B", created=CREATED)
    assert [p.name for p in target.parent.iterdir()] == ["x.csv"]
    (day,) = read_nem(target).days
    assert day.values == (Decimal("0.25"),) * 96


values_3dp = st.integers(min_value=0, max_value=9_999_999).map(lambda n: Decimal(n).scaleb(-3))
quality_runs = st.lists(st.sampled_from([("A", ""), ("E14", ""), ("S53", "76"), ("F14", "18")]),
                        min_size=1, max_size=4)


@settings(max_examples=40, deadline=None)
@given(length=st.sampled_from([5, 15, 30]), data=st.data())
def test_property_nemreader_reads_back_exactly_what_we_wrote(length, data):
    from nemreader.nem_reader import parse_nem12_rows

    n = 1440 // length
    values = data.draw(st.lists(values_3dp, min_size=n, max_size=n))
    runs = data.draw(quality_runs)
    cuts = sorted(data.draw(st.lists(st.integers(1, n - 1), min_size=len(runs) - 1,
                                     max_size=len(runs) - 1, unique=True)))
    bounds = [0, *cuts, n]
    qualities, reasons = [], []
    for (quality, reason), start, end in zip(runs, bounds, bounds[1:]):
        qualities += [quality] * (end - start)
        reasons += [reason] * (end - start)
    day = day_of(values, qualities, reasons, length=length)
    text = write([day])
    rows = [line.split(",") for line in text.splitlines()[1:]]
    readings = parse_nem12_rows(rows).readings["NCDE001111"]["E1"]
    assert [Decimal(repr(r.read_value)) for r in readings] == values
    assert [r.quality_method for r in readings] == qualities
    assert [r.event_code for r in readings] == reasons
    assert all((r.t_end - r.t_start).seconds == length * 60 for r in readings)


def test_reason_descriptions_msats_time_and_b2b_records_round_trip():
    from handlers.nem12 import B2BDetail

    day = IntervalDay(
        channel=Channel(nmi="NMI0000001", suffix="E1", interval_length=30, nmi_configuration="E1"),
        day=date(2024, 9, 1), values=(Decimal("0.5"),) * 48, qualities=("S14",) * 24 + ("A",) * 24,
        reasons=("0",) * 24 + ("",) * 24, descriptions=("meter bypassed by the customer",) * 24 + ("",) * 24,
        updated=datetime(2024, 9, 2, 1, 0, 0), msats_loaded=datetime(2024, 9, 2, 3, 4, 5),
        b2b=(B2BDetail("S", "SO-123", datetime(2024, 9, 1, 10, 30, 0), "001234.5"),))
    text = write_nem12([day], from_participant="MDP", to_participant="RET", created=datetime(2024, 9, 2, 9, 0))
    assert "400,1,24,S14,0,meter bypassed by the customer" in text
    assert "500,S,SO-123,20240901103000,001234.5" in text
    assert ",V,,,20240902010000,20240902030405" in text
    (back,) = read_nem_text(text).days
    assert dataclasses.replace(back, line=0) == day


def test_reason_code_zero_needs_its_description():
    day = IntervalDay(channel=Channel(nmi="NMI0000001", suffix="E1", interval_length=30), day=date(2024, 9, 1),
                      values=(Decimal(1),) * 48, qualities=("S14",) * 48, reasons=("0",) * 48)
    with pytest.raises(NemWriteError, match="interval 1: reason code 0 needs a reason description"):
        write_nem12([day], from_participant="a", to_participant="b", created=datetime(2024, 1, 1))


NULL_DATA = "\n".join([  # a file another MDP wrote: a day of null data, and a day with a null run
    "100,NEM12,202409051200,MDP1,RETAILER",
    "200,NCDE001111,E1,1,E1,N1,M1,kWh,30,",
    "300,20240903," + ",".join(["0"] * 48) + ",N,,,20240904120000,",
    "300,20240904," + ",".join(["1.5"] * 48) + ",V,,,20240905120000,20240905130000",
    "400,1,10,A,,",
    "400,11,20,N,,",
    "400,21,48,S53,76,Comms fault",
    "900", ""])


def test_a_file_with_null_data_is_written_back_as_read():
    nem = read_nem_text(NULL_DATA, name="null.csv")
    assert [sorted(set(d.qualities)) for d in nem.days] == [["N"], ["A", "N", "S53"]]
    text = rewrite_nem(nem)
    assert text.splitlines()[2] == "300,20240903," + ",".join(["0.0"] * 48) + ",N,,,20240904120000,"
    assert "400,11,20,N,," in text.splitlines()
    back = read_nem_text(text, name="written")
    assert [dataclasses.replace(d, line=0) for d in back.days] == [dataclasses.replace(d, line=0) for d in nem.days]
    assert (back.created, back.from_participant, back.to_participant) == (
        datetime(2024, 9, 5, 12, 0), "MDP1", "RETAILER")


def test_days_we_make_never_carry_null_data():
    nem = read_nem_text(NULL_DATA, name="null.csv")
    with pytest.raises(NemWriteError, match=r"interval 1: quality 'N' cannot be written .*null data, N, only as read"):
        write([nem.days[0]])
    with pytest.raises(NemWriteError, match="interval 11: quality 'N' cannot be written"):
        write([nem.days[1]])
    written = write_nem12(nem.days, from_participant="a", to_participant="b", created=CREATED, as_read=True)
    assert ",N,,," in written  # only when asked to write days as read
