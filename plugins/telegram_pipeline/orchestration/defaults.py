"""What the two DAGs share. Standard library only: the DAG files import it every time they are parsed."""

from datetime import timedelta

# The Asset telegram_consolidate updates (extra {"dates": [...]}) and telegram_reports schedules on.
CURATED_MESSAGES_ASSET = "telegram_curated_messages"

# Every task is idempotent, so a retry is always safe; the backoff rides out a storage outage.
DEFAULT_ARGS = {
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=20),
}
