"""A local stand-in for the Stripe API, speaking its wire format to the real `stripe` package.

It takes form-encoded bodies with bracketed keys (`line_items[0][price_data][unit_amount]=5000`),
checks the bearer key, honours `Stripe-Account` (objects live per connected account) and
`Idempotency-Key` (a repeated key answers the first response again and changes nothing), and
answers JSON objects and errors shaped like Stripe's. Covered: accounts, account links, checkout
sessions (create, retrieve, expire), payment intents (retrieve, capture incl. partial, cancel),
refunds and events.

It also plays Stripe's hosted pages: `/checkout/<session>` is a tiny payment page whose Pay
button completes the session and redirects to the success URL, and `/onboarding/<account>`
finishes an account's onboarding. Events are recorded (and, when endpoints are configured,
delivered signed with Stripe's real scheme: `Stripe-Signature: t=..., v1=HMAC-SHA256`).
"""

from __future__ import annotations

import html
import itertools
import json
import re
import secrets
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import stripe

API_VERSION = "2025-06-30.basil"


def decode_form(body: str) -> dict:
    """`a[b][0][c]=1` → {"a": {"b": [{"c": "1"}]}} the way Stripe reads form bodies."""
    root: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+|\[\]", key)
        node = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part == "[]":
                part = str(len(node))
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(root)


def _lists(node):
    if isinstance(node, dict):
        if node and all(key.isdigit() for key in node):
            return [_lists(node[key]) for key in sorted(node, key=int)]
        return {key: _lists(value) for key, value in node.items()}
    return node


class StripeError(Exception):
    def __init__(self, status: int, message: str, type_: str = "invalid_request_error", **extra):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type_, "message": message, **extra}}


class FakeStripe:
    def __init__(self, api_key: str = "sk_test_fake"):
        self.api_key = api_key
        self.lock = threading.RLock()
        self.accounts: dict[str, dict] = {}
        self.sessions: dict[str, dict] = {}
        self.intents: dict[str, dict] = {}
        self.charges: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.events: list[dict] = []
        self.requests: list[tuple[str, str, dict, dict]] = []  # method, path, headers, params
        self.down = False
        self.webhook_endpoints: dict[str, tuple[str, str]] = {}  # "platform"/"connect": url, secret
        self._idempotent: dict[tuple[str, str, str], tuple[int, dict]] = {}
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address
        return f"http://{host}:{port}"

    def start(self) -> FakeStripe:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):06d}{secrets.token_hex(4)}"

    # --- what tests and the hosted pages do ---------------------------------------------------

    def complete_onboarding(self, account_id: str) -> dict:
        with self.lock:
            account = self.accounts[account_id]
            account.update(charges_enabled=True, details_submitted=True, payouts_enabled=True)
            return self._emit("account.updated", account, account=account_id)

    def pay(self, session_id: str, *, asynchronous: bool = False) -> list[dict]:
        """The guest pays on the hosted page: the session completes and the intent moves on.

        Returns the events this caused, in the order Stripe would send them."""
        with self.lock:
            session = self.sessions[session_id]
            if session["status"] != "open":
                raise StripeError(400, "This Checkout Session is no longer open.")
            account = session["_account"]
            intent = self.intents[session["payment_intent"]]
            charge = self._charge_for(intent)
            intent["latest_charge"] = charge["id"]
            intent["payment_method"] = "pm_card_visa"
            session["status"] = "complete"
            emitted = []
            if asynchronous:
                intent["status"] = "processing"
                session["payment_status"] = "unpaid"
                emitted.append(self._emit("checkout.session.completed", session, account))
                return emitted
            if intent["capture_method"] == "manual":
                intent["status"] = "requires_capture"
                intent["amount_capturable"] = intent["amount"]
                charge["captured"] = False
                session["payment_status"] = "unpaid"
                emitted.append(
                    self._emit("payment_intent.amount_capturable_updated", intent, account)
                )
            else:
                intent["status"] = "succeeded"
                intent["amount_received"] = intent["amount"]
                charge.update(captured=True, amount_captured=intent["amount"], paid=True)
                session["payment_status"] = "paid"
                emitted.append(self._emit("payment_intent.succeeded", intent, account))
            emitted.append(self._emit("checkout.session.completed", session, account))
            return emitted

    def settle_async(self, session_id: str, *, succeeded: bool = True) -> list[dict]:
        with self.lock:
            session = self.sessions[session_id]
            account = session["_account"]
            intent = self.intents[session["payment_intent"]]
            if succeeded:
                intent.update(status="succeeded", amount_received=intent["amount"])
                charge = self.charges[intent["latest_charge"]]
                charge.update(captured=True, amount_captured=intent["amount"], paid=True)
                session["payment_status"] = "paid"
                return [
                    self._emit("payment_intent.succeeded", intent, account),
                    self._emit("checkout.session.async_payment_succeeded", session, account),
                ]
            intent["status"] = "requires_payment_method"
            return [
                self._emit("payment_intent.payment_failed", intent, account),
                self._emit("checkout.session.async_payment_failed", session, account),
            ]

    def expire(self, session_id: str) -> dict:
        """Stripe expires an unpaid session on its own (expires_at passed)."""
        with self.lock:
            session = self.sessions[session_id]
            session["status"] = "expired"
            return self._emit("checkout.session.expired", session, session["_account"])

    def dispute(self, intent_id: str) -> dict:
        with self.lock:
            intent = self.intents[intent_id]
            dispute = {
                "id": self._id("du"),
                "object": "dispute",
                "amount": intent["amount_received"],
                "currency": intent["currency"],
                "charge": intent["latest_charge"],
                "payment_intent": intent_id,
                "reason": "fraudulent",
                "status": "needs_response",
            }
            return self._emit("charge.dispute.created", dispute, intent["_account"])

    def signed(self, event: dict, secret: str, timestamp: int | None = None) -> tuple[bytes, str]:
        body = json.dumps(event, separators=(",", ":"))
        header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp)
        return body.encode(), header

    def deliver(self, event: dict) -> int:
        """POST an event to its configured endpoint, signed, like Stripe does."""
        endpoint = "connect" if event.get("account") else "platform"
        url, secret = self.webhook_endpoints[endpoint]
        body, header = self.signed(event, secret)
        request = urllib.request.Request(
            url,
            data=body,
            headers={"Content-Type": "application/json", "Stripe-Signature": header},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status

    def intent_of(self, session_id: str) -> dict:
        return self.intents[self.sessions[session_id]["payment_intent"]]

    def calls(self, method: str, path_prefix: str) -> list[tuple[str, str, dict, dict]]:
        return [r for r in self.requests if r[0] == method and r[1].startswith(path_prefix)]

    # --- objects ------------------------------------------------------------------------------

    def _public(self, obj: dict) -> dict:
        return {key: value for key, value in obj.items() if not key.startswith("_")}

    def _emit(self, type_: str, obj: dict, account: str | None = None) -> dict:
        event = {
            "id": self._id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "type": type_,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": json.loads(json.dumps(self._public(obj)))},
        }
        if account:
            event["account"] = account
        self.events.append(event)
        if self.webhook_endpoints:
            threading.Thread(target=self._deliver_quietly, args=(event,), daemon=True).start()
        return event

    def _deliver_quietly(self, event: dict) -> None:
        try:
            self.deliver(event)
        except Exception:  # a real Stripe would retry later; tests reconcile instead
            pass

    def _charge_for(self, intent: dict) -> dict:
        charge = {
            "id": self._id("ch"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": 0,
            "amount_refunded": 0,
            "captured": False,
            "paid": False,
            "refunded": False,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "_account": intent["_account"],
        }
        self.charges[charge["id"]] = charge
        return charge

    def _intent_view(self, intent: dict, expand: list[str]) -> dict:
        view = self._public(intent)
        if "latest_charge" in expand and intent.get("latest_charge"):
            view["latest_charge"] = self._public(self.charges[intent["latest_charge"]])
        return view

    def _get(self, store: dict, object_id: str, account: str | None, kind: str) -> dict:
        obj = store.get(object_id)
        if obj is None or obj.get("_account") != account:
            raise StripeError(404, f"No such {kind}: '{object_id}'", code="resource_missing")
        return obj

    # --- routes -------------------------------------------------------------------------------

    def route(self, method: str, path: str, params: dict, account: str | None) -> dict:
        parts = [part for part in path.split("/") if part]
        if parts[:1] != ["v1"]:
            raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")
        parts = parts[1:]
        with self.lock:
            if method == "POST" and parts == ["accounts"]:
                account_id = self._id("acct")
                self.accounts[account_id] = {
                    "id": account_id,
                    "object": "account",
                    "type": params.get("type", "standard"),
                    "email": params.get("email"),
                    "charges_enabled": False,
                    "details_submitted": False,
                    "payouts_enabled": False,
                }
                return self.accounts[account_id]
            if method == "GET" and parts[:1] == ["accounts"] and len(parts) == 2:
                if parts[1] not in self.accounts:
                    raise StripeError(404, f"No such account: '{parts[1]}'")
                return self.accounts[parts[1]]
            if method == "POST" and parts == ["account_links"]:
                account_id = params.get("account", "")
                if account_id not in self.accounts:
                    raise StripeError(400, f"No such account: '{account_id}'", param="account")
                for name in ("refresh_url", "return_url"):
                    if not params.get(name):
                        raise StripeError(400, f"Missing required param: {name}.", param=name)
                self.accounts[account_id]["_return_url"] = params["return_url"]
                return {
                    "object": "account_link",
                    "created": int(time.time()),
                    "expires_at": int(time.time()) + 300,
                    "url": f"{self.url}/onboarding/{account_id}",
                }
            if parts[:2] == ["checkout", "sessions"]:
                return self._sessions(method, parts[2:], params, account)
            if parts[:1] == ["payment_intents"] and len(parts) >= 2:
                return self._intents(method, parts[1:], params, account)
            if method == "POST" and parts == ["refunds"]:
                return self._refund(params, account)
            if method == "GET" and parts == ["events"]:
                data = [e for e in self.events if e.get("account") == account]
                return {
                    "object": "list",
                    "data": data[::-1],
                    "has_more": False,
                    "url": "/v1/events",
                }
            if method == "GET" and parts[:1] == ["events"] and len(parts) == 2:
                for event in self.events:
                    if event["id"] == parts[1]:
                        return event
                raise StripeError(404, f"No such event: '{parts[1]}'")
        raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")

    def _sessions(self, method, rest, params, account):
        if account is None:
            raise StripeError(400, "Direct charges need the Stripe-Account header in this fake.")
        if method == "POST" and not rest:
            try:
                line = params["line_items"][0]
                amount = int(line["price_data"]["unit_amount"])
                currency = line["price_data"]["currency"]
            except (KeyError, IndexError, ValueError, TypeError):
                raise StripeError(400, "Invalid line_items.", param="line_items") from None
            expires_at = int(params.get("expires_at") or time.time() + 24 * 3600)
            if expires_at < time.time() + 30 * 60 - 5:
                raise StripeError(
                    400,
                    "The `expires_at` timestamp must be at least 30 minutes from now.",
                    param="expires_at",
                )
            for name in ("success_url", "mode"):
                if not params.get(name):
                    raise StripeError(400, f"Missing required param: {name}.", param=name)
            intent_data = params.get("payment_intent_data", {})
            intent = {
                "id": self._id("pi"),
                "object": "payment_intent",
                "amount": amount,
                "amount_capturable": 0,
                "amount_received": 0,
                "currency": currency,
                "capture_method": intent_data.get("capture_method", "automatic_async"),
                "status": "requires_payment_method",
                "latest_charge": None,
                "metadata": intent_data.get("metadata", {}),
                "_account": account,
            }
            self.intents[intent["id"]] = intent
            session_id = self._id("cs_test")
            session = {
                "id": session_id,
                "object": "checkout.session",
                "mode": params["mode"],
                "amount_total": amount,
                "currency": currency,
                "client_reference_id": params.get("client_reference_id"),
                "customer_email": params.get("customer_email"),
                "metadata": params.get("metadata", {}),
                "payment_intent": intent["id"],
                "payment_status": "unpaid",
                "status": "open",
                "expires_at": expires_at,
                "success_url": params["success_url"],
                "cancel_url": params.get("cancel_url"),
                "url": f"{self.url}/checkout/{session_id}",
                "_account": account,
            }
            self.sessions[session_id] = session
            return session
        session = self._get(self.sessions, rest[0], account, "checkout.session")
        if method == "GET" and len(rest) == 1:
            return session
        if method == "POST" and rest[1:] == ["expire"]:
            if session["status"] != "open":
                raise StripeError(
                    400,
                    f'Only Checkout Sessions with a status in ["open"] can be expired. '
                    f'This Checkout Session has a status of "{session["status"]}".',
                )
            session["status"] = "expired"
            self._emit("checkout.session.expired", session, account)
            return session
        raise StripeError(404, "Unrecognized request URL.")

    def _intents(self, method, rest, params, account):
        intent = self._get(self.intents, rest[0], account, "payment_intent")
        expand = params.get("expand", [])
        if method == "GET" and len(rest) == 1:
            return self._intent_view(intent, expand)
        if method == "POST" and rest[1:] == ["capture"]:
            if intent["status"] != "requires_capture":
                raise StripeError(
                    400,
                    "This PaymentIntent could not be captured because it has a status of "
                    f"{intent['status']}.",
                    code="payment_intent_unexpected_state",
                )
            amount = int(params.get("amount_to_capture") or intent["amount_capturable"])
            if amount > intent["amount_capturable"] or amount <= 0:
                raise StripeError(400, "amount_to_capture is invalid.", param="amount_to_capture")
            intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
            charge = self.charges[intent["latest_charge"]]
            charge.update(captured=True, amount_captured=amount, paid=True)
            # Stripe releases the uncaptured rest; Stripe reports it as refunded on the charge.
            charge["amount_refunded"] = intent["amount"] - amount
            self._emit("payment_intent.succeeded", intent, account)
            return self._intent_view(intent, expand)
        if method == "POST" and rest[1:] == ["cancel"]:
            if intent["status"] in ("succeeded", "canceled"):
                raise StripeError(
                    400,
                    "You cannot cancel this PaymentIntent because it has a status of "
                    f"{intent['status']}.",
                    code="payment_intent_unexpected_state",
                )
            intent.update(status="canceled", amount_capturable=0)
            self._emit("payment_intent.canceled", intent, account)
            return self._intent_view(intent, expand)
        raise StripeError(404, "Unrecognized request URL.")

    def _refund(self, params, account):
        intent = self._get(
            self.intents, params.get("payment_intent", ""), account, "payment_intent"
        )
        if intent["status"] != "succeeded":
            raise StripeError(400, "This PaymentIntent has not succeeded.")
        charge = self.charges[intent["latest_charge"]]
        left = charge["amount_captured"] - (
            charge["amount_refunded"] - (intent["amount"] - charge["amount_captured"])
        )
        amount = int(params.get("amount") or left)
        if amount <= 0 or amount > left:
            raise StripeError(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                code="amount_too_large",
            )
        charge["amount_refunded"] += amount
        charge["refunded"] = amount == left
        refund = {
            "id": self._id("re"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "charge": charge["id"],
            "payment_intent": intent["id"],
            "status": "succeeded",
            "_account": account,
        }
        self.refunds[refund["id"]] = refund
        self._emit("charge.refunded", charge, account)
        return refund

    # --- HTTP ---------------------------------------------------------------------------------

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Request-Id", f"req_{secrets.token_hex(6)}")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _page(self, status: int, text: str, location: str | None = None) -> None:
                body = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _api(self, method: str) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                params = decode_form(raw if method == "POST" else split.query)
                headers = {key.lower(): value for key, value in self.headers.items()}
                fake.requests.append((method, split.path, headers, params))
                if fake.down:
                    self._reply(503, {"error": {"type": "api_error", "message": "Down."}})
                    return
                if headers.get("authorization") != f"Bearer {fake.api_key}":
                    self._reply(
                        401,
                        {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}},
                    )
                    return
                account = headers.get("stripe-account")
                key = headers.get("idempotency-key")
                if method == "POST" and key:
                    with fake.lock:
                        stored = fake._idempotent.get((account or "", split.path, key))
                    if stored:
                        self._reply(*stored)
                        return
                try:
                    result = (200, fake._public(fake.route(method, split.path, params, account)))
                except StripeError as error:
                    result = (error.status, error.body)
                if method == "POST" and key:
                    with fake.lock:
                        fake._idempotent[(account or "", split.path, key)] = result
                self._reply(*result)

            def do_GET(self):
                path = urlsplit(self.path).path
                if path.startswith("/checkout/"):
                    session = fake.sessions.get(path.rsplit("/", 1)[-1])
                    if session is None:
                        self._page(404, "<h1>Unknown session</h1>")
                        return
                    amount = session["amount_total"]
                    self._page(
                        200,
                        "<!doctype html><title>Fake Stripe Checkout</title>"
                        f"<h1>Pay {amount} {html.escape(session['currency'].upper())}</h1>"
                        f"<p id='status'>{html.escape(session['status'])}</p>"
                        f"<form method='post'><button id='pay' type='submit'>Pay</button></form>"
                        f"<a id='back' href='{html.escape(session['cancel_url'] or '')}'>Back</a>",
                    )
                    return
                if path.startswith("/onboarding/"):
                    account_id = path.rsplit("/", 1)[-1]
                    fake.complete_onboarding(account_id)
                    self._page(302, "", location=fake.accounts[account_id]["_return_url"])
                    return
                self._api("GET")

            def do_POST(self):
                path = urlsplit(self.path).path
                if path.startswith("/checkout/"):
                    session_id = path.rsplit("/", 1)[-1]
                    try:
                        fake.pay(session_id)
                    except (KeyError, StripeError):
                        self._page(400, "<h1>This session can no longer be paid.</h1>")
                        return
                    session = fake.sessions[session_id]
                    target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
                    self._page(303, "", location=target)
                    return
                self._api("POST")

        return Handler
