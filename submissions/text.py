"""Normalisers and checks of plain text, shared by forms, services and exports. A leaf."""

import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def reject_control_characters(value):
    if isinstance(value, str) and CONTROL_CHARS.search(value):
        raise ValidationError(_("This text contains invisible control characters; please retype it."),
                              code="control_characters")


def normalise_machine_text(value: str) -> str:
    # Full-width input from Chinese IMEs ("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ"): only for machine fields.
    return unicodedata.normalize("NFKC", value or "").strip()


def clean_phone(value: str) -> str:
    value = normalise_machine_text(value)
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise ValidationError(_("Enter a phone number in international format, e.g. +86 138 0013 8000."),
                              code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def measure(text: str, unit: str) -> int:
    return len(text.split()) if unit == "words" else len(text.strip())


def clean_filename(name: str) -> str:
    """The original name for display and downloads: no directories, no control or
    format characters, at most 150 characters; Chinese names are kept as they are."""
    name = PureWindowsPath(PurePosixPath(str(name)).name).name  # drop "../" and "C:\\..." parts
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '<>:"/\\|?*')
    name = name.strip(" .")
    if len(name) > 150:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[: 150 - len(suffix) - 1] + dot + suffix) if dot and len(suffix) <= 10 else name[:150]
    return name or "file"
