"""`explain --county CODE --year YYYY --id ID_NUMBER`: why one person's result is what it is, as the person file
shows it (for support and for the tests)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from enrollment import idnumbers
from enrollment.management.county import add_county_argument, county_from_option
from subsidies.models import Category, EnrolmentStatus, Flag
from subsidies.reconciliation.explain import day, explain_person, money, month


def category_name(category_id: int | None) -> str:
    if category_id is None:
        return "—"
    return Category.objects.filter(pk=category_id).values_list("name", flat=True).first() or "—"


class Command(BaseCommand):
    help = "Explain one person's reconciliation result for a benefit year, step by step."

    def add_arguments(self, parser):
        add_county_argument(parser)
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--id", dest="id_number", required=True, help="the resident ID number (any spelling)")
        parser.add_argument("--as-of", dest="as_of", type=datetime.date.fromisoformat, default=None)

    def handle(self, *args, county, year, id_number, as_of, **options):
        with translation.override("zh-hans"):
            county_obj = county_from_option(county)
            number = idnumbers.check(id_number).value
            if not number:
                raise CommandError(_("%(value)s is not an ID number.") % {"value": id_number})
            labels = dict(Flag.choices)
            explanation = explain_person(county_id=county_obj.pk, year=year, id_number=number, as_of=as_of)
            if explanation.outcome is None:
                raise CommandError("；".join(line for step in explanation.steps for line in step.lines))
            self.stdout.write(
                _("%(county)s, benefit year %(year)s, as of %(as_of)s")
                % {"county": county_obj.name, "year": year, "as_of": explanation.as_of.isoformat()}
            )
            for step in explanation.steps:
                self.stdout.write(f"【{step.title}】")
                for line in step.lines:
                    self.stdout.write(f"  {line}")
            o = explanation.outcome
            self.stdout.write("【" + _("Result") + "】")
            for label, value in (
                (_("Status"), EnrolmentStatus(o.status).label),
                (_("Category"), category_name(o.category_id)),
                (_("Subsidy"), money(o.subsidy)),
                (_("Personal due"), money(o.personal_due)),
                (_("Paid"), money(o.paid)),
                (_("Next-month top-up"), money(o.topup) + (f"（{month(o.topup_month)}）" if o.topup_month else "")),
                (_("Benefit start"), day(o.benefit_start)),
                (_("Flags"), "、".join(labels[f] for f in explanation.flags) or "—"),
            ):
                self.stdout.write(f"  {label}：{value}")
            if explanation.stored is None:
                self.stdout.write(_("No stored result yet: run the reconciliation."))
            elif not explanation.matches_stored:
                self.stdout.write(_("The stored result differs: its inputs changed since the last run."))
