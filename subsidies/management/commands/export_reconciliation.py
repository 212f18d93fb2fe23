from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from enrollment.management.county import add_county_argument, county_from_option
from subsidies.models import ReconciliationResult
from subsidies.reconciliation.exports import result_rows, write_csv


class Command(BaseCommand):
    help = "Write a county's reconciliation results for a year as UTF-8 CSV with BOM, in the fixed column layout."

    def add_arguments(self, parser):
        add_county_argument(parser)
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--output", required=True, help="FILE.csv")

    def handle(self, *args, county, year, output, **options):
        county_obj = county_from_option(county)
        qs = ReconciliationResult.objects.filter(county=county_obj, year=year)
        with translation.override("zh-hans"), open(output, "w", encoding="utf-8", newline="") as stream:
            n = write_csv(result_rows(qs), stream)
        self.stdout.write(_("%(n)s rows written to %(file)s.") % {"n": n, "file": output})
