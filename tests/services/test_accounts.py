"""Account writes go through services.accounts: the views no longer save users themselves."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from submissions.models import User
from submissions.services import accounts as account_services

from ..factories import UserFactory


def test_confirm_email_sets_the_time_once(db):
    user = UserFactory(email="new@example.com", email_confirmed_at=None)
    first = timezone.now() - timedelta(hours=1)
    account_services.confirm_email(user, now=first)
    assert User.objects.get(pk=user.pk).email_confirmed_at == first
    account_services.confirm_email(user)  # a second click keeps the first time
    assert User.objects.get(pk=user.pk).email_confirmed_at == first


@pytest.mark.parametrize("lang, text", [("en", "Thank you, your e-mail address is confirmed."),
                                        ("zh-hans", "谢谢，您的电子邮箱地址已确认。")])
def test_the_confirmation_link_confirms_through_the_service(client, db, monkeypatch, lang, text):
    user = UserFactory(email="new@example.com", email_confirmed_at=None, language=lang)
    calls = []
    original = account_services.confirm_email
    monkeypatch.setattr(account_services, "confirm_email", lambda u, now=None: calls.append(u) or original(u, now))
    token = account_services.make_confirmation_token(user)
    response = client.get(f"/{lang}/accounts/confirm/{token}/", follow=True)
    assert response.status_code == 200
    assert calls == [user]
    assert User.objects.get(pk=user.pk).email_confirmed
    html = response.content.decode()
    assert text in html


def test_a_bad_token_changes_nothing(client, db):
    user = UserFactory(email="new@example.com", email_confirmed_at=None)
    token = account_services.make_confirmation_token(user)[:-2] + "xx"
    response = client.get(f"/en/accounts/confirm/{token}/", follow=True)
    assert response.status_code == 200 and "This confirmation link is not valid." in response.content.decode()
    assert not User.objects.get(pk=user.pk).email_confirmed


def test_sign_up_and_profile_go_through_the_service(client, edition, monkeypatch, django_capture_on_commit_callbacks):
    seen = []
    for name in ("sign_up", "save_profile"):
        original = getattr(account_services, name)
        monkeypatch.setattr(account_services, name,
                            lambda *, form, _o=original, _n=name: seen.append(_n) or _o(form=form))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/accounts/signup/", {
            "email": "x@example.com", "full_name": "X", "language": "en",
            "password1": "Solid-State-2023!", "password2": "Solid-State-2023!"})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["x@example.com"]]  # the confirmation link
    response = client.post("/en/accounts/profile/", {"full_name": "Xavier", "organisation": "Lab", "language": "zh-hans"})
    assert response.status_code == 302 and response["Location"] == "/zh-hans/accounts/profile/"
    assert seen == ["sign_up", "save_profile"]
    user = User.objects.get(email="x@example.com")
    assert (user.full_name, user.organisation, user.language) == ("Xavier", "Lab", "zh-hans")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
