"""The ZIP dossier of one or more entries: every file under a readable name, plus a bilingual
summary page per entry. Written to a temporary file on disk, never held whole in memory."""

import functools
import tempfile
import zipfile

from django.template.loader import render_to_string
from django.utils import translation

from ..text import clean_filename


def build_dossier(entries) -> tempfile.SpooledTemporaryFile:
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            folder = entry.reference or f"draft-{entry.pk}"
            with translation.override("zh-hans"):
                archive.writestr(f"{folder}/summary-zh.html", render_to_string("admin/submissions/dossier_summary.html",
                                                                                {"entry": entry}))
            with translation.override("en"):
                archive.writestr(f"{folder}/summary-en.html", render_to_string("admin/submissions/dossier_summary.html",
                                                                                {"entry": entry}))
            missing = []
            for number, attachment in enumerate(entry.attachments.all(), start=1):
                name = clean_filename(f"{number:02d}-{attachment.kind}-{attachment.original_name}")
                try:
                    source = attachment.file.open("rb")
                except FileNotFoundError:  # lost from storage: say so in the dossier, do not fail it
                    missing.append(name)
                    continue
                with source, archive.open(f"{folder}/{name}", "w") as target:
                    for chunk in iter(functools.partial(source.read, 1024 * 1024), b""):
                        target.write(chunk)
            if missing:
                archive.writestr(f"{folder}/MISSING-FILES.txt", "\n".join(missing) + "\n")
    out.seek(0)
    return out
