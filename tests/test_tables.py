"""Spreadsheet-friendly CSV and .xlsx files, and terminal tables that fit the terminal."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from tillvaxt_geo.cli._common import format_table, format_value
from tillvaxt_geo.figures import table_keys
from tillvaxt_geo.output.files import write_csv, write_xlsx

FRAME = pd.DataFrame(
    {
        "name": ["Grängesberg", "Södra Ludvika", '=HYPERLINK("x")'],
        "travel_time_min": [12.345678901234567, 0.1 + 0.2, -0.0015999999999999348],
        "workers": [3, 140, 0],
    }
)


def test_swedish_csv_opens_in_columns_with_a_bom_and_decimal_commas(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", FRAME, locale="sv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == "name;travel_time_min;workers"
    assert "Grängesberg;12,346;3" in text  # rounded, decimal comma, å/ä/ö intact
    assert "-0,002" in text and "0000" not in text
    back = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")
    # a text cell a spreadsheet would run as a formula is written with a leading ' (issue 17)
    assert list(back["name"]) == [f"'{n}" if str(n).startswith("=") else n for n in FRAME["name"]]
    assert back["travel_time_min"].tolist() == pytest.approx([12.346, 0.3, -0.002])


def test_english_csv_is_comma_separated_with_bom_and_reads_back(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", FRAME, locale="en", decimals=None)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["name", "travel_time_min", "workers"]
    assert float(rows[1][1]) == FRAME.loc[0, "travel_time_min"]  # decimals=None keeps full precision
    with pytest.raises(ValueError, match="locale"):
        write_csv(tmp_path / "x.csv", FRAME, locale="de")


def test_xlsx_round_trip_keeps_numbers_numbers_and_formulas_text(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "t.xlsx", {"comparison": FRAME, "a" * 40: FRAME.head(1)})
    book = load_workbook(path)
    assert book.sheetnames == ["comparison", "a" * 31]
    sheet = book["comparison"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("name", "travel_time_min", "workers")
    assert rows[1][0] == "Grängesberg" and rows[1][2] == 3
    assert rows[1][1] == pytest.approx(FRAME.loc[0, "travel_time_min"], rel=1e-14)
    assert isinstance(rows[2][2], int)
    assert sheet["A4"].data_type == "s" and sheet["A4"].value == '=HYPERLINK("x")'  # shown as typed, never run


def test_format_value_rounds_half_away_and_formats_shares() -> None:
    assert format_value(562.5) == "563" and format_value(561.5) == "562"
    assert format_value(0.97815, share=True) == "97.8 %"
    assert format_value(12345.0) == "12 345"
    assert format_value(1.0, sign=True, digits=0) == "+1"
    assert format_value(None) == "–"


@pytest.mark.parametrize("width", [60, 80, 120])
def test_run_table_fits_the_terminal(width: int) -> None:
    frame = pd.DataFrame(
        [
            {"scenario": "two_companies_high_integration", **{k: 1234.5 for k in table_keys()}},
            {"scenario": "nio_only", **{k: 0.5 for k in table_keys()}},
        ]
    )
    frame["local_residence_share"] = [0.978, 0.5]
    text = format_table(frame, width=width, labels="en")
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "97.8 %" in text and "1 235" in text  # 1234.5 rounds half away from zero
    assert "Direct" in text  # figure labels, not 30-character keys
    assert text.count("1 235") == len(table_keys()) - 1  # no column dropped to make it fit
    assert text.count("0.5") + text.count("50.0 %") == len(table_keys())
