"""The main navigation: each role sees what it can use, pages that do not exist are not offered."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from accounts import navigation
from accounts.models import Role
from accounts.navigation import NAV_ENTRIES, NavEntry, nav_links
from accounts.services import staff_user_create
from enrollment.places.services import county_ensure
from subsidies.models import Department

pytestmark = pytest.mark.django_db


@pytest.fixture
def users():
    county = county_ensure(code="620721")
    make = staff_user_create
    return {
        Role.BUREAU: make(username="b", password="x", role=Role.BUREAU, county=county).user,
        Role.AUDITOR: make(username="a", password="x", role=Role.AUDITOR, county=county).user,
        Role.DEPARTMENT: make(
            username="d",
            password="x",
            role=Role.DEPARTMENT,
            county=county,
            department=Department.objects.get(code="civil_affairs"),
        ).user,
        Role.TOWNSHIP: make(
            username="t", password="x", role=Role.TOWNSHIP, county=county, township=county.townships.first()
        ).user,
    }


MENUS = {
    Role.BUREAU: [
        "home",
        "upload",
        "imports",
        "rosters",
        "results",
        "transfers",
        "progress",
        "notices",
        "cases",
        "policy",
        "api_tokens",
        "admin",
    ],
    Role.AUDITOR: [
        "home",
        "imports",
        "rosters",
        "results",
        "transfers",
        "progress",
        "notices",
        "cases",
        "policy",
        "api_tokens",
        "admin",
    ],
    # The progress pages do not let a department in (its view refuses the role), so the menu does not offer them.
    Role.DEPARTMENT: ["home", "upload", "imports", "rosters", "results", "transfers", "api_tokens"],
    Role.TOWNSHIP: ["home", "results", "progress", "notices", "cases", "api_tokens"],
}


def test_every_role_gets_home_first_and_only_entries_meant_for_it(users):
    for role, user in users.items():
        links = nav_links(user, "/")
        assert [link.key for link in links] == MENUS[role], role
        assert [link.key for link in links if link.current] == ["home"], role
        assert (links[0].label, links[0].url) == ("首页", "/")
        allowed = {e.key for e in NAV_ENTRIES if role in e.roles}
        assert set(MENUS[role]) <= allowed, role
    bureau = {link.key: (link.label, link.url) for link in nav_links(users[Role.BUREAU], "/")}
    assert bureau["upload"] == ("数据上传", "/enrollment/imports/upload/")
    assert bureau["results"] == ("对账结果", "/subsidies/reconciliation/")
    assert bureau["admin"] == ("管理后台", "/admin/")


def test_administration_only_for_staff_users(users):
    assert "admin" in {link.key for link in nav_links(users[Role.BUREAU])}
    assert "admin" not in {link.key for link in nav_links(users[Role.TOWNSHIP])}
    assert "admin" not in {link.key for link in nav_links(users[Role.DEPARTMENT])}


def test_an_entry_whose_page_does_not_exist_is_not_shown(users, monkeypatch):
    missing = NavEntry("missing", "不存在", ("nowhere:at_all",), tuple(Role.values))
    monkeypatch.setattr(navigation, "NAV_ENTRIES", (*NAV_ENTRIES, missing))
    assert "missing" not in {link.key for link in nav_links(users[Role.BUREAU])}


def test_first_existing_url_name_wins():
    assert navigation.first_url("nowhere:x", "home", "login") == reverse("home")
    assert navigation.first_url("nowhere:x") is None


def test_a_view_that_excludes_the_role_is_not_offered(users, monkeypatch):
    class FakeView:
        allowed_roles = (Role.BUREAU,)

    def fake_view(request):
        return None

    fake_view.view_class = FakeView
    monkeypatch.setattr(navigation, "resolve", lambda url: SimpleNamespace(func=fake_view))
    entry = NavEntry("only-bureau", "局", ("home",), tuple(Role.values))
    monkeypatch.setattr(navigation, "NAV_ENTRIES", (entry,))
    assert [link.key for link in nav_links(users[Role.BUREAU])] == ["only-bureau"]
    assert nav_links(users[Role.TOWNSHIP]) == []


def test_current_section_is_marked(users):
    links = nav_links(users[Role.BUREAU], "/admin/enrollment/")
    current = [link.key for link in links if link.current]
    assert current == ["admin"]


def test_navigation_is_rendered_on_pages_with_chinese_labels(client, users):
    client.force_login(users[Role.BUREAU])
    body = client.get(reverse("home")).content.decode()
    assert 'aria-label="主导航"' in body
    assert 'data-nav="home"' in body and ">首页<" in body
    assert 'aria-current="page"' in body
    assert ">管理后台<" in body


def test_anonymous_users_get_no_navigation(client):
    body = client.get(reverse("login")).content.decode()
    assert "main-nav" not in body


def test_every_navigation_label_is_chinese():
    import re

    from django.utils import translation

    with translation.override("zh-hans"):
        for entry in NAV_ENTRIES:
            assert re.search(r"[\u4e00-\u9fff]", str(entry.label)), entry.key
