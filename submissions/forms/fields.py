"""Form fields and mixins shared by the portal's forms."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries

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


def _interpolate(message, params) -> str:
    return message % params


interpolate_lazy = lazy(_interpolate, str)  # "%" on a lazy string would translate it at once


def limit_hint(unit: str, limit: int):
    """"At most 30 characters." in the language of the page (lazy: forms are configured once)."""
    if unit == "words":
        return interpolate_lazy(_("At most %(limit)d words."), {"limit": limit})
    return interpolate_lazy(_("At most %(limit)d characters."), {"limit": limit})


class CountryInput(forms.TextInput):
    """A text input offering the page's <datalist> of country names (rendered once per page, see
    templates/submissions/_country_datalist.html); shows a stored code as its name."""

    LIST_ID = "country-names"

    def __init__(self, attrs=None):
        super().__init__({"list": self.LIST_ID, "autocomplete": "country-name", **(attrs or {})})

    def format_value(self, value):
        code = str(value or "")
        return (countries.name(code) or code) if code else None


class CountryNameField(forms.CharField):
    """A country or region, typed or chosen by its name in either language (or its ISO code);
    cleans to the ISO 3166 code that django-countries' CountryField stores."""

    widget = CountryInput
    default_error_messages = {"unknown": _("Choose a country or region from the list.")}

    def to_python(self, value):
        value = normalise_machine_text(super().to_python(value))
        if not value:
            return ""
        if value.upper() in countries:
            return value.upper()
        for code, _language in settings.LANGUAGES:
            if found := countries.by_name(value, language=code):
                return found
        raise ValidationError(self.error_messages["unknown"], code="unknown")
