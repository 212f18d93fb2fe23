from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from enrollment.management.county import add_county_argument, county_from_option
from subsidies.reconciliation.dirty import current_years
from subsidies.reconciliation.engine import ReconciliationError
from subsidies.reconciliation.runs import reconcile


class Command(BaseCommand):
    help = "Reconcile a county's benefit year: incremental (only changed people) unless --full."

    def add_arguments(self, parser):
        add_county_argument(parser)
        parser.add_argument("--year", type=int, default=None, help="default: the county's current policy years")
        parser.add_argument("--as-of", dest="as_of", type=date.fromisoformat, default=None)
        parser.add_argument("--full", action="store_true")
        parser.add_argument("--chunks", type=int, default=None, help="split into this many parts (default: township)")
        parser.add_argument("--workers", type=int, default=1, help="run the parts on this many threads (PostgreSQL)")

    def handle(self, *args, county, year, as_of, full, chunks, workers, **options):
        county_obj = county_from_option(county)
        years = [year] if year else current_years(county_id=county_obj.pk)
        if not years:
            self.stdout.write(_("%(county)s has no policy yet: nothing to reconcile.") % {"county": county_obj})
        for each in years:
            self._reconcile(county_obj, each, as_of=as_of, full=full, chunks=chunks, workers=workers)

    def _reconcile(self, county_obj, year, *, as_of, full, chunks, workers):
        try:
            run = reconcile(county=county_obj, year=year, as_of=as_of, full=full, chunks=chunks, workers=workers)
        except ReconciliationError as exc:
            raise CommandError(
                _("There is no policy for %(county)s and year %(year)s.") % {"county": county_obj, "year": year}
            ) from exc
        seconds = run.duration.total_seconds() if run.duration else 0
        self.stdout.write(
            _(
                "Reconciled %(county)s %(year)s as of %(as_of)s: %(persons)s people recomputed, %(changed)s results "
                "changed in %(seconds).1f s."
            )
            % {
                "county": county_obj,
                "year": year,
                "as_of": run.as_of.isoformat(),
                "persons": run.persons,
                "changed": run.changed,
                "seconds": seconds,
            }
        )
        for status, n in run.counts.items():
            self.stdout.write(f"  {status}: {n}")
