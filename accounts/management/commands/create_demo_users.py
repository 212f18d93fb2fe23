from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from accounts.services import demo_users_create
from enrollment.services import county_ensure


class Command(BaseCommand):
    help = "Create (or reset) one demo user per role for a county and print their passwords."

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True)

    def handle(self, *args, county, **options):
        users = demo_users_create(county=county_ensure(code=county))
        self.stdout.write(_("Demo users (passwords are new on every run):"))
        for user in users:
            profile = user.profile
            where = profile.department or profile.township or ""
            self.stdout.write(f"  {user.username:<10} {user.password:<14} {profile.get_role_display()} {where}")
