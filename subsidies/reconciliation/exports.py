"""Reconciliation results as files: the fixed CSV layout of `export_reconciliation`, and .xlsx for the pages.

Both are written by the one formula-safe writer (enrollment.files.writers): no cell can run as a formula.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from enrollment.files import writers
from subsidies.models import EnrolmentStatus
from subsidies.reconciliation.presenter import ResultViewer, present_winner
from subsidies.reconciliation.rules import flags_parse

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


def write_csv(rows: Iterable[list[str]], stream) -> int:
    """UTF-8 with BOM (what Excel on Chinese Windows opens correctly); returns the number of data rows."""
    lines = writers.csv_lines(rows, headers=HEADERS)
    stream.write(next(lines))
    n = 0
    for line in lines:
        stream.write(line)
        n += 1
    return n


def iter_csv(rows: Iterable[list[str]]) -> Iterator[str]:
    """The CSV of `write_csv`, one line at a time (for a streaming response)."""
    return writers.csv_lines(rows, headers=HEADERS)


def write_xlsx(rows: Iterable[list[str]], stream) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Reconciliation"))
    writers.append(sheet, HEADERS)
    n = 0
    numeric = {7, 8, 9}
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            if i in numeric:
                cell = writers.cell(sheet, Decimal(value), number_format="0.00")
            else:
                cell = writers.cell(sheet, value)  # never a formula, and the ID column stays text
            cells.append(cell)
        sheet.append(cells)
        n += 1
    workbook.save(stream)
    return n
