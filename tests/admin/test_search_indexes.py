"""Migration 0006: trigram indexes for the admin search on PostgreSQL, nothing on SQLite."""

import importlib

import pytest
from django.core.management import call_command
from django.db import connection

from submissions.models import Entry

migration = importlib.import_module("submissions.migrations.0006_admin_search_trigram")
NAMES = {name for name, _table, _column in migration.INDEXES}


def index_names():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%_upper_trgm'")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%_upper_trgm'")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_trigram_indexes_exist_on_postgresql_and_not_on_sqlite():
    if connection.vendor == "postgresql":
        assert index_names() == NAMES
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'entry_title_zh_upper_trgm'")
            (definition,) = cursor.fetchone()
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            assert cursor.fetchone() == (1,)
        assert "gin" in definition and "upper((title_zh_hans)::text) gin_trgm_ops" in definition
    else:
        assert index_names() == set()


@pytest.mark.django_db
def test_the_indexes_match_the_sql_of_icontains():
    sql = str(Entry.objects.filter(title_zh_hans__icontains="电池").query)
    if connection.vendor == "postgresql":
        assert 'UPPER("submissions_entry"."title_zh_hans"::text) LIKE UPPER(' in sql


@pytest.mark.django_db(transaction=True)
def test_the_migration_runs_backwards_and_forwards():
    call_command("migrate", "submissions", "0005", verbosity=0)
    assert index_names() == set()
    call_command("migrate", "submissions", verbosity=0)
    assert index_names() == (NAMES if connection.vendor == "postgresql" else set())


@pytest.mark.postgres
@pytest.mark.django_db
def test_search_uses_the_indexes_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test table is too small to prefer an index
    plan = Entry.objects.filter(title_en__icontains="battery").only("pk").explain()
    assert "entry_title_en_upper_trgm" in plan
