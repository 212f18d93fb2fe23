"""Village notice (公示) pages and their .xlsx. Thin views.

Scopes (accounts/access.py): the bureau and auditors see their county; a township user sees only its own
township's units, villages and cases (another township's case or village is a 404); a department user sees
the special-group coverage and the cases of its own department. Auditors read only."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django_tables2 import RequestConfig

from accounts.access import mask_id_number, roles_required
from accounts.exports import XLSX, download_response, record_export
from enrollment.places.clock import county_today
from quotas.notices import selectors
from quotas.notices.tables import NoticeTable
from quotas.notices.workbook import notice_workbook
from quotas.progress.views import PLACE_READERS
from subsidies.reconciliation.selectors import benefit_years_for


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


@roles_required(*PLACE_READERS)
def notice(request, village_id: int):
    village, year, paid, unpaid = _notice(request, village_id)
    county_id = village.township.county_id
    paid_table = NoticeTable(paid, prefix="paid-", county_id=county_id)
    unpaid_table = NoticeTable(unpaid, prefix="unpaid-", county_id=county_id)
    for t in (paid_table, unpaid_table):
        RequestConfig(request, paginate={"per_page": NOTICE_PAGE_ROWS}).configure(t)
    paid_count, unpaid_count = paid_table.paginator.count, unpaid_table.paginator.count
    context = {
        "village": village,
        "year": year,
        "paid_table": paid_table,
        "unpaid_table": unpaid_table,
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
