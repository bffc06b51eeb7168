"""The DAGs' cron schedules, with their time zone where the Airflow UI shows a schedule.

Airflow's UI shows a timetable's ``summary`` in the Schedule column (and the DAG's details) and its
``description`` as the tooltip; for a cron timetable both leave the zone out ("0 0 * * *",
"At 00:00"), so a group's midnight in São Paulo reads like midnight UTC beside next-run times shown
as 03:00. This timetable is Airflow's own cron data-interval timetable, run for run, and says its zone.
The consolidation and the digest run on it.

Airflow serializes a timetable by its class path and only accepts classes that a plugin registers:
``airflow_plugin.py`` beside this module does, for the scheduler, DAG processor and API server alike.
"""

from __future__ import annotations

from airflow.timetables.interval import CronDataIntervalTimetable


class ZonedCronDataIntervalTimetable(CronDataIntervalTimetable):
    """``CronDataIntervalTimetable`` whose summary and description name its time zone."""

    @property
    def expression(self) -> str:  # as the SDK's cron timetables name them
        return self._expression

    @property
    def timezone(self):
        return self._timezone

    @property
    def zone_name(self) -> str:
        return getattr(self._timezone, "name", None) or str(self._timezone)

    @property
    def summary(self) -> str:
        return f"{self._expression} ({self.zone_name})"

    def __init__(self, cron: str, timezone) -> None:
        super().__init__(cron, timezone)
        if self.description:
            self.description = f"{self.description}, {self.zone_name} time"
