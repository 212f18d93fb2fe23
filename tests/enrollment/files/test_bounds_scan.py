"""The workbook measure itself (enrollment/files/bounds/), in-process and without a database."""

from __future__ import annotations

import io
import random
import re
import zipfile

import openpyxl
import pytest

from enrollment.files import bounds, readers, xlsx
from enrollment.files.bounds import BoundsError, check_workbook
from enrollment.files.bounds import xlsx as xlsx_bounds
from tests.builders.boundfiles import MAIN, _header_and_person, sheet_xml, workbook


def test_the_at_most_patterns_match_exactly_the_numbers_and_columns_up_to_the_bound():
    rng = random.Random(5)
    for n in [1, 9, 10, 11, 99, 100, 101, 65536, 100001, 1048576]:
        pattern = re.compile(xlsx_bounds._number_le(n))
        for k in [*range(1, 300), n - 1, n, n + 1, 10 * n, *(rng.randint(1, 2 * n + 5) for _ in range(500))]:
            assert bool(pattern.fullmatch(str(k))) == (1 <= k <= n), (n, k)
    for c in [1, 2, 4, 26, 27, 52, 702, 703, 1024, 16384]:
        pattern = re.compile(xlsx_bounds._letters_le(bounds.limits._column_label(c)))
        for k in [*range(1, 800), c, c + 1, 16384, *(rng.randint(1, 16384) for _ in range(500))]:
            assert bool(pattern.fullmatch(bounds.limits._column_label(k))) == (k <= c), (c, k)


def _openpyxl_book(rows: int, columns: int) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(rows):
        ws.append([f"{r}-{c}" for c in range(columns)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _exact(data: bytes) -> bounds.SheetExtent:
    zf = zipfile.ZipFile(io.BytesIO(data))
    extent = bounds.SheetExtent()
    xlsx_bounds._scan_exact(zf, zf.getinfo("xl/worksheets/sheet1.xml"), extent)
    return extent


@pytest.mark.parametrize(("rows", "columns"), [(1, 1), (300, 4), (3000, 30), (50, 730)])
def test_the_fast_scan_finds_the_used_range_expat_finds(rows, columns):
    data = _openpyxl_book(rows, columns)
    fast = check_workbook(io.BytesIO(data), "xlsx").sheet(0)
    assert (fast.rows, fast.columns) == (rows, columns)
    assert (_exact(data).rows, _exact(data).columns) == (rows, columns)


def test_empty_styled_cells_are_not_in_the_used_range():
    cells = "".join(f'<row r="{r}"><c r="A{r}" s="1"/><c r="XFD{r}" s="1"></c></row>' for r in range(3, 2000))
    extent = check_workbook(io.BytesIO(workbook(sheet_xml(_header_and_person() + cells))), "xlsx").sheet(0)
    assert (extent.rows, extent.columns, extent.exact) == (2, 4, True)


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="B1048576"><v>1</v></c>',  # far, in the form
        "<c><v>1</v></c>",  # no reference: after the row's previous cell
        '<c s="0" r="b1048576"><v>1</v></c>',  # lower case, r not first
        "<c r='B1048576'><v>1</v></c>",  # single quotes
        '<!-- a comment --><c r="B1048576"><is/></c>',
    ],
)
def test_every_form_of_a_far_cell_is_found(cell, settings):
    settings.WORKBOOK_MAX_ROWS = 1000
    rows = _header_and_person() + f'<row r="1048576">{cell}</row>'
    with pytest.raises(BoundsError) as refused:
        check_workbook(io.BytesIO(workbook(sheet_xml(rows))), "xlsx")
    assert "1,048,576" in str(refused.value) and "1,000" in str(refused.value)


def test_a_prefixed_far_cell_is_found(settings):
    settings.WORKBOOK_MAX_COLUMNS = 10
    rows = f'<row r="1"><c r="A1"><v>1</v></c><x:c xmlns:x="{MAIN}" r="AA1"><v>1</v></x:c></row>'
    with pytest.raises(BoundsError) as refused:
        check_workbook(io.BytesIO(workbook(sheet_xml(rows))), "xlsx")
    assert "AA" in str(refused.value)


def test_the_streamed_reader_pads_rows_to_the_used_range_never_to_the_declared_dimension(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "XLSX_BULK_MAX_AREA", 0)  # force openpyxl
    path = tmp_path / "名册.xlsx"
    path.write_bytes(workbook(sheet_xml(_header_and_person(), dimension="A1:XFD1048576")))
    with readers.open_table(path) as table:
        rows = list(table.rows())
    assert [len(cells) for _line, cells in rows] == [4]
    assert table.estimated_rows == 1


def test_a_quota_table_beyond_a_limit_is_refused_in_chinese(settings):
    from django.utils import translation

    from quotas.targets import importing
    from quotas.targets.services import issue_message

    settings.WORKBOOK_MAX_ROWS = 1
    with translation.override("zh-hans"):
        parsed = importing.parse_file(workbook(sheet_xml(_header_and_person())), "任务表.xlsx")
        assert [i.code for i in parsed.errors] == ["file_refused"]
        assert "第 2 行" in issue_message(parsed.errors[0])


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="A3" r="ZZ9000"><v>1</v></c>',  # a second r: calamine takes the last one
        '<c r="A3" s="1" r ="ZZ9000"><v>1</v></c>',
        '<c r="A3"\tr="ZZ9000"><v>1</v></c>',
    ],
)
def test_a_second_reference_on_a_cell_is_not_taken_for_the_first(cell, settings):
    """calamine takes a cell's last r attribute: the fast scan must not stop at the first one."""
    settings.WORKBOOK_MAX_COLUMNS = 100
    rows = _header_and_person() + f'<row r="3">{cell}</row>'
    with pytest.raises(BoundsError):
        check_workbook(io.BytesIO(workbook(sheet_xml(rows))), "xlsx")


def test_what_follows_the_cells_does_not_send_an_excel_sheet_to_the_slow_scan():
    """Excel writes x14:conditionalFormatting (a prefixed element) after </sheetData>: the fast scan still holds."""
    after = (
        '<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" xmlns:x14="urn:x14"><x14:conditionalFormattings>'
        "<x14:conditionalFormatting><!-- a comment --></x14:conditionalFormatting></x14:conditionalFormattings>"
        "</ext></extLst>"
    )
    extent = check_workbook(io.BytesIO(workbook(sheet_xml(_header_and_person(), after=after))), "xlsx").sheet(0)
    assert (extent.rows, extent.columns, extent.exact) == (2, 4, False)
