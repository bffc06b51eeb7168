#!/usr/bin/env bash
# `make airflow`: Airflow standalone (scheduler, DAG processor, API server, triggerer) in the foreground,
# with the admin password printed, stopped cleanly by Ctrl-C. Settings come from the Makefile.
set -uo pipefail
password_file="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
mkdir -p "$AIRFLOW_HOME"
echo "Airflow on http://127.0.0.1:$AIRFLOW__API__PORT with AIRFLOW_HOME=$AIRFLOW_HOME; lake: $RAW_URI, $CURATED_URI, $REPORTS_URI"
echo "Ctrl-C stops it."

# Ctrl-C sends SIGINT to every process of the terminal's foreground group. Standalone's own components
# would get it too and hang in their shutdown; so standalone runs in a group of its own (set -m) and
# gets exactly one SIGINT from here, upon which it stops its components itself.
set -m
airflow standalone &
standalone=$!
trap 'kill -INT "$standalone" 2>/dev/null' INT TERM

for _ in $(seq 300); do
    if [ -s "$password_file" ]; then
        password=$(sed -E 's/.*"admin": *"([^"]*)".*/\1/' "$password_file")
        echo "==> login at http://127.0.0.1:$AIRFLOW__API__PORT as admin, password: $password"
        break
    fi
    kill -0 "$standalone" 2>/dev/null || break
    sleep 1
done
# `wait` returns early when a trapped signal arrives: keep waiting until standalone has shut down.
while kill -0 "$standalone" 2>/dev/null; do
    wait "$standalone"
done
