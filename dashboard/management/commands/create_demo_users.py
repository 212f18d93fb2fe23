from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from dashboard.demo import demo_users_create
from enrollment.management.county import add_county_argument, county_from_option


class Command(BaseCommand):
    help = "Create (or reset) one demo user per role for a county and print their passwords."

    def add_arguments(self, parser):
        add_county_argument(parser)

    def handle(self, *args, county, **options):
        users = demo_users_create(county=county_from_option(county, create="any"))
        self.stdout.write(_("Demo users (passwords are new on every run):"))
        for user in users:
            profile = user.profile
            where = profile.department or profile.township or ""
            self.stdout.write(f"  {user.username:<10} {user.password:<14} {profile.get_role_display()} {where}")
