from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from enrollment.management.county import add_county_argument, county_from_option
from quotas.models import QuotaTable
from quotas.progress.services import progress_snapshot_take


class Command(BaseCommand):
    help = "Take a progress snapshot of a county's quota table for a benefit year."

    def add_arguments(self, parser):
        add_county_argument(parser)
        parser.add_argument("--year", type=int, required=True, help="benefit year")

    def handle(self, *args, county, year, **options):
        place = county_from_option(county)
        county = place.code
        table = QuotaTable.objects.filter(county=place, year=year).first()
        if table is None:
            raise CommandError(
                _("No quota table for county %(county)s and year %(year)s.") % {"county": county, "year": year}
            )
        snapshot = progress_snapshot_take(table=table)
        rows = snapshot.rows.count()
        self.stdout.write(_("Snapshot taken: %(units)s units.") % {"units": rows})
