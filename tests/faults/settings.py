"""Settings for the fault suite's worker, beat and load subprocesses: production settings with
the clocks turned down, so a lease runs out and the sweeper runs within seconds."""

from config.settings import *  # noqa: F403

EMAIL_RETRY_BASE_SECONDS = 0.5
EMAIL_TIMEOUT = 5
EMAIL_SENDING_LEASE_SECONDS = 4
EMAIL_REQUEUE_GRACE_SECONDS = 1
CELERY_BEAT_SCHEDULE = {
    "every-second-requeue-stalled-emails": {
        "task": "notifications.tasks.requeue_stalled_emails",
        "schedule": 1.0,
    },
}
