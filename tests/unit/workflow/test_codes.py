"""Dossier codes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.codes import format_code, parse_code


def test_format_and_parse_the_example():
    code = format_code("000.00.31.H33", date(2026, 11, 22), 7)
    assert code == "000.00.31.H33-261122-0007"
    assert parse_code(code) == ("000.00.31.H33", date(2026, 11, 22), 7)


def test_aware_datetime_uses_the_vietnamese_date():
    # 18:30 UTC on 21/11 is 01:30 on 22/11 in Hà Nội
    received = datetime(2026, 11, 21, 18, 30, tzinfo=UTC)
    assert format_code("H33.01", received, 12) == "H33.01-261122-0012"
    with pytest.raises(ValueError):
        format_code("H33.01", datetime(2026, 11, 21, 18, 30), 12)


@pytest.mark.parametrize("sequence", [0, -1, 10000])
def test_sequence_out_of_range(sequence):
    with pytest.raises(ValueError):
        format_code("000.00.31.H33", date(2026, 11, 22), sequence)


def test_sequence_bounds_are_inclusive():
    assert format_code("X", date(2026, 1, 2), 1).endswith("-260102-0001")
    assert format_code("X", date(2026, 1, 2), 9999).endswith("-260102-9999")


@pytest.mark.parametrize("identifier", ["", "000-00", "H33 ", ".H33", "H33.", "H33..1", "Đ01"])
def test_invalid_identifier(identifier):
    with pytest.raises(ValueError):
        format_code(identifier, date(2026, 11, 22), 1)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "000.00.31.H33-261122-007",
        "000.00.31.H33-261122-00007",
        "000.00.31.H33-261322-0007",  # month 13
        "000.00.31.H33-260230-0007",  # 30 February
        "000.00.31.H33-261122-0000",
        "000.00.31.H33_261122_0007",
        "-261122-0007",
        "000.00.31.H33-26112a-0007",
        "000.00.31.H33-261122-0007-1",
    ],
)
def test_malformed_codes(code):
    with pytest.raises(ValueError):
        parse_code(code)


@settings(max_examples=60, deadline=None)
@given(
    identifier=st.from_regex(r"\A[0-9A-Z]{1,4}(\.[0-9A-Z]{1,4}){0,3}\Z"),
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    sequence=st.integers(min_value=1, max_value=9999),
)
def test_round_trip(identifier, day, sequence):
    code = format_code(identifier, day, sequence)
    assert parse_code(code) == (identifier, day, sequence)
    assert len(code) == len(identifier) + 12


def test_two_digit_years_are_this_century():
    assert parse_code("H33-991231-0001")[1] == date(2099, 12, 31)
    assert parse_code("H33-000101-0001")[1] == date(2000, 1, 1)
    with pytest.raises(ValueError):
        format_code("H33", date(1999, 12, 31), 1)


# ---------------------------------------------------------------------------------------------
# The 2025 format (Thông tư 04/2025/TT-VPCP): <identifier>-<YYMMDD>-<AA><sequence of 4+ digits>

from workflow.codes import MAX_SEQUENCE_2025, CodeFormat  # noqa: E402

TT04_2025 = CodeFormat("2025", "05")


def test_2025_format_puts_the_system_digits_before_the_sequence():
    code = format_code("H34.20", date(2026, 11, 22), 7, TT04_2025)
    assert code == "H34.20-261122-050007"
    assert parse_code(code) == ("H34.20", date(2026, 11, 22), 7)


def test_2025_sequence_grows_past_four_digits():
    code = format_code("H34", date(2026, 1, 2), 12345, TT04_2025)
    assert code == "H34-260102-0512345"
    assert parse_code(code) == ("H34", date(2026, 1, 2), 12345)
    assert parse_code(format_code("H34", date(2026, 1, 2), MAX_SEQUENCE_2025, TT04_2025))[2] == MAX_SEQUENCE_2025
    with pytest.raises(ValueError):
        format_code("H34", date(2026, 1, 2), MAX_SEQUENCE_2025 + 1, TT04_2025)
    with pytest.raises(ValueError):  # the 2018 format stays at 4 digits
        format_code("H34", date(2026, 1, 2), 10000)


@pytest.mark.parametrize("style, system", [("2025", ""), ("2025", "5"), ("2025", "A5"), ("2024", "05")])
def test_bad_code_format_settings(style, system):
    with pytest.raises(ValueError):
        CodeFormat(style, system)


@settings(max_examples=60, deadline=None)
@given(
    identifier=st.from_regex(r"\A[0-9A-Z]{1,4}(\.[0-9A-Z]{1,4}){0,3}\Z"),
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    system=st.from_regex(r"\A[0-9]{2}\Z"),
    sequence=st.integers(min_value=1, max_value=MAX_SEQUENCE_2025),
)
def test_2025_round_trip(identifier, day, system, sequence):
    code = format_code(identifier, day, sequence, CodeFormat("2025", system))
    assert parse_code(code) == (identifier, day, sequence)
