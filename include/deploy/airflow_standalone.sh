#!/usr/bin/env bash
# `make airflow`: Airflow standalone (scheduler, DAG processor, API server, triggerer) in the foreground,
# with the admin password printed, stopped cleanly by Ctrl-C. Settings come from the Makefile.
set -uo pipefail
password_file="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
mkdir -p "$AIRFLOW_HOME"
echo "Airflow on http://127.0.0.1:$AIRFLOW__API__PORT with AIRFLOW_HOME=$AIRFLOW_HOME; lake: $RAW_URI, $CURATED_URI, $REPORTS_URI"
echo "Ctrl-C stops it."

# A second terminal's `airflow backfill create` (or any airflow command given only AIRFLOW_HOME) reads
# airflow.cfg, not this script's environment: write there what it must share with standalone, the DAGs
# and plugins folders (the plugin registers the consolidation's timetable), no example DAGs, a 60 s
# SQLite busy timeout (the scheduler's catch-up holds the one write lock for longer than SQLite's
# default 5 s wait, and the command failed with "database is locked"), and sessions whose savepoints
# wait for that lock too (orchestration/metadata_db.py: `backfill create` failed at once without).
cfg="$AIRFLOW_HOME/airflow.cfg"
[ -f "$cfg" ] || airflow config list > /dev/null  # Airflow writes its default airflow.cfg
sed -i -E \
    -e "s#^dags_folder = .*#dags_folder = $AIRFLOW__CORE__DAGS_FOLDER#" \
    -e "s#^plugins_folder = .*#plugins_folder = $AIRFLOW__CORE__PLUGINS_FOLDER#" \
    -e "s#^load_examples = .*#load_examples = False#" \
    -e "s#^(sql_alchemy_conn = sqlite:///[^?]*)\$#\1?timeout=60#" \
    -e "s#^(\# )?sql_alchemy_session_maker = .*#sql_alchemy_session_maker = telegram_pipeline.orchestration.metadata_db.session_maker#" \
    "$cfg"

# Ctrl-C sends SIGINT to every process of the terminal's foreground group. Standalone's own components
# would get it too and hang in their shutdown; so standalone runs in a group of its own (set -m) and
# gets exactly one SIGINT from here, upon which it stops its components itself.
set -m
airflow standalone &
standalone=$!
stop_asked_at=""
trap 'kill -INT "$standalone" 2>/dev/null; stop_asked_at=${stop_asked_at:-$SECONDS}' INT TERM

for _ in $(seq 300); do
    if [ -s "$password_file" ]; then
        password=$(sed -E 's/.*"admin": *"([^"]*)".*/\1/' "$password_file")
        echo "==> login at http://127.0.0.1:$AIRFLOW__API__PORT as admin, password: $password"
        break
    fi
    kill -0 "$standalone" 2>/dev/null && [ -z "$stop_asked_at" ] || break
    sleep 1
done
# The DAG processor parses the DAG files some seconds after the login exists; until it has, the CLI
# answers "Could not find dag". Say when every DAG file is in the metadata DB.
dag_files=$(find "$AIRFLOW__CORE__DAGS_FOLDER" -maxdepth 1 -name '*.py' ! -name '_*' | wc -l)
for _ in $(seq 300); do
    parsed=$(python - "$AIRFLOW_HOME/airflow.db" <<'PY' 2>/dev/null
import sqlite3, sys
with sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=60) as db:
    print(",".join(row[0] for row in db.execute("select dag_id from dag where not is_stale order by dag_id")))
PY
)
    if [ -n "$parsed" ] && [ "$(tr ',' '\n' <<< "$parsed" | wc -l)" -ge "$dag_files" ]; then
        echo "==> DAGs parsed: ${parsed//,/, } (the CLI finds them now; new DAGs start paused)"
        break
    fi
    kill -0 "$standalone" 2>/dev/null && [ -z "$stop_asked_at" ] || break
    sleep 1
done
# Standalone stops each component with one SIGTERM and waits for it without a time limit, and a
# scheduler's LocalExecutor can wait on its idle worker for ever ("Signal again if you don't want to
# wait"). So, like a service manager, signal again what is still running 20 s after Ctrl-C, and kill
# it 15 s later; standalone itself then reports Complete.
signal_components_left() {
    local components
    components=$(pgrep -g "$standalone" | grep -vx "$standalone" | tr '\n' ' ')
    [ -n "$components" ] || return 0
    echo "==> still running $1 s after Ctrl-C, sent SIG$2: $(ps -o args= -p "${components// /,}" | cut -c1-50 | paste -sd ';')"
    kill "-$2" $components 2>/dev/null
}
signalled_again=""
while kill -0 "$standalone" 2>/dev/null; do
    if [ -z "$stop_asked_at" ]; then
        wait "$standalone"  # returns early when a trapped signal arrives
        continue
    fi
    stopping_for=$((SECONDS - stop_asked_at))
    if [ "$stopping_for" -ge 35 ] && [ "$signalled_again" = TERM ]; then
        signal_components_left "$stopping_for" KILL
        signalled_again=KILL
    elif [ "$stopping_for" -ge 20 ] && [ -z "$signalled_again" ]; then
        signal_components_left "$stopping_for" TERM
        signalled_again=TERM
    fi
    sleep 1
done
