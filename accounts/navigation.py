"""The main navigation: one list of entries, each shown only to the roles that can use it.

An entry names the URL patterns that may serve it, in order of preference; the first that resolves is
used, and an entry whose pages do not exist (yet) is simply not shown. Where the target view declares
`allowed_roles` (set by `roles_required` or `RoleRequiredMixin`), that is honoured too, so the menu never
offers a page that would answer 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.translation import pgettext_lazy

from accounts.access import role_of
from accounts.models import Role

ALL_ROLES = (Role.BUREAU, Role.DEPARTMENT, Role.TOWNSHIP, Role.AUDITOR)
READERS = (Role.BUREAU, Role.AUDITOR)


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str
    url_names: tuple[str, ...]
    roles: tuple[str, ...]
    # Sections under this URL prefix light the entry up as the current one.
    prefixes: tuple[str, ...] = ()
    staff_only: bool = False


NAV_ENTRIES: tuple[NavEntry, ...] = (
    NavEntry("home", pgettext_lazy("navigation", "Home"), ("home",), ALL_ROLES),
    NavEntry(
        "upload",
        pgettext_lazy("navigation", "Upload data"),
        ("enrollment:upload", "enrollment:import_upload", "enrollment:upload_start", "enrollment:import_list"),
        (Role.BUREAU, Role.DEPARTMENT),
        ("/enrollment/upload", "/enrollment/imports/upload"),
    ),
    NavEntry(
        "imports",
        pgettext_lazy("navigation", "Import records"),
        ("enrollment:import_list",),
        (Role.BUREAU, Role.DEPARTMENT, Role.AUDITOR),
        ("/enrollment/imports",),
    ),
    NavEntry(
        "rosters",
        pgettext_lazy("navigation", "Rosters"),
        ("subsidies:roster_list", "subsidies:roster_versions", "subsidies:rosters", "subsidies:roster_version_list"),
        (Role.BUREAU, Role.DEPARTMENT, Role.AUDITOR),
        ("/subsidies/rosters",),
    ),
    NavEntry(
        "results",
        pgettext_lazy("navigation", "Reconciliation results"),
        (
            "subsidies:result_list",
            "subsidies:results",
            "subsidies:reconciliation_results",
            "subsidies:reconciliation_list",
        ),
        ALL_ROLES,
        ("/subsidies/results", "/subsidies/reconciliation", "/subsidies/runs"),
    ),
    NavEntry(
        "transfers",
        pgettext_lazy("navigation", "Subsidy transfers"),
        ("subsidies:batch_list", "subsidies:transfer_list", "subsidies:batches", "subsidies:transfers"),
        (Role.BUREAU, Role.DEPARTMENT, Role.AUDITOR),
        ("/subsidies/transfers", "/subsidies/batches"),
    ),
    NavEntry(
        "progress",
        pgettext_lazy("navigation", "Enrolment progress"),
        ("quotas:ranking", "quotas:progress", "quotas:ranking_list", "quotas:index"),
        (Role.BUREAU, Role.TOWNSHIP, Role.AUDITOR, Role.DEPARTMENT),
        ("/quotas/ranking", "/quotas/progress", "/quotas/snapshots", "/quotas/tables"),
    ),
    NavEntry(
        "notices",
        pgettext_lazy("navigation", "Public notices"),
        ("quotas:notice_list", "quotas:notices", "quotas:notice_index", "quotas:notice"),
        (Role.BUREAU, Role.TOWNSHIP, Role.AUDITOR),
        ("/quotas/notices", "/quotas/notice"),
    ),
    NavEntry(
        "cases",
        pgettext_lazy("navigation", "Follow-up cases"),
        ("quotas:case_list", "quotas:cases", "quotas:followup_list"),
        (Role.BUREAU, Role.TOWNSHIP, Role.AUDITOR),
        ("/quotas/cases",),
    ),
    NavEntry(
        "policy",
        pgettext_lazy("navigation", "Policy"),
        ("subsidies:policy_list", "subsidies:policies", "subsidies:policy_index"),
        (Role.BUREAU, Role.AUDITOR),
        ("/subsidies/policies", "/subsidies/policy"),
    ),
    NavEntry(
        "api_tokens",
        pgettext_lazy("navigation", "API tokens"),
        ("accounts:api_tokens",),
        ALL_ROLES,
        ("/accounts/api-tokens", "/api/"),
    ),
    NavEntry(
        "admin",
        pgettext_lazy("navigation", "Data administration"),
        ("admin:index",),
        READERS,
        ("/admin/",),
        staff_only=True,
    ),
)


@dataclass(frozen=True)
class NavLink:
    key: str
    label: str
    url: str
    current: bool


def first_url(*names: str) -> str | None:
    """The URL of the first of these pattern names that exists, else None."""
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def _view_allows(url: str, role: str) -> bool:
    """False when the view behind url declares allowed_roles that exclude this role."""
    try:
        match = resolve(url)
    except Resolver404:
        return False
    view_class = getattr(match.func, "view_class", None)
    allowed = getattr(view_class, "allowed_roles", None)
    if allowed is None:
        allowed = getattr(match.func, "allowed_roles", None)
    return allowed is None or role in allowed


def nav_links(user, path: str = "") -> list[NavLink]:
    """The entries this user can use, with resolved URLs; `current` marks the section of `path`."""
    role = role_of(user)
    if role is None:
        return []
    links = []
    for entry in NAV_ENTRIES:
        if role not in entry.roles:
            continue
        if entry.staff_only and not user.is_staff:
            continue
        url = first_url(*entry.url_names)
        if url is None or not _view_allows(url, role):
            continue
        links.append(NavLink(entry.key, str(entry.label), url, False))
    return _mark_current(links, path)


def _mark_current(links: list[NavLink], path: str) -> list[NavLink]:
    prefixes = {e.key: e.prefixes for e in NAV_ENTRIES}
    best, best_len = None, 0
    for link in links:
        candidates = [link.url, *prefixes.get(link.key, ())] if link.url != "/" else []
        for prefix in candidates:
            if path.startswith(prefix) and len(prefix) > best_len:
                best, best_len = link.key, len(prefix)
    if best is None and path == "/":
        best = "home"
    return [NavLink(lk.key, lk.label, lk.url, lk.key == best) for lk in links]
