from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from submissions.models import Category, Edition, Entry, Page, TechnicalField, User
from submissions.services import demo
from submissions.services import demo_review as review_demo


class Command(BaseCommand):
    help = ("Load the demo edition (open now), categories, technical fields, page texts, sample entries and the "
            "demo accounts. Safe to run again. --entries N adds N generated entries (for benchmarks).")

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=0, help="add this many generated entries")
        parser.add_argument("--allow-production", action="store_true",
                            help="allow demo accounts with a known password on a DEBUG=0 site")

    def handle(self, *args, entries=0, allow_production=False, **options):
        if not settings.DEBUG and not allow_production and not getattr(settings, "DEMO_DATA_ALLOWED", False):
            raise CommandError("Demo data creates accounts with a published password. On a production site "
                               "(DEBUG=0) pass --allow-production if you really want it.")
        if entries < 0:
            raise CommandError("--entries must be 0 or more.")
        demo.build_reference_content()
        edition = demo.build_edition()
        users = demo.build_users()
        demo.build_sample_entries(users["nominator@example.com"], edition)
        review_demo.build_review_demo(edition, users)
        if entries:
            demo.build_generated_entries(entries, edition)
        self.stdout.write(
            f"Editions: {Edition.objects.count()}, categories: {Category.objects.count()}, technical fields: "
            f"{TechnicalField.objects.count()}, pages: {Page.objects.count()}, entries: {Entry.objects.count()}, "
            f"users: {User.objects.count()}")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password: {demo.DEMO_PASSWORD}):"))
        for email, _name, _lang, _staff, superuser, group in demo.DEMO_USERS:
            role = "superuser" if superuser else (group or "nominator")
            self.stdout.write(f"  {email:<24} {role}")
