from pathlib import Path

from django.core.management.base import BaseCommand

from submissions.services import backup


class Command(BaseCommand):
    help = ("Write one archive of an edition: its rows (entries, materials, history, expert review), the accounts "
            "and reference rows they use, every stored file and sha256 checksums. Restore it with import_edition.")

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="the edition's year")
        parser.add_argument("--output", help="archive path (default: wnevc-edition-YEAR-<timestamp>.zip here)")

    def handle(self, *args, year, output=None, **options):
        path = Path(output) if output else Path.cwd() / backup.default_archive_name(year)
        manifest = backup.export_edition(year, path)
        counts = manifest["counts"]
        self.stdout.write(f"entries: {counts['submissions.Entry']}, users: {counts['submissions.User']}, "
                          f"rows: {sum(counts.values())}, files: {manifest['files']['count']} "
                          f"({manifest['files']['bytes']} bytes)")
        for name in manifest["missing_files"]:
            self.stderr.write(self.style.WARNING(f"missing from storage, not in the archive: {name}"))
        self.stdout.write(self.style.SUCCESS(f"Wrote {path} ({path.stat().st_size} bytes)."))
