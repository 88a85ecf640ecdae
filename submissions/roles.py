"""The groups organisers and experts belong to (created by `manage.py setup_roles`)."""

from django.contrib.auth.models import Group, Permission

ORGANISER = "Organiser"
EXPERT = "Expert"
# Organisers manage entries and reference content, but not user accounts.
ORGANISER_MODELS = ["edition", "category", "technicalfield", "page", "entry", "attachment", "statuschange",
                    "coapplicant", "indicator", "intellectualproperty", "award", "contributor", "outgoingmail",
                    "criterion", "round", "assignment", "conflict", "review", "score", "selectiondecision",
                    "selectionoutcome"]


def setup_roles():
    organiser, _ = Group.objects.get_or_create(name=ORGANISER)
    organiser.permissions.set(Permission.objects.filter(content_type__app_label="submissions",
                                                        content_type__model__in=ORGANISER_MODELS))
    expert, _ = Group.objects.get_or_create(name=EXPERT)
    expert.permissions.clear()  # experts work in /review/, never in the admin
    return organiser, expert
