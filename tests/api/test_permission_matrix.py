"""Every route of the REST API × every role (and no token, a revoked token, a superuser without a profile).

Generated from the URL conf like the pages' matrix (tests/accounts/test_permission_matrix.py, whose world and
roles it reuses): an `api:` route missing from ENDPOINTS fails `test_every_api_route_is_in_the_matrix`. Object
routes point at county A / 民政 / township A objects: a role that may use the route but not see the object gets
404 (so another department cannot even tell that the object exists). Auditors' tokens only read: every POST 403.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.models import ExportRecord
from enrollment.models import ImportJob, ImportStatus
from tests.accounts.test_permission_matrix import (
    ANON,
    AUDITOR,
    BUREAU_ONLY,
    DEPTS,
    OTHER_COUNTY,
    OTHER_TOWN,
    READERS,
    SEES,
    SEES_COUNTY,
    STAFF,
    STAFF_DEPT,
    SUPER,
    TOWN,
    api_urls,
    object_kwargs,
)
from tests.builders.api_clients import ApiClient, revoked_token_for, token_for
from tests.builders.world import build_world

pytestmark = pytest.mark.django_db

REVOKED = "revoked_token"
API_ROLES = (ANON, REVOKED, SUPER, *sorted(STAFF))
UPLOADERS = BUREAU_ONLY | set(DEPTS) | {STAFF_DEPT}
IMPORT_READERS = READERS | set(DEPTS) | {STAFF_DEPT}


@dataclass(frozen=True)
class Endpoint:
    get: frozenset[str] = frozenset()  # who may GET (empty: the route has no GET)
    post: frozenset[str] = frozenset()  # who may POST (empty: the route has no POST)
    obj: str | None = None
    found: bool = True  # False: a 404 for anyone (the catch-all for unknown paths)


def endpoint(*, get=(), post=(), **kw) -> Endpoint:
    return Endpoint(get=frozenset(get), post=frozenset(post), **kw)


ENDPOINTS: dict[str, Endpoint] = {
    "api:schema": endpoint(get=STAFF),
    "api:docs": endpoint(get=STAFF),
    "api:import_list": endpoint(get=IMPORT_READERS, post=UPLOADERS),
    "api:import_detail": endpoint(get=IMPORT_READERS, obj="import_job"),
    "api:import_errors": endpoint(get=IMPORT_READERS, obj="import_job"),
    "api:import_confirm": endpoint(post=UPLOADERS, obj="import_job"),
    "api:import_cancel": endpoint(post=UPLOADERS, obj="import_job"),
    "api:roster_list": endpoint(get=IMPORT_READERS),
    "api:roster_detail": endpoint(get=IMPORT_READERS, obj="roster_version"),
    "api:roster_changes": endpoint(get=IMPORT_READERS, obj="roster_version"),
    "api:result_list": endpoint(get=STAFF),
    "api:batch_list": endpoint(get=IMPORT_READERS),
    "api:batch_detail": endpoint(get=IMPORT_READERS, obj="batch"),
    "api:batch_lines": endpoint(get=IMPORT_READERS, obj="batch"),
    # The ID number goes in the body; every role opens the files of the people of its scope (404 for others).
    "api:person_lookup": endpoint(post=STAFF),
    "api:quota_ranking": endpoint(get=READERS | {TOWN, OTHER_TOWN}),
    "api:not_found": endpoint(found=False),
}


@pytest.fixture
def world(db):
    w = build_world()
    # The import has rejected rows: its error workbook is there to be refused or handed out.
    job = w.import_job
    job.error_file.save("roster-错误行.xlsx", ContentFile(b"PK\x03\x04 workbook"), save=True)
    return w


def clients(world) -> dict[str, ApiClient]:
    result = {ANON: ApiClient(), REVOKED: ApiClient(revoked_token_for(world.users["bureau"]))}
    for key, user in world.users.items():
        result[key] = ApiClient(token_for(user))
    return result


def expected(ep: Endpoint, method: str, role: str) -> str:
    """401, 403, 404, 405 or "ok" (any other answer: the request reached the endpoint's own checks)."""
    if not ep.found:  # the catch-all: a JSON 404 for anyone, before any token is looked at
        return "404"
    if role in (ANON, REVOKED):
        return "401"
    if role == SUPER:  # a superuser without a staff profile has no role on the site, nor in the API
        return "403"
    if method == "POST" and role == AUDITOR:
        return "403"
    allowed = ep.get if method == "GET" else ep.post
    anyone = ep.get | ep.post
    if role not in anyone:
        return "403"
    if role not in allowed:
        return "405"
    if not ep.found or (ep.obj and role not in SEES.get(ep.obj, SEES_COUNTY)):
        return "404"
    return "ok"


def outcome(response) -> str:
    code = response.status_code
    return str(code) if code in (401, 403, 404, 405) else "ok"


def test_every_api_route_is_in_the_matrix():
    names = {u.name for u in api_urls()}
    assert names, "the API's URL conf was not found"
    assert not names - ENDPOINTS.keys(), f"new API route not covered by the matrix: {names - ENDPOINTS.keys()}"
    assert not ENDPOINTS.keys() - names, f"the matrix lists API routes that no longer exist: {ENDPOINTS.keys() - names}"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_api_answers_each_role_as_the_table_says(world, method):
    cs = clients(world)
    jobs_before = list(ImportJob.objects.values_list("pk", "status"))
    failures = []
    for url in api_urls():
        ep = ENDPOINTS[url.name]
        path = reverse(url.name, kwargs=object_kwargs(url, world.objects.get(ep.obj), {}))
        for role in API_ROLES:
            c = cs[role]
            response = c.get(path) if method == "GET" else c.post(path, {})
            got, want = outcome(response), expected(ep, method, role)
            if got != want:
                failures.append(f"{method} {path} ({url.name}) as {role}: expected {want}, got {response.status_code}")
            if response.status_code >= 400 and response["Content-Type"].startswith("application/json"):
                body = response.json()
                if set(body) != {"code", "message", "field"}:
                    failures.append(f"{method} {path} as {role}: error body {body}")
    assert not failures, "\n".join(failures)
    # An empty POST created nothing and moved no job; the committed job is still committed.
    assert list(ImportJob.objects.values_list("pk", "status")) == jobs_before
    assert world.import_job.status == ImportStatus.COMMITTED


def test_every_refusal_is_json_with_a_chinese_message(world):
    cs = clients(world)
    checks = [
        (cs[ANON].get(reverse("api:result_list")), 401, "not_authenticated"),
        (cs[REVOKED].get(reverse("api:result_list")), 401, "authentication_failed"),
        (cs[AUDITOR].post(reverse("api:import_list"), {}), 403, "permission_denied"),
        (
            cs["rural_revitalization"].get(reverse("api:roster_detail", kwargs={"pk": world.roster_version.pk})),
            404,
            "not_found",
        ),
        (cs["bureau"].get("/api/v1/no-such-thing/"), 404, "not_found"),
    ]
    for response, status, code in checks:
        assert response.status_code == status
        body = response.json()
        assert body["code"] == code, body
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body
        assert body["field"] is None
    assert cs[ANON].get(reverse("api:result_list"))["WWW-Authenticate"] == 'Bearer realm="api"'


def test_reading_people_is_recorded_with_the_token_name(world):
    c = ApiClient(token_for(world.users["bureau"], name="财政系统"))
    before = set(ExportRecord.objects.values_list("pk", flat=True))
    assert c.get(reverse("api:result_list")).status_code == 200
    assert c.get(reverse("api:batch_lines", kwargs={"pk": world.batch.pk})).status_code == 200
    records = ExportRecord.objects.exclude(pk__in=before).order_by("pk")
    assert [(r.username, r.token_name, r.kind, r.rows, r.full_ids) for r in records] == [
        ("bureau", "财政系统", "api_reconciliation", 1, True),
        ("bureau", "财政系统", "api_transfer_lines", 1, True),
    ]


def test_other_county_bureau_sees_none_of_county_a(world):
    c = ApiClient(token_for(world.users[OTHER_COUNTY]))
    for name in ("api:result_list", "api:batch_list", "api:roster_list", "api:import_list"):
        response = c.get(reverse(name))
        assert response.status_code == 200
        assert response.json()["results"] == [], name
