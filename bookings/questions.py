"""Custom questions on the booking form: fields made from an event type's questions, and the
answers kept on the booking as label/value pairs (so they read the same after the host edits
or removes a question)."""

from __future__ import annotations

from django import forms

from bookings.models import EventType, QuestionKind

PREFIX = "q_"


def add_question_fields(form: forms.Form, event_type: EventType) -> None:
    """Add a field per question (after the guest's own fields) and, for a phone call the host
    makes, the guest's number."""
    if event_type.asks_guest_phone:
        form.fields["phone"] = forms.CharField(
            max_length=40,
            label="Your phone number",
            help_text=f"{event_type.host.public_name} will call you on it.",
            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        )
    for question in event_type.questions.all():
        name = f"{PREFIX}{question.pk}"
        common = {"label": question.label, "required": question.required}
        if question.kind == QuestionKind.LONG:
            field = forms.CharField(
                max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), **common
            )
        elif question.kind == QuestionKind.CHOICE:
            field = forms.ChoiceField(
                choices=[(option, option) for option in question.options],
                widget=forms.RadioSelect,
                **common,
            )
        elif question.kind == QuestionKind.CHECKBOX:
            field = forms.BooleanField(**common)
        else:
            field = forms.CharField(max_length=300, **common)
        field.question = question
        form.fields[name] = field


def question_field_names(event_type: EventType) -> list[str]:
    # .all(), not values_list: a caller that prefetched the questions asks nothing again.
    return [f"{PREFIX}{question.pk}" for question in event_type.questions.all()]


def collect_answers(form: forms.Form) -> list[dict]:
    """The cleaned answers in question order; unanswered optional questions are left out."""
    answers = []
    for name, field in form.fields.items():
        question = getattr(field, "question", None)
        if question is None:
            continue
        value = form.cleaned_data.get(name)
        if question.kind == QuestionKind.CHECKBOX:
            value = "Yes" if value else "No"
        elif not value:
            continue
        answers.append({"label": question.label, "kind": question.kind, "value": str(value)})
    return answers
