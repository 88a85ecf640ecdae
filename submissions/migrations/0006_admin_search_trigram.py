"""Trigram indexes for the admin's entry search (PostgreSQL only; nothing happens on SQLite).

On PostgreSQL Django writes `field__icontains=term` as `UPPER("table"."column"::text) LIKE
UPPER('%term%')`, so each index is on exactly that expression, with pg_trgm's operator class: a
search then reads the matching rows from the indexes (one bitmap per column, OR-ed) instead of
upper-casing six columns of every entry. EntryAdmin.get_search_results searches the nominator's
e-mail through its own index (users_email_upper_trgm) rather than through a JOIN that would
defeat the others. Terms shorter than three characters have no trigram, and PostgreSQL reads the
table instead (see EntryAdmin.get_search_results for what keeps that cheap)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("entry_reference_upper_trgm", "submissions_entry", "reference"),
    ("entry_title_zh_upper_trgm", "submissions_entry", "title_zh_hans"),
    ("entry_title_en_upper_trgm", "submissions_entry", "title_en"),
    ("entry_org_zh_upper_trgm", "submissions_entry", "org_name_zh_hans"),
    ("entry_org_en_upper_trgm", "submissions_entry", "org_name_en"),
    ("entry_contact_email_upper_trgm", "submissions_entry", "contact_email"),
    ("users_email_upper_trgm", "submissions_user", "email"),
]


class TrigramExtensionOnPostgreSQL(TrigramExtension):
    """Django's TrigramExtension skips other databases going forwards but not backwards."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ('submissions', '0005_entry_org_country'),
    ]

    operations = [
        TrigramExtensionOnPostgreSQL(),  # CREATE EXTENSION IF NOT EXISTS pg_trgm; skipped on other databases
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
