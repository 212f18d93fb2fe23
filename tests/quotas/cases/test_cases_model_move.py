"""FollowUpCase moved from enrollment to quotas by state-only migrations: its rows, history and permissions survive."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from quotas.models import CaseStatus, FollowUpCase

BEFORE = [("enrollment", "0005_payment_refund_of"), ("quotas", "0002_file_total")]
AFTER = [("enrollment", "0006_followupcase_to_quotas"), ("quotas", "0004_followupcase_content_types")]


def latest():
    """Every app's newest migration: where the test leaves the schema (later migrations than AFTER exist)."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def migrate_to(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def before_the_move(transactional_db, django_db_serialized_rollback):
    """The schema as it was before the move, then forward again.

    Serialized rollback: the test starts from the migrated database's own rows (its content types and
    permissions, which the reverse migration relabels), and its flush leaves the next serialized test a clean
    table instead of content types re-created under new ids (see `celery_worker` in conftest).
    """
    old_apps = migrate_to(BEFORE)
    try:
        yield old_apps
    finally:
        migrate_to(latest())


def test_the_model_belongs_to_quotas_and_keeps_its_tables():
    assert FollowUpCase._meta.label == "quotas.FollowUpCase"
    assert FollowUpCase._meta.db_table == "enrollment_followupcase"
    assert FollowUpCase.history.model._meta.label == "quotas.HistoricalFollowUpCase"
    assert FollowUpCase.history.model._meta.db_table == "enrollment_historicalfollowupcase"


def test_a_case_stored_before_the_move_reads_back_through_the_quotas_model(before_the_move):
    old_apps = before_the_move
    old_case = old_apps.get_model("enrollment", "FollowUpCase")
    old_county = old_apps.get_model("enrollment", "County")
    county = old_county.objects.create(code="620721", name="民乐县")
    stored = old_case.objects.create(county=county, year=2026, id_number="620721199001011234", name="张三")
    old_type = ContentType.objects.get(app_label="enrollment", model="followupcase")
    group = Group.objects.create(name="乡镇")
    group.permissions.add(Permission.objects.get(content_type=old_type, codename="change_followupcase"))
    user = get_user_model().objects.create_user("township", password="x")
    user.groups.add(group)

    migrate_to(latest())

    case = FollowUpCase.objects.get(pk=stored.pk)
    assert (case.name, case.id_number, case.county.name, case.status) == (
        "张三",
        "620721199001011234",
        "民乐县",
        "open",
    )
    case.status = CaseStatus.CLOSED
    case.save()  # a save through the new model writes its history row into the same history table
    assert [h.status for h in case.history.order_by("history_id")] == ["closed"]
    new_type = ContentType.objects.get_for_model(FollowUpCase)
    assert (new_type.pk, new_type.app_label) == (old_type.pk, "quotas")
    assert not ContentType.objects.filter(app_label="enrollment", model__in=["followupcase", "historicalfollowupcase"])
    assert ContentType.objects.get_for_model(FollowUpCase.history.model).app_label == "quotas"
    assert get_user_model().objects.get(pk=user.pk).has_perm("quotas.change_followupcase")


def test_the_history_label_follows_the_model():
    from accounts.access import OWN_HISTORY, VISIBILITY
    from accounts.history import tracked_model

    assert tracked_model("quotas.followupcase") is FollowUpCase
    assert tracked_model("enrollment.followupcase") is None
    assert "quotas.followupcase" in VISIBILITY
    assert "quotas.followupcase" in OWN_HISTORY


@pytest.mark.django_db
def test_no_migration_is_missing_after_the_move():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits non-zero on a pending change
