"""The writes of a nominator's own account: signing up, confirming the e-mail address, the
profile. The views call these by name. (The organiser and expert groups are set up by
roles.setup_roles().)"""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from ..models import User
from . import mail as emails

SALT = "submissions.confirm-email"


def make_confirmation_token(user: User) -> str:
    return signing.TimestampSigner(salt=SALT).sign(f"{user.pk}:{user.email}")


def user_from_confirmation_token(token: str) -> User:
    """The account a confirmation link names. Raises signing.SignatureExpired for an old link,
    signing.BadSignature, ValueError or User.DoesNotExist for an invalid one."""
    value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=settings.EMAIL_CONFIRMATION_MAX_AGE)
    pk, email = value.split(":", 1)
    return User.objects.get(pk=int(pk), email=email)


def send_confirmation(user: User):
    emails.send_confirmation_link(user, make_confirmation_token(user))


def sign_up(*, form) -> User:
    """Create the account from a valid SignupForm and e-mail the confirmation link (after commit)."""
    with transaction.atomic():
        user = form.save()
        send_confirmation(user)
    return user


def confirm_email(user: User, now=None) -> User:
    """Mark the address as confirmed; a second click keeps the first time."""
    if not user.email_confirmed:
        user.email_confirmed_at = now or timezone.now()
        user.save(update_fields=["email_confirmed_at"])
    return user


def save_profile(*, form) -> User:
    """Save a valid ProfileForm (name, organisation, language) of the signed-in user."""
    with transaction.atomic():
        return form.save()
