"""Checks of uploaded files by their content, never by their name or the browser's type."""

import unicodedata
import warnings
from pathlib import PurePosixPath, PureWindowsPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

IMAGE_FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}
PDF = ("application/pdf", ".pdf")
TOO_MANY_PIXELS = _("This image has too many pixels (at most %(limit)s megapixels); please upload a smaller version.")


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


def inspect_upload(upload, *, allow_pdf: bool, allow_image: bool) -> tuple[str, str]:
    """Return (content type, file suffix) detected from the bytes, or raise ValidationError."""
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if upload.size > settings.ENTRY_UPLOAD_MAX_BYTES:
        raise ValidationError(_("This file is larger than %(limit)s."), code="file_size",
                              params={"limit": filesizeformat(settings.ENTRY_UPLOAD_MAX_BYTES)})
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        if allow_pdf:
            return PDF
        raise ValidationError(_("Please upload an image (JPEG, PNG or WebP) here."), code="file_type")
    if allow_image:
        detected = _inspect_image(upload)
        if detected:
            return detected
    if allow_pdf and allow_image:
        message = _("This file is neither a PDF nor a JPEG, PNG or WebP image.")
    elif allow_pdf:
        message = _("This file is not a PDF document.")
    else:
        message = _("This file is not a JPEG, PNG or WebP image.")
    raise ValidationError(message, code="file_type")


def _inspect_image(upload):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own cap is lower
            with Image.open(upload) as image:
                image_format = image.format
                width, height = image.size
                if image_format not in IMAGE_FORMATS:
                    return None
                # Checked from the header alone, before any pixel is decoded.
                if width * height > settings.IMAGE_MAX_PIXELS:
                    raise ValidationError(TOO_MANY_PIXELS, code="image_pixels",
                                          params={"limit": settings.IMAGE_MAX_PIXELS // 10**6})
                image.verify()
        # verify() leaves the image unusable; decode it once fully to catch truncated data.
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise ValidationError(TOO_MANY_PIXELS, code="image_pixels", params={"limit": settings.IMAGE_MAX_PIXELS // 10**6})
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        upload.seek(0)
        # A broken file that claims to be an image by its first bytes gets a precise message.
        if upload.read(4) in {b"\x89PNG", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xe1", b"RIFF"}:
            upload.seek(0)
            raise ValidationError(_("This image is damaged and cannot be opened."), code="image_corrupt")
        upload.seek(0)
        return None
    finally:
        upload.seek(0)
    return IMAGE_FORMATS[image_format]
