"""In Chromium: each role logs in, finds its dashboard figures and the navigation meant for it."""

import pytest

from tests.builders.dashboard_data import PASSWORD, build_dashboard_county
from tests.e2e.conftest import assert_chinese_page, go, login, logout, nav_labels

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("e2e"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def county():
    return build_dashboard_county()


def test_bureau_dashboard_and_every_navigation_page(page, shot, county):
    login(page, "bureau", PASSWORD)
    assert page.title().startswith("首页")
    assert page.inner_text("#kpi-rate .kpi-value") == "73.3%"
    assert "已参保 11 人 / 任务数 15 人" in page.inner_text("#kpi-rate")
    assert page.inner_text("#kpi-unenrolled .kpi-value") == "3"
    assert page.inner_text("#kpi-month .kpi-value") == "790.00"
    assert page.inner_text("#kpi-cases .kpi-value") == "3"
    # The township chart is an accessible image whose description carries the figures.
    chart = page.locator("#panel-townships svg[role=img]")
    assert chart.locator("title").first.text_content() == "各乡镇参保情况"
    assert "皇城镇：100.0%（5/5）" in chart.locator("desc").text_content()
    rosters = page.inner_text("#panel-rosters")
    assert "乡村振兴" in rosters and "逾期未报" in rosters and "本月已报送" in rosters
    labels = nav_labels(page)
    assert labels[0] == "首页" and labels[-1] == "管理后台"
    assert_chinese_page(page)
    shot(page, "bureau-dashboard", full_page=True)

    # Every navigation entry leads to a Chinese page with the navigation, and fits 1366 px.
    links = page.locator("nav.main-nav a").evaluate_all("els => els.map(a => [a.dataset.nav, a.getAttribute('href')])")
    for key, href in links:
        if key == "admin":
            continue  # the admin has its own layout
        go(page, href)
        assert_chinese_page(page)
        assert page.locator(f"nav.main-nav a[data-nav={key}][aria-current=page]").count() == 1, key
        shot(page, f"nav-{key}", full_page=True)


def test_each_role_sees_its_own_dashboard_and_navigation(page, shot, county):
    # A wrong password is refused, in Chinese.
    go(page, "/accounts/login/")
    page.fill("#id_username", "minzheng")
    page.fill("#id_password", "wrong")
    page.click("form.login-form button[type=submit]")
    assert page.title().startswith("登录")
    assert page.locator(".errorlist, .errornote").count() >= 1

    # Department (civil affairs): its certified people not enrolled, its fund, no bureau pages.
    login(page, "minzheng", PASSWORD)
    assert page.inner_text("#kpi-unenrolled .kpi-value") == "1"
    assert "本部门现认定 3 人" in page.inner_text("#kpi-unenrolled")
    assert "红湾寺镇" in page.inner_text("#panel-unenrolled")
    assert "医疗救助资金" in page.inner_text("#panel-funds")
    assert "监测对象" not in page.content()
    labels = nav_labels(page)
    assert "政策" not in labels and "管理后台" not in labels and "公示" not in labels
    assert_chinese_page(page)
    shot(page, "department-dashboard", full_page=True)
    logout(page)

    # Township: its rank among the townships with a target, its villages, its own progress line.
    login(page, "xiangzhen", PASSWORD)
    assert page.inner_text("#kpi-rank .kpi-value") == "2 / 3"
    assert page.inner_text("#kpi-rate .kpi-value") == "62.5%"
    villages = page.inner_text("#panel-villages")
    assert "红湾村" in villages and "隆畅村" in villages and "北极村" not in villages
    history = page.locator("#panel-history svg[role=img] desc").text_content()
    assert "红湾寺镇" in history and "62.5%" in history
    labels = nav_labels(page)
    assert "数据上传" not in labels and "管理后台" not in labels
    assert_chinese_page(page)
    shot(page, "township-dashboard", full_page=True)
    logout(page)

    # Auditor: the bureau's figures, read-only.
    login(page, "auditor", PASSWORD)
    assert "只读" in page.inner_text("p.notice")
    assert page.inner_text("#kpi-rate .kpi-value") == "73.3%"
    assert_chinese_page(page)
    shot(page, "auditor-dashboard")
    logout(page)
    assert page.title().startswith("登录")
