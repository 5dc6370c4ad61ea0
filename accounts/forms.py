"""Forms for hosts: admin creation, sign-up, onboarding and profile settings."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import BaseUserCreationForm, PasswordResetForm, UserChangeForm

from accounts.models import User, handle_is
from availability.zone_picker import ZonePickerField
from security.captcha import CaptchaFormMixin


class HostCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class HostChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict = {}


class SignUpForm(CaptchaFormMixin, forms.Form):
    """Only the email: whether it has an account is never said here (no enumeration)."""

    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the request only queues the address in the outbox; the worker
    finds the account and sends (an SMTP outage no longer loses the email, and an existing
    address no longer answers slower than an unknown one)."""

    def save(self, *args, **kwargs):
        from accounts.services import request_password_reset

        request_password_reset(self.cleaned_data["email"])


class HostPasswordResetForm(CaptchaFormMixin, OutboxPasswordResetForm):
    """The outbox reset form, with hCaptcha when it is configured."""


class ProfileForm(forms.ModelForm):
    """What guests see of a host: name, public handle, timezone."""

    timezone = ZonePickerField(label="Your timezone")

    class Meta:
        model = User
        fields = ["display_name", "handle", "timezone"]
        labels = {"display_name": "Your name, as guests see it", "handle": "Booking link name"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = True
        self.fields["handle"].required = True

    def clean_handle(self):
        handle = self.cleaned_data["handle"]
        taken = User.objects.filter(handle_is(handle)).exclude(pk=self.instance.pk).exists()
        if taken:
            raise forms.ValidationError("That booking link name is taken; try another.")
        return handle


class SettingsForm(ProfileForm):
    picture = forms.ImageField(
        required=False,
        label="Your picture",
        help_text="Shown to guests beside your name. JPEG, PNG or WebP, under 5 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    class Meta(ProfileForm.Meta):
        fields = ["display_name", "handle", "timezone", "bio", "picture", "wants_reminders"]
