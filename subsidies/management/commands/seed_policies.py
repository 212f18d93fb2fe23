from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from subsidies.policies.services import seed_policies_load


class Command(BaseCommand):
    help = "Load the policies of the five seed notices (曲靖/宣威, 肃南, 朱集, 涪陵, 孝义). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--update",
            action="store_true",
            help="Bring policies that already exist back to the seed data (discards the bureau's edits to them).",
        )
        parser.add_argument("--county", action="append", dest="counties", help="Only this county code (repeatable).")

    def handle(self, *args, update, counties, **options):
        labels = {
            "created": _("created"),
            "updated": _("updated"),
            "unchanged": _("unchanged"),
            "kept": _("already present, kept as edited"),
        }
        for key, outcome in seed_policies_load(update=update, counties=counties).items():
            self.stdout.write(_("Policy %(policy)s: %(outcome)s") % {"policy": key, "outcome": labels[outcome]})
