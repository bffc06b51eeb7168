# The Airflow image of docker-compose.yaml: Apache Airflow 3.3.1 with what MWAA installs on top of
# its own image (requirements.txt, under the same --constraint line), so both run the same code.
FROM apache/airflow:3.3.1-python3.12
COPY requirements.txt /requirements.txt
RUN pip install --no-cache-dir "apache-airflow==3.3.1" -r /requirements.txt
# The DuckDB catalog's volume mounts here; made by the airflow user so the volume is theirs.
RUN mkdir -p /opt/airflow/catalog
