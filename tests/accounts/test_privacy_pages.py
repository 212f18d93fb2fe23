"""No page or file of people is cached; the 403, 404 and 500 pages are Chinese and leak nothing; staff find the
import list and the change history from the menu and the object pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from accounts.history import tracked_model
from tests.accounts.error_urls import SECRET
from tests.accounts.test_permission_matrix import PAGES, all_urls, object_kwargs
from tests.builders.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def as_user(user) -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


def no_store(response) -> bool:
    parts = {p.strip() for p in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= parts


def test_every_page_and_file_says_no_store_private(world):
    clients = {"anonymous": Client(), **{k: as_user(world.users[k]) for k in ("bureau", "civil_affairs", "township")}}
    failures = []
    for url in all_urls():
        if url.name.startswith("admin:"):
            continue
        p = PAGES[url.name]
        path = reverse(url.name, kwargs=object_kwargs(url, world.objects.get(p.obj), p.kwargs))
        for role, client in clients.items():
            response = client.get(path)
            if not no_store(response):
                failures.append(f"GET {path} as {role} ({response.status_code}): {response.get('Cache-Control')!r}")
    admin_pages = [u.name for u in all_urls() if u.name.startswith("admin:") and u.name.endswith("_changelist")]
    for name in admin_pages:
        response = clients["bureau"].get(reverse(name))
        if not no_store(response):
            failures.append(f"GET {reverse(name)} as bureau: {response.get('Cache-Control')!r}")
    assert admin_pages and not failures, "\n".join(failures)


def test_static_files_keep_their_own_caching(world):
    response = Client().get("/static/css/site.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


ERRORS = {
    "/test-errors/403/": (403, "无权访问"),
    "/test-errors/404/": (404, "页面不存在"),
    "/test-errors/500/": (500, "服务器出错"),
}


@override_settings(DEBUG=False, ROOT_URLCONF="tests.accounts.error_urls")
@pytest.mark.parametrize("path", list(ERRORS))
def test_error_pages_are_chinese_and_leak_nothing(world, path):
    status, heading = ERRORS[path]
    for client in (as_user(world.users["bureau"]), Client(raise_request_exception=False)):
        response = client.get(path)
        body = response.content.decode()
        assert response.status_code == status
        assert heading in body and "返回首页" in body
        assert SECRET not in body and "620721196001010010" not in body
        for leak in ("Traceback", "Django", "settings", "DEBUG", "test-errors", "exception"):
            assert leak not in body, leak
        assert re.search(r"[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}", re.sub(r"<[^>]+>", " ", body)) is None, "English prose"
        assert no_store(response)


@override_settings(DEBUG=False)
def test_real_refusals_use_the_chinese_pages(world):
    department = as_user(world.users["civil_affairs"])
    refused = department.get(reverse("subsidies:reconciliation_runs"))
    assert refused.status_code == 403 and "无权访问" in refused.content.decode()
    missing = department.get("/no/such/page/")
    assert missing.status_code == 404 and "页面不存在" in missing.content.decode()
    other = department.get(reverse("quotas:case_detail", kwargs={"pk": 10**9}))
    assert other.status_code == 404 and "页面不存在" in other.content.decode()


def test_the_import_list_is_in_the_menu(world):
    for role in ("bureau", "auditor", "civil_affairs"):
        page = as_user(world.users[role]).get(reverse("home")).content.decode()
        assert f'href="{reverse("enrollment:import_list")}"' in page, role
    page = as_user(world.users["township"]).get(reverse("home")).content.decode()
    assert f'href="{reverse("enrollment:import_list")}"' not in page
    upload = as_user(world.users["civil_affairs"]).get(reverse("enrollment:import_upload")).content.decode()
    assert upload.count(f'href="{reverse("enrollment:import_list")}"') == 2  # the menu and the upload page


# The object pages and the object whose change history each must link to.
OBJECT_PAGES = {
    "quotas:case_detail": "case",
    "subsidies:policy_detail": "policy",
    "subsidies:transfer_detail": "batch",
    "subsidies:roster_version": "roster_version",
}


def _history_path(obj) -> str:
    return reverse("accounts:history_object", kwargs={"label": obj._meta.label_lower, "pk": obj.pk})


def test_object_pages_link_to_their_history_for_those_who_may_read_it(world):
    failures = []
    for name, key in OBJECT_PAGES.items():
        obj = world.objects[key]
        assert tracked_model(obj._meta.label_lower) is type(obj)
        page_path = reverse(name, kwargs=object_kwargs(next(u for u in all_urls() if u.name == name), obj, {}))
        for role in ("bureau", "auditor", "civil_affairs", "township"):
            client = as_user(world.users[role])
            page = client.get(page_path)
            if page.status_code != 200:
                continue  # the role may not open the page at all (the permission matrix decides)
            history = _history_path(obj)
            linked = f'href="{history}"' in page.content.decode()
            readable = client.get(history).status_code == 200
            if linked != readable:
                failures.append(f"{name} as {role}: linked={linked}, history page readable={readable}")
            if role == "bureau" and not linked:
                failures.append(f"{name}: no history link for the bureau")
    assert not failures, "\n".join(failures)
