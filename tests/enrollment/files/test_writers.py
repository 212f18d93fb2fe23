"""The formula-safe writer without a database: string cells with the quote prefix, the CSV convention."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from openpyxl import Workbook

from enrollment.files import writers

HOSTILE = [
    '=HYPERLINK("http://x","点我")',
    "=1+1",
    "+86-123",
    "-1+1",
    "@SUM(A1)",
    "\tcmd",
    "＝1+1",
    "＋1",
    "'=1+1",
    "张三",
    "620721196001010010",
]


def _read_back(book: Workbook):
    out = io.BytesIO()
    book.save(out)
    return openpyxl.load_workbook(io.BytesIO(out.getvalue())).worksheets[-1]


@pytest.mark.parametrize("write_only", [True, False])
def test_every_text_is_a_string_cell_kept_as_it_was(write_only):
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("x") if write_only else book.active
    writers.append(sheet, [*HOSTILE, 5, None])
    cells = next(_read_back(book).iter_rows(min_row=1, max_row=1))
    assert [c.value for c in cells[: len(HOSTILE)]] == HOSTILE
    assert all(c.data_type == "s" for c in cells[: len(HOSTILE)])
    assert [c.quotePrefix for c in cells[: len(HOSTILE)]] == [writers.starts_like_formula(v) for v in HOSTILE]
    assert cells[len(HOSTILE)].value == 5 and cells[len(HOSTILE)].data_type == "n"


def test_append_to_a_normal_sheet_uses_the_row_append_wrote():
    book = Workbook()
    sheet = book.active
    for row in range(2, 10):
        sheet.cell(row=row, column=1).number_format = "@"  # pre-formatted rows, as the templates have
    writers.append(sheet, ["=1+1"])
    writers.append(sheet, ["+1"])
    back = _read_back(book)  # openpyxl appends below the last touched row, and so does the writer
    assert (back["A10"].value, back["A11"].value) == ("=1+1", "+1")
    assert back["A10"].data_type == back["A11"].data_type == "s"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+86-123", "'+86-123"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("＝1+1", "'＝1+1"),
        ("'abc", "''abc"),  # the quote itself is doubled, so reading back is unambiguous
        ("-50.00", "-50.00"),  # a plain number is data
        ("张三", "张三"),
        (-5, -5),
        (None, None),
    ],
)
def test_csv_fields_get_one_apostrophe_before_a_formula_start(value, written):
    assert writers.csv_value(value) == written
    if isinstance(value, str):
        assert writers.csv_value_read(writers.csv_value(value)) == value


def test_csv_lines_round_trip():
    rows = [HOSTILE, ["a,b", 'say "x"', "line\r\nbreak"]]
    text = "".join(writers.csv_lines(rows, headers=["=h", "b"]))
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text[1:], newline="")))
    decoded = [[writers.csv_value_read(v) for v in line] for line in parsed]
    assert decoded == [["=h", "b"], *rows]


def test_control_characters_xml_cannot_hold_become_the_replacement_character():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("x")
    writers.append(sheet, ["a\x01b", "=\x0bx"])
    cells = next(_read_back(book).iter_rows(min_row=1, max_row=1))
    assert [c.value for c in cells] == ["a\ufffdb", "=\ufffdx"]
    assert [c.data_type for c in cells] == ["s", "s"]


def test_no_module_but_the_writer_makes_spreadsheet_cells_or_csv():
    """The formula guard exists once: every file the site hands out is written through enrollment.files.writers.

    The demo generator is the exception by design: it writes the raw files counties bring, for upload.
    """
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    allowed = {"enrollment/files/writers.py", "enrollment/demo/generator.py"}
    offenders = []
    for app in ("accounts", "enrollment", "subsidies", "quotas", "dashboard"):
        for path in (root / app).rglob("*.py"):
            name = path.relative_to(root).as_posix()
            text = path.read_text(encoding="utf-8")
            if name not in allowed and any(
                marker in text for marker in ("WriteOnlyCell(", "csv.writer(", "csv.DictWriter(", 'data_type = "s"')
            ):
                offenders.append(name)
    assert offenders == []
