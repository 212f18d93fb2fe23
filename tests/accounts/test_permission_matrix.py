"""Every role × every URL of the URL conf (site pages and admin) against an explicit table of who may do what.

The URL conf is walked recursively; a URL name missing from the tables below fails the test ("new view not
covered"), so no view can escape the matrix. Object URLs point at objects of county A / department 民政 /
township A (tests/builders/world.py): a role that may use the page but not see the object gets 404, never
the object. Auditors POSTing to any state-changing URL get 403.

To cover a new view: add its name to PAGES with the roles allowed, the world object it points at (`obj`) and
whether a POST changes state (`writes`). To cover a new ModelAdmin: add the model to ADMIN_MODELS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.admin_mixins import ScopedAdminMixin
from tests.builders.world import OTHER_DEPARTMENTS, OWN_DEPARTMENT, build_world, model_object

pytestmark = pytest.mark.django_db

# Roles (keys of world.users, plus anonymous).
ANON = "anonymous"
BUREAU = "bureau"
AUDITOR = "auditor"
DEPT = OWN_DEPARTMENT
TOWN = "township"
OTHER_TOWN = "other_township"
OTHER_COUNTY = "other_county_bureau"
STAFF_DEPT = "staff_department"
SUPER = "superuser"
DEPTS = (DEPT, *OTHER_DEPARTMENTS)
STAFF = frozenset({BUREAU, AUDITOR, *DEPTS, TOWN, OTHER_TOWN, OTHER_COUNTY, STAFF_DEPT})
ROLES = (ANON, *sorted(STAFF))
BUREAU_ONLY = frozenset({BUREAU, OTHER_COUNTY})
READERS = frozenset({BUREAU, AUDITOR, OTHER_COUNTY})  # bureau-level read access: bureau and auditors

# Outcomes.
OK = "ok"  # 2xx, or a redirect that is not to a login page
LOGIN = "login"  # redirect to the site's login page
ADMIN_LOGIN = "admin-login"  # redirect to the admin's login page
E403 = "403"
E404 = "404"  # also: the admin's "object does not exist" redirect to its index
E405 = "405"
DENY = "deny"  # 403 or 404: the role may not use the page at all

# Who can see an object of county A, department 民政, township A, by the kind of object.
SEES_COUNTY = frozenset({BUREAU, AUDITOR, *DEPTS, TOWN, OTHER_TOWN, STAFF_DEPT})
SEES_DEPARTMENT = frozenset({BUREAU, AUDITOR, DEPT, STAFF_DEPT})
SEES_PERSON = frozenset({BUREAU, AUDITOR, DEPT, STAFF_DEPT, TOWN})  # a 民政-certified person of township A
SEES = {
    "county": SEES_COUNTY,
    "policy": SEES_COUNTY,
    "quota_table": SEES_COUNTY,
    "village": frozenset({BUREAU, AUDITOR, TOWN}),  # a village of township A
    "snapshot": SEES_COUNTY,
    "run": READERS - {OTHER_COUNTY},
    "roster_version": SEES_DEPARTMENT,
    "import_job": SEES_DEPARTMENT,
    "batch": SEES_DEPARTMENT,
    "result": SEES_PERSON,
    "case": SEES_PERSON,
    "person": SEES_PERSON,
    "household": SEES_PERSON,  # a household with a member the role may see
}


@dataclass(frozen=True)
class Page:
    """A site URL: who may GET it, the object it points at, whether POST changes state."""

    roles: frozenset[str]
    obj: str | None = None
    writes: bool = False
    get: bool = True  # False: POST only (GET answers 405 to allowed roles)
    public: bool = False
    kwargs: dict = field(default_factory=dict)


def page(roles, **kw) -> Page:
    return Page(roles=frozenset(roles), **kw)


# Every named URL outside the admin. Keys: "namespace:name".
PAGES: dict[str, Page] = {
    "home": page(STAFF),
    "login": page(STAFF, public=True),
    "logout": page(STAFF | {ANON}, get=False, public=True),
    "subsidies:reconciliation_results": page(STAFF),
    "subsidies:reconciliation_export": page(STAFF),
    "subsidies:reconciliation_runs": page(READERS),
    "subsidies:reconciliation_run": page(READERS, obj="run"),
    "subsidies:reconciliation_run_start": page(BUREAU_ONLY, get=False, writes=True),
    "subsidies:policy_list": page(STAFF),
    "subsidies:policy_detail": page(STAFF, obj="policy"),
    # Transfer batches: the bureau acts, auditors read, a department reads its own fund's batches.
    "subsidies:transfer_list": page(READERS | set(DEPTS) | {STAFF_DEPT}),
    "subsidies:transfer_build": page(BUREAU_ONLY, writes=True, get=False),
    "subsidies:transfer_counterpart": page(READERS),
    "subsidies:transfer_detail": page(READERS | set(DEPTS) | {STAFF_DEPT}, obj="batch"),
    "subsidies:transfer_transition": page(BUREAU_ONLY, obj="batch", writes=True, get=False),
    "subsidies:transfer_adjust": page(BUREAU_ONLY, obj="batch", writes=True, get=False),
    "subsidies:transfer_download_xlsx": page(READERS | set(DEPTS) | {STAFF_DEPT}, obj="batch"),
    "subsidies:transfer_download_csv": page(READERS | set(DEPTS) | {STAFF_DEPT}, obj="batch"),
    # Quotas: places for the bureau, auditors and townships; special groups and cases for departments too.
    "quotas:ranking": page(READERS | {TOWN, OTHER_TOWN}),
    "quotas:snapshot_take": page(BUREAU_ONLY, writes=True, get=False),
    "quotas:progress_chart": page(READERS | {TOWN, OTHER_TOWN}),
    "quotas:special_groups": page(STAFF),
    "quotas:notice_list": page(READERS | {TOWN, OTHER_TOWN}),
    "quotas:notice": page(READERS | {TOWN, OTHER_TOWN}, obj="village"),
    "quotas:notice_xlsx": page(READERS | {TOWN, OTHER_TOWN}, obj="village"),
    "quotas:case_list": page(STAFF),
    "quotas:case_detail": page(STAFF, obj="case"),
    "quotas:case_edit": page(BUREAU_ONLY | {TOWN, OTHER_TOWN}, obj="case", writes=True),
    "quotas:case_evidence": page(STAFF, obj="case"),
    "accounts:history_object": page(STAFF, obj="roster_version", kwargs={"label": "subsidies.rosterversion"}),
    # Imports: the bureau and departments upload (a department only its own roster), auditors read.
    "enrollment:import_list": page(READERS | set(DEPTS) | {STAFF_DEPT}),
    "enrollment:import_upload": page(BUREAU_ONLY | set(DEPTS) | {STAFF_DEPT}, writes=True),
    "enrollment:import_detail": page(READERS | set(DEPTS) | {STAFF_DEPT}, obj="import_job"),
    "enrollment:import_status": page(READERS | set(DEPTS) | {STAFF_DEPT}, obj="import_job"),
    "enrollment:import_errors": page(READERS | set(DEPTS) | {STAFF_DEPT}, obj="import_job"),
    "enrollment:import_confirm": page(
        BUREAU_ONLY | set(DEPTS) | {STAFF_DEPT}, obj="import_job", writes=True, get=False
    ),
    "enrollment:import_cancel": page(BUREAU_ONLY | set(DEPTS) | {STAFF_DEPT}, obj="import_job", writes=True, get=False),
    "enrollment:import_revalidate": page(
        BUREAU_ONLY | set(DEPTS) | {STAFF_DEPT}, obj="import_job", writes=True, get=False
    ),
    # Category labels are the bureau's policy data: only the bureau adds one from an upload's error page.
    "enrollment:import_alias": page(BUREAU_ONLY, obj="import_job", writes=True, get=False),
    "enrollment:import_template": page(READERS | set(DEPTS) | {STAFF_DEPT}, kwargs={"kind": "roster"}),
    "subsidies:roster_versions": page(READERS | set(DEPTS) | {STAFF_DEPT}),
    "subsidies:roster_version": page(READERS | set(DEPTS) | {STAFF_DEPT}, obj="roster_version"),
    # The person file: every role, each opening only the people of its scope (404 for anyone else, SPEC §14).
    "people:search": page(STAFF, get=False),
    "people:person": page(STAFF, obj="person"),
    "people:person_print": page(STAFF, obj="person"),
    "people:household": page(STAFF, obj="household"),
    # A user's own API tokens: every role keeps its own (an auditor's token only reads, api/permissions.py), so
    # creating one changes no county data and is not refused to auditors.
    "accounts:api_tokens": page(STAFF),
    "accounts:api_token_revoke": page(STAFF, get=False, kwargs={"pk": 1}),
}

# Every model in the admin: what the bureau may do ("view", "add", "change", "delete"); auditors only view.
ALL = frozenset({"view", "add", "change", "delete"})
VIEW = frozenset({"view"})
ADMIN_MODELS: dict[str, frozenset[str]] = {
    "auth.group": VIEW,
    "auth.user": VIEW,
    "axes.accessattempt": frozenset({"view", "delete"}),  # the bureau unlocks a locked-out user
    "axes.accesslog": VIEW,
    "axes.accessfailurelog": VIEW,
    "accounts.staffprofile": ALL,
    "quotas.quotatable": frozenset({"view", "change"}),  # targets corrected by hand; tables come by import
    "quotas.progresssnapshot": VIEW,
    "accounts.exportrecord": VIEW,  # the export log is evidence: nobody edits it
    "subsidies.policy": ALL,
    # import/export: django-import-export's pages, for the bureau only (auditors read on the site).
    "subsidies.department": ALL | {"import", "process_import", "export"},
    "subsidies.fund": ALL | {"import", "process_import", "export"},
    "subsidies.category": ALL | {"import", "process_import", "export"},
    # Built and moved only by the transfer services: view-only even for the bureau.
    "subsidies.transferbatch": VIEW,
    "subsidies.transferline": VIEW,
    "people.fileopening": VIEW,  # who opened whose file: evidence, nobody edits or deletes it
}
# What only a superuser may do beyond the bureau (accounts and their rights).
SUPERUSER_RIGHTS = {
    "auth.user": ALL,
    "auth.group": ALL,
    "axes.accesslog": frozenset({"delete"}),
    "axes.accessfailurelog": frozenset({"delete"}),
}
# Admin models not tied to a county: a bureau user of another county sees them too.
SHARED_MODELS = frozenset(
    {
        "auth.group",
        "axes.accessattempt",
        "axes.accesslog",
        "axes.accessfailurelog",
        "subsidies.department",
        "subsidies.fund",
    }
)
ADMIN_SITE_PAGES = {"index", "app_list", "password_change", "password_change_done", "jsi18n", "autocomplete"}


# ---------------------------------------------------------------------------------------------- the URL conf


@dataclass(frozen=True)
class Url:
    name: str
    params: tuple[str, ...]


def walk(resolver: URLResolver, namespace: str = "", params: tuple[str, ...] = ()) -> list[Url]:
    found = []
    for entry in resolver.url_patterns:
        entry_params = params + _params(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.extend(walk(entry, ns, entry_params))
        elif isinstance(entry, URLPattern):
            found.append(Url(f"{namespace}{entry.name}" if entry.name else "", entry_params))
    return found


def _params(pattern) -> tuple[str, ...]:
    converters = getattr(pattern, "converters", None)
    if converters:
        return tuple(converters)
    regex = getattr(pattern, "regex", None)
    return tuple(regex.groupindex) if regex is not None else ()


API_NAMESPACE = "api:"  # the REST API's routes: their own matrix, tests/api/test_permission_matrix.py


def every_url() -> list[Url]:
    urls = walk(get_resolver())
    unnamed = [u for u in urls if not u.name]
    # The admin's catch-all and its old "<id>/" redirect are its only unnamed patterns.
    assert len(unnamed) <= 1 + len(admin.site._registry), "every site URL needs a name to be in the matrix"
    return [u for u in urls if u.name]


def all_urls() -> list[Url]:
    """The site's pages and the admin: every named URL but the REST API's (token-authenticated, JSON)."""
    return [u for u in every_url() if not u.name.startswith(API_NAMESPACE)]


def api_urls() -> list[Url]:
    return [u for u in every_url() if u.name.startswith(API_NAMESPACE)]


# ----------------------------------------------------------------------------------------------- requests


@pytest.fixture
def world(db):
    return build_world()


def clients(world) -> dict[str, Client]:
    result = {ANON: Client()}
    for key, user in world.users.items():
        c = Client()
        c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        result[key] = c
    return result


def outcome(response) -> str:
    code = response.status_code
    if code in (301, 302, 303):
        location = response.url
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
        if location.startswith(reverse("login")):
            return LOGIN
        if location == reverse("admin:index"):
            return E404
        return OK
    if 200 <= code < 300:
        return OK
    return str(code)


def matches(expected: str, got: str) -> bool:
    if expected == DENY:
        return got in (E403, E404)
    return expected == got


def object_kwargs(url: Url, obj, extra: dict) -> dict:
    kwargs = dict(extra)
    for param in url.params:
        if param in kwargs:
            continue
        if obj is None:
            raise AssertionError(f"{url.name}: parameter {param!r} needs `obj=` or `kwargs=` in PAGES")
        kwargs[param] = obj.pk
    return kwargs


def expected_get(p: Page, role: str) -> str:
    if role == ANON:
        if p.public:
            return OK if p.get else E405
        return LOGIN
    if role not in p.roles:
        return DENY
    if p.obj and role not in SEES.get(p.obj, SEES_COUNTY):
        return E404
    return OK if p.get else E405


def test_every_url_is_in_the_matrix():
    missing = []
    registered = {m._meta.label_lower for m in admin.site._registry}
    for url in all_urls():
        if url.name.startswith("admin:"):
            continue
        if url.name not in PAGES:
            missing.append(url.name)
    missing += [f"admin model {label}" for label in registered - ADMIN_MODELS.keys()]
    assert not missing, f"new view not covered by the permission matrix: {missing}"
    stale = (PAGES.keys() - {u.name for u in all_urls()}) | (ADMIN_MODELS.keys() - registered)
    assert not stale, f"the matrix lists URLs or admin models that no longer exist: {stale}"


INLINE_CODE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE)


def csp_violations(response) -> list[str]:
    """What a `'self'`-only Content Security Policy would block on this page: inline scripts, styles, handlers."""
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    problems = [m.group(0) for m in INLINE_CODE.finditer(response.content.decode())]
    if "Content-Security-Policy" not in response:
        problems.append("no Content-Security-Policy header")
    return problems


# Department and township users read ID numbers masked in lists (full only on a detail page or in an export).
MASKED_ROLES = (DEPT, TOWN)


def _shows_full_id(response) -> bool:
    from tests.builders.world import ID_A

    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    return ID_A in response.content.decode()


def test_site_pages_answer_each_role_as_the_table_says(world):
    cs = clients(world)
    failures = []
    for url in all_urls():
        if url.name.startswith("admin:"):
            continue
        p = PAGES[url.name]
        path = reverse(url.name, kwargs=object_kwargs(url, world.objects.get(p.obj), p.kwargs))
        for role in ROLES:
            response = cs[role].get(path)
            got = outcome(response)
            want = expected_get(p, role)
            if not matches(want, got):
                failures.append(f"GET {path} ({url.name}) as {role}: expected {want}, got {got}")
            if role in (BUREAU, DEPT, TOWN, ANON) and response.status_code == 200:
                failures += [f"GET {path} as {role}: breaks the CSP: {v}" for v in csp_violations(response)]
            if role in MASKED_ROLES and not p.obj and response.status_code == 200 and _shows_full_id(response):
                failures.append(f"GET {path} as {role}: a list shows a full ID number")
    assert not failures, "\n".join(failures)


def test_state_changing_urls_refuse_auditors_and_outsiders(world):
    cs = clients(world)
    failures = []
    writes = [u for u in all_urls() if u.name in PAGES and PAGES[u.name].writes]
    for url in writes:
        p = PAGES[url.name]
        path = reverse(url.name, kwargs=object_kwargs(url, world.objects.get(p.obj), p.kwargs))
        for role in ROLES:
            if role == ANON:
                want = LOGIN
            elif role == AUDITOR:
                want = E403
            elif role not in p.roles:
                want = DENY
            elif p.obj and role not in SEES.get(p.obj, SEES_COUNTY):
                want = E404
            else:
                continue  # allowed: the area's own tests check what a valid POST does
            got = outcome(cs[role].post(path, {}))
            if not matches(want, got):
                failures.append(f"POST {path} ({url.name}) as {role}: expected {want}, got {got}")
    assert not failures, "\n".join(failures)


# -------------------------------------------------------------------------------------------------- admin


def admin_expected(*, action: str, role: str, label: str, rights: frozenset[str]) -> str:
    if role in (ANON, *DEPTS, TOWN, OTHER_TOWN, STAFF_DEPT):
        return ADMIN_LOGIN
    if action == "process_import":
        return E405  # POST only (the confirmed import); GET is refused before any permission check
    needed = {
        "changelist": "view",
        "change": "view",
        "history": "view",
        "simple_history": "view",
        "password_change": "change",
    }
    needed = needed.get(action, action)
    allowed = {AUDITOR: VIEW, SUPER: rights | SUPERUSER_RIGHTS.get(label, frozenset())}.get(role, rights)
    if needed not in allowed:
        return E403
    if role == OTHER_COUNTY and action not in ("changelist", "add", "import", "export") and label not in SHARED_MODELS:
        return E404
    return OK


def admin_path(name: str, kwargs) -> str:
    return reverse(name, args=kwargs) if isinstance(kwargs, list) else reverse(name, kwargs=kwargs)


def admin_urls(world) -> list[tuple[str, str, str, dict | list]]:
    """(url name, model label, action, kwargs) for every per-model admin URL."""
    rows = []
    for model in admin.site._registry:
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}_"
        obj = model_object(world, model)
        for url in all_urls():
            if not url.name.startswith(prefix):
                continue
            action = url.name[len(prefix) :]
            kwargs = {}
            for param in ("object_id", "id"):
                if param in url.params:
                    assert obj is not None, f"no {opts.label} object in tests/builders/world.py for {url.name}"
                    kwargs[param] = obj.pk
            if action == "simple_history":
                # django-simple-history's revision page takes positional (object id, history id).
                kwargs = [obj.pk, obj.history.latest().history_id]
            rows.append((url.name, opts.label_lower, action, kwargs))
    return rows


ADMIN_ROLES = (ANON, BUREAU, AUDITOR, DEPT, TOWN, STAFF_DEPT, OTHER_COUNTY, SUPER)


def test_every_model_admin_is_scoped():
    unscoped = [m._meta.label for m, a in admin.site._registry.items() if not isinstance(a, ScopedAdminMixin)]
    assert not unscoped


ADMIN_APPS = ("accounts", "auth", "axes", "enrollment", "people", "quotas", "subsidies")


def test_admin_apps_are_all_in_the_matrix():
    assert {m._meta.app_label for m in admin.site._registry} <= set(ADMIN_APPS)


@pytest.mark.parametrize("app_label", ADMIN_APPS)
def test_admin_answers_each_role_as_the_table_says(world, app_label):
    cs = clients(world)
    failures = []
    for name, label, action, kwargs in admin_urls(world):
        if not label.startswith(f"{app_label}."):
            continue
        path = admin_path(name, kwargs)
        for role in ADMIN_ROLES:
            if role == SUPER or (role == OTHER_COUNTY and action in ("changelist", "add")):
                continue  # superusers are Django's default; another county's lists are the bureau's own
            want = admin_expected(action=action, role=role, label=label, rights=ADMIN_MODELS[label])
            got = outcome(cs[role].get(path))
            if not matches(want, got):
                failures.append(f"GET {path} as {role}: expected {want}, got {got}")
    assert not failures, "\n".join(failures)


def test_admin_site_pages_are_for_bureau_and_auditors_only(world):
    cs = clients(world)
    names = {u.name.split(":", 1)[1] for u in all_urls() if u.name.startswith("admin:")}
    model_pages = {n.split(":", 1)[1] for n, *_ in admin_urls(world)}
    site_pages = names - model_pages - {"login", "logout", "view_on_site"}
    assert site_pages == ADMIN_SITE_PAGES, "new admin site page: add it to ADMIN_SITE_PAGES"
    failures = []
    for name in sorted(site_pages):
        kwargs = {"app_label": "accounts"} if name == "app_list" else {}
        path = reverse(f"admin:{name}", kwargs=kwargs)
        for role in ADMIN_ROLES:
            if role in (BUREAU, AUDITOR, OTHER_COUNTY, SUPER):
                # autocomplete without its parameters refuses even the bureau.
                want = E403 if name == "autocomplete" else OK
            else:
                want = ADMIN_LOGIN
            got = outcome(cs[role].get(path))
            if not matches(want, got):
                failures.append(f"GET {path} as {role}: expected {want}, got {got}")
    assert not failures, "\n".join(failures)


def test_auditor_cannot_change_anything_in_the_admin(world):
    cs = clients(world)
    failures = []
    for name, _label, action, kwargs in admin_urls(world):
        if action not in ("add", "change", "delete", "simple_history"):
            continue
        path = admin_path(name, kwargs)
        got = outcome(cs[AUDITOR].post(path, {"post": "yes"}))
        if got != E403:
            failures.append(f"POST {path} as auditor: expected 403, got {got}")
    assert not failures, "\n".join(failures)
