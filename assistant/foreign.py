"""Spanish, German and French requests turned into the English the grammar reads.

The day, month and relative-day words ("martes", "übermorgen", "la semaine prochaine") come from
dateparser's locale data; the few phrases it does not cover (parts of the day, "next" placed
after the weekday, "at 10", "except") are this module's own. English text passes unchanged.
"""

from __future__ import annotations

import re
from functools import cache

from assistant.zones import strip_accents

LANGUAGES = ("es", "de", "fr")

RELATIVE = {
    "0 day ago": "today",
    "in 1 day": "tomorrow",
    "in 2 day": "the day after tomorrow",
    "0 week ago": "this week",
    "in 1 week": "next week",
    "0 month ago": "this month",
    "in 1 month": "next month",
}
NAMED = (
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday"
).split()

# Applied before the library's words (so "por la mañana" is a morning, not "tomorrow").
PHRASES = {
    "es": [
        (r"\bpor la manana\b", "in the morning"),
        (r"\bpor la tarde\b", "in the afternoon"),
        (r"\bpor la noche\b", "in the evening"),
        (r"\bmedia hora\b", "half an hour"),
        (r"\buna hora\b", "an hour"),
        (r"\bla semana que viene\b|\bla (?:proxima|siguiente) semana\b", "next week"),
        (r"\b(?:el\s+)?(\w+) (?:que viene|proximo|proxima)\b", r"next \1"),
        (r"\b(?:el\s+)?(?:proximo|proxima)\b", "next"),
        (r"\ba las (\d{1,2})(?::(\d\d))?\b", r"at \1"),
        (r"\b(?:excepto|menos|salvo)(?: el)?\b", "except"),
        (r"\bentre\b", "between"),
        (r"\bminutos\b", "minutes"),
        (r"\bhoras?\b", "hours"),
        (r"\bo\b", "or"),
        (r"\by\b", "and"),
    ],
    "de": [
        (r"\bmorgen fruh\b", "tomorrow morning"),
        (r"\bam (morgen|vormittag)\b", "in the morning"),
        (r"\b(?:vormittags?|morgens)\b", "morning"),
        (r"\bnachmittags?\b", "afternoon"),
        (r"\babends?\b", "evening"),
        (r"\beine halbe stunde\b|\bhalbe stunde\b", "half an hour"),
        (r"\beine stunde\b", "an hour"),
        (r"\bnachste woche\b|\bnachster woche\b|\bkommende woche\b", "next week"),
        (r"\b(?:am\s+)?(?:nachsten|nachster|nachste|kommenden|kommender)\b", "next"),
        (r"\bum (\d{1,2})(?::(\d\d))?(?: uhr)?\b", r"at \1"),
        (r"\b(\d{1,2}) uhr\b", r"\1:00"),
        (r"\bausser\b", "except"),
        (r"\bzwischen\b", "between"),
        (r"\bminuten\b", "minutes"),
        (r"\bstunden?\b", "hours"),
        (r"\boder\b", "or"),
        (r"\bund\b", "and"),
        (r"\bam\b", "on"),
    ],
    "fr": [
        (r"\bl'?apres-midi\b|\bapres-midi\b|\bapres midi\b", "afternoon"),
        (r"\b(?:le )?matin\b", "morning"),
        (r"\b(?:le )?soir\b", "evening"),
        (r"\bune demi-heure\b|\bdemi-heure\b", "half an hour"),
        (r"\bune heure\b", "an hour"),
        (r"\bla semaine prochaine\b", "next week"),
        (r"\b(\w+) prochaine?\b", r"next \1"),
        (r"\ba (\d{1,2})h(\d\d)?\b", r"at \1"),
        (r"\b(\d{1,2})h(\d\d)\b", r"\1:\2"),
        (r"\b(\d{1,2})h\b", r"\1:00"),
        (r"\bsauf(?: le)?\b", "except"),
        (r"\bentre\b", "between"),
        (r"\bheures?\b", "hours"),
        (r"\bou\b", "or"),
        (r"\bet\b", "and"),
    ],
}


@cache
def vocabulary(language: str) -> dict[str, str]:
    """Foreign word or phrase -> English, from dateparser's locale data."""
    from dateparser.languages.loader import default_loader

    info = default_loader.get_locale(language).info
    words: dict[str, str] = {}
    for english in NAMED:
        for foreign in info.get(english, []):
            foreign = strip_accents(str(foreign).lower()).rstrip(".")
            if len(foreign) >= 4:
                words[foreign] = english
    for key, english in RELATIVE.items():
        for foreign in info.get("relative-type", {}).get(key, []):
            words[strip_accents(str(foreign).lower())] = english
    return words


def detect(text: str) -> str | None:
    lowered = strip_accents(text.lower())
    best, best_hits = None, 0
    for language in LANGUAGES:
        hits = sum(
            1
            for foreign in vocabulary(language)
            if re.search(rf"\b{re.escape(foreign)}\b", lowered)
        )
        if hits > best_hits:
            best, best_hits = language, hits
    return best


def translate_foreign(text: str) -> str:
    language = detect(text)
    if language is None:
        return text
    lowered = strip_accents(text.lower())
    for pattern, english in PHRASES[language][:6]:
        lowered = re.sub(pattern, english, lowered)
    for foreign in sorted(vocabulary(language), key=len, reverse=True):
        lowered = re.sub(rf"\b{re.escape(foreign)}\b", vocabulary(language)[foreign], lowered)
    for pattern, english in PHRASES[language][6:]:
        lowered = re.sub(pattern, english, lowered)
    return re.sub(r"\b(?:el|la|le|der|die|das|den|de|du|des|los|las|les)\b", " ", lowered)
