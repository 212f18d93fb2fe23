from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from enrollment.management.county import add_county_argument, county_from_option
from quotas.targets.services import QuotaImportError, quota_table_import


class Command(BaseCommand):
    help = "Import a county's enrolment task table (.csv in UTF-8 or GBK, or .xlsx) for a benefit year."

    def add_arguments(self, parser):
        parser.add_argument("file")
        add_county_argument(parser)
        parser.add_argument("--year", type=int, required=True, help="benefit year")
        parser.add_argument("--title", default="")
        parser.add_argument("--source", default="", help="the notice the table comes from")
        parser.add_argument(
            "--stated-total", type=int, default=None, help="the total the notice states, if it differs from the file"
        )
        parser.add_argument("--township", default=None, help="the township whose villages the table lists")
        parser.add_argument("--create-places", action="store_true", help="create townships/villages not yet known")

    def handle(self, *args, file, county, year, title, source, stated_total, township, create_places, **options):
        place = county_from_option(county, create="known")
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": file})
        try:
            outcome = quota_table_import(
                county=place,
                year=year,
                data=path.read_bytes(),
                filename=path.name,
                title=title,
                source=source,
                stated_total=stated_total,
                township_name=township,
                create_places=create_places,
            )
        except QuotaImportError as error:
            raise CommandError("\n".join(error.messages)) from error
        table = outcome.table
        self.stdout.write(
            _("%(title)s: %(units)s units, rows sum to %(summed)s, stated total %(stated)s.")
            % {
                "title": table.title,
                "units": outcome.units,
                "summed": f"{outcome.summed_total:,}",
                "stated": f"{table.stated_total:,}" if table.stated_total is not None else "—",
            }
        )
        for warning in outcome.warnings:
            self.stdout.write(self.style.WARNING(warning))
