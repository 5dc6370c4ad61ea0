"""The OAuth 2.0 side that the Google and Microsoft fakes share.

Authorization codes bound to a redirect URI and a PKCE (S256) challenge, spent once; bearer
access tokens and refresh tokens; the test controls that expire or revoke them; the Allow and
Cancel links of a consent page. Each provider's fake keeps its own spelling: token prefixes,
error descriptions, the extra parameters its callback carries and its token answers.
"""

from __future__ import annotations

import base64
import secrets
import urllib.parse

from tests.fakes.https import FakeHTTPS, Reply, pkce_matches


class FakeOAuthProvider(FakeHTTPS):
    client_id = ""
    client_secret = ""
    code_prefix = ""

    def __init__(self):
        super().__init__()
        self.codes: dict[str, dict] = {}
        self.access_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()

    # --- test controls ------------------------------------------------------------------------

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.access_tokens.clear()

    def revoke_all(self) -> None:
        with self.lock:
            self.refresh_tokens.clear()
            self.access_tokens.clear()

    def approve(self, auth_url: str) -> str:
        """What the Allow button does: the callback URL with a fresh code."""
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(auth_url).query))
        return self._issue_code(query)

    # --- consent ------------------------------------------------------------------------------

    def callback_extras(self, query: dict) -> dict:
        """Parameters the provider adds to its callback after code and state."""
        return {}

    def _callback(self, query: dict, params: dict) -> str:
        return f"{query.get('redirect_uri')}?{urllib.parse.urlencode(params)}"

    def _issue_code(self, query: dict) -> str:
        code = self.code_prefix + secrets.token_urlsafe(16)
        with self.lock:
            self.codes[code] = {
                "client_id": query.get("client_id"),
                "redirect_uri": query.get("redirect_uri"),
                "challenge": query.get("code_challenge"),
                "method": query.get("code_challenge_method"),
                "nonce": query.get("nonce"),
                "scope": query.get("scope", ""),
            }
        params = {"code": code, "state": query.get("state", "")} | self.callback_extras(query)
        return self._callback(query, params)

    def _denied(self, query: dict, **extra) -> str:
        """What the Cancel button does: the callback with error=access_denied."""
        params = {"error": "access_denied", **extra, "state": query.get("state", "")}
        return self._callback(query, params)

    # --- token endpoint -----------------------------------------------------------------------

    def _client_ok(self, headers, fields: dict) -> bool:
        """client_secret_post or client_secret_basic (RFC 6749 2.3.1: form-encoded parts)."""
        client_id, secret = fields.get("client_id"), fields.get("client_secret")
        auth = headers.get("Authorization", "")
        if auth.startswith("Basic "):
            raw = base64.b64decode(auth[6:]).decode()
            client_id, _, secret = raw.partition(":")
            client_id, secret = urllib.parse.unquote(client_id), urllib.parse.unquote(secret)
        return client_id == self.client_id and secret == self.client_secret

    def _redeem(self, fields: dict, *, unknown: str, mismatch: str) -> dict:
        """The grant behind an authorization code, spent; invalid_grant (with the provider's
        descriptions) for an unknown code, another redirect URI or a wrong PKCE verifier.
        Call with the lock held."""
        grant = self.codes.pop(fields.get("code", ""), None)
        if grant is None or grant["redirect_uri"] != fields.get("redirect_uri"):
            raise Reply(400, {"error": "invalid_grant", "error_description": unknown})
        if not pkce_matches(fields.get("code_verifier", ""), grant["challenge"] or ""):
            raise Reply(400, {"error": "invalid_grant", "error_description": mismatch})
        return grant
