from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from submissions.services.mail import send_organiser_digest


class Command(BaseCommand):
    help = "E-mail the secretariat the submissions and withdrawals of the last day (run daily from cron)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, hours=24, **options):
        count = send_organiser_digest(timezone.now() - timedelta(hours=hours))
        self.stdout.write(f"changes reported: {count}")
