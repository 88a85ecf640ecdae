"""Backup and restore of one edition (issue 6): `export_edition` writes one archive, `import_edition`
restores it into an empty database. The round trip is compared field by field in both languages
and byte by byte for the files; damaged, forged and conflicting archives are refused without
leaving rows or files behind."""

import hashlib
import io
import json
import re
import shutil
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max
from django.db.models.fields.files import FieldFile
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from submissions.models import (
    Assignment,
    Attachment,
    Award,
    Category,
    CoApplicant,
    Contributor,
    Criterion,
    Edition,
    Entry,
    EntryStatus,
    Indicator,
    IntellectualProperty,
    Review,
    Round,
    Score,
    StatusChange,
    TechnicalField,
    User,
    Vote,
)
from submissions.services import attachments as attachment_services
from submissions.services import backup, demo
from submissions.services import demo_review as review_demo
from submissions.services import entries as services
from submissions.services import review as review_services
from submissions.services import selection as selection_services
from tests.factories import (
    AssignmentFactory,
    CategoryFactory,
    EditionFactory,
    EntryFactory,
    TechnicalFieldFactory,
    UserFactory,
    pdf_upload,
    png_upload,
)
from tests.helpers import make_expert, score, set_round

LANGUAGES = ("zh-hans", "en")


# --- Building an edition with every kind of row ------------------------------------------------------
def add_rows(entry, number):
    CoApplicant.objects.create(entry=entry, order=0, name_zh_hans=f"合作单位{number}", name_en=f"Partner {number} GmbH",
                               country="DE", role="Testing")
    Indicator.objects.create(entry=entry, order=0, name="能量密度 Energy density", unit="Wh/kg",
                             this_value=str(400 + number), best_value="300", source="CATARC")
    IntellectualProperty.objects.create(entry=entry, order=0, title=f"固态电解质专利 {number}", kind="invention",
                                        country="CN", number=f"ZL2021100000{number}.X", status="granted",
                                        holder="示例科技有限公司")
    Award.objects.create(entry=entry, order=0, name="中国汽车工业科学技术奖", year=2022, level="一等奖",
                         body="中国汽车工业协会")
    Contributor.objects.create(entry=entry, order=0, full_name="王芳", organisation="示例科技有限公司",
                               title="首席科学家", contribution="电解质配方")


def build_full_edition(edition, organiser):
    """Three entries with every row model and their files (one report replaced, so the history
    names a deleted file), a returned entry, generated entries, and the whole expert review:
    criteria, rounds, assignments (one deleted with its review), a conflict, scores, an
    abstention, ballots, votes, the confirmed selection and published results."""
    review_demo.build_criteria(edition)
    review_demo.build_rounds(edition)
    experts = [make_expert("anna.schmidt@example.org", "Technische Universität München", "en"),
               make_expert("chen.jiaoshou@example.org", "清华大学", "zh-hans"),
               make_expert("third.expert@example.org", "", "en")]
    english = UserFactory(email="english.nominator@example.com", language="en", organisation="Volvo Cars")
    chinese = UserFactory(email="chinese.nominator@example.com", language="zh-hans", organisation="示例科技有限公司")
    innovative = Category.objects.get(code=Category.INNOVATIVE)
    entries = []
    for number, (nominator, extra) in enumerate([
            (english, {}), (chinese, {}),
            (chinese, {"category": innovative, "application_zh_hans": "已量产。", "application_en": "In series production."})]):
        entry = EntryFactory(edition=edition, nominator=nominator, with_materials=True, title_zh_hans=f"技术{number}",
                             title_en=f"Technology {number}", keywords_zh_hans="固态，电池", keywords_en="solid state, battery",
                             org_address_en="1 Example Road, Beijing", internal_notes="Checked by phone.", **extra)
        add_rows(entry, number)
        attachment_services.add_attachment(entry=entry, kind="test_report", upload=pdf_upload("测试报告.pdf", f"Test {number}"))
        attachment_services.add_attachment(entry=entry, kind="image",
                                           upload=png_upload("photo.png", color=(200, 30 * number, 30)),
                                           caption_zh_hans="样机", caption_en="Prototype", may_publish=True)
        entries.append(services.submit_entry(entry=entry, by=nominator))
    alpha, beta, gamma = entries
    attachment_services.add_attachment(entry=alpha, kind="report", upload=pdf_upload("report-v2.pdf", "Report v2"))
    for entry in (alpha, beta):
        services.change_status(entry=entry, to=EntryStatus.ELIGIBLE, by=organiser)
        services.change_status(entry=entry, to=EntryStatus.SHORTLISTED, by=organiser, note="Strong indicators")
    services.change_status(entry=gamma, to=EntryStatus.RETURNED, by=organiser, note="请补充测试报告。",
                           correction_deadline=timezone.now() + timedelta(days=7))
    demo.build_generated_entries(12, edition)

    review_services.assign_entries(entries=[alpha, beta], per_entry=2, by=organiser, experts=experts[:2])
    review_services.declare_conflict(expert=experts[2], entry=beta, reason="Former employer", by=organiser)
    score(experts[0], alpha, [8, 7, 9, 6], comment="Convincing test data.")
    score(experts[1], alpha, [9, 9, 8, 7], comment="很有前景。")
    score(experts[0], beta, [6, 6, 7, 5])
    score(experts[1], beta, [], comment="Outside my field.", abstained=True)
    withdrawn = AssignmentFactory(expert=experts[2], entry=alpha, assigned_by=organiser)
    score(experts[2], alpha, [5, 5, 5, 5])
    withdrawn.delete()  # the review and scores go too; only the history remembers them

    rounds = {r.kind: r for r in Round.objects.filter(edition=edition)}
    set_round(rounds[Round.Kind.SCORING], open_now=False)
    vote = set_round(rounds[Round.Kind.VOTE], open_now=True)
    for expert, chosen in [(experts[0], [alpha, beta]), (experts[1], [alpha]), (experts[2], [alpha])]:
        review_services.cast_votes(expert=expert, round_=vote, category=alpha.category, entries=chosen)
    set_round(vote, open_now=False)
    selection_services.confirm_selection(edition=edition, category=alpha.category, selected=[alpha], by=organiser,
                                      note="The committee chose one technology.", message="Congratulations!")
    selection_services.publish_results(edition=edition)
    return {"experts": experts, "nominators": [english, chinese], "entries": entries}


@pytest.fixture
def full_edition(edition, organiser):
    return {"edition": edition, **build_full_edition(edition, organiser)}


# --- Reading the state ---------------------------------------------------------------------------------
def models_of_an_edition() -> set:
    """Edition and every model with a foreign key to it or, transitively, to one of those; found by
    introspection, not taken from backup.py."""
    found = {apps.get_model("submissions", "Edition")}
    while more := {model for model in apps.get_models() if model not in found and any(
            field.concrete and field.is_relation and field.related_model in found for field in model._meta.get_fields())}:
        found |= more
    return found


def exported_models():
    shared = [apps.get_model(label) for label, _ in backup.SHARED_MODELS]
    return shared + sorted(models_of_an_edition(), key=lambda model: model._meta.label)


def _plain(value):
    if isinstance(value, FieldFile):
        return value.name
    if hasattr(value, "code") and hasattr(value, "flag"):  # django-countries' Country
        return value.code
    return value


def table(model) -> dict:
    """{pk: {column: value}} of every row, each field read with each language active, so that
    modeltranslation's `title` is seen in both languages besides `title_zh_hans` and `title_en`."""
    rows = {}
    for language in LANGUAGES:
        with translation.override(language):
            for obj in model._base_manager.order_by("pk"):
                values = rows.setdefault(obj.pk, {})
                for field in obj._meta.concrete_fields:
                    values[(field.attname, language)] = _plain(field.value_from_object(obj))
    return rows


def media_files(settings) -> dict:
    root = Path(settings.MEDIA_ROOT)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def row_counts() -> dict:
    return {m._meta.label: m._base_manager.count() for m in exported_models()}


def empty_database_and_media(settings):
    call_command("flush", interactive=False)
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    Path(settings.MEDIA_ROOT).mkdir(parents=True)


def reset_sequences(*model_list):
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), model_list):
            cursor.execute(sql)


def rewrite(source, target, *, change=None, drop=(), add=None, resign=False):
    """Copy an archive member by member, changing, dropping or adding some; `resign` writes fresh
    checksums as a forger (or a bug) would, so only the database can object."""
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    for name, edit in (change or {}).items():
        members[name] = edit(members[name])
    for name in drop:
        del members[name]
    members.update(add or {})
    if resign:
        members[backup.CHECKSUMS] = "".join(
            f"{hashlib.sha256(body).hexdigest()}  {name}\n" for name, body in sorted(members.items())
            if name != backup.CHECKSUMS).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return target


def data_member(archive_path, label):
    with zipfile.ZipFile(archive_path) as archive:
        manifest = json.loads(archive.read(backup.MANIFEST))
    return next(item["member"] for item in manifest["data"] if item["model"] == label)


# --- Coverage ---------------------------------------------------------------------------------------------
def test_export_covers_every_model_that_belongs_to_an_edition():
    """Fails when someone adds a model with a foreign key to Edition or Entry (or to anything that
    hangs off them) without adding it to backup.EDITION_MODELS."""
    belongs = models_of_an_edition()
    exported = {apps.get_model(label) for label, _ in backup.EDITION_MODELS}
    assert sorted(m._meta.label for m in belongs) == sorted(m._meta.label for m in exported)

    # And every row the archive holds points only at rows the archive holds or at permissions.
    shared = {apps.get_model(label) for label, _ in backup.SHARED_MODELS}
    natural = {apps.get_model(label) for label in backup.NATURAL_KEY_MODELS}
    for model in exported | shared:
        for field in model._meta.get_fields():
            if field.concrete and field.is_relation:
                assert field.related_model in exported | shared | natural, f"{model._meta.label}.{field.name}"


def test_restore_order_puts_parents_first():
    seen = set()
    for label, parent in backup.EDITION_MODELS:
        model = apps.get_model(label)
        if parent is not None:
            assert model._meta.get_field(parent).related_model in seen, label
        seen.add(backup._tracked(model) or model)


# --- The round trip --------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_export_then_import_into_an_empty_database_restores_every_field_and_file(settings, tmp_path, organiser):
    demo.build_reference_content()
    edition = demo.build_edition()
    built = build_full_edition(edition, organiser)
    UserFactory(email="unrelated@example.com")  # has nothing to do with the edition: not exported
    before = {model._meta.label: table(model) for model in exported_models()}
    groups_before = {u.email: sorted(u.groups.values_list("name", flat=True)) for u in User.objects.all()}
    permissions_before = {g.name: sorted(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}
    files_before = media_files(settings)
    counts_before = row_counts()
    # The history still names the report that was replaced; its file is gone and must not be missed.
    replaced = {h.file for h in apps.get_model("submissions", "HistoricalAttachment").objects.all()} - {
        a.file.name for a in Attachment.objects.all()}
    assert len(replaced) == 1 and not any(name in files_before for name in replaced)
    assert counts_before["submissions.HistoricalAssignment"] > Assignment.objects.count()  # a deleted assignment
    archive = tmp_path / "edition.zip"

    call_command("export_edition", str(edition.year), output=str(archive))
    empty_database_and_media(settings)
    assert row_counts() == dict.fromkeys(counts_before, 0) and media_files(settings) == {}
    call_command("import_edition", str(archive))

    # Every row of every exported table, every column, in both languages.
    for model in exported_models():
        label = model._meta.label
        after = table(model)
        if label == "submissions.User":  # only the accounts the edition's rows name
            assert after == {pk: row for pk, row in before[label].items() if pk in after}
            emails = {row[("email", "en")] for row in after.values()}
            assert "unrelated@example.com" not in emails
            named = {u.email for u in [organiser, *built["experts"], *built["nominators"]]}
            assert named | set(Entry.objects.values_list("nominator__email", flat=True)) <= emails
        elif label == "submissions.TechnicalField":  # only the fields the edition's entries use
            used = {row[("technical_field_id", "en")] for row in before["submissions.Entry"].values()} | {
                row[("technical_field_id", "en")] for row in before["submissions.HistoricalEntry"].values()}
            assert set(after) == used - {None}
            assert after == {pk: before[label][pk] for pk in after}
        else:
            assert after == before[label], label
    assert {u.email: sorted(u.groups.values_list("name", flat=True)) for u in User.objects.all()} == {
        email: names for email, names in groups_before.items() if User.objects.filter(email=email).exists()}
    assert {g.name: sorted(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()} == \
        permissions_before
    # The accounts can log in with their old passwords.
    expert = User.objects.get(email="anna.schmidt@example.org")
    assert expert.check_password("secret-Passw0rd!") and expert.language == "en"
    assert expert.organisation == "Technische Universität München"
    # Files: the same names, the same bytes, and each attachment matches its recorded sha256.
    assert media_files(settings) == files_before
    for attachment in Attachment.objects.all():
        with attachment.file.open("rb") as file:
            assert hashlib.sha256(file.read()).hexdigest() == attachment.sha256
    # What people see, in both languages.
    alpha = Entry.objects.get(pk=built["entries"][0].pk)
    with translation.override("en"):
        assert (alpha.title, alpha.status, alpha.selection_outcome.selected) == ("Technology 0", EntryStatus.SELECTED, True)
    with translation.override("zh-hans"):
        assert alpha.title == "技术0" and alpha.co_applicants.get().name == "合作单位0"
    assert Edition.objects.get().results_published is True
    assert alpha.reference == built["entries"][0].reference
    # New rows get fresh primary keys (PostgreSQL's sequences were reset after the explicit ones).
    top = {model: model._base_manager.aggregate(top=Max("pk"))["top"] for model in (Entry, StatusChange, User)}
    fresh = EntryFactory(edition=Edition.objects.get(), nominator=UserFactory(email="after.restore@example.com"),
                         with_materials=True)
    services.submit_entry(entry=fresh, by=fresh.nominator)
    assert fresh.pk > top[Entry] and fresh.nominator.pk > top[User]
    assert StatusChange.objects.filter(entry=fresh).get().pk > top[StatusChange]
    assert fresh.history.earliest().history_id > max(before["submissions.HistoricalEntry"])
    assert Vote.objects.count() == 4 and Score.objects.count() == 12 and Review.objects.count() == 4


# --- The archive ------------------------------------------------------------------------------------------
def path_to_edition(model) -> str:
    """The lookup from a live model to its edition, found by following foreign keys."""
    paths = {Edition: "pk"}
    while model not in paths:
        for candidate in models_of_an_edition() - set(paths):
            for field in candidate._meta.concrete_fields:
                if field.is_relation and field.related_model in paths and field.db_constraint:
                    parent = paths[field.related_model]
                    paths[candidate] = field.name if parent == "pk" else f"{field.name}__{parent}"
                    break
    return paths[model]


def test_archive_holds_manifest_data_files_and_checksums_of_one_edition_only(full_edition, settings, tmp_path):
    edition = full_edition["edition"]
    other = EditionFactory(year=edition.year - 1, title_zh_hans="往届", title_en="Earlier edition",
                           opens_at=timezone.now() - timedelta(days=400), closes_at=timezone.now() - timedelta(days=300))
    other_entry = EntryFactory(edition=other, nominator=UserFactory(email="other.edition@example.com"), with_materials=True)
    path = tmp_path / "archive.zip"

    manifest = backup.export_edition(edition.year, path)

    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        members = {name: archive.read(name) for name in archive.namelist()}
    assert json.loads(members["manifest.json"]) == manifest
    assert manifest["format"] == "wnevc-edition-backup" and manifest["format_version"] == 1
    assert manifest["edition"] == {"year": edition.year, "title_zh_hans": edition.title_zh_hans,
                                   "title_en": edition.title_en}
    assert abs(datetime.fromisoformat(manifest["created_at"]) - timezone.now()) < timedelta(minutes=1)
    assert "0003_expert_review" in manifest["migrations"]["submissions"]
    # Counts: live rows found by their own foreign keys to the edition; history rows are all but the other edition's.
    history_of_other = {"submissions.HistoricalEntry": 1, "submissions.HistoricalAttachment": 2}
    for model in models_of_an_edition():
        label = model._meta.label
        if backup._tracked(model):
            expected = model.objects.count() - history_of_other.get(label, 0)
        else:
            expected = model._base_manager.filter(**{path_to_edition(model): edition.pk}).count()
        assert manifest["counts"][label] == expected, label
    assert manifest["counts"]["submissions.Entry"] == 15 and manifest["counts"]["submissions.Vote"] == 4
    # Every member but the list itself is listed with its sha256, in `sha256sum -c` format.
    listed = dict(reversed(line.split("  ", 1)) for line in members["checksums.sha256"].decode().splitlines())
    assert set(listed) == set(members) - {"checksums.sha256"}
    assert all(hashlib.sha256(members[name]).hexdigest() == digest for name, digest in listed.items())
    # Files: the edition's attachments and thumbnails with their bytes, nothing of the other edition.
    stored = {name.removeprefix("files/"): body for name, body in members.items() if name.startswith("files/")}
    live = {n for a in Attachment.objects.filter(entry__edition=edition) for n in (a.file.name, a.thumbnail.name) if n}
    history = apps.get_model("submissions", "HistoricalAttachment").objects.filter(entry__edition=edition)
    named = live | {n for h in history for n in (h.file, h.thumbnail) if n}
    assert set(stored) == {n for n in named if (Path(settings.MEDIA_ROOT) / n).exists()}
    assert live <= set(stored) and len([n for n in live if "/thumbs/" in n]) == 6
    assert all(body == (Path(settings.MEDIA_ROOT) / name).read_bytes() for name, body in stored.items())
    assert not any(name.startswith(f"entries/{other_entry.pk}/") for name in stored)
    assert manifest["files"] == {"count": len(stored), "bytes": sum(map(len, stored.values()))}
    assert manifest["missing_files"] == []
    # Data: Django's serialization, both language columns, only this edition's entries and people.
    entries = [json.loads(line) for line in members[data_member(path, "submissions.Entry")].decode().splitlines()]
    assert {row["fields"]["edition"] for row in entries} == {edition.pk}
    alpha = next(row for row in entries if row["pk"] == full_edition["entries"][0].pk)["fields"]
    assert (alpha["title_zh_hans"], alpha["title_en"], alpha["org_name_en"]) == (
        "技术0", "Technology 0", "Example Technology Ltd.")
    users = [json.loads(line) for line in members[data_member(path, "submissions.User")].decode().splitlines()]
    emails = {row["fields"]["email"] for row in users}
    assert "other.edition@example.com" not in emails and "anna.schmidt@example.org" in emails
    anna = next(row["fields"] for row in users if row["fields"]["email"] == "anna.schmidt@example.org")
    assert anna["groups"] == [["Expert"]] and anna["password"].startswith("md5$") and anna["language"] == "en"


def test_export_command_writes_to_the_current_directory_and_refuses_what_it_cannot_do(complete_entry, tmp_path,
                                                                                       monkeypatch):
    year = complete_entry.edition.year
    here = tmp_path / "operator"
    here.mkdir()
    monkeypatch.chdir(here)

    call_command("export_edition", str(year))

    [written] = [p.name for p in here.iterdir()]
    assert re.fullmatch(rf"wnevc-edition-{year}-\d{{8}}-\d{{6}}\.zip", written)
    with pytest.raises(CommandError, match="There is no edition 1999"):
        call_command("export_edition", "1999", output=str(here / "none.zip"))
    (here / "taken.zip").write_bytes(b"keep me")
    with pytest.raises(CommandError, match="already exists"):
        call_command("export_edition", str(year), output=str(here / "taken.zip"))
    assert (here / "taken.zip").read_bytes() == b"keep me"
    assert sorted(p.name for p in here.iterdir()) == sorted([written, "taken.zip"])


# --- Refusals --------------------------------------------------------------------------------------------
def _first_file(path):
    with zipfile.ZipFile(path) as archive:
        return next(name for name in archive.namelist() if name.startswith("files/"))


def rewrite_as_garbage(out):
    out.write_bytes(b"PK\x03\x04 but not really a ZIP archive")
    return out


def _flip_first_byte(body):
    return bytes([body[0] ^ 0xFF]) + body[1:]


TAMPERING = {
    "a stored file changed": (lambda path, out: rewrite(path, out, change={
        _first_file(path): _flip_first_byte}), "Checksum mismatch for files/"),
    "a data line changed": (lambda path, out: rewrite(path, out, change={
        data_member(path, "submissions.Entry"): lambda body: body.replace("全固态".encode(), "半固态".encode())}),
        "Checksum mismatch for data/"),
    "the manifest changed": (lambda path, out: rewrite(path, out, change={
        "manifest.json": lambda body: body.replace(b'"format_version": 1', b'"format_version": 1 ')}),
        "Checksum mismatch for manifest.json"),
    "a file removed": (lambda path, out: rewrite(path, out, drop=[_first_file(path)]),
                       "does not match checksums.sha256"),
    "a file added": (lambda path, out: rewrite(path, out, add={"files/entries/1/extra.pdf": b"%PDF-1.4"}),
                     "does not match checksums.sha256"),
    "no checksums": (lambda path, out: rewrite(path, out, drop=["checksums.sha256"]), "has no checksums.sha256"),
    "a path outside the storage": (lambda path, out: rewrite(path, out, add={"files/../../escape.txt": b"x"},
                                                             resign=True), "unexpected member name"),
    "a newer format": (lambda path, out: rewrite(path, out, change={
        "manifest.json": lambda body: body.replace(b'"format_version": 1', b'"format_version": 2')}, resign=True),
        "Unknown archive format"),
    "migrations this database lacks": (lambda path, out: rewrite(path, out, change={
        "manifest.json": lambda body: body.replace(b'"0001_initial"', b'"0001_initial", "9999_from_the_future"')},
        resign=True), "migrations this database lacks"),
    "not a ZIP file": (lambda path, out: rewrite_as_garbage(out), "not a readable ZIP"),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", TAMPERING, ids=list(TAMPERING))
def test_import_refuses_a_damaged_or_foreign_archive_before_writing_anything(case, complete_entry, settings, tmp_path):
    services.submit_entry(entry=complete_entry, by=complete_entry.nominator)
    path = tmp_path / "good.zip"
    backup.export_edition(complete_entry.edition.year, path)
    tamper, message = TAMPERING[case]
    bad = tamper(path, tmp_path / "bad.zip")
    empty_database_and_media(settings)

    with pytest.raises(CommandError, match=message):
        call_command("import_edition", str(bad))

    assert set(row_counts().values()) == {0}
    assert media_files(settings) == {}
    call_command("import_edition", str(path))  # the untouched archive still restores
    assert Entry.objects.get().title_zh_hans == "全固态锂金属电池" and len(media_files(settings)) == 3


def test_import_refuses_an_edition_year_that_already_exists(complete_entry, settings, tmp_path):
    path = tmp_path / "archive.zip"
    backup.export_edition(complete_entry.edition.year, path)
    counts, files = row_counts(), media_files(settings)

    with pytest.raises(CommandError, match=f"Edition {complete_entry.edition.year} already exists"):
        call_command("import_edition", str(path))

    assert row_counts() == counts and media_files(settings) == files


MIDWAY_FAILURES = {
    # A check constraint fails on INSERT, after the files and most rows are written.
    "a score out of range": ("submissions.Score", "value", 99),
    # A deferred foreign key fails only when the constraints are checked, at the very end.
    "a vote for an entry that does not exist": ("submissions.Vote", "entry", 999999),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", MIDWAY_FAILURES, ids=list(MIDWAY_FAILURES))
def test_import_failing_midway_leaves_no_rows_and_no_files(case, full_edition, settings, tmp_path):
    path = tmp_path / "good.zip"
    backup.export_edition(full_edition["edition"].year, path)
    label, field, value = MIDWAY_FAILURES[case]

    def break_last_row(body):
        lines = body.decode().splitlines()
        row = json.loads(lines[-1])
        row["fields"][field] = value
        lines[-1] = json.dumps(row, ensure_ascii=False)
        return "\n".join(lines).encode() + b"\n"

    bad = rewrite(path, tmp_path / "bad.zip", change={data_member(path, label): break_last_row}, resign=True)
    empty_database_and_media(settings)

    with pytest.raises(CommandError, match="rolled back, nothing was restored"):
        call_command("import_edition", str(bad))

    assert set(row_counts().values()) == {0}
    assert media_files(settings) == {}


# --- Restoring next to existing accounts and reference content ----------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_import_uses_existing_accounts_and_reference_content_and_rewrites_the_references(settings, tmp_path):
    demo.build_reference_content()
    edition = demo.build_edition()
    review_demo.build_criteria(edition)
    review_demo.build_rounds(edition)
    nominator = UserFactory(email="nominator.a@example.com", full_name="李明", language="zh-hans")
    expert = make_expert("expert.x@example.org", "Politecnico di Milano", "en")
    entry = EntryFactory(edition=edition, nominator=nominator, with_materials=True)
    services.submit_entry(entry=entry, by=nominator)
    score(expert, entry, [7, 8, 9, 10])
    archived = {"field": entry.technical_field.name_en, "field_pk": entry.technical_field_id,
                "category_pk": entry.category_id, "expert_pk": expert.pk, "nominator_pk": nominator.pk}
    path = tmp_path / "archive.zip"
    backup.export_edition(edition.year, path)
    empty_database_and_media(settings)
    # The target was set up differently: other primary keys, other wording, an account already there.
    CategoryFactory(code=Category.INNOVATIVE, name_zh_hans="创新", name_en="Innovative")
    cutting_edge = CategoryFactory(code=Category.CUTTING_EDGE, name_zh_hans="前沿（新）", name_en="Cutting-edge (target wording)")
    TechnicalFieldFactory(name_zh_hans="其他", name_en="Other")
    field = TechnicalFieldFactory(name_zh_hans="电池（新）", name_en=archived["field"])
    assert (cutting_edge.pk, field.pk) != (archived["category_pk"], archived["field_pk"])
    squatters = [UserFactory(id=archived[key], email=f"squatter.{key}@example.com") for key in ("expert_pk", "nominator_pk")]
    reset_sequences(User)
    existing = UserFactory(email="nominator.a@example.com", full_name="Existing account", password="their-own-Passw0rd")
    Group.objects.create(name="Expert")

    out = io.StringIO()
    call_command("import_edition", str(path), stdout=out)

    entry = Entry.objects.get()
    assert (entry.category, entry.technical_field, entry.nominator) == (cutting_edge, field, existing)
    assert entry.category.name_en == "Cutting-edge (target wording)" and entry.technical_field.name_zh_hans == "电池（新）"
    existing.refresh_from_db()
    assert existing.full_name == "Existing account" and existing.check_password("their-own-Passw0rd")
    restored = User.objects.get(email="expert.x@example.org")  # its old primary key was taken: a new one
    assert restored.pk not in {u.pk for u in squatters} | {existing.pk}
    assert (restored.organisation, restored.language, list(restored.groups.values_list("name", flat=True))) == (
        "Politecnico di Milano", "en", ["Expert"])
    assert restored.check_password("secret-Passw0rd!")
    assert Assignment.objects.get().expert == restored and Review.objects.get().assignment.entry == entry
    assert set(Criterion.objects.values_list("category__code", "category_id")) == {
        (Category.CUTTING_EDGE, cutting_edge.pk), (Category.INNOVATIVE, Category.objects.get(code="innovative").pk)}
    history = apps.get_model("submissions", "HistoricalEntry").objects.all()
    assert {(h.category_id, h.nominator_id, h.technical_field_id) for h in history} == {
        (cutting_edge.pk, existing.pk, field.pk)}
    assert {h.history_user_id for h in history} == {None, existing.pk}  # created by the factory, submitted by them
    assert Category.objects.count() == 2 and TechnicalField.objects.count() == 2
    assert {(u.pk, u.email) for u in User.objects.filter(pk__in=[u.pk for u in squatters])} == {
        (u.pk, u.email) for u in squatters}
    assert "submissions.User: 1 already existed" in out.getvalue()
    assert UserFactory(email="new.after.restore@example.com").pk > restored.pk  # the sequence moved on


def test_export_reads_the_database_in_a_constant_number_of_queries(edition, organiser, tmp_path):
    expert = make_expert("counted.expert@example.org", "", "en")

    def queries(more):
        demo.build_generated_entries(more, edition)
        entries = Entry.objects.filter(edition=edition, reference__isnull=False)
        review_services.assign_entries(entries=entries, per_entry=1, experts=[expert], by=organiser)
        with CaptureQueriesContext(connection) as context:
            backup.export_edition(edition.year, tmp_path / f"{Entry.objects.count()}.zip")
        return len(context.captured_queries)

    assert queries(3) == queries(30)
