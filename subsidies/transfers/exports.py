"""The files a transfer batch leaves as: an .xlsx for the finance office and a CSV (UTF-8 with BOM).

The workbook has two sheets: 打印版 (the printed copy, masked ID numbers, header, totals per category and kind,
signature block, A4) and 数据版 (the data copy, full ID numbers stored as text). Both files are written by the
one formula-safe writer (enrollment.files.writers), so no cell can run as a formula.
Workbooks are written in openpyxl's write-only mode: a batch of a hundred thousand lines stays in bounded memory.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from accounts.access import mask_id_number
from enrollment.files import writers
from subsidies.models import BatchStatus, LineKind, TransferBatch
from subsidies.transfers.services import batch_totals, last_actor

MONEY_FORMAT = "#,##0.00"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _text_cell(ws, value, *, bold=False, size=None, border=False):
    cell = writers.cell(ws, "" if value is None else str(value))
    if bold or size:
        cell.font = Font(bold=bold, size=size or 11)
    if border:
        cell.border = BOX
    return cell


def _money_cell(ws, value, *, bold=False, border=True):
    return writers.cell(
        ws, value, number_format=MONEY_FORMAT, font=Font(bold=True) if bold else None, border=BOX if border else None
    )


def _int_cell(ws, value, *, border=True):
    return writers.cell(ws, value, border=BOX if border else None)


def _lines(batch: TransferBatch) -> Iterator:
    return (
        batch.lines.select_related("township", "category")
        .order_by("township__name", "kind", "id_number", "pk")
        .iterator(chunk_size=5000)
    )


def _kind_label(kind: str) -> str:
    return str(LineKind(kind).label)


def signatories(batch: TransferBatch) -> dict[str, str]:
    """经办人 (who built), 复核人 (who checked), 审批人 (who approved): names for the signature block."""

    def name(user):
        return (user.get_full_name() or user.username) if user else ""

    return {
        "maker": name(batch.built_by),
        "checker": name(last_actor(batch, BatchStatus.CHECKED)),
        "approver": name(last_actor(batch, BatchStatus.APPROVED)),
    }


def _line_headers() -> list[str]:
    return [
        _("No."),
        _("Name"),
        _("ID number"),
        _("Township"),
        _("Category"),
        _("Kind"),
        _("Amount (yuan)"),
        _("Reason"),
    ]


def _printed_sheet(wb: Workbook, batch: TransferBatch) -> None:
    ws = wb.create_sheet(_("Printed copy"))
    for letter, width in zip("ABCDEFGH", [6, 10, 22, 14, 18, 12, 13, 36], strict=True):
        ws.column_dimensions[letter].width = width
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True

    title = _("%(county)s resident medical insurance subsidy transfer list, %(month)s") % {
        "county": batch.county.name,
        "month": f"{batch.month.year}年{batch.month.month}月",
    }
    ws.append([_text_cell(ws, title, bold=True, size=14)])
    ws.merged_cells.add("A1:H1")
    ws.append(
        [
            _text_cell(ws, _("County")),
            _text_cell(ws, f"{batch.county.name}（{batch.county.code}）"),
            None,
            _text_cell(ws, _("Paying fund")),
            _text_cell(ws, batch.fund.name),
            _text_cell(ws, _("Month")),
            _text_cell(ws, f"{batch.month:%Y-%m}"),
        ]
    )
    ws.append(
        [
            _text_cell(ws, _("Batch number")),
            _text_cell(ws, batch.number),
            None,
            _text_cell(ws, _("Status")),
            _text_cell(ws, batch.get_status_display()),
            _text_cell(ws, _("Printed on")),
            _text_cell(ws, f"{timezone.localdate():%Y-%m-%d}"),
        ]
    )
    ws.append([])
    ws.append([_text_cell(ws, _("Totals per category and kind"), bold=True)])
    ws.append(
        [
            _text_cell(ws, _("Category"), bold=True, border=True),
            None,
            _text_cell(ws, _("Kind"), bold=True, border=True),
            _text_cell(ws, _("People"), bold=True, border=True),
            _text_cell(ws, _("Amount (yuan)"), bold=True, border=True),
        ]
    )
    totals = batch_totals(batch)
    for row in totals:
        ws.append(
            [
                _text_cell(ws, row["category__name"] or _("(none)"), border=True),
                None,
                _text_cell(ws, row["kind_label"], border=True),
                _int_cell(ws, row["people"]),
                _money_cell(ws, row["amount"]),
            ]
        )
    ws.append(
        [
            _text_cell(ws, _("Total"), bold=True, border=True),
            None,
            None,
            _int_cell(ws, batch.lines_count),
            _money_cell(ws, batch.total, bold=True),
        ]
    )
    ws.append([])
    totals_rows = len(totals)
    header_row = 9 + totals_rows  # title, 2 header rows, blank, caption, totals header, totals, total, blank
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.append([_text_cell(ws, h, bold=True, border=True) for h in _line_headers()])
    for seq, line in enumerate(_lines(batch), start=1):
        ws.append(
            [
                _int_cell(ws, seq),
                _text_cell(ws, line.name, border=True),
                _text_cell(ws, mask_id_number(line.id_number), border=True),
                _text_cell(ws, line.township.name if line.township else "", border=True),
                _text_cell(ws, line.category.name if line.category else "", border=True),
                _text_cell(ws, _kind_label(line.kind), border=True),
                _money_cell(ws, line.amount),
                _text_cell(ws, line.reason, border=True),
            ]
        )
    ws.append(
        [None, None, None, None, None, _text_cell(ws, _("Total"), bold=True), _money_cell(ws, batch.total, bold=True)]
    )
    ws.append([])
    people = signatories(batch)
    ws.append(
        [
            _text_cell(ws, _("Prepared by (经办人)")),
            _text_cell(ws, people["maker"]),
            None,
            _text_cell(ws, _("Checked by (复核人)")),
            _text_cell(ws, people["checker"]),
            _text_cell(ws, _("Approved by (审批人)")),
            _text_cell(ws, people["approver"]),
        ]
    )
    ws.append(
        [
            _text_cell(ws, _("Signature")),
            None,
            None,
            _text_cell(ws, _("Signature")),
            None,
            _text_cell(ws, _("Signature")),
            None,
            _text_cell(ws, _("Date")),
        ]
    )


def _data_sheet(wb: Workbook, batch: TransferBatch) -> None:
    ws = wb.create_sheet(_("Data copy"))
    for letter, width in zip("ABCDEFGHIJ", [30, 8, 6, 10, 22, 14, 18, 12, 13, 36], strict=True):
        ws.column_dimensions[letter].width = width
    ws.append([_text_cell(ws, h, bold=True) for h in [_("Batch number"), _("Benefit year"), *_line_headers()]])
    for seq, line in enumerate(_lines(batch), start=1):
        id_cell = _text_cell(ws, line.id_number)
        id_cell.number_format = "@"  # text: Excel must not turn an ID number into 6.20721E+17
        ws.append(
            [
                _text_cell(ws, batch.number),
                writers.cell(ws, line.year),
                writers.cell(ws, seq),
                _text_cell(ws, line.name),
                id_cell,
                _text_cell(ws, line.township.name if line.township else ""),
                _text_cell(ws, line.category.name if line.category else ""),
                _text_cell(ws, _kind_label(line.kind)),
                _money_cell(ws, line.amount, border=False),
                _text_cell(ws, line.reason),
            ]
        )


def batch_workbook(*, batch: TransferBatch, full_ids: bool = True) -> bytes:
    """The .xlsx for the finance office; the data copy (full ID numbers) only for users who may see them."""
    wb = Workbook(write_only=True)
    _printed_sheet(wb, batch)
    if full_ids:
        _data_sheet(wb, batch)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def batch_csv(*, batch: TransferBatch, full_ids: bool = True) -> bytes:
    """One line per person, UTF-8 with BOM (what Excel on Chinese Windows opens correctly)."""
    rows = (
        (
            batch.number,
            line.year,
            seq,
            line.name,
            line.id_number if full_ids else mask_id_number(line.id_number),
            line.township.name if line.township else "",
            line.category.name if line.category else "",
            _kind_label(line.kind),
            line.amount,
            line.reason,
        )
        for seq, line in enumerate(_lines(batch), start=1)
    )
    headers = [_("Batch number"), _("Benefit year"), *_line_headers()]
    return "".join(writers.csv_lines(rows, headers=headers)).encode("utf-8")


def export_filename(batch: TransferBatch, extension: str) -> str:
    return f"{batch.number}.{extension}"
