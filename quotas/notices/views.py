"""Village notice (公示) pages and their .xlsx. Thin views.

Scopes (accounts/access.py): the bureau and auditors see their county; a township user sees only its own
township's units, villages and cases (another township's case or village is a 404); a department user sees
the special-group coverage and the cases of its own department. Auditors read only."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.access import mask_id_number, roles_required
from accounts.exports import XLSX, download_response, record_export
from enrollment.places.clock import county_today
from quotas.notices import selectors
from quotas.notices.workbook import notice_workbook
from quotas.progress.views import PLACE_READERS
from subsidies.reconciliation.selectors import benefit_years_for
from subsidies.rosters.person_keys import person_keys, person_url_maker


@roles_required(*PLACE_READERS)
def notice_list(request):
    year = benefit_years_for(request.user).year_to_open(request.GET.get("year"))
    villages = selectors.villages_visible_to(request.user)
    return render(request, "quotas/notice_list.html", {"villages": villages, "year": year})


# Rows of each list on one screen page. A village of a few thousand people reads on a handful of pages; the
# whole notice, to print and post, is the .xlsx.
NOTICE_PAGE_ROWS = 500


def _notice(request, village_id: int):
    village = selectors.village_get_for(request.user, village_id)
    year = benefit_years_for(request.user).year_to_open(request.GET.get("year"))
    paid, unpaid = selectors.village_notice_lists(village=village, year=year)
    return village, year, paid, unpaid


@dataclass(frozen=True)
class NoticeRow:
    seq: int
    name: str
    id_number: str  # masked, whoever looks: the notice goes on a wall
    status: str
    url: str | None  # the person's file


@dataclass(frozen=True)
class NoticeList:
    page: Page
    rows: list[NoticeRow]
    previous_url: str  # the list's previous and next page ("" where there is none), the other list staying put
    next_url: str


def _notice_lists(request, county_id: int, lists: dict[str, object]) -> dict[str, NoticeList]:
    """One page of each list, numbered across its pages, and the person links of both (one lookup of keys).

    A plain loop in the template, not django-tables2: a notice page is hundreds of rows of four cells, which a
    table class renders at about a millisecond a row."""
    pages = {}
    for prefix, results in lists.items():
        param = f"{prefix}-page"
        pages[prefix] = (Paginator(results, NOTICE_PAGE_ROWS).get_page(request.GET.get(param)), param)
    records = {prefix: list(page.object_list) for prefix, (page, _param) in pages.items()}
    keys = person_keys(county_id=county_id, id_numbers=(r.id_number for rs in records.values() for r in rs))
    url = person_url_maker()
    out = {}
    for prefix, (page, param) in pages.items():
        start = page.start_index()
        rows = [
            NoticeRow(
                seq=start + n,
                name=r.name,
                id_number=mask_id_number(r.id_number),
                status=r.get_status_display(),
                url=url(keys[r.id_number]) if r.id_number in keys else None,
            )
            for n, r in enumerate(records[prefix])
        ]
        out[prefix] = NoticeList(
            page=page,
            rows=rows,
            previous_url=_page_url(request, param, page.previous_page_number()) if page.has_previous() else "",
            next_url=_page_url(request, param, page.next_page_number()) if page.has_next() else "",
        )
    return out


def _page_url(request, param: str, number: int) -> str:
    query = request.GET.copy()
    query[param] = str(number)
    return f"?{query.urlencode()}"


@roles_required(*PLACE_READERS)
def notice(request, village_id: int):
    village, year, paid, unpaid = _notice(request, village_id)
    lists = _notice_lists(request, village.township.county_id, {"paid": paid, "unpaid": unpaid})
    paid_count, unpaid_count = lists["paid"].page.paginator.count, lists["unpaid"].page.paginator.count
    context = {
        "village": village,
        "year": year,
        "paid_list": lists["paid"],
        "unpaid_list": lists["unpaid"],
        "paid_count": paid_count,
        "unpaid_count": unpaid_count,
        "paged": max(paid_count, unpaid_count) > NOTICE_PAGE_ROWS,
        "page_rows": NOTICE_PAGE_ROWS,
        "today": county_today(village.township.county_id),
    }
    return render(request, "quotas/notice.html", context)


@roles_required(*PLACE_READERS)
def notice_xlsx(request, village_id: int):
    village, year, paid, unpaid = _notice(request, village_id)
    title = _("%(township)s %(village)s: enrolment for benefit year %(year)s, public notice") % {
        "township": village.township.name,
        "village": village.name,
        "year": year,
    }
    headers = [_("No."), _("name"), _("ID number"), _("status")]

    def rows(results):
        return [
            [n, r.name, mask_id_number(r.id_number), r.get_status_display()]
            for n, r in enumerate(results.iterator(chunk_size=5000), 1)
        ]

    paid_rows, unpaid_rows = rows(paid), rows(unpaid)
    data = notice_workbook(
        title=title,
        headers=headers,
        sections=[
            (_("Paid (%(count)s)") % {"count": len(paid_rows)}, paid_rows),
            (_("Not paid (%(count)s)") % {"count": len(unpaid_rows)}, unpaid_rows),
        ],
    )
    record_export(
        user=request.user,
        kind="village_notice",
        rows=len(paid_rows) + len(unpaid_rows),
        description=f"{village.township.name}{village.name} {year}",
        filters={"village": village.pk, "year": year},
        full_ids=False,  # the notice shows masked ID numbers only
    )
    return download_response(
        data, filename=f"{village.township.name}{village.name}-{year}-公示.xlsx", content_type=XLSX
    )
