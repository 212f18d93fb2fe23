import json
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from enrollment.places.services import county_ensure
from quotas.targets.services import quota_table_import

SEEDS = Path(__file__).resolve().parent.parent.parent / "seeds"


class Command(BaseCommand):
    help = "Load the task tables of the seed notices (肃南 29,500; 朱集 41,850/41,851; 孝义 346,038). Idempotent."

    def handle(self, *args, **options):
        for entry in json.loads((SEEDS / "manifest.json").read_text(encoding="utf-8")):
            path = SEEDS / entry["file"]
            outcome = quota_table_import(
                county=county_ensure(code=entry["county"]),
                year=entry["year"],
                data=path.read_bytes(),
                filename=path.name,
                title=entry["title"],
                source=entry["source"],
                stated_total=entry["stated_total"],
                township_name=entry["township"],
                create_places=True,
            )
            self.stdout.write(
                _("%(title)s: %(units)s units, rows sum to %(summed)s.")
                % {"title": outcome.table.title, "units": outcome.units, "summed": f"{outcome.summed_total:,}"}
            )
            for warning in outcome.warnings:
                self.stdout.write(self.style.WARNING("  " + warning))
