"""Reader checks on small hand-made files: each defect is rejected in strict mode with its line, and
skipped (or repaired) and reported in lenient mode."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest

from handlers.nem12 import NemFormatError, read_nem, read_nem_bytes, read_nem_text

HEADER = "100,NEM12,202410010930,MDP,RET"
CHANNEL = "200,NCDE001111,E1,1,E1,N1,M1,kWh,30,"


def day(date="20240903", values=None, quality="A", tail=",,,20241001093000,"):
    values = values if values is not None else ["1.5"] * 48
    return f"300,{date},{','.join(values)},{quality}{tail}"


def nem(*body, end=True):
    return "\n".join([HEADER, CHANNEL, *body, *(["900"] if end else [])]) + "\n"


def read_both(text):
    """(strict error, lenient result)."""
    with pytest.raises(NemFormatError) as caught:
        read_nem_text(text, name="t.csv")
    return caught.value, read_nem_text(text, name="t.csv", strict=False)


def test_a_clean_file_reads_with_its_header():
    result = read_nem_text(nem(day(), day("20240904")))
    assert result.version == "NEM12" and result.from_participant == "MDP"
    assert [d.day.isoformat() for d in result.days] == ["2024-09-03", "2024-09-04"]
    assert result.days[0].total == Decimal("72.0")
    assert result.days[0].line == 3 and result.nmis == ["NCDE001111"]


@pytest.mark.parametrize(
    ("bad_day", "fragment"),
    [
        (day(values=["1.5"] * 47 + [""]), "interval 48 value '' is not a number"),
        (day(values=["1.5"] * 47 + ["abc"]), "interval 48 value 'abc' is not a number"),
        (day(values=["-0.5"] + ["1.5"] * 47), "interval 1 value -0.5 is negative"),
        (day(values=["1.5"] * 40), "has 40 of 48 interval values"),
        (day("2024091"), "IntervalDate"),
    ],
)
def test_a_damaged_day_is_rejected_strictly_and_skipped_leniently(bad_day, fragment):
    error, result = read_both(nem(day("20240902"), bad_day))
    assert error.line == 4 and fragment in str(error) and "t.csv, line 4" in str(error)
    assert [d.day.isoformat() for d in result.days] == ["2024-09-02"]
    assert [(i.line, fragment in i.message) for i in result.issues] == [(4, True)]


def test_400_records_that_leave_a_gap_skip_the_day():
    text = nem(day(quality="V", tail=",,,20241001093000,"), "400,1,20,A,,", "400,22,48,E14,,",
               day("20240904"))
    error, result = read_both(text)
    assert "do not cover intervals 1-48 exactly once" in str(error) and error.line == 3
    assert [d.day.day for d in result.days] == [4]


def test_400_after_a_day_that_is_not_variable_is_ignored_leniently():
    error, result = read_both(nem(day(), "400,1,48,E14,,"))
    assert "does not follow a 300 record of quality V" in str(error) and error.line == 4
    assert result.days[0].qualities == ("A",) * 48


def test_a_variable_day_without_400_records_is_skipped():
    error, result = read_both(nem(day(quality="V"), day("20240904")))
    assert "quality V but no 400 records" in str(error)
    assert len(result.days) == 1


def test_a_duplicate_day_is_an_error_strictly_and_the_later_wins_leniently():
    error, result = read_both(nem(day(values=["1"] * 48), day(values=["2"] * 48)))
    assert "already given on line 3" in str(error) and error.line == 4
    assert result.days[0].values[0] == Decimal(2)


def test_missing_end_record_and_unknown_record_types():
    error, result = read_both(nem(day(), "700,whatever", end=False))
    assert "record type '700'" in str(error)
    assert [i.line for i in result.issues] == [4, 4]  # the 700 record, then no 900 after it
    assert "no 900 end-of-data record" in result.issues[1].message


def test_a_short_300_record_is_padded_leniently_and_rejected_strictly():
    error, result = read_both(nem(day(tail="")))
    assert "expected at least 54" in str(error)
    assert result.days[0].updated is None and len(result.days) == 1


def test_update_datetime_is_kept():
    (found,) = read_nem_text(nem(day())).days
    assert found.updated.isoformat() == "2024-10-01T09:30:00"


def test_bad_200_interval_length_skips_its_channel_silently_after_reporting_it():
    text = "\n".join([HEADER, "200,X,E1,1,E1,,,kWh,7,", day(), CHANNEL, day(), "900"])
    error, result = read_both(text)
    assert "IntervalLength '7'" in str(error) and error.line == 2
    assert [i.line for i in result.issues] == [2] and len(result.days) == 1


def test_unknown_version_and_header_datetime():
    with pytest.raises(NemFormatError, match="unknown version 'NEM99'"):
        read_nem_text("100,NEM99,202401010000,A,B\n900\n")
    with pytest.raises(NemFormatError, match="line 1: 100 record DateTime"):
        read_nem_text(nem(day()).replace("202410010930", "2024x"))


def test_bytes_with_bom_zip_and_non_utf8(tmp_path):
    text = nem(day())
    assert read_nem_bytes(b"\xef\xbb\xbf" + text.encode()).days
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("meter.csv", text)
    zipped = tmp_path / "meter.zip"
    zipped.write_bytes(buffer.getvalue())
    result = read_nem(zipped)
    assert len(result.days) == 1
    with pytest.raises(NemFormatError, match="not UTF-8"):
        read_nem_bytes(b"100,NEM12,\xff\xfe")
    with pytest.raises(NemFormatError, match="cannot read the file"):
        read_nem(tmp_path / "absent.csv")


NEM13 = "100,NEM13,200401101030,MDA1,Ret1\n{}\n900\n"
READ_250 = ("250,VABC005890,11,1,11,11,METSER123,E,006342.8,20031005093055,A,,,007654.9,"
            "20040107100333,A,,,1312.1,kWh,20040407,20040108100333,20040108091133")


def test_nem13_reads_and_its_defects():
    (read,) = read_nem_text(NEM13.format(READ_250)).reads
    assert read.quantity == Decimal("1312.1") and read.line == 2
    assert read.next_read.isoformat() == "2004-04-07"
    bad = READ_250.replace("007654.9", "76x")
    error, result = read_both(NEM13.format(bad + "\n" + READ_250.replace("VABC005890", "VABC000001")))
    assert "CurrentRegisterRead '76x' is not a number" in str(error)
    assert [r.nmi for r in result.reads] == ["VABC000001"]
