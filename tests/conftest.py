"""Shared test harness: a moto S3/Glue/Athena server on 127.0.0.1, temporary lakes (local and S3),
and Airflow's metadata DB.

Every test starts with the pipeline's settings cleared and a temporary local lake configured, so no
test writes into the repository's ./data or reaches real AWS.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.support.paths import FIXTURES, REPO, free_port

IAM_ACCOUNT = "123456789012"  # moto's default account

# Before anything imports boto3 or airflow: fake credentials, and an AIRFLOW_HOME of our own when
# pytest is run by hand rather than through `make test`.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
)
os.environ.pop("AWS_PROFILE", None)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO / "dags"))
os.environ.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(REPO / "plugins"))
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
_OWN_AIRFLOW_HOME = "AIRFLOW_HOME" not in os.environ
if _OWN_AIRFLOW_HOME:
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="airflow-test-")
# Under pytest-xdist every worker has an AIRFLOW_HOME of its own, so that parallel dag.test() runs never
# wait on one SQLite file: a copy of the DB `make test` migrated once (a copy takes milliseconds, a
# migration half a minute), or, without one, the airflow_db fixture migrates the worker's own.
if os.environ.get("PYTEST_XDIST_WORKER"):
    _shared_home = Path(os.environ["AIRFLOW_HOME"])
    _worker_home = _shared_home / os.environ["PYTEST_XDIST_WORKER"]
    _worker_home.mkdir(exist_ok=True)
    if (_shared_home / "airflow.db").exists() and not (_worker_home / "airflow.db").exists():
        shutil.copyfile(_shared_home / "airflow.db", _worker_home / "airflow.db")
    os.environ["AIRFLOW_HOME"] = str(_worker_home)

from hypothesis import settings as hypothesis_settings  # noqa: E402
from telegram_pipeline import config  # noqa: E402
from telegram_pipeline.lake import aws  # noqa: E402

from tests.support.needs import CI  # noqa: E402

# In CI a property test explores the same examples on every run, so a red build is reproducible from its
# log and never flickers: derandomized, no example database, and no deadline on a shared, noisy machine.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if CI else "default"))

# The order modules start in under pytest-xdist (`make test`: a worker takes one module at a time),
# longest first, so that a parallel run never ends on one long module alone: these modules, slowest first
# (`make test PYTEST_ARGS=--durations=40` says how long each test takes), then the system tier, then
# integration, then unit, each in collection order.
TIERS = ("system", "integration", "unit")
LONGEST_FIRST = (
    "system/test_mwaa_install.py",  # 3 min where its environment is built (an empty cache), else about 1 min
    "system/test_readme_commands.py",
    "integration/test_athena_queries.py",
    "integration/test_reports_community.py",
    "integration/test_history_state.py",
    "system/test_demo.py",
    "integration/test_reports_engagement.py",
    "system/test_airflow_ui.py",
    "integration/test_report_sql_athena.py",
    "integration/test_forum_reports.py",
    "integration/test_dag_months.py",
    "integration/test_handler.py",
    "integration/test_reports_groups.py",
    "integration/test_faults.py",
    "integration/test_digest.py",
    "system/test_deploy.py",
)


# Modules whose tests each go to whichever worker is free, one at a time, rather than the module as one
# unit: long tests that share no module fixture (the docs' pages share their demo across workers).
SPREAD = ("tests/system/test_readme_commands.py", "tests/integration/test_athena_queries.py")


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: unknown without it (-p no:xdist)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadscope` (make test): a module is one unit of work, a SPREAD module's test is one."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModulesOrSpreadTests(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return nodeid if module in SPREAD else module

    return ModulesOrSpreadTests(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> tuple[int, int]:
        where = Path(item.path).relative_to(REPO / "tests").as_posix()
        tier = where.split("/", 1)[0]
        first = LONGEST_FIRST.index(where) if where in LONGEST_FIRST else len(LONGEST_FIRST)
        return (first, TIERS.index(tier) if tier in TIERS else len(TIERS))

    items.sort(key=rank)  # stable: the collection order within each rank


@pytest.fixture(autouse=True)
def no_log_handler_on_a_closed_stream():
    """Airflow, configuring its logging inside a test, gives the root logger a handler on the sys.stderr of
    that moment: pytest's capture of that one test, closed when it ends. Every later log line (moto's
    server logs each request) would then print "--- Logging error ---" into another test's stderr. Such a
    handler is removed once its stream is closed."""
    yield
    for logger in [logging.root, *logging.root.manager.loggerDict.values()]:
        for handler in list(getattr(logger, "handlers", ())):
            if getattr(getattr(handler, "stream", None), "closed", False):
                logger.removeHandler(handler)


@pytest.fixture(autouse=True)
def local_lake(tmp_path, monkeypatch) -> Path:
    """A fresh local lake for every test, with every pipeline setting cleared first."""
    for name in config.setting_names():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    lake = tmp_path / "lake"
    monkeypatch.setenv("RAW_URI", str(lake / "raw"))
    monkeypatch.setenv("CURATED_URI", str(lake / "curated"))
    monkeypatch.setenv("REPORTS_URI", str(lake / "reports"))
    return lake


@pytest.fixture(scope="session")
def moto_server():
    """moto's HTTP server on 127.0.0.1 (S3, Glue, Athena, SSM, Secrets Manager), for the whole session."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws_endpoint(moto_server, monkeypatch) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    return moto_server


@pytest.fixture
def s3_lake(aws_endpoint, monkeypatch) -> dict[str, str]:
    """A fresh bucket on moto's server holding the raw, curated and reports zones."""
    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    aws.client("s3").create_bucket(Bucket=bucket)
    uris = {
        "RAW_URI": f"s3://{bucket}/raw",
        "CURATED_URI": f"s3://{bucket}/curated",
        "REPORTS_URI": f"s3://{bucket}/reports",
    }
    for name, value in uris.items():
        monkeypatch.setenv(name, value)
    return {"bucket": bucket, "endpoint": aws_endpoint, **uris}


@pytest.fixture
def aws_standin(aws_endpoint, monkeypatch):
    """moto behind the stand-in of tests/support/aws_standin.py (IAM's 403s on S3, Athena's idempotency tokens,
    injected faults): every AWS client of the test reaches it through AWS_ENDPOINT_URL."""
    from tests.support.aws_standin import AwsStandIn

    proxy = AwsStandIn(aws_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    aws._client.cache_clear()
    yield proxy
    proxy.close()
    aws._client.cache_clear()


@pytest.fixture
def iam_lake(aws_standin, monkeypatch) -> dict:
    """A lake laid out as `make deploy` lays it out (a raw bucket, a lake bucket, their prefixes), on
    moto behind the stand-in, with ``policy(role)``: the deployed policy of the webhook or MWAA role
    (deploy.role_policy, out of the CloudFormation templates), for ``proxy.act_as``."""
    import deploy

    stack = f"t{uuid.uuid4().hex[:10]}"
    names = deploy.lake_names(stack, IAM_ACCOUNT, "us-east-1")
    for bucket in (names["RawBucket"], names["LakeBucket"]):
        aws.client("s3").create_bucket(Bucket=bucket)
    choices = SimpleNamespace(timezone="UTC", start_date="2026-01-01", report_engine="duckdb")
    uris = {k: v for k, v in deploy.pipeline_settings(names, choices).items() if k.endswith("_URI")}
    for name, value in uris.items():
        monkeypatch.setenv(name, value)
    return {
        "raw_bucket": names["RawBucket"],
        "lake_bucket": names["LakeBucket"],
        **uris,
        "proxy": aws_standin,
        "policy": lambda role: deploy.role_policy(role, stack, IAM_ACCOUNT, "us-east-1"),
    }


@pytest.fixture(params=["local", "s3"])
def lake(request) -> dict[str, str]:
    """The same test against a local folder and against moto's S3 server."""
    if request.param == "s3":
        return {"backend": "s3", **request.getfixturevalue("s3_lake")}
    root = request.getfixturevalue("local_lake")
    return {
        "backend": "local",
        "RAW_URI": str(root / "raw"),
        "CURATED_URI": str(root / "curated"),
        "REPORTS_URI": str(root / "reports"),
    }


@pytest.fixture(scope="session")
def airflow_db() -> str:
    """Airflow's SQLite metadata DB, migrated once (`make test` has already done it)."""
    home = os.environ["AIRFLOW_HOME"]
    if not Path(home, "airflow.db").exists():
        subprocess.run(
            [sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True, env=os.environ.copy()
        )
    return home


@pytest.fixture
def fresh_handler():
    """The webhook handler (lambda/handler.py) with its caches (settings, secret, migration markers) empty
    before the test and after it."""
    import handler

    handler.reset_caches()
    yield handler
    handler.reset_caches()


@pytest.fixture
def webhook_env(fresh_handler, monkeypatch):
    """The handler set up for tests/support/webhook_envelopes.py's events: their secret, their two
    groups, São Paulo's time zone."""
    from tests.support.webhook_envelopes import GROUP, OLD_GROUP, SECRET

    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("ALLOWED_CHAT_IDS", f"{GROUP}, {OLD_GROUP}")
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")


@pytest.fixture
def telegram_fixtures() -> dict[str, bytes]:
    """The real Bot API updates in ../shared/fixtures/telegram, by file stem, as bytes."""
    folder = FIXTURES / "telegram"
    return {path.stem: path.read_bytes() for path in sorted(folder.glob("*.json"))}
