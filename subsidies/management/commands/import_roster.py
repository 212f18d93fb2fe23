import datetime

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from enrollment.imports.commands import ImportCommand
from enrollment.models import ImportKind
from subsidies.models import Department


class Command(ImportCommand):
    help = "Import a department's identity roster (a full snapshot) as a new version."
    kind = ImportKind.ROSTER

    def add_arguments(self, parser):
        self.add_common_arguments(parser)
        parser.add_argument("--department", required=True, help="department code, e.g. civil_affairs")
        parser.add_argument("--date", required=True, help="snapshot date YYYY-MM-DD")
        parser.add_argument(
            "--confirm-removals",
            type=int,
            metavar="N",
            help="The number of people this version removes from the previous one, as the preview shows it: "
            "needed when it is more than ROSTER_REMOVAL_CONFIRM_SHARE of them.",
        )

    def handle(self, *args, file, department, date, county, confirm_removals, **options):
        try:
            dept = Department.objects.get(code=department)
        except Department.DoesNotExist as exc:
            raise CommandError(_("Unknown department code: %(code)s") % {"code": department}) from exc
        try:
            snapshot = datetime.date.fromisoformat(date)
        except ValueError as exc:
            raise CommandError(_("The date must be written YYYY-MM-DD.")) from exc
        self.run_import(
            county_code=county,
            path=file,
            department=dept,
            snapshot_date=snapshot,
            confirm_removals=confirm_removals,
        )
