from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from dashboard.demo import campaign_plan, demo_campaign_run, demo_policy
from enrollment.demo.generator import ROSTER_FILES
from enrollment.management.county import add_county_argument, county_from_option
from enrollment.models import Person


class Command(BaseCommand):
    help = (
        "Load the seed policies and a demo county, create demo users, and carry the county through its campaign "
        "to the end of March of its benefit year: what `make run` needs."
    )

    def add_arguments(self, parser):
        add_county_argument(parser)
        parser.add_argument("--persons", type=int, default=10000)
        parser.add_argument("--output", default="demo-data")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, county, persons, output, seed, **options):
        # Each step is idempotent: `make run` may run this on every start. No default county: the one given,
        # else the only county the database holds (before the seed policies add theirs).
        place = county_from_option(county, create="any")
        fresh = not Person.objects.filter(county=place).exists()
        call_command("seed_policies", stdout=self.stdout)
        # The quota table names the county's townships: the demo users and the register use them.
        call_command("seed_quotas", stdout=self.stdout)
        call_command("create_demo_users", county=place.code, stdout=self.stdout)
        place.refresh_from_db()
        if not fresh or place.as_of is not None:
            self.stdout.write(_("The demo county is already loaded: nothing imported."))
            return
        # The files are written on the campaign's last day: nobody in them is born, or pays, after it.
        plan = campaign_plan(demo_policy(county=place))
        call_command(
            "generate_demo",
            county=place.code,
            persons=persons,
            output=output,
            seed=seed,
            today=plan.as_of,
            stdout=self.stdout,
        )
        out = Path(output)
        files = {"register": out / "register.csv", "payments": out / "payments.csv"}
        files.update({f"roster:{code}": out / name for code, name in ROSTER_FILES.items() if (out / name).exists()})
        plan = demo_campaign_run(
            county=place,
            files=files,
            output=out,
            persons=persons,
            seed=seed,
            log=lambda line: self.stdout.write("  " + line),
        )
        self.stdout.write(
            _("The demo county is set at %(as_of)s: the site treats that day as today for it.")
            % {"as_of": plan.as_of.isoformat()}
        )
