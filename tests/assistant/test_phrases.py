"""Each labelled phrase (tests/assistant/phrases.toml) gives exactly its labelled intent,
and `manage.py assistant_eval` reports the accuracy per field."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from assistant.evaluation import DEFAULT_SET, FIELDS, load_set, run_case

LABELLED = load_set(DEFAULT_SET)


def test_the_set_is_large_and_covers_the_fixed_nows():
    english = [case for case in LABELLED.cases if case.message.isascii()]
    assert len(english) >= 150
    assert len(LABELLED.cases) - len(english) >= 6
    assert {case.now_name for case in LABELLED.cases} >= {"sunday", "month_end", "dst_week"}


@pytest.mark.parametrize("case", LABELLED.cases, ids=lambda case: f"{case.now_name}:{case.message}")
def test_phrase(case):
    result = run_case(LABELLED, case)
    assert {field: result.actual[field] for field in FIELDS} == case.expected


def test_assistant_eval_prints_accuracy_per_field():
    out = StringIO()
    call_command("assistant_eval", stdout=out)
    text = out.getvalue()
    for field in FIELDS:
        assert f"{field}" in text
    assert "100.0%" in text
    assert f"{len(LABELLED.cases)} of {len(LABELLED.cases)} phrases entirely right." in text


def test_assistant_eval_names_a_wrong_label(tmp_path):
    wrong = DEFAULT_SET.read_text().replace(
        '["sunday", "today", {start = "2026-03-01"', '["sunday", "today", {start = "2026-03-09"'
    )
    path = tmp_path / "wrong.toml"
    path.write_text(wrong)
    out = StringIO()
    call_command("assistant_eval", "--set", str(path), "--show-wrong", stdout=out)
    assert "'today': start: '2026-03-01' (expected '2026-03-09')" in out.getvalue()
    assert f"{len(LABELLED.cases) - 1} of {len(LABELLED.cases)}" in out.getvalue()
