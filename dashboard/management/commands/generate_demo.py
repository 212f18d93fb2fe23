import datetime
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from dashboard.demo import demo_county_load, demo_policy
from enrollment.demo.generator import demo_townships, write_demo
from enrollment.management.county import add_county_argument, county_from_option
from enrollment.models import Person


class Command(BaseCommand):
    help = (
        "Write a synthetic county (register, four department rosters with overlaps, payments, quotas) with valid "
        "ID numbers on the county's area code and a share of damaged rows; with --load, import it too."
    )

    def add_arguments(self, parser):
        add_county_argument(parser)
        parser.add_argument("--persons", type=int, default=20000)
        parser.add_argument("--output", default="demo-data")
        parser.add_argument("--damaged-share", type=float, default=0.01)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--encoding", default="gb18030", choices=["gb18030", "gbk", "utf-8", "utf-8-sig"])
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="the day the files are written on (default: today): nobody is born or pays after it",
        )
        parser.add_argument(
            "--load", action="store_true", help="import the files unless the county already has persons"
        )

    def handle(self, *args, county, persons, output, damaged_share, seed, encoding, today, load, **options):
        place = county_from_option(county, create="any")
        county = place.code
        if load and Person.objects.filter(county=place).exists():
            self.stdout.write(_("The demo county already has persons: nothing imported."))
            return
        policy = demo_policy(county=place)
        townships = list(place.townships.values_list("name", flat=True)) or demo_townships(county)
        files = write_demo(
            output=Path(output),
            county_code=county,
            persons=persons,
            policy=policy,
            townships=townships,
            damaged_share=damaged_share,
            seed=seed,
            encoding=encoding,
            today=today,
        )
        for role, path in files.items():
            self.stdout.write(f"{role:<32} {path}")
        if load:
            snapshot = policy.window_start if policy else None
            for job in demo_county_load(county=place, files=files, snapshot_date=snapshot):
                s = job.summary or {}
                self.stdout.write(
                    f"{job.get_kind_display()} {job.original_name}: {job.get_status_display()} "
                    f"{s.get('accepted', 0)}/{s.get('rows_read', 0)} {job.message}"
                )
