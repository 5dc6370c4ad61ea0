"""Database constraints that only PostgreSQL can enforce.

The zero-setup SQLite database of `make run` cannot express exclusion constraints; there the
booking service's IMMEDIATE write transactions serialise writers instead. Production and the
test suite run on PostgreSQL, where these constraints are the last word on overlaps.
"""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import CheckConstraint, Func


class PostgresOnlyExclusionConstraint(ExclusionConstraint):
    """An ExclusionConstraint that is skipped, not broken, on other databases."""

    def constraint_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if connections[using].vendor != "postgresql":
            return
        super().validate(model, instance, exclude=exclude, using=using)


class TsTzRange(Func):
    """tstzrange(start, end, '[)'): a half-open instant range, for exclusion constraints."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def half_open_range(start: str, end: str) -> TsTzRange:
    return TsTzRange(start, end, RangeBoundary())


class PostgresOnlyCheckConstraint(CheckConstraint):
    """A CheckConstraint that is skipped on other databases: for conditions (such as interval
    arithmetic) that SQLite could only express through Django's own SQL functions."""

    def constraint_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if connections[using].vendor != "postgresql":
            return
        super().validate(model, instance, exclude=exclude, using=using)
