"""Backup and restore of one edition (issue 6): `manage.py export_edition YEAR` and
`manage.py import_edition ARCHIVE` are thin wrappers around `export_edition()` and `import_edition()`.

The archive is one ZIP file:

    manifest.json           format version, the edition, counts per model, creation time, Django
                            version, the applied `submissions` migrations and the data files in
                            restore order
    data/NN-<model>.jsonl   the rows, written by Django's serialization framework in its "jsonl"
                            format (one object a line, so export and import both stream); the
                            `<field>_zh_hans` and `<field>_en` columns of django-modeltranslation
                            are ordinary fields there, so both languages travel
    files/<storage name>    every stored file the rows name (attachments and their thumbnails)
    checksums.sha256        the sha256 of every other member, in `sha256sum -c` format

What a restore keeps, and how:

- Rows that belong to the edition (EDITION_MODELS, django-simple-history tables included) keep
  their primary keys, so the links between them, the ids the history keeps and the
  `entries/<entry id>/` file names stay right. Restore into a freshly migrated database: a row
  with the same id already there makes the import fail (and roll back) instead of overwriting it.
- Shared rows the edition points to (SHARED_MODELS: the accounts of nominators, experts and
  organisers with their password hashes and groups, the categories, the technical fields) are
  matched in the target by identity: e-mail, group name, category code, English field name. A
  match is used as it is (the target's wording, password and groups win); a missing row is
  created from the archive, under its old primary key when that is free. References are
  rewritten to the rows used. Permissions are named by natural key; `migrate` creates them.
- Not in the archive: page texts, outgoing e-mails, the admin log, sessions and login attempts.
  They belong to the site, not to an edition.
"""

import datetime
import hashlib
import io
import json
import tomllib
import zipfile
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from .. import page_cache

FORMAT, FORMAT_VERSION = "wnevc-edition-backup", 1
MANIFEST, CHECKSUMS = "manifest.json", "checksums.sha256"
CHUNK_SIZE = 1024 * 1024

# (model, foreign key to the parent through which a row belongs to the edition), in restore order:
# parents first. A history row matches a live parent or one only the history still remembers.
EDITION_MODELS = [
    ("submissions.Edition", None),
    ("submissions.ReferenceCounter", "edition"),
    ("submissions.Criterion", "edition"),
    ("submissions.HistoricalCriterion", "edition"),
    ("submissions.Round", "edition"),
    ("submissions.HistoricalRound", "edition"),
    ("submissions.Entry", "edition"),
    ("submissions.HistoricalEntry", "edition"),
    ("submissions.CoApplicant", "entry"),
    ("submissions.Indicator", "entry"),
    ("submissions.IntellectualProperty", "entry"),
    ("submissions.Award", "entry"),
    ("submissions.Contributor", "entry"),
    ("submissions.Attachment", "entry"),
    ("submissions.HistoricalAttachment", "entry"),
    ("submissions.StatusChange", "entry"),
    ("submissions.Assignment", "entry"),
    ("submissions.HistoricalAssignment", "entry"),
    ("submissions.Conflict", "entry"),
    ("submissions.HistoricalConflict", "entry"),
    ("submissions.Review", "assignment"),
    ("submissions.HistoricalReview", "assignment"),
    ("submissions.Score", "review"),
    ("submissions.HistoricalScore", "criterion"),
    ("submissions.Ballot", "round"),
    ("submissions.Vote", "round"),
    ("submissions.SelectionDecision", "edition"),
    ("submissions.SelectionOutcome", "decision"),
]
# (model, fields that identify a row in another database), in restore order: groups before users.
SHARED_MODELS = [
    ("auth.Group", ("name",)),
    ("submissions.User", ("email",)),
    ("submissions.Category", ("code",)),
    ("submissions.TechnicalField", ("name_en",)),
]
# Named by natural key in the archive and never restored: `migrate` creates them.
NATURAL_KEY_MODELS = ["auth.Permission", "contenttypes.ContentType"]


class BackupError(CommandError):
    """The archive or the database does not allow the operation; nothing was written."""


# --- Which rows ---------------------------------------------------------------------------------
def _tracked(model):
    """The model a django-simple-history table records, or None for an ordinary model."""
    return getattr(model, "instance_type", None)


def edition_querysets(edition) -> dict:
    """{model: queryset of the rows that belong to `edition`}, in restore order."""
    live, remembered, rows = {}, {}, {}
    for label, parent in EDITION_MODELS:
        model = apps.get_model(label)
        tracked = _tracked(model)
        if parent is None:
            queryset = model._base_manager.filter(pk=edition.pk)
        else:
            field = model._meta.get_field(parent)
            condition = models.Q()
            for ids in live[field.related_model] + (remembered.get(field.related_model, []) if tracked else []):
                condition |= models.Q(**{f"{field.attname}__in": ids})
            queryset = model._base_manager.filter(condition)
        rows[model] = queryset
        if tracked:
            remembered.setdefault(tracked, []).append(queryset.values(tracked._meta.pk.attname))
        else:
            live.setdefault(model, []).append(queryset.values("pk"))
    return rows


def shared_querysets(rows: dict) -> dict:
    """{model: the shared rows that `rows` (or other shared rows) point to}, in restore order."""
    shared = {}
    for label, _identity in reversed(SHARED_MODELS):  # groups last: they are found through the users
        model = apps.get_model(label)
        condition = None
        for source, queryset in [*rows.items(), *shared.items()]:
            for field in source._meta.get_fields():
                if field.concrete and field.is_relation and field.related_model is model:
                    branch = models.Q(pk__in=queryset.values(field.name))
                    condition = branch if condition is None else condition | branch
        manager = model._base_manager
        shared[model] = manager.filter(condition) if condition is not None else manager.none()
    return dict(reversed(shared.items()))


def _file_fields(model) -> list[str]:
    # django-simple-history turns a FileField into a TextField holding the name.
    return [f.name for f in (_tracked(model) or model)._meta.concrete_fields if isinstance(f, models.FileField)]


def _file_names(rows: dict) -> tuple[list[str], set[str]]:
    """(sorted names of the stored files live rows use, the names only history rows mention)."""
    live, history = set(), set()
    for model, queryset in rows.items():
        for name in _file_fields(model):
            names = queryset.exclude(**{name: ""}).order_by().values_list(name, flat=True).distinct()
            (history if _tracked(model) else live).update(n for n in names if n)
    return sorted(live), history - live


# --- Export --------------------------------------------------------------------------------------
class _Encoder(DjangoJSONEncoder):
    """Keeps microseconds: DjangoJSONEncoder cuts datetimes and times to milliseconds."""

    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            return o.isoformat()
        return super().default(o)


class _HashingWriter(io.RawIOBase):
    """Passes bytes on to an archive member and hashes them on the way."""

    def __init__(self, target):
        self.target, self.digest = target, hashlib.sha256()

    def writable(self):
        return True

    def write(self, data):
        self.digest.update(data)
        self.target.write(data)
        return len(data)


def _add_member(archive: zipfile.ZipFile, name: str, write, *, compress: bool = True) -> str:
    """Stream one member into the archive through `write(binary_stream)`; return its sha256."""
    info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    with archive.open(info, "w", force_zip64=True) as target:
        writer = _HashingWriter(target)
        write(writer)
    return writer.digest.hexdigest()


def _m2m_prefetches(model) -> list:
    """Many-to-many values (a user's groups, a group's permissions and their natural keys) in one
    query per field instead of one per row."""
    prefetches = []
    for field in model._meta.many_to_many:
        related = field.related_model._base_manager.all()
        joins = [f.name for f in field.related_model._meta.concrete_fields if f.is_relation]
        prefetches.append(models.Prefetch(field.name, queryset=related.select_related(*joins) if joins else related))
    return prefetches


def _serialize_into(queryset, *, natural: bool, counter: list):
    def counted(objects):
        for obj in objects:
            counter[0] += 1
            yield obj

    objects = queryset.order_by("pk").prefetch_related(*_m2m_prefetches(queryset.model)).iterator(chunk_size=2000)

    def write(out):
        text = io.TextIOWrapper(out, encoding="utf-8", newline="\n")
        serializers.serialize("jsonl", counted(objects), stream=text, cls=_Encoder,
                              use_natural_foreign_keys=natural, use_natural_primary_keys=False)
        text.flush()
        text.detach()

    return write


def _copy_stored_file(name: str):
    def write(out):
        with default_storage.open(name, "rb") as source:
            for chunk in source.chunks(CHUNK_SIZE):
                out.write(chunk)

    return write


def _applied_migrations(app_label: str = "submissions") -> list[str]:
    return sorted(name for app, name in MigrationRecorder(connection).applied_migrations() if app == app_label)


def _portal_version() -> str:
    try:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as file:
            return tomllib.load(file)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return ""


def default_archive_name(year: int) -> str:
    return f"wnevc-edition-{year}-{timezone.localtime().strftime('%Y%m%d-%H%M%S')}.zip"


def export_edition(year: int, path) -> dict:
    """Write the archive of edition `year` to `path` and return its manifest. Files are streamed
    in chunks, never read whole. Rows are read in one transaction, so they are consistent with
    each other (on PostgreSQL a REPEATABLE READ snapshot; on SQLite writers wait meanwhile).
    Raises BackupError, leaving no file, if the edition does not exist or `path` does."""
    path = Path(path)
    Edition = apps.get_model("submissions", "Edition")
    if not Edition.objects.filter(year=year).exists():
        raise BackupError(f"There is no edition {year}.")
    try:
        out = open(path, "xb")
    except FileExistsError:
        raise BackupError(f"{path} already exists; choose another --output.")
    try:
        with out, zipfile.ZipFile(out, "w") as archive:
            manifest = _write_archive(archive, year)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return manifest


def _write_archive(archive: zipfile.ZipFile, year: int) -> dict:
    checksums = {}
    snapshot = not connection.in_atomic_block
    with transaction.atomic():
        if snapshot and connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # must be the transaction's first statement
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        edition = apps.get_model("submissions", "Edition").objects.get(year=year)
        rows = edition_querysets(edition)
        shared = shared_querysets(rows)
        data, counts = [], {}
        for number, (model, queryset) in enumerate([*shared.items(), *rows.items()], start=1):
            label = model._meta.label
            member = f"data/{number:02d}-{label.lower()}.jsonl"
            counter = [0]
            checksums[member] = _add_member(archive, member, _serialize_into(
                queryset, natural=model in shared, counter=counter))
            counts[label] = counter[0]
            data.append({"member": member, "model": label, "count": counter[0]})
        live_files, history_files = _file_names(rows)
        migrations = _applied_migrations()
    missing, stored_bytes = [], 0
    for name in [*live_files, *sorted(history_files)]:
        if not default_storage.exists(name):
            if name not in history_files:  # a replaced file is gone on purpose; history rows still name it
                missing.append(name)
            continue
        checksums[f"files/{name}"] = _add_member(archive, f"files/{name}", _copy_stored_file(name), compress=False)
        stored_bytes += archive.getinfo(f"files/{name}").file_size
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "edition": {"year": edition.year, "title_zh_hans": edition.title_zh_hans, "title_en": edition.title_en},
        "created_at": timezone.now().isoformat(),
        "django_version": django.get_version(),
        "portal_version": _portal_version(),
        "database_vendor": connection.vendor,
        "migrations": {"submissions": migrations},
        "counts": counts,
        "data": data,
        "files": {"count": sum(1 for m in checksums if m.startswith("files/")), "bytes": stored_bytes},
        "missing_files": missing,
    }
    body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    checksums[MANIFEST] = _add_member(archive, MANIFEST, lambda out: out.write(body))
    listing = "".join(f"{digest}  {member}\n" for member, digest in sorted(checksums.items())).encode()
    _add_member(archive, CHECKSUMS, lambda out: out.write(listing))
    return manifest


# --- Import: checks before anything is written ------------------------------------------------------
def _safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return (not path.is_absolute() and "\\" not in name and all(part not in ("", ".", "..") for part in name.split("/"))
            and (name == MANIFEST or (path.parts[0] == "data" and len(path.parts) == 2 and name.endswith(".jsonl"))
                 or (path.parts[0] == "files" and len(path.parts) > 1)))


def _read_checksums(archive: zipfile.ZipFile) -> dict[str, str]:
    try:
        text = archive.read(CHECKSUMS).decode()
    except KeyError:
        raise BackupError(f"The archive has no {CHECKSUMS}: it is not an edition backup.")
    except (zipfile.BadZipFile, UnicodeDecodeError, OSError) as error:
        raise BackupError(f"{CHECKSUMS} cannot be read: {error}")
    listed = {}
    for line in text.splitlines():
        digest, separator, member = line.partition("  ")
        if not separator or len(digest) != 64 or member in listed:
            raise BackupError(f"{CHECKSUMS} has a malformed line: {line!r}")
        listed[member] = digest
    return listed


def verify_archive(archive: zipfile.ZipFile) -> dict:
    """Check every member against checksums.sha256 (streaming it) and return the manifest.
    Raises BackupError for a missing, extra, unsafe or changed member, or a foreign format."""
    listed = _read_checksums(archive)
    names = [info.filename for info in archive.infolist() if not info.is_dir()]
    if len(names) != len(set(names)):
        raise BackupError("The archive holds two members with the same name: it was tampered with.")
    members = set(names) - {CHECKSUMS}
    if members != set(listed):
        unlisted, absent = sorted(members - set(listed)), sorted(set(listed) - members)
        raise BackupError(f"The archive does not match {CHECKSUMS}: not listed {unlisted}, missing {absent}.")
    for member in sorted(listed):
        if not _safe_member_name(member):
            raise BackupError(f"Refusing the unexpected member name {member!r}.")
        digest = hashlib.sha256()
        try:
            with archive.open(member) as source:
                for chunk in iter(lambda: source.read(CHUNK_SIZE), b""):
                    digest.update(chunk)
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise BackupError(f"{member} is damaged: {error}")
        if digest.hexdigest() != listed[member]:
            raise BackupError(f"Checksum mismatch for {member}: the archive is damaged or was changed.")
    if MANIFEST not in listed:
        raise BackupError(f"The archive has no {MANIFEST}.")
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except ValueError as error:
        raise BackupError(f"{MANIFEST} is not valid JSON: {error}")
    if not isinstance(manifest, dict):
        raise BackupError(f"{MANIFEST} is not a JSON object.")
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"Unknown archive format {manifest.get('format')!r} version "
                          f"{manifest.get('format_version')!r}; this portal reads {FORMAT} version {FORMAT_VERSION}.")
    try:
        valid = (isinstance(manifest["edition"]["year"], int) and isinstance(manifest["migrations"]["submissions"], list)
                 and isinstance(manifest["files"]["count"], int) and isinstance(manifest["missing_files"], list)
                 and all(isinstance(item["member"], str) and isinstance(item["model"], str)
                         and isinstance(item["count"], int) for item in manifest["data"]))
    except (KeyError, TypeError):
        valid = False
    if not valid:
        raise BackupError(f"{MANIFEST} lacks a required entry or has one of the wrong type.")
    known = {label for label, _ in [*EDITION_MODELS, *SHARED_MODELS]}
    for item in manifest["data"]:
        if item["member"] not in listed:
            raise BackupError(f"The manifest names {item['member']}, which is not in the archive.")
        if item["model"] not in known:
            raise BackupError(f"The archive holds rows of {item['model']}, which this portal does not restore.")
    return manifest


def _check_target(manifest: dict):
    year = manifest["edition"]["year"]
    if apps.get_model("submissions", "Edition").objects.filter(year=year).exists():
        raise BackupError(f"Edition {year} already exists in this database; nothing was imported. "
                          "Restore into an empty database (or delete that edition first).")
    missing = sorted(set(manifest["migrations"]["submissions"]) - set(_applied_migrations()))
    if missing:
        raise BackupError(f"The archive was made with migrations this database lacks ({', '.join(missing)}): "
                          "run `manage.py migrate` with the matching code first.")


def _sha256_of_stored(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as source:
        for chunk in source.chunks(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def _files_to_write(archive: zipfile.ZipFile) -> list[str]:
    """Storage names to restore. An identical file already in storage is left alone; a different
    one under the same name refuses the import."""
    listed = _read_checksums(archive)
    names = []
    for member in sorted(m for m in listed if m.startswith("files/")):
        name = member.removeprefix("files/")
        if default_storage.exists(name):
            if _sha256_of_stored(name) != listed[member]:
                raise BackupError(f"A different file already exists in storage as {name}; nothing was imported.")
            continue
        names.append(name)
    return names


# --- Import: writing -------------------------------------------------------------------------------
def _restore_file(archive: zipfile.ZipFile, name: str, written: list):
    member = f"files/{name}"
    with archive.open(member) as source:
        content = File(source, name=name)
        content.size = archive.getinfo(member).file_size
        saved = default_storage.save(name, content)
    written.append(saved)
    if saved != name:  # the storage picked another name: the row would point at nothing
        raise BackupError(f"The storage saved {name} as {saved}.")


def _reset_sequences(model_list):
    # After inserts with explicit primary keys, PostgreSQL's sequences still start at 1.
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _expect(obj, model):
    if type(obj.object) is not model:
        raise BackupError(f"A data file for {model._meta.label} holds a {obj.object._meta.label} row.")


def _restore_shared(model, identity, objects) -> tuple[dict, int]:
    """Match or create the shared rows; return ({archived pk: pk here}, how many already existed).
    Their own relations (a user's groups and permissions) are natural keys, resolved on reading."""
    mapping, later, reused = {}, [], 0
    manager = model._base_manager
    for obj in objects:
        _expect(obj, model)
        archived = obj.object.pk
        lookup = {f: getattr(obj.object, f) for f in identity}
        # A blank identity (a field without an English name) matches nothing: such a row is created.
        match = manager.filter(**lookup).values_list("pk", flat=True).first() if all(lookup.values()) else None
        if match is not None:
            mapping[archived], reused = match, reused + 1
        elif manager.filter(pk=archived).exists():
            later.append(obj)
        else:
            obj.save(force_insert=True)
            mapping[archived] = archived
    if later:
        _reset_sequences([model])  # so that the new primary keys below do not collide with the ones just kept
        for obj in later:
            archived, obj.object.pk = obj.object.pk, None
            obj.save(force_insert=True)
            mapping[archived] = obj.object.pk
    return mapping, reused


def _remap(obj, maps):
    """Point the references to shared rows at the rows used in this database."""
    instance = obj.object
    for field in instance._meta.concrete_fields:
        mapping = maps.get(field.related_model) if field.is_relation else None
        value = getattr(instance, field.attname) if mapping is not None else None
        if value is None:
            continue
        if value in mapping:
            setattr(instance, field.attname, mapping[value])
        elif field.null:  # a history row naming a row deleted before the export (never exported)
            setattr(instance, field.attname, None)
    for name, values in (obj.m2m_data or {}).items():
        mapping = maps.get(instance._meta.get_field(name).related_model)
        if mapping is not None:
            obj.m2m_data[name] = [mapping.get(value, value) for value in values]


def _load_rows(archive: zipfile.ZipFile, manifest: dict) -> dict:
    identities = dict(SHARED_MODELS)
    maps, created, reused, restored = {}, {}, {}, []
    for item in manifest["data"]:
        model = apps.get_model(item["model"])
        with archive.open(item["member"]) as raw:
            objects = serializers.deserialize("jsonl", io.TextIOWrapper(raw, encoding="utf-8"))
            if item["model"] in identities:
                maps[model], reused[item["model"]] = _restore_shared(model, identities[item["model"]], objects)
                created[item["model"]] = len(maps[model]) - reused[item["model"]]
            else:
                count = 0
                for obj in objects:
                    _expect(obj, model)
                    _remap(obj, maps)
                    obj.save(force_insert=True)  # never an UPDATE of a row that is already there
                    count += 1
                created[item["model"]] = count
        if created[item["model"]] + reused.get(item["model"], 0) != item["count"]:
            raise BackupError(f"{item['member']} holds a different number of rows than the manifest says.")
        restored.append(model)
    # Deferred foreign keys (PostgreSQL, SQLite) would only fail at COMMIT; check them here instead.
    connection.check_constraints(table_names=[m._meta.db_table for m in restored])
    _reset_sequences(restored)
    return {"created": created, "reused": reused}


def import_edition(path) -> dict:
    """Restore an archive written by export_edition(). Every checksum is verified before anything
    is written; the files go to default_storage, then the rows are loaded in one transaction.
    If anything fails, the transaction rolls back and the files written so far are deleted.
    Raises BackupError (nothing written) for a damaged or foreign archive, an edition year that
    already exists, missing migrations, conflicting files or rows that do not fit the database.
    Returns {"manifest", "created": {model: n}, "reused": {model: n}, "files_written", "files_kept"}."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise BackupError(f"{path} is not a readable ZIP archive: {error}")
    with archive:
        manifest = verify_archive(archive)
        _check_target(manifest)
        names = _files_to_write(archive)
        written = []
        try:
            for name in names:
                _restore_file(archive, name, written)
            with transaction.atomic():
                result = _load_rows(archive, manifest)
        except BaseException as error:
            for name in written:
                default_storage.delete(name)
            if isinstance(error, IntegrityError):
                raise BackupError(f"The import failed and was rolled back, nothing was restored: {error}. Rows with "
                                  "the same ids may already exist: restore into a freshly migrated database.") from error
            if isinstance(error, (DatabaseError, DeserializationError, ObjectDoesNotExist, ValidationError, OSError)):
                raise BackupError(f"The import failed and was rolled back, nothing was restored: {error}") from error
            raise
    page_cache.invalidate()  # committed: a restored edition may have published results
    files_total = manifest["files"]["count"]
    return {"manifest": manifest, **result, "files_written": len(written), "files_kept": files_total - len(written)}
