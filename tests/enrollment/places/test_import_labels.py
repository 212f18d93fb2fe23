"""Category labels and place names as offices write them, resolved against the county's own (issue 20)."""

import datetime
import io

import pytest
from django.core.management import call_command

from enrollment.imports.pipeline import import_file
from enrollment.models import ImportKind, ImportStatus, Person, Township, Village
from enrollment.places.services import county_ensure
from subsidies.models import Department, Identity
from tests.builders.importfiles import person_id, write_xlsx

pytestmark = pytest.mark.django_db

HEADER = ["身份证号码", "姓名", "人员类别", "乡镇（街道）", "村（社区）"]


@pytest.fixture
def sunan():
    call_command("seed_policies", county=["620721"], stdout=io.StringIO())
    return county_ensure(code="620721")


def roster(tmp_path, county, rows, *, department="civil_affairs", name="名册.xlsx"):
    return import_file(
        kind=ImportKind.ROSTER,
        county=county,
        path=write_xlsx(tmp_path / name, [HEADER, *rows]),
        department=Department.objects.get(code=department),
        snapshot_date=datetime.date(2023, 10, 1),
    )


def test_qualified_and_reordered_labels_are_read_as_the_one_category_that_fits_with_a_warning(tmp_path, sunan):
    rows = [
        [person_id(0), "人员0", "农村低保一类", "马蹄乡", ""],
        [person_id(1), "人员1", "城市低保（全额）", "马蹄", ""],
        [person_id(2), "人员2", "特困供养人员（集中供养）", "马蹄藏族乡", ""],
        [person_id(3), "人员3", "特困人员", "红湾寺镇", ""],
        [person_id(4), "人员4", "农村低保三类", "红湾寺镇", ""],
    ]
    job = roster(tmp_path, sunan, rows)
    assert job.status == ImportStatus.COMMITTED, (job.message, job.summary.get("bad_rows"))
    stored = dict(Identity.objects.values_list("id_number", "category__code"))
    assert stored == {
        person_id(0): "rural_dibao_1_2",
        person_id(1): "urban_dibao_full",
        person_id(2): "extreme_poverty",
        person_id(3): "extreme_poverty",
        person_id(4): "rural_dibao_3_4",
    }
    # The township as the county names it, whatever the file wrote; the roster created no place.
    assert set(Identity.objects.values_list("township_name", flat=True)) == {"马蹄藏族乡", "红湾寺镇"}
    assert Township.objects.filter(county=sunan).count() == 8 and not Village.objects.exists()
    warnings = job.summary["warnings"]
    assert warnings["“农村低保一类”按人员类别“农村一、二类低保”读取。"] == 1
    assert warnings["“城市低保（全额）”按人员类别“城市全额保障对象”读取。"] == 1
    assert warnings["“马蹄乡”按“马蹄藏族乡”读取。"] == 1
    assert warnings["“马蹄”按“马蹄藏族乡”读取。"] == 1
    assert warnings["“特困供养人员（集中供养）”按人员类别“特困人员”读取。"] == 1
    # The exact label 特困人员 is no warning: four of the five category cells are.
    assert sum(count for reason, count in warnings.items() if "按人员类别" in reason) == 4


def test_a_label_several_categories_fit_or_none_is_a_row_error_naming_the_candidates(tmp_path, sunan):
    rows = [
        [person_id(0), "人员0", "低保户", "", ""],
        [person_id(1), "人员1", "低保户", "", ""],
        [person_id(2), "人员2", "孤儿院儿童", "", ""],
        [person_id(3), "人员3", "已脱贫人口", "", ""],
        [person_id(4), "人员4", "特困人员", "某某乡", ""],
    ]
    job = roster(tmp_path, sunan, rows)
    assert job.status == ImportStatus.VALIDATED and job.rows_rejected == 4
    reasons = {row["line"]: row["reason"] for row in job.summary["bad_rows"]}
    assert reasons[2] == (
        "该人员类别可对应多个类别（农村一、二类低保、城市全额保障对象、农村三、四类低保、城市低保差额保障对象）：请写明其中一个。"
    )
    assert reasons[4].startswith("未知的人员类别。本部门最接近的类别：孤儿（含事实无人抚养儿童）")
    assert reasons[5] == "该人员类别由其他部门（乡村振兴）认定。"
    assert job.summary["unknown_categories"] == [["低保户", 2], ["孤儿院儿童", 1], ["已脱贫人口", 1]]
    # An unknown township is a warning on a roster, and never becomes a township.
    assert not Township.objects.filter(name="某某乡").exists()
    assert not Identity.objects.exists()


# -- the register's places -------------------------------------------------------------------------------

REGISTER_HEADER = ["身份证号码", "姓名", "乡镇（街道）", "村（社区）"]


def register(tmp_path, county, rows, name="register.xlsx"):
    return import_file(
        kind=ImportKind.REGISTER, county=county, path=write_xlsx(tmp_path / name, [REGISTER_HEADER, *rows])
    )


def test_a_register_township_written_without_its_suffix_is_the_stored_one(tmp_path):
    county = county_ensure(code="620721")
    rows = [
        [person_id(0), "人员0", "马蹄", "大都麻村"],
        [person_id(1), "人员1", "马蹄乡", "大都麻"],
        [person_id(2), "人员2", "马蹄藏族乡", "大都麻村"],
    ]
    job = register(tmp_path, county, rows)
    assert job.status == ImportStatus.COMMITTED, job.message
    assert set(Person.objects.values_list("township__name", "village__name")) == {("马蹄藏族乡", "大都麻村")}
    assert Township.objects.filter(county=county).count() == 8
    assert job.summary["new_places"] == {"townships": [], "villages": [["马蹄藏族乡", "大都麻村"]]}
    assert job.summary["warnings"]["“马蹄”按“马蹄藏族乡”读取。"] == 1
    assert job.summary["warnings"]["“马蹄乡”按“马蹄藏族乡”读取。"] == 1


def test_new_places_are_listed_by_the_preview_and_spelt_once(tmp_path):
    county = county_ensure(code="500102")
    rows = [
        [person_id(0, "500102"), "人员0", "马武镇", "文观村"],
        [person_id(1, "500102"), "人员1", "马武", "文观"],
        [person_id(2, "500102"), "人员2", "江东街道", "晨光社区"],
    ]
    job = register(tmp_path, county, rows)
    assert job.status == ImportStatus.COMMITTED, job.message
    assert job.summary["new_places"] == {
        "townships": ["江东街道", "马武镇"],
        "villages": [["江东街道", "晨光社区"], ["马武镇", "文观村"]],
    }
    assert job.summary["warnings"] == {"“马武”按“马武镇”读取。": 1}
    assert sorted(Township.objects.filter(county=county).values_list("name", flat=True)) == ["江东街道", "马武镇"]
    assert Person.objects.get(id_number=person_id(1, "500102")).village.name == "文观村"


def test_a_name_two_townships_fit_is_a_row_error_and_nothing_is_committed(tmp_path):
    county = county_ensure(code="500102")
    Township.objects.create(county=county, name="城关镇")
    Township.objects.create(county=county, name="城关街道")
    rows = [[person_id(0, "500102"), "人员0", "城关", ""], [person_id(1, "500102"), "人员1", "城关镇", ""]]
    job = register(tmp_path, county, rows)
    assert job.status == ImportStatus.VALIDATED and job.rows_rejected == 1
    assert job.summary["bad_rows"][0]["reason"] == "该名称可对应本区县多个地名（城关街道、城关镇）：请写明其中一个。"
    assert not Person.objects.exists() and Township.objects.filter(county=county).count() == 2


def test_the_commit_creates_no_place_its_preview_did_not_list(tmp_path):
    county = county_ensure(code="500102")
    gone = Township.objects.create(county=county, name="义和镇")
    rows = [[person_id(0, "500102"), "人员0", "义和镇", ""]]
    path = write_xlsx(tmp_path / "register.xlsx", [REGISTER_HEADER, *rows])
    from enrollment.imports.pipeline import import_job_commit, import_job_create, import_job_validate

    with path.open("rb") as fh:
        job = import_job_create(kind=ImportKind.REGISTER, county=county, file=fh, original_name=path.name)
    job = import_job_validate(job_id=job.pk)
    assert job.summary["new_places"] == {"townships": [], "villages": []}
    gone.delete()  # meanwhile: the commit would have to create it
    job = import_job_commit(job_id=job.pk)
    assert job.status == ImportStatus.FAILED and "预览" in job.message
    assert not Township.objects.exists() and not Person.objects.exists()


def test_import_register_prints_the_previews_warnings_and_new_places_before_it_commits(tmp_path):
    county = county_ensure(code="620721")
    rows = [[person_id(0), "人员0", "马蹄乡", "大都麻村"], [person_id(1), "人员1", "新建镇", ""]]
    out = io.StringIO()
    call_command("import_register", str(write_xlsx(tmp_path / "r.xlsx", [REGISTER_HEADER, *rows])), stdout=out)
    lines = out.getvalue().splitlines()
    warned = lines.index(f"{1:>12}  “马蹄乡”按“马蹄藏族乡”读取。")
    assert lines[warned - 1] == "警告: 1"
    new_townships = lines.index("新乡镇: 新建镇")
    assert lines[new_townships + 1] == "新村（社区）: 马蹄藏族乡大都麻村"
    committed = next(i for i, line in enumerate(lines) if line.startswith("已入库: "))
    assert warned < new_townships < committed and lines[-1] == "状态: 已入库"
    assert Township.objects.filter(county=county, name="新建镇").exists()


def test_the_register_preview_page_lists_the_places_the_commit_will_create(tmp_path):
    from django.test import Client
    from django.urls import reverse

    from accounts.models import Role
    from accounts.services import staff_user_create
    from enrollment.imports.pipeline import import_job_create, import_job_validate

    county = county_ensure(code="620721")
    user = staff_user_create(username="bureau", password="x-Pass-12345", role=Role.BUREAU, county=county).user
    path = write_xlsx(tmp_path / "r.xlsx", [REGISTER_HEADER, [person_id(0), "人员0", "新建镇", "新建村"]])
    with path.open("rb") as fh:
        job = import_job_create(kind=ImportKind.REGISTER, county=county, file=fh, original_name=path.name)
    import_job_validate(job_id=job.pk)
    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    page = c.get(reverse("enrollment:import_detail", args=[job.pk])).content.decode()
    assert "本次导入将新建的地名" in page
    assert "<li>乡镇：新建镇</li>" in page and "<li>村（社区）：新建镇 新建村</li>" in page
    assert not Township.objects.filter(name="新建镇").exists()
