"""The login backend: Django's ModelBackend, with one thing read along with the user."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef

from .roles import EXPERT


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        """The user of a request, with whether they sit on the expert committee: the menu of every
        page asks (review_queries.is_expert), and reading it here saves a query per page. Read on
        each request, so a change of groups shows on the next page."""
        User = get_user_model()
        expert = Group.objects.filter(user=OuterRef("pk"), name=EXPERT)
        try:
            user = User._default_manager.annotate(_is_expert=Exists(expert)).get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
