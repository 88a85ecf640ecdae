"""The reference content visitors read (editions, categories, technical fields, page texts): every
write goes through here so that the public page cache is refreshed after the commit."""

from django.db import transaction

from .. import page_cache
from ..models import Category, Edition, Page, TechnicalField

CONTENT_MODELS = (Edition, Category, TechnicalField, Page)


def _check(obj):
    if not isinstance(obj, CONTENT_MODELS):
        raise TypeError(f"{type(obj).__name__} is not reference content")


def save_content(obj):
    """Save an edition, category, technical field or page (the admin's add, change and list edits)."""
    _check(obj)
    with transaction.atomic():
        obj.save()
        page_cache.invalidate_on_commit()
    return obj


def delete_content(objects):
    """Delete reference content: one object, a list or a queryset (the admin's delete action)."""
    with transaction.atomic():
        if hasattr(objects, "model") and hasattr(objects, "delete"):  # a queryset: one query, like the admin's own
            if not issubclass(objects.model, CONTENT_MODELS):
                raise TypeError(f"{objects.model.__name__} is not reference content")
            objects.delete()
        else:
            for obj in objects if isinstance(objects, (list, tuple)) else [objects]:
                _check(obj)
                obj.delete()
        page_cache.invalidate_on_commit()
