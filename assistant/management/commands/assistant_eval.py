"""Print the booking assistant's accuracy per field over the labelled phrases."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assistant.evaluation import DEFAULT_SET, FIELDS, accuracy_by_field, evaluate, load_set


class Command(BaseCommand):
    help = (
        "Run the assistant's parser over a labelled set of phrases (default: "
        "tests/assistant/phrases.toml) and print the accuracy of each intent field."
    )

    def add_arguments(self, parser):
        parser.add_argument("--set", dest="path", default=str(DEFAULT_SET), help="TOML file")
        parser.add_argument(
            "--show-wrong", action="store_true", help="list every phrase with a wrong field"
        )

    def handle(self, *args, path, show_wrong, **options):
        if not Path(path).exists():
            raise CommandError(f"No labelled set at {path}")
        results = evaluate(load_set(Path(path)))
        for field, share in accuracy_by_field(results).items():
            self.stdout.write(f"{field:<17} {share:7.1%}")
        right = sum(1 for result in results if not result.wrong)
        if show_wrong:
            for result in results:
                if result.wrong:
                    fields = ", ".join(
                        f"{name}: {result.actual[name]!r} (expected {result.case.expected[name]!r})"
                        for name in result.wrong
                        if name in FIELDS
                    )
                    self.stdout.write(f"[{result.case.now_name}] {result.case.message!r}: {fields}")
        self.stdout.write(f"{right} of {len(results)} phrases entirely right.")
