"""Reference data every county has: the certifying departments and the funds that pay."""

from django.db import migrations

DEPARTMENTS = [
    ("civil_affairs", "民政"),
    ("rural_revitalization", "乡村振兴"),
    ("disabled_federation", "残联"),
    ("veterans_affairs", "退役军人事务"),
    ("health_commission", "卫健委"),
    ("enterprise_office", "改制办"),
]
# Civil affairs' people (特困, 低保) are paid from the medical assistance fund; the others from their budget.
FUNDS = [
    ("medical_assistance", "医疗救助资金", None),
    ("rural_revitalization", "乡村振兴部门资金", "rural_revitalization"),
    ("disabled_federation", "残联资金", "disabled_federation"),
    ("veterans_affairs", "退役军人事务部门资金", "veterans_affairs"),
    ("health_commission", "卫健委资金", "health_commission"),
    ("enterprise_office", "改制办资金", "enterprise_office"),
]


def load(apps, schema_editor):
    Department = apps.get_model("subsidies", "Department")
    Fund = apps.get_model("subsidies", "Fund")
    for code, name in DEPARTMENTS:
        Department.objects.update_or_create(code=code, defaults={"name": name})
    for code, name, department in FUNDS:
        Fund.objects.update_or_create(
            code=code,
            defaults={"name": name, "department": Department.objects.filter(code=department).first()},
        )


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
