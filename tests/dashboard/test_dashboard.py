"""The home dashboards: each role's figures, checked against a county whose numbers are known by hand."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard import selectors as sel
from tests.builders.dashboard_data import build_dashboard_county

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return build_dashboard_county()


def login(client, username):
    client.force_login(get_user_model().objects.get(username=username))


def kpi_value(html: str, element_id: str) -> str:
    """The big figure of one key-figure box."""
    match = re.search(rf'id="{element_id}".*?class="kpi-value[^"]*">([^<]*)<', html, re.S)
    assert match, element_id
    return match.group(1).strip()


def text_of(html: str, element_id: str) -> str:
    """The visible text of the element with this id (tags stripped, whitespace collapsed)."""
    match = re.search(rf'id="{element_id}".*?(?=<div class="kpi|</section>)', html, re.S)
    assert match, element_id
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())


# --- selectors ---


def test_county_overview_against_the_quota(data):
    overview = sel.enrolment_overview(county=data.county, year=data.year)
    assert (overview.enrolled, overview.proxy_enrolled, overview.not_enrolled, overview.underpaid) == (11, 1, 3, 1)
    assert overview.target == 15
    assert overview.rate == Decimal("0.7333")
    assert overview.stated_total == 16 and overview.stated_differs


def test_townships_ranked_by_completion_rate(data):
    rows = sel.township_progress(county=data.county, year=data.year)
    ranked = [(r.name, r.rank, r.enrolled, r.target) for r in rows if r.rank]
    assert ranked == [("皇城镇", 1, 5, 5), ("红湾寺镇", 2, 5, 8), ("康乐镇", 3, 1, 2)]
    kangle = next(r for r in rows if r.name == "康乐镇")
    assert (kangle.not_enrolled, kangle.open_cases, kangle.rate) == (2, 2, Decimal("0.5000"))
    # Townships without a target come last, unranked.
    assert all(r.rank is None for r in rows[3:]) and len(rows) == 8


def test_villages_of_a_township(data):
    rows = sel.village_progress(county=data.county, year=data.year, township=data.townships["红湾寺镇"])
    assert [(r.name, r.enrolled, r.target, r.not_enrolled, r.open_cases, r.rank) for r in rows] == [
        ("红湾村", 3, 4, 1, 1, 1),
        ("隆畅村", 2, 4, 1, 0, 2),
    ]


def test_money_owed_this_month_per_fund_and_the_batch(data):
    funds = {f.fund.code: f for f in sel.fund_totals_for_month(county=data.county, year=data.year, month=data.month)}
    assert funds["medical_assistance"].owed == Decimal("690.00")
    assert funds["medical_assistance"].people == 2
    assert funds["medical_assistance"].batch.status == "approved"
    assert funds["rural_revitalization"].owed == Decimal("100.00")  # the top-up owed this month
    assert funds["rural_revitalization"].batch is None


def test_subsidy_by_category_counts_enrolled_people_only(data):
    rows = sel.subsidy_by_category(county=data.county, year=data.year)
    assert [(r.name, r.people, r.total) for r in rows] == [
        ("特困人员", 1, Decimal("380.00")),
        ("低保对象", 1, Decimal("310.00")),
        ("监测对象", 1, Decimal("250.00")),
    ]


def test_roster_freshness_flags_a_department_without_an_upload_this_month(data):
    rows = {r.department.code: r for r in sel.roster_freshness(county=data.county)}
    assert set(rows) == {"civil_affairs", "rural_revitalization"}
    civil, rural = rows["civil_affairs"], rows["rural_revitalization"]
    assert civil.last_version.number == 2 and civil.uploaded_this_month and not civil.overdue
    assert civil.changes == 4
    assert rural.last_version.number == 1 and rural.overdue


def test_department_sees_only_the_people_it_certifies_now(data):
    from subsidies.models import Department

    civil = sel.department_unenrolled(
        county=data.county, year=data.year, department=Department.objects.get(code="civil_affairs")
    )
    # 王未缴 is certified and not enrolled; 赵欠缴's identity ended last year, so it is not counted.
    assert (civil.total, civil.certified, civil.by_township) == (1, 3, [("红湾寺镇", 1)])


def test_progress_history_per_snapshot(data):
    history = sel.progress_history(county=data.county, year=data.year, township=data.townships["红湾寺镇"])
    assert history.county == [Decimal("0.4000"), Decimal("0.6000"), Decimal("0.7333")]
    assert history.township == [Decimal("0.2500"), Decimal("0.3750"), Decimal("0.6250")]
    assert len(history.labels) == 3


def test_year_defaults_to_the_last_run_and_honours_a_known_request(data):
    from subsidies.reconciliation.selectors import benefit_years

    years = benefit_years(county_id=data.county.pk)
    assert years.year_to_open() == data.year
    assert years.year_to_open("1999") == data.year


# --- pages ---


def test_bureau_dashboard_shows_the_county_figures(client, data):
    login(client, "bureau")
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert "<title>首页 · " in html
    assert kpi_value(html, "kpi-rate") == "73.3%"
    assert "已参保 11 人 / 任务数 15 人" in text_of(html, "kpi-rate")
    assert "任务表所列合计为 16" in text_of(html, "kpi-rate")  # the stated total that differs
    assert kpi_value(html, "kpi-unenrolled") == "3"
    assert kpi_value(html, "kpi-month") == "790.00"
    assert "已入划拨批次 690.00 元" in text_of(html, "kpi-month")
    assert kpi_value(html, "kpi-cases") == "3"
    # Charts are inline SVG with Chinese accessible titles.
    assert '<title id="chart-townships-title">各乡镇参保情况</title>' in html
    assert "皇城镇：100.0%（5/5）" in html
    assert "特困人员：380.00" in html
    assert "chart-history-title" in html
    assert "全县（" in html  # the county line's legend and description
    # Roster freshness: rural revitalisation is overdue.
    rosters = html.split('id="panel-rosters"')[1].split("</section>")[0]
    assert re.search(r"乡村振兴.*?逾期", rosters, re.S)
    assert re.search(r"民政.*?本月已报送", rosters, re.S)


def test_auditor_sees_the_bureau_view_read_only(client, data):
    login(client, "auditor")
    html = client.get(reverse("home")).content.decode()
    assert "73.3%" in html and "只读" in html


def test_department_dashboard(client, data):
    login(client, "minzheng")
    html = client.get(reverse("home")).content.decode()
    assert kpi_value(html, "kpi-unenrolled") == "1"
    assert "本部门现认定 3 人" in text_of(html, "kpi-unenrolled")
    panel = html.split('id="panel-unenrolled"')[1].split("</section>")[0]
    assert "红湾寺镇" in panel and "康乐镇" not in panel
    assert "医疗救助资金" in html and "690.00" in html
    # Another department's money and categories are not shown.
    assert "乡村振兴部门资金" not in html and "监测对象" not in html


def test_township_dashboard_shows_its_rank_and_villages(client, data):
    login(client, "xiangzhen")
    html = client.get(reverse("home")).content.decode()
    assert kpi_value(html, "kpi-rank") == "2 / 3"
    assert kpi_value(html, "kpi-rate") == "62.5%"
    villages = html.split('id="panel-villages"')[1].split("</section>")[0]
    assert "红湾村" in villages and "隆畅村" in villages and "北极村" not in villages
    assert kpi_value(html, "kpi-cases") == "1"
    # Other townships' people are not on the page.
    assert "周监测" not in html


def test_dashboard_reads_in_a_bounded_number_of_queries(client, data):
    login(client, "bureau")
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("home"))
    assert len(ctx) <= 40, [q["sql"] for q in ctx.captured_queries]


def test_superuser_without_profile_gets_a_plain_home(admin_client):
    html = admin_client.get(reverse("home")).content.decode()
    main = html[html.index('<main class="content" id="main">') : html.index("</main>")]
    assert " ".join(main.split()) == (
        '<main class="content" id="main"> <h1>首页</h1> <p>您的账号没有分配工作角色，因此没有工作台。</p> '
        '<p><a href="/admin/">进入管理后台</a></p>'
    )
