from django.core.management import call_command
from django.core.management.base import BaseCommand

from enrollment.management.county import add_county_argument, county_from_option


class Command(BaseCommand):
    help = "Load the seed policies and a demo county, and create demo users: what `make run` needs."

    def add_arguments(self, parser):
        add_county_argument(parser)
        parser.add_argument("--persons", type=int, default=20000)
        parser.add_argument("--output", default="demo-data")

    def handle(self, *args, county, persons, output, **options):
        # Each step is idempotent: `make run` may run this on every start. No default county: the one given,
        # else the only county the database holds (before the seed policies add theirs).
        county = county_from_option(county, create="any").code
        call_command("seed_policies", stdout=self.stdout)
        call_command("generate_demo", county=county, persons=persons, output=output, load=True, stdout=self.stdout)
        call_command("create_demo_users", county=county, stdout=self.stdout)
        call_command("seed_quotas", stdout=self.stdout)
        call_command("reconcile", county=county, full=True, stdout=self.stdout)
