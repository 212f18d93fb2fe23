"""Build a county's monthly transfer batches: `manage.py build_transfers --county 620721 --month 2024-03`."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from enrollment.management.county import add_county_argument, county_from_option
from subsidies.transfers.rules import parse_month
from subsidies.transfers.services import batch_build


class Command(BaseCommand):
    help = "Build (or rebuild while still drafts) the transfer batches of a county for a month."

    def add_arguments(self, parser):
        add_county_argument(parser)
        parser.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args, county, month, **options):
        try:
            first = parse_month(month)
        except ValueError as exc:
            raise CommandError(_("Month must look like 2024-03: %(value)s") % {"value": month}) from exc
        county_obj = county_from_option(county)
        built = batch_build(county=county_obj, month=first)
        for batch in built.batches:
            self.stdout.write(
                _("%(number)s: %(lines)s lines, %(total)s yuan")
                % {"number": batch.number, "lines": batch.lines_count, "total": batch.total}
            )
        for batch in built.frozen:
            self.stdout.write(
                _("%(number)s is %(status)s: left unchanged")
                % {"number": batch.number, "status": batch.get_status_display()}
            )
        if built.unfunded:
            self.stdout.write(
                _("%(count)s people are owed a subsidy whose category has no paying fund in the policy.")
                % {"count": built.unfunded}
            )
        self.stdout.write(_("%(count)s lines added.") % {"count": built.lines})
