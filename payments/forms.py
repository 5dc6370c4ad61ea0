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


OPTIONAL_PAYMENT_FIELDS = (
    "payment_mode",
    "price_currency",
    "refund_full_hours",
    "refund_partial_percent",
)


class PriceFieldsMixin(forms.Form):
    """The event type form's price, typed in major units ("50.00") and stored in minor units."""

    price = forms.CharField(
        max_length=20,
        required=False,
        label="Price",
        help_text="For a deposit or full price, e.g. 50.00 (in the currency below).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.price_amount:
            self.initial["price"] = str(
                money.to_major(instance.price_amount, instance.price_currency)
            )
        if "price_currency" in self.fields:
            self.fields["price_currency"].label = "Currency (ISO 4217, e.g. USD, EUR, JPY)"
        # Left out of a form post, each keeps its current value (the model default when new).
        for name in OPTIONAL_PAYMENT_FIELDS:
            if name in self.fields:
                self.fields[name].required = False

    def _kept(self, name: str):
        value = self.cleaned_data.get(name)
        if value is None or value == "":
            return getattr(self.instance, name)
        return value

    def clean_payment_mode(self):
        return self._kept("payment_mode")

    def clean_refund_full_hours(self):
        return self._kept("refund_full_hours")

    def clean_refund_partial_percent(self):
        return self._kept("refund_partial_percent")

    def clean_price_currency(self) -> str:
        code = (self._kept("price_currency") or "").strip().upper()
        if not money.is_currency(code):
            raise forms.ValidationError("Use a three-letter currency code such as USD or EUR.")
        return code

    def clean(self):
        cleaned = super().clean()
        mode = cleaned.get("payment_mode")
        currency = cleaned.get("price_currency")
        raw = (cleaned.get("price") or "").strip().replace(",", "")
        if mode in (None, "none"):
            if hasattr(self, "instance"):
                self.instance.price_amount = 0
            return cleaned
        if not currency:
            return cleaned
        try:
            value = Decimal(raw)
            if not value.is_finite() or value <= 0 or value > Decimal(999_999):
                raise ValueError
            amount = money.to_minor(value, currency)
        except (InvalidOperation, ValueError):
            digits = money.decimals_of(currency)
            self.add_error(
                "price",
                f"Enter a price above zero with at most {digits} decimals for {currency}.",
            )
            return cleaned
        if hasattr(self, "instance"):
            self.instance.price_amount = amount
        return cleaned
