"""The nominator's pages: own entries, the form, files, submission, withdrawal, printing.
Every lookup goes through queries.entries_for_nominator(), so other people's entries are 404."""

import uuid
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import DatabaseError, IntegrityError, connection
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import page_cache, rules, schema
from ..forms.attachments import AttachmentForm
from ..forms.entry import EntryForm, WithdrawForm, build_formsets
from ..models import Entry, EntryStatus
from ..selectors import completeness
from ..selectors import entries as queries
from ..services import attachments as attachment_services
from ..services import entries as services

SECTION_TITLES = schema.SECTION_TITLES


def _labelled(label, error) -> str:
    # Completeness messages already name their field; format errors ("Enter a valid URL.") do not.
    if str(label) in str(error):
        return str(error)
    return _("%(label)s: %(error)s") % {"label": label, "error": error}


def _error_summary(form, formsets, missing) -> list[tuple[str, str]]:
    """(link target, message) for every error, in form order, for the summary at the top."""
    summary = []
    full_message = {m.field: m.message for m in missing}  # e.g. "Please confirm: <the declaration>"
    for field in form:
        target = f"#{field.auto_id}_0" if isinstance(field.field.widget, forms.RadioSelect) else f"#{field.auto_id}"
        summary += [(target, full_message.get(field.name) or _labelled(field.label, error)) for error in field.errors]
    summary += [("#main", str(error)) for error in form.non_field_errors()]
    for formset in formsets.values():
        summary += [(f"#{formset.prefix}", f"{formset.heading}: {error}") for error in formset.non_form_errors()]
        for number, row in enumerate(formset, start=1):
            for field in row:
                summary += [(f"#{field.auto_id}", f"{formset.heading} ({number}) – {field.label}: {error}")
                            for error in field.errors]
    summary += [("#section-attachments", m.message) for m in missing if m.section == "attachments"]

    return summary


def _own_entry(request, pk) -> Entry:
    return get_object_or_404(queries.entries_for_nominator(request.user), pk=pk)


def _full_entry(request, pk) -> Entry:
    try:
        return queries.entry_with_everything(queries.entries_for_nominator(request.user), pk)
    except Entry.DoesNotExist:
        raise Http404


def _section_status(missing):
    """Per form section: the list of what is still missing (empty = complete)."""
    status = {key: [] for key in SECTION_TITLES}
    for item in missing:
        status[item.section].append(item)
    return status


@login_required
def entry_list(request):
    entries = queries.entry_list_for_nominator(request.user)
    edition = queries.current_edition()
    return render(request, "submissions/entry_list.html", {
        "entries": entries, "edition": edition, "can_create": bool(edition and edition.is_open())})


def _missing_with_files(entry) -> list:
    prefetch_related_objects([entry], "attachments")  # read once for the completeness check and the file list
    return completeness.missing_items(entry)


def _render_form(request, form, formsets, entry, edition, *, missing=None, check=False, status=200,
                 cacheable=False):
    """The form page. With `cacheable` (an unbound form without errors: a GET) the fields are a
    `{% cache %}` fragment keyed by the entry's version (`updated_at`, which every save of the
    entry, its rows or its files moves), the language, the nominator, the version of the
    reference content and the release; `form` and `formsets` are then built only when the
    fragment has to be rendered. The CSRF token, the form token, messages and the error summary
    are outside the fragment."""
    saved = entry if entry and entry.pk else None
    if missing is None:
        # Read only if a fragment that shows them has to be rendered (the section badges, the file list).
        missing = SimpleLazyObject(lambda: _missing_with_files(saved)) if saved else []
    form_version = ":".join(str(part) for part in (
        request.user.pk, request.user.full_name, request.user.email, request.user.language,
        saved.pk if saved else "new", saved.updated_at.timestamp() if saved else "", page_cache.content_version()))
    if cacheable:
        # Built only if the fragment is not in the cache. Looked up here, so that a miss renders
        # real objects (a lazy proxy in front of the ~130 fields costs a third more time).
        key = make_template_fragment_key("entry_form", [form_version, translation.get_language(), settings.RELEASE])
        if caches["fragments"].get(key) is None:
            form, formsets = form(), formsets()
        else:
            form, formsets = SimpleLazyObject(form), SimpleLazyObject(formsets)
    context = {
        "form": form, "formsets": formsets, "entry": saved, "edition": edition,
        "sections": SimpleLazyObject(lambda: _section_status(missing)), "missing": missing,
        # A failed POST keeps its token, so that the corrected form still saves the same entry.
        "form_token": _issue_form_token(request.user, entry.form_token if request.method == "POST" and entry else None),
        "maturity_warning": SimpleLazyObject(lambda: completeness.maturity_warning(saved)) if saved else "",
        "section_titles": list(SECTION_TITLES.items()),
        "cacheable": cacheable,
        "form_version": form_version,
        # Unbound forms and formsets have no errors: only those added for ?check=1.
        "error_summary": (_error_summary(form, {k: f for k, f in formsets.items() if f.is_bound},
                                         missing if check else [])
                          if not cacheable and (form.is_bound or form.errors or check) else []),
    }
    return render(request, "submissions/entry_form.html", context, status=status)


@login_required
def entry_create(request):
    edition = queries.current_edition()
    if edition is None or not edition.is_open():
        return render(request, "submissions/form_closed.html", {"edition": edition}, status=403)
    entry = None
    if request.method == "POST":
        # A double click on "Save draft" sends the same token twice: the second request updates
        # the entry the first one created instead of creating another. Only a token we issued to
        # this user counts; any other (another nominator's, a demo's, a made-up one) is a new form.
        token = _own_form_token(request.user, request.POST.get("form_token", ""))
        entry = token and queries.entries_for_nominator(request.user).filter(form_token=token).first()
        if entry:
            return _handle_form_post(request, entry, edition)
        if token is None or queries.form_token_taken(token):
            token = uuid.uuid4()
        return _handle_form_post(request, Entry(form_token=token), edition)
    initial = {"contact_name": request.user.full_name, "contact_email": request.user.email,
               "contact_language": request.user.language, "signatory_name": request.user.full_name}
    return _render_form(request, lambda: EntryForm(initial=initial), build_formsets, None, edition, cacheable=True)


def _form_token_signer(user) -> signing.Signer:
    return signing.Signer(salt=f"submissions.form_token.{user.pk}")


def _issue_form_token(user, token: uuid.UUID | None = None) -> str:
    """A form token for this user's new-entry form: a fresh UUID, signed for the user ("<hex>:<signature>")."""
    return _form_token_signer(user).sign((token or uuid.uuid4()).hex)


def _own_form_token(user, value: str) -> uuid.UUID | None:
    """The UUID of a form token issued to this user, or None (another user's, tampered, made up)."""
    try:
        return uuid.UUID(_form_token_signer(user).unsign(value))
    except (signing.BadSignature, ValueError):
        return None


@login_required
def entry_edit(request, pk):
    entry = _own_entry(request, pk)
    if not rules.can_edit(entry):
        messages.error(request, _("This entry can no longer be changed."))
        return redirect(entry)
    if request.method == "POST":
        return _handle_form_post(request, entry, entry.edition)
    if not request.GET.get("check"):
        return _render_form(request, lambda: EntryForm(instance=entry), lambda: build_formsets(instance=entry),
                            entry, entry.edition, cacheable=True)
    missing = _missing_with_files(entry)
    # After a refused submission: show each missing item at its field and in the summary.
    form = EntryForm(instance=entry)
    form.cleaned_data = {}
    for item in missing:
        if isinstance(form.fields.get(item.field), forms.BooleanField):
            form.add_error(item.field, _("Please tick this box to confirm."))
        elif item.field in form.fields:
            form.add_error(item.field, item.message)
    return _render_form(request, form, build_formsets(instance=entry), entry, entry.edition, missing=missing,
                        check=True)


def _handle_form_post(request, entry, edition):
    form = EntryForm(request.POST, instance=entry)
    formsets = build_formsets(request.POST, instance=entry if entry.pk else Entry())
    if not (form.is_valid() and all(f.is_valid() for f in formsets.values())):
        messages.error(request, _("Please correct the errors below. Nothing has been saved yet."))
        return _render_form(request, form, formsets, entry, edition, status=400)
    try:
        entry = services.save_entry(form=form, formsets=formsets.values(), user=request.user, edition=edition)
    except ValidationError as error:
        messages.error(request, _("A submitted entry must stay complete. Your changes have not been saved:"))
        for message in error.messages:
            messages.error(request, message)
        return _render_form(request, form, formsets, entry, edition, status=400)
    except IntegrityError:
        # Two simultaneous first saves of the same new form: the other request created the entry.
        twin = queries.entries_for_nominator(request.user).filter(form_token=entry.form_token).first()
        if twin is None:
            raise
        messages.info(request, _("This form had already been saved."))
        return redirect("submissions:entry_edit", pk=twin.pk)
    except DatabaseError:
        # Nothing was saved (one transaction). Reconnect so the form comes back with what was typed.
        _drop_broken_connection()
        messages.error(request, _("Your changes could not be saved because of a temporary problem. "
                                  "Please send the form again."))
        return _render_form(request, form, formsets, entry, edition, status=503)
    if request.POST.get("action") == "submit" and entry.status in {EntryStatus.DRAFT, EntryStatus.RETURNED}:
        return _submit(request, entry)
    messages.success(request, _("Your draft has been saved.") if entry.status == EntryStatus.DRAFT
                     else _("Your changes have been saved."))
    if request.POST.get("action") == "attachments":
        return redirect("submissions:entry_attachments", pk=entry.pk)
    return redirect("submissions:entry_edit", pk=entry.pk)


def _drop_broken_connection():
    """After a database error outside any transaction, start the next query on a fresh connection."""
    if not connection.in_atomic_block:
        connection.close()


def _submit(request, entry):
    try:
        entry = services.submit_entry(entry=entry, by=request.user)
    except DatabaseError:
        _drop_broken_connection()  # the submission's transaction was rolled back: nothing changed
        messages.error(request, _("Your entry could not be submitted because of a temporary problem. "
                                  "Nothing has changed; please submit it again."))
        return redirect(entry)
    except ValidationError as error:
        codes = {e.code for e in error.error_list}
        if "already_submitted" in codes:
            messages.info(request, _("This entry has already been submitted."))
            return redirect(entry)
        messages.warning(request, _("Your draft has been saved, but it cannot be submitted yet:"))
        if "incomplete" in codes:
            return redirect(reverse("submissions:entry_edit", args=[entry.pk]) + "?check=1#missing")
        for message in error.messages:
            messages.error(request, message)
        return redirect(entry)
    messages.success(request, _("Thank you. Your entry has been submitted with the reference number %(reference)s. "
                                "A confirmation has been sent by e-mail.") % {"reference": entry.reference})
    return redirect(entry)


@login_required
@require_POST
def entry_submit(request, pk):
    return _submit(request, _own_entry(request, pk))


@login_required
def entry_detail(request, pk):
    entry = _full_entry(request, pk)
    missing = completeness.missing_items(entry) if entry.status in {EntryStatus.DRAFT, EntryStatus.RETURNED} else []
    return render(request, "submissions/entry_detail.html", {
        "entry": entry, "missing": missing, "can_edit": rules.can_edit(entry),
        "can_submit": rules.can_submit(entry), "can_withdraw": rules.can_withdraw(entry),
        "can_reopen": rules.can_reopen(entry), "maturity_warning": completeness.maturity_warning(entry),
    })


@login_required
def entry_print(request, pk):
    entry = _full_entry(request, pk)
    return render(request, "submissions/entry_print.html", {"entry": entry})


@login_required
def entry_withdraw(request, pk):
    entry = _own_entry(request, pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_entry(entry=entry, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your entry has been withdrawn. You can reopen it until the closing time."))
        return redirect(entry)
    if not rules.can_withdraw(entry):
        messages.error(request, _("This entry can no longer be withdrawn."))
        return redirect(entry)
    return render(request, "submissions/entry_withdraw.html", {"entry": entry, "form": form})


@login_required
@require_POST
def entry_reopen(request, pk):
    entry = _own_entry(request, pk)
    try:
        services.reopen_entry(entry=entry, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your entry is a draft again. Submit it before the closing time."))
    return redirect(entry)


@login_required
def entry_attachments(request, pk):
    entry = _own_entry(request, pk)
    editable = rules.can_edit(entry)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if not editable:
            messages.error(request, _("This entry can no longer be changed."))
            return redirect(entry)
        if form.is_valid():
            data = form.cleaned_data
            try:
                attachment_services.add_attachment(entry=entry, kind=data["kind"], upload=data["file"],
                                        caption_zh_hans=data["caption_zh_hans"], caption_en=data["caption_en"],
                                        may_publish=data["may_publish"])
            except ValidationError as error:
                form.add_error("file", error)
            except OSError:  # the storage refused the write; add_attachment left nothing behind
                form.add_error("file", _("The file could not be stored because of a temporary problem. "
                                         "Nothing has been saved; please upload it again."))
                status = 503
            else:
                messages.success(request, _("The file “%(name)s” has been uploaded.") % {"name": data["file"].name})
                return redirect("submissions:entry_attachments", pk=entry.pk)
        messages.error(request, _("The file was not uploaded. Please see the message below."))
    attachments = entry.attachments.all()
    return render(request, "submissions/entry_attachments.html", {
        "entry": entry, "form": form, "attachments": attachments, "editable": editable,
        "max_file": settings.ENTRY_UPLOAD_MAX_BYTES, "max_total": settings.ENTRY_TOTAL_MAX_BYTES,
        "missing": [m for m in completeness.missing_items(entry) if m.section == "attachments"],
    }, status=400 if form.errors and status == 200 else status)


@login_required
@require_POST
def attachment_delete(request, pk, attachment_pk):
    entry = _own_entry(request, pk)
    attachment = get_object_or_404(entry.attachments, pk=attachment_pk)
    if not rules.can_edit(entry):
        messages.error(request, _("This entry can no longer be changed."))
        return redirect(entry)
    try:
        attachment_services.remove_attachment(attachment=attachment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The file “%(name)s” has been removed.") % {"name": attachment.original_name})
    return redirect("submissions:entry_attachments", pk=entry.pk)


def _file_response(request, attachment_pk, *, thumbnail: bool):
    attachment = get_object_or_404(queries.attachments_visible_to(request.user), pk=attachment_pk)
    field = attachment.thumbnail if thumbnail else attachment.file
    if not field:
        raise Http404
    if settings.X_ACCEL_REDIRECT and isinstance(field.storage, FileSystemStorage):
        # Permission checked here; nginx sends the bytes (`internal` location, see deploy/nginx).
        response = HttpResponse(content_type="image/jpeg" if thumbnail else attachment.content_type)
        response["X-Accel-Redirect"] = settings.X_ACCEL_REDIRECT + quote(field.name)
        if not thumbnail:
            response["Content-Disposition"] = content_disposition_header(True, attachment.original_name)
    else:
        try:
            handle = field.open("rb")
        except FileNotFoundError:
            raise Http404
        if thumbnail:  # our own re-encoded JPEG: safe to show inline
            response = FileResponse(handle, content_type="image/jpeg")
        else:
            response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                                    content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def attachment_download(request, attachment_pk):
    return _file_response(request, attachment_pk, thumbnail=False)


@login_required
def attachment_thumbnail(request, attachment_pk):
    return _file_response(request, attachment_pk, thumbnail=True)
