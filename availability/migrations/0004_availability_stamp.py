"""Availability stamps: a table, a sequence and statement-level triggers (PostgreSQL only;
SQLite, the zero-setup default, keeps no stamps and so never reuses computed slots)."""

from django.db import migrations, models

# Tables whose rows carry a host_id and change what that host can be booked for.
WATCHED = [
    "bookings_booking",
    "bookings_eventtype",
    "availability_busyblock",
    "availability_weeklyrule",
    "availability_dateoverride",
]

FUNCTION = """
CREATE SEQUENCE availability_stamp_seq;

CREATE FUNCTION availability_restamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO availability_availabilitystamp (host_id, stamp)
      SELECT host_id, nextval('availability_stamp_seq')
        FROM (SELECT DISTINCT host_id FROM new_rows) AS hosts
      ON CONFLICT (host_id) DO UPDATE SET stamp = EXCLUDED.stamp;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO availability_availabilitystamp (host_id, stamp)
      SELECT host_id, nextval('availability_stamp_seq')
        FROM (SELECT host_id FROM new_rows UNION SELECT host_id FROM old_rows) AS hosts
      ON CONFLICT (host_id) DO UPDATE SET stamp = EXCLUDED.stamp;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO availability_availabilitystamp (host_id, stamp)
      SELECT host_id, nextval('availability_stamp_seq')
        FROM (SELECT DISTINCT host_id FROM old_rows) AS hosts
      ON CONFLICT (host_id) DO UPDATE SET stamp = EXCLUDED.stamp;
  ELSE  -- TRUNCATE: every host may have changed
    UPDATE availability_availabilitystamp SET stamp = nextval('availability_stamp_seq');
  END IF;
  RETURN NULL;
END
$$;
"""

# PostgreSQL allows transition tables only on single-event triggers: one trigger per event.
TRIGGERS = """
CREATE TRIGGER {table}_restamp_insert AFTER INSERT ON {table}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION availability_restamp();
CREATE TRIGGER {table}_restamp_update AFTER UPDATE ON {table}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION availability_restamp();
CREATE TRIGGER {table}_restamp_delete AFTER DELETE ON {table}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION availability_restamp();
CREATE TRIGGER {table}_restamp_truncate AFTER TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION availability_restamp();
"""

# Hosts that exist already get a stamp now (without one, their slots are never reused).
SEED = """
INSERT INTO availability_availabilitystamp (host_id, stamp)
  SELECT DISTINCT host_id, nextval('availability_stamp_seq') FROM bookings_eventtype
  ON CONFLICT (host_id) DO NOTHING;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table in WATCHED:
        schema_editor.execute(TRIGGERS.format(table=table))
    schema_editor.execute(SEED)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in WATCHED:
        for event in ("insert", "update", "delete", "truncate"):
            schema_editor.execute(f"DROP TRIGGER {table}_restamp_{event} ON {table}")
    schema_editor.execute("DROP FUNCTION availability_restamp()")
    schema_editor.execute("DROP SEQUENCE availability_stamp_seq")


class Migration(migrations.Migration):
    dependencies = [
        ("availability", "0003_merge_20261123_1239"),
        ("bookings", "0006_google_meet_location"),
    ]

    operations = [
        migrations.CreateModel(
            name="AvailabilityStamp",
            fields=[
                ("host_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("stamp", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
