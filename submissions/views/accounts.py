"""Sign-up with e-mail confirmation, and our translated wrappers of Django's auth views."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import security
from ..forms.accounts import LoginForm, PasswordResetForm, ProfileForm, SignupForm
from ..models import User
from ..services import accounts as account_services
from ..services.accounts import SALT, make_confirmation_token  # noqa: F401 (kept importable from here)


def signup(request):
    if request.user.is_authenticated:
        return redirect("submissions:entry_list")
    if request.method == "POST" and not security.allow(request, "signup"):
        return render(request, "rate_limited.html", status=429)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = account_services.sign_up(form=form)
        login(request, user, backend="submissions.backends.PortalBackend")
        messages.success(request, _("Welcome! We have sent a confirmation link to %(email)s. Please open it "
                                    "before you submit an entry.") % {"email": user.email})
        return redirect("submissions:entry_list")
    return render(request, "registration/signup.html", {"form": form})


def confirm_email(request, token):
    try:
        user = account_services.user_from_confirmation_token(token)
    except signing.SignatureExpired:
        messages.error(request, _("This confirmation link has expired. Log in and ask for a new one."))
        return redirect("submissions:login")
    except (signing.BadSignature, ValueError, User.DoesNotExist):
        messages.error(request, _("This confirmation link is not valid."))
        return redirect("submissions:home")
    account_services.confirm_email(user)
    messages.success(request, _("Thank you, your e-mail address is confirmed."))
    return redirect("submissions:entry_list" if request.user.is_authenticated else "submissions:login")


@login_required
@require_POST
def resend_confirmation(request):
    if not security.allow(request, "confirmation"):
        return render(request, "rate_limited.html", status=429)
    if not request.user.email_confirmed:
        account_services.send_confirmation(request.user)
        messages.success(request, _("We have sent a new confirmation link to %(email)s.") % {"email": request.user.email})
    return redirect("submissions:entry_list")


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        account_services.save_profile(form=form)
        messages.success(request, _("Your profile has been saved."))
        with translation.override(form.instance.language):  # show the profile in the chosen language
            response = redirect(reverse("submissions:profile"))
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.instance.language, max_age=settings.LANGUAGE_COOKIE_AGE,
                            samesite=settings.LANGUAGE_COOKIE_SAMESITE, secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False))
        return response
    return render(request, "registration/profile.html", {"form": form})


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    email_template_name = "emails/password_reset.txt"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("submissions:password_reset_done")

    def post(self, request, *args, **kwargs):
        if not security.allow(request, "password_reset"):
            return render(request, "rate_limited.html", status=429)
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("submissions:password_reset_complete")


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("submissions:password_change_done")
