"""The read-only policy pages: every role of the county reads them, in Chinese, laid out like the notices."""

import re

import pytest
from django.urls import reverse
from tablib import Dataset

from accounts.models import Role
from accounts.services import staff_user_create
from enrollment.places.services import county_ensure
from subsidies.models import Category, Department, Policy
from subsidies.policies.resources import CategoryResource, split_labels
from subsidies.policies.services import seed_policies_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    seed_policies_load(counties=["620721", "500102", "530381"])


def login(client, *, role, county="620721", department=None):
    profile = staff_user_create(
        username=f"u-{role}-{county}",
        password="x-Pa55word!",
        role=role,
        county=county_ensure(code=county),
        department=Department.objects.get(code=department) if department else None,
    )
    client.force_login(profile.user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def text(response) -> str:
    """The page's visible text with tags dropped and whitespace collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", body)


def detail(policy):
    return reverse("subsidies:policy_detail", kwargs={"pk": policy.pk})


@pytest.mark.parametrize(
    ("role", "department"), [(Role.BUREAU, None), (Role.AUDITOR, None), (Role.DEPARTMENT, "civil_affairs")]
)
def test_every_role_of_the_county_reads_its_policies(client, seeded, role, department):
    login(client, role=role, department=department)
    listing = client.get(reverse("subsidies:policy_list"))
    assert listing.status_code == 200
    body = text(listing)
    assert "肃南裕固族自治县2024年度城乡居民基本医疗保险参保缴费" in body
    assert "涪陵区" not in body  # another county's policy is not listed
    assert client.get(detail(Policy.objects.get(county__code="620721"))).status_code == 200
    assert client.get(detail(Policy.objects.get(county__code="500102"))).status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, seeded):
    response = client.get(detail(Policy.objects.get(county__code="620721")))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_sunan_page_shows_the_notice_table_in_chinese(client, seeded):
    login(client, role=Role.BUREAU)
    body = text(client.get(detail(Policy.objects.get(county__code="620721"))))
    assert "集中缴费期 2023-09-10 — 2023-12-31" in body
    assert "特困人员 可不受集中缴费期限制参保 民政 医疗救助资金 380.00 全额资助（代缴） 380.00 0.00" in body
    assert "农村一、二类低保" in body and "310.00 70.00" in body
    assert "农村三、四类低保" in body and "250.00 130.00" in body
    assert "已脱贫人口" in body and "100.00 280.00" in body
    assert "就高不重复" in body
    # the fiscal split in yuan per level
    assert "中央 — 512.00" in body and "省级 — 112.00" in body and "市县 — 16.00" in body
    assert "合计 640.00" in body
    assert "新生儿" in body and "3个月" in body


def test_fuling_page_shows_both_tiers_students_and_the_missing_figure(client):
    seed_policies_load(counties=["500102"])
    login(client, role=Role.AUDITOR, county="500102")
    body = text(client.get(detail(Policy.objects.get(county__code="500102"))))
    assert "1档 2档" in body.replace("档次 ", "")
    assert "计划生育奖励扶助人员 卫健委 卫健委资金 350.00 定额 280.00 70.00 725.00 定额 280.00 445.00" in body
    assert "家庭经济困难大学生 民政 医疗救助资金 320.00 定额 224.00 96.00 695.00 定额 320.00 375.00" in body
    assert "在乡老复员军人 退役军人事务 退役军人事务部门资金 350.00 该档次不资助 725.00 全额资助（代缴）" in body
    assert "尚未填写（文件未列明）" in body  # the Jul–Sep fiscal figure the bureau fills in
    assert "文件未列明财政补助的分级负担" in body
    assert "人均财政补助：文件未列明（见备注）" in body


def test_xuanwei_page_shows_the_province_managed_split(client, seeded):
    login(client, role=Role.BUREAU, county="530381")
    body = text(client.get(detail(Policy.objects.get(county__code="530381"))))
    assert "中央 80% 512.00" in body and "省级 17% 108.80" in body and "市级 0% 0.00" in body
    assert "区县 3% 19.20" in body
    assert "文件未列明分类资助标准" in body


# --- reference data import/export ---------------------------------------------------------------------------------


def test_labels_are_split_on_chinese_and_western_separators():
    assert split_labels("特困供养人员、特困，特困人员; 特困\n孤儿") == ["特困供养人员", "特困", "特困人员", "孤儿"]
    assert split_labels("") == []


def test_categories_import_all_or_nothing_with_chinese_columns():
    county_ensure(code="620721")
    resource = CategoryResource()
    headers = resource.get_export_headers()
    assert headers == ["区县", "代码", "名称", "认定部门", "其他写法", "低收入人群"]
    good = Dataset(headers=headers)
    good.append(["620721", "severe_disabled", "重度残疾人", "disabled_federation", "一级残疾、二级残疾", "0"])
    result = resource.import_data(good, dry_run=False, raise_errors=False)
    assert not result.has_errors() and not result.has_validation_errors()
    category = Category.objects.get(county__code="620721", code="severe_disabled")
    assert category.aliases == ["一级残疾", "二级残疾"] and category.department.code == "disabled_federation"

    bad = Dataset(headers=headers)
    bad.append(["620721", "orphan", "孤儿", "civil_affairs", "", "1"])
    bad.append(["620721", "x", "某类", "no_such_department", "", "0"])
    result = CategoryResource().import_data(bad, dry_run=False, raise_errors=False, use_transactions=True)
    assert result.has_errors() or result.has_validation_errors()
    assert not Category.objects.filter(code__in=["orphan", "x"]).exists()  # nothing of a bad file is kept


def test_categories_export_with_labels_as_text(seeded):
    exported = CategoryResource().export(
        queryset=Category.objects.filter(county__code="620721", code="extreme_poverty")
    )
    row = dict(zip(exported.headers, exported[0], strict=True))
    assert row["其他写法"] == "特困供养人员、特困、特困供养"
    assert row["认定部门"] == "civil_affairs"
