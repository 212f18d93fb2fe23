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


def _notice(request, village_id: int):
    village = selectors.village_get_for(request.user, village_id)
    year = benefit_years_for(request.user).year_to_open(request.GET.get("year"))
    paid, unpaid = selectors.village_notice(village=village, year=year)
    return village, year, paid, unpaid


@roles_required(*PLACE_READERS)
def notice(request, village_id: int):
    village, year, paid, unpaid = _notice(request, village_id)
    paid_table, unpaid_table = NoticeTable(paid), NoticeTable(unpaid)
    for t in (paid_table, unpaid_table):
        RequestConfig(request, paginate=False).configure(t)
    context = {
        "village": village,
        "year": year,
        "paid_table": paid_table,
        "unpaid_table": unpaid_table,
        "paid_count": len(paid),
        "unpaid_count": len(unpaid),
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
        return [[n, r.name, mask_id_number(r.id_number), r.get_status_display()] for n, r in enumerate(results, 1)]

    data = notice_workbook(
        title=title,
        headers=headers,
        sections=[
            (_("Paid (%(count)s)") % {"count": len(paid)}, rows(paid)),
            (_("Not paid (%(count)s)") % {"count": len(unpaid)}, rows(unpaid)),
        ],
    )
    record_export(
        user=request.user,
        kind="village_notice",
        rows=len(paid) + len(unpaid),
        description=f"{village.township.name}{village.name} {year}",
        filters={"village": village.pk, "year": year},
        full_ids=False,  # the notice shows masked ID numbers only
    )
    return download_response(
        data, filename=f"{village.township.name}{village.name}-{year}-公示.xlsx", content_type=XLSX
    )
