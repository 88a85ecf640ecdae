"""What visitors read once the results of an edition are published."""

from django.db.models import Prefetch, Q

from ..enums import AttachmentKind, EntryStatus
from ..models import Attachment, Category, Edition, Entry, SelectionOutcome


def published_editions():
    return Edition.objects.filter(results_published=True).order_by("-year")


def published_results(edition):
    """Per category (in order): the selected entries and the nominated tier, with their publishable
    images. Only entries whose nominator consented to publication appear."""
    images = Attachment.objects.filter(kind=AttachmentKind.IMAGE, may_publish=True).exclude(thumbnail="")
    entries = (Entry.objects.filter(edition=edition, consent_publication=True)
               .filter(Q(status=EntryStatus.SELECTED) | Q(selection_outcome__nominated=True))
               .select_related("category")
               .prefetch_related(Prefetch("attachments", queryset=images, to_attr="public_images"))
               .order_by("category__order", "selection_outcome__rank", "reference", "pk"))
    sections = []
    by_category = {}
    for entry in entries:
        by_category.setdefault(entry.category_id, []).append(entry)
    for category in Category.objects.filter(pk__in=by_category):
        rows = by_category[category.pk]
        sections.append({
            "category": category,
            "selected": [e for e in rows if e.status == EntryStatus.SELECTED],
            "nominated": [e for e in rows if e.status != EntryStatus.SELECTED],
        })
    return sections


def public_image(attachment_pk):
    """A publishable image of a published result, or None."""
    return (Attachment.objects.filter(pk=attachment_pk, kind=AttachmentKind.IMAGE, may_publish=True,
                                      entry__consent_publication=True, entry__edition__results_published=True)
            .filter(Q(entry__status=EntryStatus.SELECTED) | Q(entry__selection_outcome__nominated=True))
            .exclude(thumbnail="").select_related("entry__edition").first())


def selection_outcomes(edition, category):
    return SelectionOutcome.objects.filter(decision__edition=edition, decision__category=category)
