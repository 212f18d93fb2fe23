"""The content types of FollowUpCase and its history follow the model to the quotas app.

Renaming the rows (rather than letting post_migrate create new ones) keeps their ids, so the permissions
granted to groups and users and the admin log entries that point at them keep working.
"""

from django.db import migrations

MODELS = ("followupcase", "historicalfollowupcase")


def relabel(apps, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        # A row under the new label exists only if post_migrate ran between the two steps; keep the old one's id.
        if content_type.objects.filter(app_label=old, model=model).exists():
            content_type.objects.filter(app_label=new, model=model).delete()
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    relabel(apps, "enrollment", "quotas")


def backwards(apps, schema_editor):
    relabel(apps, "quotas", "enrollment")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("quotas", "0003_followupcase_from_enrollment"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
