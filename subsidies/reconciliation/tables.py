"""The reconciliation results table: Chinese headings, IDs masked per role, flags as labels."""

import django_tables2 as tables
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.access import shown_id_number
from subsidies.models import Flag, ReconciliationResult, ReconciliationRun
from subsidies.reconciliation.presenter import present_winner, result_viewer
from subsidies.reconciliation.rules import flags_parse
from subsidies.rosters.person_keys import PersonLinksMixin

FLAG_LABELS = dict(Flag.choices)
# A long category name is clipped to keep the row on one line at 1366 px (reconciliation.css); the cell's title
# holds it in full, as the viewer may see it.
CATEGORY_TD = {"class": "clip-cell", "title": lambda table, record: table.render_category(record)}


class ResultTable(PersonLinksMixin, tables.Table):
    id_number = tables.Column(verbose_name=_("ID number"))
    name = tables.Column(verbose_name=_("name"))
    # Sorting by place uses the ids (an index serves it); within one village every row is alike anyway.
    township = tables.Column(verbose_name=_("township"), order_by=("township_id", "id_number"))
    village = tables.Column(verbose_name=_("village"), order_by=("village_id", "id_number"))
    category = tables.Column(
        verbose_name=_("category"), order_by=("category_id", "id_number"), attrs={"td": CATEGORY_TD}
    )
    department = tables.Column(verbose_name=_("department"), order_by=("department_id", "id_number"))
    subsidy = tables.Column(verbose_name=_("subsidy"), attrs={"td": {"class": "num"}})
    personal_due = tables.Column(verbose_name=_("personal due"), attrs={"td": {"class": "num"}})
    paid = tables.Column(verbose_name=_("paid"), attrs={"td": {"class": "num"}})
    paid_on = tables.Column(verbose_name=_("payment date"))
    status = tables.Column(verbose_name=_("status"))
    topup = tables.Column(verbose_name=_("top-up owed"), attrs={"td": {"class": "num"}})
    benefit_start = tables.Column(verbose_name=_("benefits start"))
    flags = tables.Column(verbose_name=_("problems"), orderable=False, attrs={"td": {"class": "wrap"}})

    class Meta:
        model = ReconciliationResult
        fields = (
            "id_number",
            "name",
            "township",
            "village",
            "category",
            "department",
            "subsidy",
            "personal_due",
            "paid",
            "paid_on",
            "status",
            "topup",
            "benefit_start",
            "flags",
        )
        attrs = {"class": "table results"}
        empty_text = _("No results: run the reconciliation or change the filters.")

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        self.viewer = result_viewer(user) if user is not None else None
        if self.viewer is not None and self.viewer.department_id is not None:
            # Sorted by another department's category, rows would line up by the category they do not show.
            kwargs["extra_columns"] = [
                (
                    "category",
                    tables.Column(verbose_name=_("category"), orderable=False, attrs={"td": CATEGORY_TD}),
                ),
                ("department", tables.Column(verbose_name=_("department"), orderable=False)),
            ]
        super().__init__(*args, **kwargs)

    def _winner(self, record) -> dict:
        """What the viewer may see of the record's winning identity (`reconciliation_presenter`)."""
        values = {"category": record.category, "department": record.department}
        values |= {"topup_month": record.topup_month, "benefit_start": record.benefit_start}
        if self.viewer is None:
            return values
        return present_winner(self.viewer, department_id=record.department_id, values=values)

    def render_id_number(self, record, value):
        return self.person_link(record, shown_id_number(value, self.user))

    def render_name(self, record, value):
        return self.person_link(record, value)

    def render_category(self, record):
        return self._winner(record)["category"] or "—"

    def render_department(self, record):
        return self._winner(record)["department"] or "—"

    def render_status(self, record):
        return record.get_status_display()

    # Plain ISO dates, without a template per cell.
    def render_paid_on(self, value):
        return value.isoformat()

    def render_benefit_start(self, record):
        start = self._winner(record)["benefit_start"]
        return start.isoformat() if start else "—"

    def render_topup(self, record, value):
        if not value:
            return "—"
        month = self._winner(record)["topup_month"]
        return f"{value}（{month:%Y-%m}）" if month else value

    def render_flags(self, value):
        codes = flags_parse(value)
        if not codes:
            return "—"
        labels = ((c, FLAG_LABELS.get(c, c)) for c in codes)
        return format_html_join("", '<span class="flag flag-{}">{}</span> ', labels)


class RunTable(tables.Table):
    started_at = tables.DateTimeColumn(verbose_name=_("started at"), format="Y-m-d H:i:s", linkify=True)
    year = tables.Column(verbose_name=_("benefit year"))
    as_of = tables.DateColumn(verbose_name=_("as of"), format="Y-m-d")
    full = tables.BooleanColumn(verbose_name=_("full run"), yesno=(_("full"), _("incremental")))
    started_by = tables.Column(verbose_name=_("started by"), default=_("automatic"))
    status = tables.Column(verbose_name=_("status"))
    persons = tables.Column(verbose_name=_("persons recomputed"))
    changed = tables.Column(verbose_name=_("results changed"))
    counts = tables.Column(verbose_name=_("counts by status"), orderable=False)
    duration = tables.Column(verbose_name=_("duration"), orderable=False, empty_values=())

    class Meta:
        model = ReconciliationRun
        fields = ("started_at", "year", "as_of", "full", "started_by", "status", "persons", "changed", "counts")
        attrs = {"class": "table runs"}
        empty_text = _("No reconciliation has been run yet.")

    def render_status(self, record):
        label = record.get_status_display()
        return label if record.status != "running" else f"{label} {record.progress_percent}%"

    def render_counts(self, value):
        from subsidies.models import EnrolmentStatus

        labels = dict(EnrolmentStatus.choices)
        order = {k: i for i, k in enumerate(labels)}  # the statuses' order: jsonb on PostgreSQL reorders the keys
        items = sorted((value or {}).items(), key=lambda kv: order.get(kv[0], len(order)))
        return "，".join(f"{labels.get(k, k)} {v}" for k, v in items)

    def render_duration(self, record):
        if record.duration is None:
            return "—"
        return _("%(seconds).1f s") % {"seconds": record.duration.total_seconds()}
