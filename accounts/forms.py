"""Forms for creating and editing hosts in the admin."""

from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm

from accounts.models import User


class HostCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class HostChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict = {}
