"""Scoring the parser against a labelled set of phrases (tests/assistant/phrases.toml).

Each case is [now, message, expected]; see the set's header for the defaults of fields left out.
Pure: the host and its event types come from the set, not the database.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

from assistant.grammar import Offer, understand

FIELDS = (
    "event_type",
    "duration_minutes",
    "start",
    "end",
    "earliest",
    "latest",
    "timezone",
    "days",
)
DEFAULT_SET = Path(__file__).resolve().parents[1] / "tests" / "assistant" / "phrases.toml"


@dataclass(frozen=True)
class Case:
    now_name: str
    now: dt.datetime
    message: str
    expected: dict


@dataclass(frozen=True)
class LabelledSet:
    host_zone: str
    offers: list[Offer]
    host_names: set[str]
    cases: list[Case]


@dataclass(frozen=True)
class Result:
    case: Case
    actual: dict
    wrong: tuple[str, ...]


def load_set(path: Path = DEFAULT_SET) -> LabelledSet:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    offers = [Offer(slug, title, minutes) for slug, title, minutes in data["host"]["offers"]]
    nows = {name: dt.datetime.fromisoformat(value) for name, value in data["nows"].items()}
    lengths = {offer.slug: offer.duration_minutes for offer in offers}
    zone = data["host"]["timezone"]
    cases = []
    for now_name, message, given in data["labelled"]["cases"]:
        expected = {field: None for field in FIELDS} | {"timezone": zone} | given
        if expected["event_type"] and "duration_minutes" not in given:
            expected["duration_minutes"] = lengths[expected["event_type"]]
        if "days" not in given:
            start, end = dt.date.fromisoformat(given["start"]), dt.date.fromisoformat(given["end"])
            expected["days"] = [
                (start + dt.timedelta(days=offset)).isoformat()
                for offset in range((end - start).days + 1)
            ]
        cases.append(Case(now_name, nows[now_name], message, expected))
    return LabelledSet(zone, offers, set(data["host"].get("names", [])), cases)


def run_case(labelled: LabelledSet, case: Case) -> Result:
    reading = understand(
        case.message,
        now=case.now,
        default_zone=labelled.host_zone,
        host_zone=labelled.host_zone,
        offers=labelled.offers,
        host_names=labelled.host_names,
    )
    actual = reading.intent.public() | {"days": [day.isoformat() for day in reading.intent.dates()]}
    wrong = tuple(field for field in FIELDS if actual[field] != case.expected[field])
    return Result(case, actual, wrong)


def evaluate(labelled: LabelledSet) -> list[Result]:
    return [run_case(labelled, case) for case in labelled.cases]


def accuracy_by_field(results: list[Result]) -> dict[str, float]:
    total = len(results) or 1
    return {
        field: sum(1 for result in results if field not in result.wrong) / total for field in FIELDS
    }
