"""The superuser rule (accounts.access): without a staff profile a superuser works in the admin, never on a
county's site pages; nothing falls back to a default (demo) county. And the one guard style every view uses."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.navigation import nav_links
from tests.accounts.test_permission_matrix import PAGES, all_urls, object_kwargs
from tests.builders.world import build_world

pytestmark = pytest.mark.django_db

# Site pages any signed-in user may open: they decide what to show from the scope themselves.
OPEN_TO_EVERY_SIGNED_IN_USER = {"home", "login", "logout", "accounts:history_object"}


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def root(world):
    c = Client()
    c.force_login(world.users["superuser"], backend="django.contrib.auth.backends.ModelBackend")
    return c


def test_a_superuser_without_a_profile_is_refused_every_county_page(world, root):
    failures = []
    for url in all_urls():
        if url.name.startswith("admin:") or url.name in OPEN_TO_EVERY_SIGNED_IN_USER:
            continue
        p = PAGES[url.name]
        path = reverse(url.name, kwargs=object_kwargs(url, world.objects.get(p.obj), p.kwargs))
        for method in ("get", "post"):
            code = getattr(root, method)(path).status_code
            if code != 403:
                failures.append(f"{method.upper()} {path} ({url.name}): {code}")
    assert not failures, "\n".join(failures)


def test_the_quotas_pages_no_longer_open_on_the_latest_countys_table(world, root):
    """Before, a superuser without a profile got the county of the newest quota table on the ranking page."""
    response = root.get(reverse("quotas:ranking"))
    assert response.status_code == 403
    assert world.objects["quota_table"].title not in response.content.decode()


def test_a_superuser_without_a_profile_is_sent_to_the_admin(world, root):
    html = root.get(reverse("home")).content.decode()
    assert reverse("admin:index") in html
    assert nav_links(world.users["superuser"], "/") == []
    assert root.get(reverse("admin:subsidies_policy_changelist")).status_code == 200


def test_every_site_view_declares_its_roles_with_the_one_guard(world):
    """roles_required (function views) or RoleRequiredMixin (class views): both set `allowed_roles`."""
    from django.urls import resolve

    from accounts.access import RoleRequiredMixin

    undeclared = []
    for url in all_urls():
        if url.name.startswith("admin:") or url.name in OPEN_TO_EVERY_SIGNED_IN_USER:
            continue
        p = PAGES[url.name]
        func = resolve(reverse(url.name, kwargs=object_kwargs(url, world.objects.get(p.obj), p.kwargs))).func
        view_class = getattr(func, "view_class", None)
        if view_class is not None:
            if not issubclass(view_class, RoleRequiredMixin):
                undeclared.append(url.name)
        elif not getattr(func, "allowed_roles", None):
            undeclared.append(url.name)
    assert not undeclared
