"""Forms for hosts' money actions."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms

from payments import money


class RefundForm(forms.Form):
    amount = forms.CharField(max_length=20, label="Amount to refund")
    reason = forms.CharField(max_length=300, required=False, label="Reason")

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean_amount(self) -> int:
        raw = self.cleaned_data["amount"].strip().replace(",", "")
        try:
            value = Decimal(raw)
            if not value.is_finite() or value <= 0 or value > Decimal(10) ** 9:
                raise ValueError
            return money.to_minor(value, self.currency)
        except (InvalidOperation, ValueError):
            raise forms.ValidationError(
                f"Enter an amount in {self.currency} such as "
                f"{money.format_money(2500, self.currency)}."
            ) from None
