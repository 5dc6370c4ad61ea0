"""Compose's .env and interpolation rules, as far as this project's files use them.

The rehearsal builds each service's environment with these where no `docker compose` is
installed; test_compose_interpolation checks them against `docker compose config` where it is.
"""

from __future__ import annotations

import re
from pathlib import Path


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; comments and blank lines skipped, matching quotes removed."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def interpolate(text: str, variables: dict[str, str]) -> str:
    """Compose's interpolation: $$, $VAR, ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?e}, ${VAR?e}.

    Defaults and messages may themselves hold ${...} (compose v2 resolves them).
    """
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char != "$":
            out.append(char)
            i += 1
            continue
        if text.startswith("$$", i):
            out.append("$")
            i += 2
            continue
        if text.startswith("${", i):
            depth, j = 1, i + 2
            while depth:
                if text.startswith("${", j):
                    depth, j = depth + 1, j + 2
                    continue
                depth -= text[j] == "}"
                j += 1
            out.append(_expression(text[i + 2 : j - 1], variables))
            i = j
            continue
        match = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)", text[i:])
        assert match, f"bad interpolation at {text[i:]!r}"
        out.append(variables.get(match.group(1), ""))
        i += match.end()
    return "".join(out)


def _expression(body: str, variables: dict[str, str]) -> str:
    match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])(.*))?", body, flags=re.DOTALL)
    assert match, f"bad interpolation ${{{body}}}"
    name, operator, rest = match.groups()
    value = variables.get(name)
    missing = value is None or (operator is not None and operator.startswith(":") and not value)
    if operator and operator.endswith("-") and missing:
        return interpolate(rest, variables)
    if operator and operator.endswith("?") and missing:
        raise ValueError(f"required variable {name} is missing a value: {rest}")
    return value or ""
