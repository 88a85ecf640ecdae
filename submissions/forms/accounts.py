"""Sign-up, login, profile and password reset."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..models import User
from ..text import normalise_machine_text
from .fields import NormalisedEmailField, PlainTextMixin


class EmailFieldMixin:
    def clean_email(self):
        email = normalise_machine_text(self.cleaned_data.get("email")).lower()
        forms.EmailField().clean(email)
        return email


class SignupForm(EmailFieldMixin, PlainTextMixin, forms.ModelForm):
    password1 = forms.CharField(label=_("Password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=password_validation.password_validators_help_text_html())
    password2 = forms.CharField(label=_("Password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    class Meta:
        model = User
        fields = ["email", "full_name", "organisation", "language"]
        field_classes = {"email": NormalisedEmailField}
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "email"}),
                   "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
                   "organisation": forms.TextInput(attrs={"autocomplete": "organization"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = translation.get_language()

    def clean_email(self):
        email = super().clean_email()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("An account with this e-mail address already exists. Log in or reset your password."),
                                  code="duplicate")
        return email

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords do not match."))
        elif data.get("password1"):
            user = User(email=data.get("email") or "", full_name=data.get("full_name") or "")
            try:
                password_validation.validate_password(data["password1"], user)
            except ValidationError as error:
                self.add_error("password1", error)
        return data

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        if commit:
            user.save()
        return user


class LoginForm(auth_forms.AuthenticationForm):
    def clean_username(self):
        return normalise_machine_text(self.cleaned_data.get("username")).lower()


class ProfileForm(PlainTextMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "organisation", "language"]


class PasswordResetForm(auth_forms.PasswordResetForm):
    def get_users(self, email):
        email = normalise_machine_text(email).lower()
        return (u for u in User.objects.filter(email__iexact=email, is_active=True) if u.has_usable_password())

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        # The reset e-mail goes out in the account's language, not the language of the page.
        with translation.override(context["user"].language):
            super().send_mail(subject_template_name, email_template_name, context, from_email, to_email,
                              html_email_template_name)
