import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core import mail
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from submissions.models import OutgoingMail, User
from tests.factories import UserFactory

SIGNUP = {"email": "Zhang.San@Example.com", "full_name": "张三", "organisation": "示例大学", "language": "en",
          "password1": "Solid-State-2023!", "password2": "Solid-State-2023!"}


def _link(message):
    return re.search(r"http://testserver(/\S+)", message.body).group(1)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_signup_sends_a_confirmation_link_in_the_chosen_language(client, edition, lang, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/{lang}/accounts/signup/", {**SIGNUP, "language": lang})
    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "zhang.san@example.com"  # the login is case-insensitive
    assert not user.email_confirmed
    assert [m.to for m in mail.outbox] == [["zhang.san@example.com"]]
    expected = "请确认" if lang == "zh-hans" else "Confirm your e-mail address"
    assert expected in mail.outbox[0].subject
    response = client.get(_link(mail.outbox[0]))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email_confirmed


def test_signup_errors_are_translated_and_nothing_is_saved(client, edition):
    response = client.post("/zh-hans/accounts/signup/", {**SIGNUP, "password2": "different", "email": "not-an-email"})
    assert response.status_code == 200
    html = response.content.decode()
    with translation.override("zh-hans"):
        assert gettext("The two passwords do not match.") in html
        assert gettext("Enter a valid email address.") in html
    assert "错误：" in html.split("</title>")[0]
    assert User.objects.count() == 0


def test_signup_refuses_an_existing_address_in_any_case(client, nominator):
    response = client.post("/en/accounts/signup/", {**SIGNUP, "email": nominator.email.upper()})
    assert "An account with this e-mail address already exists" in response.content.decode()
    assert User.objects.count() == 1


def test_signup_accepts_full_width_email_from_chinese_input_methods(client, edition):
    client.post("/zh-hans/accounts/signup/", {**SIGNUP, "email": "ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ"})
    assert User.objects.get().email == "li@example.com"


def test_a_tampered_confirmation_link_confirms_nothing(client, nominator):
    nominator.email_confirmed_at = None
    nominator.save()
    response = client.get("/en/accounts/confirm/1:forged-signature/", follow=True)
    assert "This confirmation link is not valid." in response.content.decode()
    nominator.refresh_from_db()
    assert not nominator.email_confirmed


def test_login_with_email_in_another_case(client, nominator):
    response = client.post("/en/accounts/login/", {"username": "NOMINATOR.A@example.com",
                                                   "password": "secret-Passw0rd!"})
    assert response.status_code == 302
    assert response["Location"] == "/en/nominations/"


def test_wrong_password_gives_a_translated_error(client, nominator):
    response = client.post("/zh-hans/accounts/login/", {"username": nominator.email, "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_password_reset_mail_is_in_the_account_language(client, other_nominator):
    # The page is Chinese, the account prefers English: the e-mail is English.
    response = client.post("/zh-hans/accounts/password/reset/", {"email": other_nominator.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "Reset your password" in mail.outbox[0].subject
    link = _link(mail.outbox[0])
    assert link.startswith("/en/accounts/password/reset/") or link.startswith("/zh-hans/accounts/password/reset/")
    response = client.get(link, follow=True)
    assert response.status_code == 200
    response = client.post(response.redirect_chain[-1][0], {"new_password1": "Another-Passw0rd!",
                                                            "new_password2": "Another-Passw0rd!"})
    assert response.status_code == 302
    other_nominator.refresh_from_db()
    assert other_nominator.check_password("Another-Passw0rd!")


def test_password_reset_for_an_unknown_address_reveals_nothing(client, db):
    response = client.post("/en/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_profile_change_of_language_switches_the_site(client, nominator):
    client.force_login(nominator)
    response = client.post("/zh-hans/accounts/profile/", {"full_name": "李明", "organisation": "", "language": "en"})
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/profile/"
    nominator.refresh_from_db()
    assert nominator.language == "en"


def test_logins_use_the_portal_backend_and_older_sessions_stay_logged_in(client, nominator):
    client.post("/en/accounts/login/", {"username": nominator.email, "password": "secret-Passw0rd!"})
    assert client.session[BACKEND_SESSION_KEY] == "submissions.backends.PortalBackend"
    older = type(client)()
    older.force_login(nominator, backend="django.contrib.auth.backends.ModelBackend")  # as before the change
    response = older.get("/en/nominations/")
    assert response.status_code == 200 and response.wsgi_request.user == nominator  # anonymous: 302 to login


def test_logout_is_a_post(client, nominator):
    client.force_login(nominator)
    assert client.get("/en/accounts/logout/").status_code == 405
    assert client.post("/en/accounts/logout/").status_code == 302
    assert client.get("/en/nominations/").status_code == 302


def test_login_locks_after_five_failures_for_that_address_and_client_only(client, nominator):
    for _attempt in range(5):
        client.post("/en/accounts/login/", {"username": nominator.email.upper(), "password": "wrong"},
                    REMOTE_ADDR="10.0.0.1")
    locked = client.post("/en/accounts/login/", {"username": nominator.email, "password": "secret-Passw0rd!"},
                         REMOTE_ADDR="10.0.0.1")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    # The same account from another client address, and another account from the same one, still work.
    other = client.post("/en/accounts/login/", {"username": nominator.email, "password": "secret-Passw0rd!"},
                        REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 302
    client.logout()
    colleague = UserFactory(email="colleague@example.com")
    same_network = client.post("/en/accounts/login/", {"username": colleague.email, "password": "secret-Passw0rd!"},
                               REMOTE_ADDR="10.0.0.1")
    assert same_network.status_code == 302


def test_lockout_ends_after_the_cool_off(client, nominator, settings):
    for _attempt in range(5):
        client.post("/zh-hans/accounts/login/", {"username": nominator.email, "password": "wrong"})
    assert client.post("/zh-hans/accounts/login/", {"username": nominator.email,
                                                    "password": "secret-Passw0rd!"}).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert client.post("/zh-hans/accounts/login/", {"username": nominator.email,
                                                    "password": "secret-Passw0rd!"}).status_code == 302


@pytest.mark.parametrize(("url", "data", "limit"), [
    ("/en/accounts/signup/", {**SIGNUP, "email": "x@example.com", "password2": "mismatch"}, "signup"),
    ("/en/accounts/password/reset/", {"email": "someone@example.com"}, "password_reset"),
])
def test_signup_and_password_reset_are_rate_limited(client, db, settings, url, data, limit):
    for _attempt in range(settings.RATE_LIMITS[limit]):
        assert client.post(url, data).status_code in {200, 302}
    response = client.post(url, data)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_confirmation_mails_are_rate_limited(client, nominator, settings):
    nominator.email_confirmed_at = None
    nominator.save()
    client.force_login(nominator)
    for _attempt in range(settings.RATE_LIMITS["confirmation"]):
        client.post("/en/accounts/confirm-again/")
    assert client.post("/en/accounts/confirm-again/").status_code == 429

    assert OutgoingMail.objects.count() == settings.RATE_LIMITS["confirmation"]


@pytest.mark.parametrize(("lang", "minutes", "expected"), [
    ("en", 30, "is paused for 30 minutes."), ("zh-hans", 30, "已暂停30分钟。"), ("en", 1, "is paused for 1 minute."),
    ("en", 15, "is paused for 15 minutes.")])
def test_the_lockout_page_gives_the_configured_cool_off(client, nominator, settings, lang, minutes, expected):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=minutes)  # AXES_COOLOFF_MINUTES in the environment
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(f"/{lang}/accounts/login/", {"username": nominator.email, "password": "wrong"})
    locked = client.post(f"/{lang}/accounts/login/", {"username": nominator.email, "password": "wrong"})
    assert locked.status_code == 429
    assert expected in locked.content.decode()


@pytest.mark.parametrize(("lang", "title", "text"), [
    ("en", "The form could not be sent", "Please go back, reload the page and send the form again."),
    ("zh-hans", "表单未能提交", "请返回并刷新页面，然后重新提交表单。")])
def test_a_refused_csrf_token_gives_our_translated_page(db, lang, title, text):
    response = Client(enforce_csrf_checks=True).post(f"/{lang}/accounts/login/", {"username": "a@example.com",
                                                                                   "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert title in html and text in html
    assert "DEBUG" not in html and "CSRF verification failed" not in html
