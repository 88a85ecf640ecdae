"""Every URL of the site × every role → the expected status code. The URL list is generated
from the URL configuration, so a new URL without an expectation here fails the test."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from submissions.models import Attachment, Edition, Entry, User
from submissions.roles import EXPERT
from tests.factories import UserFactory

ROLES = ["anonymous", "owner", "other_nominator", "expert_assigned", "expert_unassigned", "organiser", "superuser"]
LOGGED_IN = ROLES[1:]


def each(status, **overrides):
    return {role: overrides.get(role, status) for role in ROLES}


def login_then(status, **overrides):
    """Anonymous visitors are sent to the login page; everyone else gets `status`."""
    return each(status, anonymous=302, **overrides)


OWNER_ONLY = login_then(404, owner=200)
EXPERT_ONLY = login_then(403, expert_assigned=200, expert_unassigned=200)
ASSIGNED_ONLY = login_then(403, expert_assigned=200, expert_unassigned=404)

EXPECTED = {
    "healthz": each(200),
    "favicon.ico": each(301),
    "set_language": each(302),
    "submissions:home": each(200),
    "submissions:page": each(200),
    "submissions:faq": each(200),
    "submissions:signup": each(302, anonymous=200),
    "submissions:confirm_email": each(302),
    "submissions:resend_confirmation": login_then(405),
    "submissions:login": each(302, anonymous=200),
    "submissions:logout": each(405),
    "submissions:profile": login_then(200),
    "submissions:password_change": login_then(200),
    "submissions:password_change_done": login_then(200),
    "submissions:password_reset": each(200),
    "submissions:password_reset_done": each(200),
    "submissions:password_reset_confirm": each(200),
    "submissions:password_reset_complete": each(200),
    "submissions:entry_list": login_then(200),
    "submissions:entry_create": login_then(200),
    "submissions:entry_detail": OWNER_ONLY,
    "submissions:entry_edit": OWNER_ONLY,
    "submissions:entry_submit": login_then(405),
    "submissions:entry_withdraw": OWNER_ONLY,
    "submissions:entry_reopen": login_then(405),
    "submissions:entry_print": OWNER_ONLY,
    "submissions:entry_attachments": OWNER_ONLY,
    "submissions:attachment_delete": login_then(405),
    "submissions:attachment_download": login_then(404, owner=200, expert_assigned=200, organiser=200, superuser=200),
    "submissions:attachment_thumbnail": login_then(404, owner=200, expert_assigned=200, organiser=200, superuser=200),
    "submissions:review_list": EXPERT_ONLY,
    "submissions:review_vote": EXPERT_ONLY,
    "submissions:review_entry": ASSIGNED_ONLY,
    "submissions:review_score": ASSIGNED_ONLY,
    "submissions:review_conflict": ASSIGNED_ONLY,
    "submissions:results": each(200),
    "submissions:results_image": each(404),  # the demo entry is not selected: its image is not public
    # The admin: organisers and superusers only; user accounts for superusers only.
    "admin:index": each(302, organiser=200, superuser=200),
    "admin:submissions_entry_changelist": each(302, organiser=200, superuser=200),
    "admin:submissions_entry_change": each(302, organiser=200, superuser=200),
    "admin:submissions_dashboard": each(302, organiser=200, superuser=200),
    "admin:submissions_user_changelist": each(302, organiser=403, superuser=200),
    "admin:auth_group_changelist": each(302, organiser=403, superuser=200),
}
ADMIN_CHECKED = [name for name in EXPECTED if name.startswith("admin:")]


def site_urls(resolver=None, namespace="", prefix=""):
    """(name, route) of every URL outside the admin, in the default language."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from site_urls(pattern, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}{pattern.name}" if pattern.name else str(pattern.pattern)), prefix + str(pattern.pattern)


def test_every_url_has_an_expectation():
    assert sorted({name for name, _route in site_urls()} - set(EXPECTED)) == []


@pytest.fixture
def world(db, settings):
    call_command("seed_demo")
    edition = Edition.objects.get()
    Edition.objects.filter(pk=edition.pk).update(results_published=True)
    owner = User.objects.get(email="nominator@example.com")
    entry = Entry.objects.filter(nominator=owner, status="submitted").get()
    image = Attachment.objects.get(entry=entry, kind="image")
    unassigned = UserFactory(email="expert3@example.com")
    unassigned.groups.add(Group.objects.get(name=EXPERT))
    users = {"owner": owner, "other_nominator": UserFactory(email="other@example.com"),
             "expert_assigned": User.objects.get(email="expert1@example.com"), "expert_unassigned": unassigned,
             "organiser": User.objects.get(email="organiser@example.com"),
             "superuser": User.objects.get(email="admin@example.com")}
    values = {"slug": "privacy", "token": "1:forged", "pk": entry.pk, "entry_id": entry.pk,
              "attachment_pk": image.pk, "year": edition.year, "category_code": "cutting_edge",
              "uidb64": "MQ", "object_id": entry.pk}
    return users, values


def fill(route, values):
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


def admin_url(name, values):
    return reverse(name, args=[values["object_id"]]) if name.endswith("_change") else reverse(name)


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(client, world, role):
    users, values = world
    if role != "anonymous":
        client.force_login(users[role])
    urls = [(name, fill(route, {**values, "token": "1:forged" if "confirm" in route else "set-password"}))
            for name, route in site_urls()]
    urls += [(name, admin_url(name, values)) for name in ADMIN_CHECKED]
    actual = {f"{name} {url}": client.get(url).status_code for name, url in urls}
    expected = {f"{name} {url}": EXPECTED[name][role] for name, url in urls}
    assert actual == expected
