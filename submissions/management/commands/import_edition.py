from django.core.management.base import BaseCommand

from submissions.services import backup


class Command(BaseCommand):
    help = ("Restore an archive written by export_edition into this database (normally a freshly migrated one). "
            "Every checksum is verified first; an edition year that already exists is refused.")

    def add_arguments(self, parser):
        parser.add_argument("archive", help="path of the .zip archive")

    def handle(self, *args, archive, **options):
        result = backup.import_edition(archive)
        year = result["manifest"]["edition"]["year"]
        created, reused = result["created"], result["reused"]
        self.stdout.write(f"entries: {created['submissions.Entry']}, rows created: {sum(created.values())}, "
                          f"files written: {result['files_written']}, identical files already stored: "
                          f"{result['files_kept']}")
        for label, count in reused.items():
            if count:
                self.stdout.write(f"{label}: {count} already existed here and were used as they are")
        for name in result["manifest"]["missing_files"]:
            self.stderr.write(self.style.WARNING(f"was already missing when the archive was made: {name}"))
        self.stdout.write(self.style.SUCCESS(f"Restored edition {year} from {archive}."))
