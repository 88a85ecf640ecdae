from django.core.management.base import BaseCommand

from submissions.roles import setup_roles


class Command(BaseCommand):
    help = "Create or update the Organiser and Expert groups (safe to run again)."

    def handle(self, *args, **options):
        organiser, expert = setup_roles()
        self.stdout.write(self.style.SUCCESS(
            f"Groups ready: {organiser.name} ({organiser.permissions.count()} permissions), {expert.name}."))
