"""Importing the seed task tables into the database: totals, matching to places, groups, all-or-nothing."""

import io
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from enrollment.models import Township, Village
from enrollment.places.services import county_ensure
from quotas.models import ProgressSnapshot, QuotaTable, QuotaUnit, SnapshotRow, UnitKind
from quotas.targets.services import QuotaImportError, quota_table_import

pytestmark = pytest.mark.django_db
SEEDS = Path(__file__).resolve().parents[3] / "quotas" / "seeds"


def import_seed(name, code, year, **kw):
    path = SEEDS / name
    return quota_table_import(
        county=county_ensure(code=code), year=year, data=path.read_bytes(), filename=path.name, **kw
    )


def test_sunan_plan_matches_the_register_townships_and_reproduces_29500():
    outcome = import_seed("620721_2024_sunan_plan.csv", "620721", 2024, stated_total=29500)
    table = outcome.table
    units = list(table.units.order_by("seq"))
    assert sum(u.target for u in units) == 29500
    assert table.stated_total == 29500
    assert all(u.kind == UnitKind.TOWNSHIP and u.township_id for u in units)
    # 马蹄乡 in the notice is 马蹄藏族乡 in the register.
    assert {u.name: u.township.name for u in units}["马蹄乡"] == "马蹄藏族乡"
    assert not any("differs" in w or "不符" in w for w in outcome.warnings)


def test_zhuji_41851_summed_with_41850_stated_is_shown_as_a_mismatch():
    outcome = import_seed(
        "341323_2023_zhuji_annex.csv", "341323", 2023, stated_total=41850, township_name="朱集镇", create_places=True
    )
    table = outcome.table
    assert outcome.summed_total == 41851
    assert table.stated_total == 41850  # the notice's figure, kept as stated
    assert table.file_total == 41851
    assert sum(table.units.values_list("target", flat=True)) == 41851
    assert any("41,850" in w and "41,851" in w for w in outcome.warnings)
    assert table.units.filter(kind=UnitKind.VILLAGE, village__township__name="朱集镇").count() == 13
    assert sum(u.population for u in table.units.all()) == 47547


def test_xiaoyi_346038_with_four_groups_that_are_not_places():
    outcome = import_seed("141181_2024_xiaoyi_tasks.csv", "141181", 2024, create_places=True)
    table = outcome.table
    assert table.stated_total == 346038
    assert sum(table.units.values_list("target", flat=True)) == 346038
    groups = table.units.filter(kind=UnitKind.GROUP).order_by("seq")
    assert [(u.name, u.group, u.target) for u in groups] == [
        ("学校", "学校", 20566),
        ("改制企业", "改制企业", 5985),
        ("特困人员", "特困人员", 1256),
        ("零散户", "零散户", 7915),
    ]
    assert table.units.filter(kind=UnitKind.TOWNSHIP).count() == 16
    assert not Township.objects.filter(name__in=["学校", "零散户"]).exists()


def test_an_unknown_place_is_refused_and_nothing_is_committed():
    county = county_ensure(code="620721")
    data = "序号,乡镇,任务数\n1,皇城镇,10\n2,不存在镇,20\n".encode()
    with pytest.raises(QuotaImportError) as error:
        quota_table_import(county=county, year=2024, data=data, filename="t.csv")
    assert "第3行" in error.value.messages[0]
    assert "不存在镇" in error.value.messages[0]
    assert not QuotaTable.objects.exists()


def test_a_bad_file_leaves_the_previous_table_untouched():
    import_seed("620721_2024_sunan_plan.csv", "620721", 2024)
    before = list(QuotaUnit.objects.values_list("name", "target"))
    with pytest.raises(QuotaImportError) as error:
        quota_table_import(
            county=county_ensure(code="620721"),
            year=2024,
            data="序号,乡镇,任务数\n1,皇城镇,很多\n".encode(),
            filename="t.csv",
        )
    assert "第2行" in error.value.messages[0] and "任务数" in error.value.messages[0]
    assert list(QuotaUnit.objects.values_list("name", "target")) == before


def test_places_created_for_a_refused_file_are_rolled_back():
    county = county_ensure(code="141181")
    data = "序号,乡镇（街道）,任务数\n1,新义街道,10\n2,崇文街道,10\n2,崇文街道,10\n".encode()
    with pytest.raises(QuotaImportError):
        quota_table_import(county=county, year=2024, data=data, filename="t.csv", create_places=True)
    data = "序号,村名,任务数\n1,甲村,10\n2,乙村,10\n".encode()
    with pytest.raises(QuotaImportError):
        quota_table_import(county=county, year=2024, data=data, filename="t.csv", township_name="无此镇")
    assert not Township.objects.filter(county=county).exists()
    assert not Village.objects.exists()


def test_reimport_updates_units_by_name_and_keeps_their_snapshots():
    outcome = import_seed("620721_2024_sunan_plan.csv", "620721", 2024)
    table = outcome.table
    unit = table.units.get(name="皇城镇")
    from django.utils import timezone

    snap = ProgressSnapshot.objects.create(table=table, taken_at=timezone.now())
    SnapshotRow.objects.create(snapshot=snap, unit=unit, enrolled=1, target=unit.target, rate=0, rank=1)
    again = import_seed("620721_2024_sunan_plan.csv", "620721", 2024)
    assert again.table.pk == table.pk and not again.created
    assert table.units.count() == 8
    assert SnapshotRow.objects.filter(unit=unit).count() == 1


def test_import_quotas_command_reads_an_xlsx_annex_and_warns(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["附件"])
    sheet.append(["朱集镇 2023 年度城乡居民基本医保参保缴费任务分解表"])
    sheet.append(["序号", "村名", "村人口数", "任务数", "备注"])
    rows = (SEEDS / "341323_2023_zhuji_annex.csv").read_text(encoding="utf-8").splitlines()[3:-1]
    for line in rows:
        seq, name, population, target, _note = line.split(",")
        sheet.append([int(seq), name, int(population), int(target), None])
    sheet.append(["合计", None, 47547, 41851])
    path = tmp_path / "附件.xlsx"
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())
    out = StringIO()
    call_command(
        "import_quotas",
        str(path),
        county="341323",
        year=2023,
        stated_total=41850,
        township="朱集镇",
        create_places=True,
        stdout=out,
    )
    text = out.getvalue()
    assert "41,851" in text and "41,850" in text
    assert QuotaTable.objects.get(county__code="341323", year=2023).units.count() == 13


def test_import_quotas_command_reports_errors_in_chinese(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("序号,乡镇,任务数\n1,皇城镇,x\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("import_quotas", str(path), county="620721", year=2024)
    assert "第2行" in str(error.value)


def test_seed_quotas_is_idempotent():
    call_command("seed_quotas", stdout=StringIO())
    counts = (QuotaTable.objects.count(), QuotaUnit.objects.count(), Township.objects.count(), Village.objects.count())
    call_command("seed_quotas", stdout=StringIO())
    assert (
        QuotaTable.objects.count(),
        QuotaUnit.objects.count(),
        Township.objects.count(),
        Village.objects.count(),
    ) == counts
    totals = {t.county.code: sum(t.units.values_list("target", flat=True)) for t in QuotaTable.objects.all()}
    assert totals == {"620721": 29500, "341323": 41851, "141181": 346038}
    zhuji = QuotaTable.objects.get(county__code="341323")
    assert zhuji.stated_total == 41850
