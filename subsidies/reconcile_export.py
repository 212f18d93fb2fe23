"""Reconciliation results as files: the fixed CSV layout of `export_reconciliation`, and .xlsx for the pages.

Cells that a spreadsheet would read as a formula (a text starting with = + - @, a tab or a carriage return) are
written as text: a leading apostrophe in CSV, an explicit string cell in .xlsx.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .models import EnrolmentStatus
from .reconcile_rules import flags_parse
from .reconciliation_presenter import ResultViewer, present_winner

HEADERS = (
    "身份证号码",
    "姓名",
    "乡镇",
    "村",
    "年度",
    "资助类别",
    "资助部门",
    "资助金额",
    "个人应缴",
    "已缴金额",
    "缴费日期",
    "状态代码",
    "状态",
    "待遇起始日期",
    "问题",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FIELDS = (
    "id_number",
    "name",
    "township__name",
    "village__name",
    "year",
    "category__name",
    "department__name",
    "subsidy",
    "topup",
    "personal_due",
    "paid",
    "paid_on",
    "status",
    "benefit_start",
    "flags",
    "department_id",
)


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _money(value: Decimal | None) -> str:
    return f"{(value or Decimal(0)):.2f}"


def result_rows(qs: QuerySet, *, show_id=None, viewer: ResultViewer | None = None) -> Iterator[list[str]]:
    """One list of strings per result, in HEADERS order. `show_id(id_number)` masks IDs for the viewer;
    `viewer` says what it may see of another department's winning category (`reconciliation_presenter`)."""
    labels = dict(EnrolmentStatus.choices)
    viewer = viewer or ResultViewer()
    for (
        id_number,
        name,
        township,
        village,
        year,
        category,
        department,
        subsidy,
        topup,
        due,
        paid,
        paid_on,
        status,
        start,
        flags,
        department_id,
    ) in qs.order_by("township__name", "village__name", "id_number").values_list(*_FIELDS).iterator(chunk_size=5000):
        winner = present_winner(
            viewer,
            department_id=department_id,
            values={"category": category, "department": department, "benefit_start": start},
        )
        category, department, start = winner["category"], winner["department"], winner["benefit_start"]
        yield [
            show_id(id_number) if show_id else id_number,
            name,
            township or "",
            village or "",
            str(year),
            category or "",
            department or "",
            _money((subsidy or 0) + (topup or 0)),
            _money(due),
            _money(paid),
            paid_on.isoformat() if paid_on else "",
            status,
            str(labels.get(status, status)),
            start.isoformat() if start else "",
            ";".join(flags_parse(flags)),
        ]


def escape_csv(value: str) -> str:
    return f"'{value}" if is_formula_like(value) else value


def write_csv(rows: Iterable[list[str]], stream) -> int:
    """UTF-8 with BOM (what Excel on Chinese Windows opens correctly); returns the number of data rows."""
    stream.write("\ufeff")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(HEADERS)
    n = 0
    for row in rows:
        writer.writerow([escape_csv(v) for v in row])
        n += 1
    return n


class _Line:
    """A file-like object that hands back what csv.writer writes, for streaming."""

    def write(self, value: str) -> str:
        return value


def iter_csv(rows: Iterable[list[str]]) -> Iterator[str]:
    """The CSV of `write_csv`, one line at a time (for a streaming response)."""
    writer = csv.writer(_Line(), lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(HEADERS)
    for row in rows:
        yield writer.writerow([escape_csv(v) for v in row])


def write_xlsx(rows: Iterable[list[str]], stream) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Reconciliation"))
    sheet.append(list(HEADERS))
    n = 0
    numeric = {7, 8, 9}
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            if i in numeric:
                cell = WriteOnlyCell(sheet, value=Decimal(value))
                cell.number_format = "0.00"
            else:
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # never a formula, and the ID column stays text
            cells.append(cell)
        sheet.append(cells)
        n += 1
    workbook.save(stream)
    return n
