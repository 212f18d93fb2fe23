"""The finance office's files, read back with openpyxl and csv: header, totals, lines, masking, formula safety."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from subsidies.transfers.exports import batch_csv, batch_workbook
from subsidies.transfers.services import batch_approve, batch_build, batch_check, batch_mark_exported
from tests.builders.transfers_helpers import categories, county, funds, result, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported():
    c = county()
    tekun, dibao, _ = categories(c)
    assistance, _ = funds()
    a = result(
        c,
        status="proxy_enrolled",
        category=tekun,
        fund=assistance,
        subsidy="380",
        enrolled_on=date(2024, 3, 4),
        name="王五",
    )
    b = result(
        c,
        status="enrolled",
        category=dibao,
        fund=assistance,
        subsidy="310",
        paid_on=date(2024, 3, 9),
        enrolled_on=date(2024, 3, 9),
        name='=HYPERLINK("http://x","点我")',
    )
    d = result(
        c,
        status="enrolled",
        category=dibao,
        fund=assistance,
        subsidy="310",
        paid_on=date(2024, 3, 10),
        enrolled_on=date(2024, 3, 10),
        name="@SUM(1)",
    )
    maker, checker = staff("maker", c), staff("checker", c)
    maker.first_name = "赵经办"
    maker.save()
    (batch,) = batch_build(county=c, month=date(2024, 3, 1), user=maker).batches
    batch_check(batch_id=batch.pk, user=checker)
    batch_approve(batch_id=batch.pk, user=staff("approver", c))
    batch = batch_mark_exported(batch_id=batch.pk, user=checker)
    return batch, (a, b, d)


def _rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_workbook_has_header_totals_lines_and_signatures(exported):
    batch, (a, b, d) = exported
    wb = load_workbook(io.BytesIO(batch_workbook(batch=batch)))
    assert wb.sheetnames == ["打印版", "数据版"]
    ws = wb["打印版"]
    rows = _rows(ws)
    assert rows[0][0] == "肃南裕固族自治县居民医保参保资助资金划拨表（2024年3月）"
    assert rows[1][:2] == ["区县", "肃南裕固族自治县（620721）"] and rows[1][3:7] == [
        "资金",
        "医疗救助资金",
        "月份",
        "2024-03",
    ]
    assert rows[2][:2] == ["批次号", "620721-202403-medical_assistance"] and rows[2][4] == "已导出"
    assert rows[5][:5] == ["人员类别", None, "资助方式", "人数", "金额（元）"]
    assert rows[6][:5] == ["低保对象", None, "差额资助", 2, 620]
    assert rows[7][:5] == ["特困人员", None, "代缴", 1, 380]
    assert rows[8][:5] == ["合计", None, None, 3, 1000]
    assert rows[10] == ["序号", "姓名", "身份证号码", "乡镇", "人员类别", "资助方式", "金额（元）", "说明"]
    assert ws.print_title_rows == "$11:$11"
    lines = rows[11:14]
    assert {r[1] for r in lines} == {"王五", b.name, d.name}
    masked = next(r for r in lines if r[1] == "王五")[2]
    assert masked == a.id_number[:6] + "********" + a.id_number[-4:]
    assert all("*" in r[2] for r in lines)
    assert rows[14][5:7] == ["合计", 1000]
    assert rows[16][0] == "经办人" and rows[16][1] == "赵经办"
    assert rows[16][3:7] == ["复核人", "checker", "审批人", "approver"]
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)


def test_text_cells_that_look_like_formulas_stay_text(exported):
    batch, (_, b, d) = exported
    wb = load_workbook(io.BytesIO(batch_workbook(batch=batch)))
    for ws in wb:
        cells = [c for row in ws.iter_rows() for c in row if c.value in (b.name, d.name)]
        assert len(cells) == 2, ws.title
        for cell in cells:
            assert cell.data_type == "s"
            assert cell.quotePrefix is True
    # Nothing in the workbook is a formula.
    assert not [c for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_data_copy_has_full_ids_as_text_and_is_left_out_for_masked_users(exported):
    batch, (a, _, _) = exported
    ws = load_workbook(io.BytesIO(batch_workbook(batch=batch)))["数据版"]
    rows = _rows(ws)
    assert rows[0][:6] == ["批次号", "待遇年度", "序号", "姓名", "身份证号码", "乡镇"]
    cell = next(c for row in ws.iter_rows(min_row=2) for c in row if c.value == a.id_number)
    assert cell.data_type == "s" and cell.number_format == "@"
    assert sum(Decimal(str(r[8])) for r in rows[1:]) == Decimal("1000")
    masked_only = load_workbook(io.BytesIO(batch_workbook(batch=batch, full_ids=False)))
    assert masked_only.sheetnames == ["打印版"]


def test_csv_has_bom_full_ids_and_escapes_formulas(exported):
    batch, (a, b, d) = exported
    data = batch_csv(batch=batch)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][4] == "身份证号码"
    assert len(rows) == 4
    by_id = {r[4]: r for r in rows[1:]}
    assert by_id[a.id_number][3] == "王五" and by_id[a.id_number][8] == "380.00"
    assert by_id[b.id_number][3] == "'" + b.name
    assert by_id[d.id_number][3] == "'@SUM(1)"
