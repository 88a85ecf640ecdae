from django.core.management.base import BaseCommand

from submissions.services.mail import send_pending


class Command(BaseCommand):
    help = "Send every queued e-mail that could not be sent before (run it from cron every few minutes)."

    def handle(self, *args, **options):
        sent, failed = send_pending()
        self.stdout.write(f"sent: {sent}, still pending: {failed}")
        if failed:
            self.stderr.write(self.style.WARNING(f"{failed} message(s) still pending; see the last_error column."))
