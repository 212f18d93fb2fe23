"""The reader of the counties' quota tables: seed layouts, header aliases, encodings, errors, hostile files."""

import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.utils import translation

from enrollment.files.uploads import UploadError, check_upload
from quotas.targets import importing
from quotas.targets.services import issue_message
from tests.builders.badfiles import bad_files

# Refused by the upload checks themselves (the rest of tests/builders/badfiles.py is refused later, by rules).
HOSTILE_KEYS = {
    "empty_file",
    "renamed_exe_as_xlsx",
    "renamed_exe_as_csv",
    "binary_garbage",
    "zip_bomb",
    "billion_laughs",
    "truncated_xlsx",
    "xlsx_without_sheet",
    "zip_not_xlsx",
    "csv_with_nul",
    "utf16_text_without_bom",
}

SEEDS = Path(__file__).resolve().parents[3] / "quotas" / "seeds"


def parse_seed(name):
    path = SEEDS / name
    return importing.parse_file(path.read_bytes(), path.name)


def test_sunan_sentence_list_fixture_sums_to_29500():
    parsed = parse_seed("620721_2024_sunan_plan.csv")
    assert not parsed.errors
    assert [(r.name, r.target) for r in parsed.rows] == [
        ("皇城镇", 7326),
        ("马蹄乡", 4427),
        ("白银乡", 626),
        ("康乐镇", 3500),
        ("大河乡", 3960),
        ("明花乡", 3450),
        ("祁丰乡", 2699),
        ("红湾寺镇", 3512),
    ]
    assert parsed.summed_total == 29500
    assert parsed.stated_total == 29500
    assert not parsed.total_mismatch


def test_zhuji_annex_keeps_population_and_its_total_row():
    parsed = parse_seed("341323_2023_zhuji_annex.csv")
    assert not parsed.errors
    assert len(parsed.rows) == 13
    assert parsed.rows[0] == importing.QuotaRow(
        row=4, seq=1, name="姜山村", kind_hint="village", column_kind="village", target=1981, population=2251
    )
    # 双杨村 and 苗河村 really share the same figures in the annex.
    assert [(r.population, r.target) for r in parsed.rows[9:11]] == [(3228, 2841), (3228, 2841)]
    assert parsed.summed_total == 41851
    assert parsed.stated_total == 41851  # the annex's 合计 row; the notice's body says 41,850
    assert parsed.stated_population == parsed.summed_population == 47547
    assert parsed.title == "朱集镇 2023 年度城乡居民基本医保参保缴费任务分解表"


def test_xiaoyi_two_column_table_with_groups_that_are_not_places():
    parsed = parse_seed("141181_2024_xiaoyi_tasks.csv")
    assert not parsed.errors
    assert len(parsed.rows) == 20
    assert [r.seq for r in parsed.rows] == list(range(1, 21))
    assert parsed.summed_total == 346038
    assert parsed.stated_total == 346038  # "合计 346038人"
    groups = [r.name for r in parsed.rows if r.kind_hint == ""]
    assert groups == ["学校", "改制企业", "特困人员", "零散户"]
    assert {r.name: r.target for r in parsed.rows}["兑镇镇"] == 26265


def test_a_stated_total_that_differs_is_kept_not_replaced():
    data = "序号,村名,任务数\n1,甲村,100\n2,乙村,201\n合计,,300\n".encode()
    parsed = importing.parse_file(data, "t.csv")
    assert parsed.stated_total == 300
    assert parsed.summed_total == 301
    assert parsed.total_mismatch


def test_header_aliases_with_spaces_and_full_width_brackets():
    data = '编号, 乡镇（街道） ,任 务 数（人）,户籍人口,说明\n1,甲镇,"1,200",1500,新设\n'.encode()
    parsed = importing.parse_file(data, "t.csv")
    assert not parsed.errors
    row = parsed.rows[0]
    assert (row.name, row.target, row.population, row.note, row.column_kind) == ("甲镇", 1200, 1500, "新设", "township")


def test_gbk_bytes_as_excel_on_chinese_windows_writes_them():
    data = (SEEDS / "341323_2023_zhuji_annex.csv").read_text(encoding="utf-8").encode("gbk")
    assert data.decode("gbk")  # really GBK bytes, not UTF-8
    parsed = importing.parse_file(data, "任务分解表.csv")
    assert parsed.summed_total == 41851
    assert parsed.rows[5].name == "朱集村"


def test_xlsx_written_by_openpyxl_with_title_rows_and_numbers():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["孝义市2023年度城乡居民医保参保任务表"])
    sheet.append(["序号", "乡镇（街道）", "任务数(人)", "序号", "乡镇（街道）", "任务数(人)"])
    sheet.append([1, "新义街道", 27993, 11, "兑镇镇", 26265])
    sheet.append([2, "崇文街道", 16500.0, 12, "学校", 20566])
    sheet.append(["合计", "91324人"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = importing.parse_file(buffer.getvalue(), "任务表.xlsx")
    assert not parsed.errors
    assert [r.name for r in parsed.rows] == ["新义街道", "崇文街道", "兑镇镇", "学校"]
    assert parsed.summed_total == parsed.stated_total == 91324


def test_bad_cells_are_named_by_row_and_column():
    data = "序号,村名,任务数\n1,甲村,一百\n2,,5\n3,甲村,7\n4,丙村,0\n5,丁村,\n".encode()
    parsed = importing.parse_file(data, "t.csv")
    codes = [(i.code, i.row, i.column) for i in parsed.errors]
    assert codes == [
        ("target_not_number", 2, "任务数"),
        ("name_missing", 3, "村名"),
        ("duplicate_name", 4, "村名"),
        ("target_not_positive", 5, "任务数"),
        ("target_missing", 6, "任务数"),
    ]


def test_a_file_without_a_header_is_refused():
    parsed = importing.parse_file("甲,乙\n1,2\n".encode(), "t.csv")
    assert [i.code for i in parsed.errors] == ["no_header"]


def test_a_renamed_binary_is_not_a_workbook():
    parsed = importing.parse_file(b"PK\x03\x04 not really a zip", "t.xlsx")
    assert [i.code for i in parsed.errors] == ["file_refused"]
    assert "损坏" in issue_message(parsed.errors[0])


HOSTILE = [b for b in bad_files() if b.key in HOSTILE_KEYS]


@pytest.mark.parametrize("bad", HOSTILE, ids=[b.key for b in HOSTILE])
def test_a_hostile_quota_file_is_refused_like_a_register_upload(bad, tmp_path):
    """The quota import passes the upload checks of every kind: the same refusal, in the same words."""
    path = tmp_path / bad.filename
    bad.write(path)
    with translation.override("zh-hans"):
        with pytest.raises(UploadError) as register_refusal:
            check_upload(path, max_bytes=settings.UPLOAD_MAX_BYTES, original_name=bad.filename)
        parsed = importing.parse_file(path.read_bytes(), bad.filename)
        assert [i.code for i in parsed.errors] == ["file_refused"]
        assert issue_message(parsed.errors[0]) == str(register_refusal.value)
        assert bad.message in issue_message(parsed.errors[0])


def test_a_quota_file_over_the_upload_limit_is_refused(settings):
    data = (SEEDS / "620721_2024_sunan_plan.csv").read_bytes()
    settings.UPLOAD_MAX_BYTES = len(data) - 1
    with translation.override("zh-hans"):
        parsed = importing.parse_file(data, "任务表.csv")
        assert [i.code for i in parsed.errors] == ["file_refused"]
        assert "最多" in issue_message(parsed.errors[0]) or "MB" in issue_message(parsed.errors[0])
    settings.UPLOAD_MAX_BYTES = len(data)
    assert not importing.parse_file(data, "任务表.csv").errors


def test_a_quota_table_saved_as_xls_is_read_like_any_xls():
    """One reader for every kind: the .xls reader comes with it (the quota reader had none)."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("任务")
    for r, row in enumerate([["序号", "村名", "任务数"], [1, "甲村", 100], [2, "乙村", 200], ["合计", "", 300]]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = importing.parse_file(buffer.getvalue(), "任务表.xls")
    assert not parsed.errors
    assert [(r.name, r.target) for r in parsed.rows] == [("甲村", 100), ("乙村", 200)]
    assert parsed.stated_total == 300


def test_counts_as_tables_write_them():
    assert importing.parse_count("346038人") == 346038
    assert importing.parse_count("41,851") == 41851
    assert importing.parse_count(2251.0) == 2251
    assert importing.parse_count("12.5") is None
    assert importing.parse_count("约100") is None


def test_place_key_drops_ethnic_designations_of_townships_only():
    assert importing.place_key("马蹄藏族乡") == importing.place_key("马蹄乡")
    assert importing.place_key("白银蒙古族乡") == "白银乡"
    assert importing.place_key("红湾寺镇") == "红湾寺镇"
    assert importing.place_key("回族乡") == "回族乡"
