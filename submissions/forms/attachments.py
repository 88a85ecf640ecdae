"""The upload form of the files page (one file per request)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..enums import AttachmentKind
from ..text import reject_control_characters


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of file"), choices=AttachmentKind.choices)
    file = forms.FileField(label=_("File"), max_length=255,
                           help_text=_("PDF, or JPEG, PNG or WebP for images and the recommendation letter."))
    caption_zh_hans = forms.CharField(label=_("Caption (Chinese)"), max_length=200, required=False)
    caption_en = forms.CharField(label=_("Caption (English)"), max_length=200, required=False)
    may_publish = forms.BooleanField(label=_("This image may be published if the technology is selected"),
                                     required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".pdf,application/pdf,.jpg,.jpeg,.png,.webp,image/*"
        self.fields["caption_zh_hans"].widget.attrs["lang"] = "zh-Hans"
        self.fields["caption_en"].widget.attrs["lang"] = "en"

    def clean(self):
        data = super().clean()
        for name in ("caption_zh_hans", "caption_en"):
            reject_control_characters(data.get(name))
        return data
