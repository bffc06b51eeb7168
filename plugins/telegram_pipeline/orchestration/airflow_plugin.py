"""The package's one Airflow plugin: it registers the timetable the consolidation DAG runs on.

``plugins/.airflowignore`` keeps the rest of the package out of Airflow's plugin discovery and lets
this file in; Airflow loads it under its bare file name, so the class comes from its package module,
whose path is the one the DAG's serialized timetable names.
"""

from airflow.plugins_manager import AirflowPlugin

from telegram_pipeline.orchestration.timetables import ZonedCronDataIntervalTimetable


class TelegramPipelinePlugin(AirflowPlugin):
    name = "telegram_pipeline"
    timetables = [ZonedCronDataIntervalTimetable]
