"""What the three import commands share: run the job, print the summary, exit non-zero when nothing committed."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from enrollment.imports import ImportError_, import_file
from enrollment.models import ImportStatus
from enrollment.services import county_ensure

DIFF_LABELS = {
    "added": "新增",
    "changed": "变更",
    "removed": "移除",
    "unchanged": "未变",
    "already_imported": "已导入过",
    "not_in_register": "不在人员登记中",
    "name_mismatch": "姓名与登记不符",
    "moved_from_other_county": "由其他区县转入",
    "new_townships": "新乡镇",
}


class ImportCommand(BaseCommand):
    kind = ""

    def add_common_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="Commit the accepted rows even when some rows were rejected.",
        )

    def run_import(self, *, county_code: str, path: str, skip_bad_rows: bool, **kwargs):
        county = county_ensure(code=county_code)
        try:
            job = import_file(kind=self.kind, county=county, path=path, skip_rejected=skip_bad_rows, **kwargs)
        except (ImportError_, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.print_summary(job)
        if job.status == ImportStatus.VALIDATED and job.rows_rejected:
            raise CommandError(
                _("%(count)s rows were rejected: fix them and upload the file again.") % {"count": job.rows_rejected}
                + " (--skip-bad-rows)"
            )
        if job.status != ImportStatus.COMMITTED:
            raise CommandError(job.message or _("Nothing was committed."))
        return job

    def print_summary(self, job):
        s = job.summary or {}
        out = self.stdout.write
        out(f"{_('File')}: {job.original_name} ({s.get('format', '')} {s.get('encoding', '')})".rstrip())
        out(f"{_('Rows read')}: {s.get('rows_read', 0)}")
        out(f"{_('Accepted')}: {s.get('accepted', 0)}")
        out(f"{_('Rejected')}: {s.get('rejected', 0)}")
        for reason, count in (s.get("reasons") or {}).items():
            out(f"    {count:>8}  {reason}")
        if s.get("warnings"):
            out(f"{_('Warnings')}: {s.get('warned_rows', 0)}")
            for reason, count in s["warnings"].items():
                out(f"    {count:>8}  {reason}")
        result = s.get("result") or s.get("diff") or {}
        title = _("Committed") if "result" in s else _("Would change")
        out(f"{title}: " + "  ".join(f"{DIFF_LABELS.get(k, k)} {v}" for k, v in result.items() if k in DIFF_LABELS))
        if job.error_file:
            out(f"{_('Error workbook')}: {job.error_file.path}")
        out(f"{_('Status')}: {job.get_status_display()}")
