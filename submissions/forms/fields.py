"""Form fields and mixins shared by the portal's forms."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from ..text import CONTROL_CHARS, normalise_machine_text


class NormalisedEmailField(forms.EmailField):
    def to_python(self, value):
        return super().to_python(normalise_machine_text(value))


class NormalisedURLField(forms.URLField):
    default_validators = [URLValidator(schemes=["http", "https"])]  # a website, not ftp: or file:

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(normalise_machine_text(value))


class PlainTextMixin:
    """Every text field of our forms refuses NUL and other control characters (PostgreSQL
    rejects NUL bytes; SQLite would store them silently)."""

    def _post_clean(self):
        for name, value in list(getattr(self, "cleaned_data", {}).items()):
            if isinstance(value, str) and CONTROL_CHARS.search(value):
                self.add_error(name, ValidationError(
                    _("This text contains invisible control characters; please retype it."), code="control_characters"))
        super()._post_clean()


def limit_hint(name: str) -> str:
    unit, limit = settings.ENTRY_LIMITS[name]
    if unit == "words":
        return str(_("At most %(limit)d words.") % {"limit": limit})
    return str(_("At most %(limit)d characters.") % {"limit": limit})
