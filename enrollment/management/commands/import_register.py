from enrollment.imports.commands import ImportCommand
from enrollment.models import ImportKind


class Command(ImportCommand):
    help = "Import the population register (persons, households, townships, villages) of a county from a file."
    kind = ImportKind.REGISTER

    def add_arguments(self, parser):
        self.add_common_arguments(parser)

    def handle(self, *args, file, county, skip_bad_rows, **options):
        self.run_import(county_code=county, path=file, skip_bad_rows=skip_bad_rows)
