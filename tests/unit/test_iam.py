"""The IAM roles of the CloudFormation templates grant exactly the AWS actions the code calls, nothing
more, and answer the code's reads of missing keys the way real S3 does.

The policies are read out of the templates themselves (include/deploy/webhook.yaml and mwaa-role.yaml),
rendered with the names `make deploy` gives (deploy.py's ``role_policy``, the same function as
``deploy.py policy``), so the template and this test cannot drift apart. The actions are read from the
code: an AST scan follows every boto3 client (``aws.client("s3")``, ``boto3.client("ssm")``, a client kept
on ``self``) and every Amazon provider hook to the API operations called on it (paginators and
``getattr`` dispatch included), mapped to IAM actions with botocore's own service model. The Lambda is
``lambda/handler.py``; the MWAA role covers every module of the package (walked recursively) that the
DAGs import, directly or not. Statements whose Sid starts with ``Platform`` are what the platform
itself needs (Lambda's logs, MWAA's queue, logs and metrics), explained in include/iam/README.md, and
are not compared.

Real S3 answers a GET or HEAD of a missing key with 404 only when the caller may ``s3:ListBucket`` the
bucket, with the key itself as the ``s3:prefix`` the condition sees; else 403 AccessDenied, which moto
never does. A small evaluator of the policies (Allow/Deny, Action, Resource/NotResource wildcards,
StringLike/StringEquals/Bool conditions) checks every key the code may read while it is missing.
"""

from __future__ import annotations

import ast
import functools
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import deploy
import pytest
from telegram_pipeline.lake import layout
from telegram_pipeline.rules import raw_zone

from tests.support.iam_policy import allowed, listed, missing_key_answer, wildcard
from tests.support.paths import REPO

PACKAGE = "telegram_pipeline"
PACKAGE_ROOT = REPO / "plugins" / PACKAGE
ACCOUNT, REGION, STACK = "123456789012", "us-east-1", "acme"

# Reads that ask "is it there?": S3 tells a missing key (404) from a denial (403) only to a caller that
# may list the bucket, so such a read needs s3:ListBucket as well.
S3_ACTIONS = {
    "ListObjectsV2": {"s3:ListBucket"},
    "ListObjects": {"s3:ListBucket"},
    "HeadObject": {"s3:GetObject", "s3:ListBucket"},
    "GetObject": {"s3:GetObject", "s3:ListBucket"},
    "HeadBucket": {"s3:ListBucket"},
    "DeleteObjects": {"s3:DeleteObject"},
    "CopyObject": {"s3:GetObject", "s3:PutObject"},
    "CreateMultipartUpload": {"s3:PutObject"},
    "UploadPart": {"s3:PutObject"},
    "CompleteMultipartUpload": {"s3:PutObject"},
    "ListParts": {"s3:ListMultipartUploadParts"},
}
# Actions AWS checks on the caller's behalf when one of these is called. (A secret or parameter
# encrypted with a customer-managed KMS key would add kms:Decrypt; the templates use AWS-managed keys,
# which need no grant.)
IMPLIED = {
    # Athena reads the table from Glue and writes its results to S3 as the caller.
    "athena:StartQueryExecution": {
        "glue:GetDatabase",
        "glue:GetTable",
        "glue:GetPartitions",
        "s3:GetBucketLocation",
        "s3:GetObject",
        "s3:ListBucket",
        "s3:PutObject",
        "s3:AbortMultipartUpload",
    },
}
# Amazon provider hooks: hook method -> Athena operation it calls.
ATHENA_HOOK_METHODS = {
    "run_query": "StartQueryExecution",
    "check_query_status": "GetQueryExecution",
    "poll_query_status": "GetQueryExecution",
    "get_state_change_reason": "GetQueryExecution",
    "get_output_location": "GetQueryExecution",
    "get_query_info": "GetQueryExecution",
    "get_query_results": "GetQueryResults",
    "get_query_results_paginator": "GetQueryResults",
    "stop_query": "StopQueryExecution",
}
# pyarrow's S3 filesystem, used to read Parquet: HEAD/GET of objects and listings.
ARROW_S3_READ = {"s3:GetObject", "s3:ListBucket"}
CLIENT_FACTORIES = {"client", "_client"}

# What the code can call but the deployed stack deliberately does not grant, and why. Each must still
# be called by the code (else the entry is stale) and must not be granted.
NOT_GRANTED = {
    "webhook": {
        "ssm:GetParameter": "the template generates the secret in Secrets Manager (WEBHOOK_SECRET_PARAM="
        "secretsmanager:…); an SSM parameter is the hand-made alternative",
    },
    "mwaa": {},
}
# Package modules that call AWS but never run as the MWAA role, by file name (they may move between
# folders), with who runs them.
RUN_BY_PEOPLE = {
    "webhook_setup": "the bot's owner, with their own credentials, reads the webhook secret for setWebhook",
}


@functools.cache
def operations(service: str) -> dict[str, str]:
    """boto3 method name -> API operation name, from botocore's model of ``service``."""
    import boto3

    client = boto3.session.Session().client(service, region_name="us-east-1")
    return dict(client.meta.method_to_api_mapping)


def iam_actions(service: str, operation: str) -> set[str]:
    if service == "s3" and operation in S3_ACTIONS:
        return set(S3_ACTIONS[operation])
    return {f"{service}:{operation}"}


def _const_str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _callee_name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _target_key(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


@dataclass
class Scan:
    """What one module calls on AWS: IAM actions, and anything the scan could not follow."""

    actions: set[str] = field(default_factory=set)
    calls: set[str] = field(default_factory=set)
    unfollowed: list[str] = field(default_factory=list)


def scan_source(source: str, name: str = "<source>") -> Scan:
    tree = ast.parse(source)
    scan = Scan()
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node

    def enclosing_params(node: ast.AST) -> set[str]:
        while node in parents:
            node = parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return {a.arg for a in node.args.args + node.args.kwonlyargs}
        return set()

    factories = set(CLIENT_FACTORIES)

    def constructed_service(call: ast.AST) -> str | None:
        """The service of a client made by ``call``, '' for a factory taking it as a parameter,
        None when ``call`` makes no client."""
        if not isinstance(call, ast.Call) or _callee_name(call.func) not in factories:
            return None
        arg = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "service_name"), None)
        service = _const_str(arg)
        if service:
            return service
        if isinstance(arg, ast.Name) and arg.id in enclosing_params(call):
            return ""  # the factory itself (aws.client): its callers are followed instead
        scan.unfollowed.append(f"{name}:{call.lineno}: client of a service the scan cannot name")
        return ""

    # Functions that make a client of the service they are given are factories too (aws.client,
    # the handler's cached _aws_client).
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call) and _callee_name(inner.func) in CLIENT_FACTORIES and inner.args:
                    if isinstance(inner.args[0], ast.Name) and inner.args[0].id in enclosing_params(inner):
                        factories.add(node.name)

    # Functions that return a client (lazy module-level clients), and names/attributes bound to one.
    returns: dict[str, str] = {}
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Return) and (service := constructed_service(inner.value)):
                    returns[node.name] = service

    def service_of(expr: ast.AST) -> str | None:
        if isinstance(expr, ast.Call):
            if service := constructed_service(expr):
                return service
            if (callee := _callee_name(expr.func)) in returns:
                return returns[callee]
            if callee == "AthenaHook":
                return "athena-hook"
            if (
                callee == "get_conn"
                and isinstance(expr.func, ast.Attribute)
                and service_of(expr.func.value) == "athena-hook"
            ):
                return "athena"  # the hook's boto3 client
            return None
        if isinstance(expr, ast.Attribute) and expr.attr == "conn" and service_of(expr.value) == "athena-hook":
            return "athena"
        key = _target_key(expr)
        return bound.get(key) if key else None

    for _ in range(2):  # twice, so a name bound from another bound name is followed too
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                service = service_of(node.value)
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    key = _target_key(target)
                    if service and key:
                        bound[key] = service

    def record(service: str, method: str) -> None:
        if service == "athena-hook":
            if method in ATHENA_HOOK_METHODS:
                scan.calls.add(f"athena.{method}")
                scan.actions |= iam_actions("athena", ATHENA_HOOK_METHODS[method])
            return
        operation = operations(service).get(method)
        if operation:
            scan.calls.add(f"{service}.{method}")
            scan.actions |= iam_actions(service, operation)

    string_args = [_const_str(node.args[0]) for node in ast.walk(tree) if isinstance(node, ast.Call) and node.args]
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and (service := service_of(func.value)):
            if func.attr == "get_paginator":
                if operation_name := _const_str(node.args[0] if node.args else None):
                    record(service, operation_name)
                else:
                    scan.unfollowed.append(f"{name}:{node.lineno}: paginator of an operation the scan cannot name")
            else:
                record(service, func.attr)
        elif isinstance(func, ast.Name) and func.id == "getattr" and (service := service_of(node.args[0])):
            method = _const_str(node.args[1])
            if method:
                record(service, method)
            else:
                # Dispatch by name (storage's S3Store._call("get_object", ...)): every operation of
                # the service named as a call's first argument in this module.
                for candidate in string_args:
                    if candidate:
                        record(service, candidate)
        elif _callee_name(func) in {"arrow_s3_filesystem", "arrow_filesystem"}:
            scan.calls.add("pyarrow.S3FileSystem")
            scan.actions |= ARROW_S3_READ
    for action in list(scan.actions):
        scan.actions |= IMPLIED.get(action, set())
    return scan


def scan_files(paths: list[Path]) -> Scan:
    total = Scan()
    for path in paths:
        one = scan_source(path.read_text(), str(path.relative_to(REPO)))
        total.actions |= one.actions
        total.calls |= one.calls
        total.unfollowed += one.unfollowed
    return total


# -- which code runs as which role ------------------------------------------------------------


def package_modules() -> dict[str, Path]:
    """Every module of the package, walked recursively: dotted name -> file."""
    modules = {}
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _imported(path: Path, modules: dict[str, Path]) -> set[str]:
    """The package modules a file imports anywhere in it (inside functions too: DAG files do)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level:
            base = ".".join(path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts[: -node.level])
            module = f"{base}.{node.module}" if node.module else base
            found |= {module, *(f"{module}.{alias.name}" for alias in node.names)}
    # Importing a.b.c runs a/__init__.py and a/b/__init__.py too.
    return {".".join(name.split(".")[:n]) for name in found for n in range(1, name.count(".") + 2)} & modules.keys()


def dag_modules() -> list[Path]:
    """The DAG files and every package module they import, directly or not."""
    modules = package_modules()
    files = sorted((REPO / "dags").glob("*.py"))
    seen: set[str] = set()
    todo = set().union(*(_imported(f, modules) for f in files))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo |= _imported(modules[name], modules) - seen
    return files + [modules[name] for name in sorted(seen)]


@functools.cache
def policy(role: str) -> dict:
    return deploy.role_policy(role, STACK, ACCOUNT, REGION)


@functools.cache
def lake() -> dict[str, str]:
    return deploy.lake_names(STACK, ACCOUNT, REGION)


def granted(document: dict, platform: bool = False) -> set[str]:
    actions = set()
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        if statement.get("Sid", "").startswith("Platform") == platform:
            actions |= set(listed(statement["Action"]))
    return actions


def statements_granting(document: dict, action: str) -> list[dict]:
    return [s for s in document["Statement"] if action in listed(s["Action"])]


def may_list(document: dict, bucket: str, prefix: str) -> bool:
    return allowed(document, "s3:ListBucket", f"arn:aws:s3:::{bucket}", {"s3:prefix": prefix})


def bucket_and_prefix(uri: str) -> tuple[str, str]:
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    return bucket, prefix.strip("/")


# -- the scan itself can tell -----------------------------------------------------------------


def test_scan_follows_clients_paginators_dispatch_and_hooks():
    source = """
import boto3
from telegram_pipeline.lake import aws
_S3 = None

def s3():
    return boto3.client("s3")

def put(body):
    global _S3
    if _S3 is None:
        _S3 = boto3.client("s3")
    _S3.put_object(Bucket="b", Key="k", Body=body)
    s3().head_object(Bucket="b", Key="k")

class Catalog:
    def __init__(self):
        self.glue = aws.client("glue")
    def add(self):
        self.glue.create_partition(DatabaseName="d", TableName="t", PartitionInput={})
        pages = self.glue.get_paginator("get_partitions")

class Store:
    def __init__(self):
        self.client = aws.client("s3")
    def _call(self, method, **kw):
        return getattr(self.client, method)(**kw)
    def delete(self):
        self._call("delete_objects", Delete={})

_clients = {}

def _aws_client(service, endpoint_url):
    client = _clients.get(service)
    if client is None:
        client = boto3.session.Session().client(service, endpoint_url=endpoint_url)
    return client

def secret():
    return _aws_client("secretsmanager", None).get_secret_value(SecretId="s")

def report(sql):
    from airflow.providers.amazon.aws.hooks.athena import AthenaHook
    hook = AthenaHook()
    query = hook.run_query(sql, {}, {})
    hook.poll_query_status(query)
    pages = hook.get_conn().get_paginator("get_query_results")
    aws.client("ssm").get_parameter(Name="x", WithDecryption=True)
"""
    scan = scan_source(source)
    assert scan.unfollowed == []
    assert {
        "s3:PutObject",
        "s3:GetObject",
        "s3:DeleteObject",
        "glue:CreatePartition",
        "glue:GetPartitions",
        "athena:StartQueryExecution",
        "athena:GetQueryExecution",
        "athena:GetQueryResults",
        "ssm:GetParameter",
        "secretsmanager:GetSecretValue",
    } <= scan.actions
    assert "s3:ListBucket" in scan.actions  # a HEAD ("is it there?") and Athena's results location need it
    assert scan_source("import boto3\nboto3.client('s3').put_object(Bucket='b', Key='k')\n").actions == {"s3:PutObject"}


def test_scan_refuses_what_it_cannot_follow():
    scan = scan_source("import boto3\nname = 's3'\nboto3.client(name).delete_object(Bucket='b', Key='k')\n")
    assert scan.unfollowed


# -- which code runs as which role ------------------------------------------------------------


def test_the_package_is_walked_whole_and_every_module_calling_aws_runs_as_a_role():
    modules = package_modules()
    assert f"{PACKAGE}.storage" in modules or any(name.endswith(".storage") for name in modules), sorted(modules)
    on_mwaa = set(dag_modules())
    assert any(path.parent.name == "dags" for path in on_mwaa), "no DAG files found"
    callers = {path for path in modules.values() if scan_files([path]).calls}
    assert callers & on_mwaa, "the scan found no AWS call in what the DAGs import: the scan is broken"
    unassigned = sorted(str(p.relative_to(REPO)) for p in callers - on_mwaa if p.stem not in RUN_BY_PEOPLE)
    assert not unassigned, (
        f"{unassigned} call AWS but no DAG imports them: say who runs them in RUN_BY_PEOPLE, or grant a role"
    )
    stems = {path.stem for path in callers - on_mwaa}
    assert set(RUN_BY_PEOPLE) <= stems, f"stale RUN_BY_PEOPLE entries: {set(RUN_BY_PEOPLE) - stems}"


def test_dag_closure_follows_subpackages_and_relative_imports(tmp_path, monkeypatch):
    root = tmp_path / "plugins" / PACKAGE
    (root / "io").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "io" / "__init__.py").write_text("from .s3 import put\n")
    (root / "io" / "s3.py").write_text("from ..aws import client\ndef put():\n    client('s3').put_object()\n")
    (root / "aws.py").write_text("")
    (root / "unused.py").write_text("")
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "d.py").write_text("def task():\n    from telegram_pipeline import io\n")
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE_ROOT", root)
    names = sorted(p.relative_to(tmp_path).as_posix() for p in dag_modules())
    assert names == [
        "dags/d.py",
        f"plugins/{PACKAGE}/__init__.py",
        f"plugins/{PACKAGE}/aws.py",
        f"plugins/{PACKAGE}/io/__init__.py",
        f"plugins/{PACKAGE}/io/s3.py",
    ]


# -- the templates' roles against the code ----------------------------------------------------


def _compare(role: str, component: str, scan: Scan) -> None:
    assert not scan.unfollowed, f"the IAM scan cannot follow these AWS calls of {component}: {scan.unfollowed}"
    code = granted(policy(role))
    not_granted = set(NOT_GRANTED[role])
    assert not_granted <= scan.actions, f"stale NOT_GRANTED[{role!r}]: {sorted(not_granted - scan.actions)}"
    missing, extra = scan.actions - not_granted - code, code - scan.actions
    assert not missing, (
        f"{component} calls {sorted(missing)} (calls seen: {sorted(scan.calls)}) but the {role} role does not grant them"
    )
    assert not extra, (
        f"the {role} role grants {sorted(extra)}, which {component} never calls (calls seen: {sorted(scan.calls)})"
    )
    assert not not_granted & code, f"the {role} role grants {sorted(not_granted & code)}, listed as not granted"


def test_webhook_role_grants_exactly_what_the_handler_calls():
    scan = scan_files([REPO / "lambda" / "handler.py"])
    assert {"s3:PutObject", "secretsmanager:GetSecretValue"} <= scan.actions, "the scan missed the handler's calls"
    _compare("webhook", "lambda/handler.py", scan)


def test_mwaa_role_grants_exactly_what_the_dags_call():
    files = dag_modules()
    _compare("mwaa", "the DAGs (" + ", ".join(str(p.relative_to(REPO)) for p in files) + ")", scan_files(files))


def test_webhook_role_writes_only_under_the_raw_prefix_and_lists_only_markers():
    document = policy("webhook")
    raw = lake()["RawBucket"]
    every_action = granted(document) | granted(document, platform=True)
    assert not any("*" in action for action in every_action)
    assert "s3:DeleteObject" not in every_action
    for statement in statements_granting(document, "s3:PutObject"):
        for resource in listed(statement["Resource"]):
            assert resource.startswith(f"arn:aws:s3:::{raw}/raw/"), resource
    for statement in document["Statement"]:
        assert "*" not in listed(statement["Resource"]), statement["Sid"]
    assert not may_list(document, raw, "raw/context_date=2026-01-01/"), "the webhook may list the raw zone"
    assert not may_list(document, raw, "raw/"), "the webhook may list the raw zone"
    assert may_list(document, raw, "raw/_migrations/-1001234567890.json")


def test_webhook_role_reads_only_its_own_secret():
    document = policy("webhook")
    arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{STACK}-webhook-secret"
    assert allowed(document, "secretsmanager:GetSecretValue", f"{arn}-AbC123")  # AWS adds six characters
    assert not allowed(document, "secretsmanager:GetSecretValue", f"{arn}-other-AbC123")
    assert not allowed(document, "secretsmanager:GetSecretValue", f"{arn.replace(STACK, 'other')}-AbC123")


def test_mwaa_role_never_writes_the_raw_zone_and_keeps_wildcards_to_the_platform():
    document = policy("mwaa")
    raw = lake()["RawBucket"]
    for action in ("s3:PutObject", "s3:DeleteObject"):
        assert not allowed(document, action, f"arn:aws:s3:::{raw}/raw/context_date=2026-01-01/1.json")
        for statement in statements_granting(document, action):
            for resource in listed(statement["Resource"]):
                assert f":::{raw}" not in resource, f"{action} on the raw bucket: {resource}"
    for statement in document["Statement"]:
        if statement["Sid"].startswith("Platform"):
            continue
        assert not any("*" in action for action in listed(statement["Action"])), statement["Sid"]
        assert "*" not in listed(statement["Resource"]), statement["Sid"]


@pytest.mark.parametrize("role", ["webhook", "mwaa"])
def test_every_statement_is_explained_in_include_iam(role):
    readme = (REPO / "include" / "iam" / "README.md").read_text()
    for statement in policy(role)["Statement"]:
        assert f"`{statement['Sid']}`" in readme, (
            f"statement {statement['Sid']} of the {role} role is not in include/iam/README.md"
        )


# -- missing keys under real S3 semantics ------------------------------------------------------


def test_the_evaluator_decides_as_aws_does():
    document = {
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/curated/*"},
            {
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": "arn:aws:s3:::b",
                "Condition": {"StringLike": {"s3:prefix": ["curated/*"]}},
            },
            {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::b/curated/secret/*"},
        ]
    }
    # The brief's case: a prefix condition like curated/* still gives 404 for a missing key under it.
    assert missing_key_answer(document, "b", "curated/_manifests/messages/context_date=2026-01-01.json") == 404
    assert missing_key_answer(document, "b", "reports/x.json") == 403  # no GetObject there
    assert missing_key_answer(document, "b", "curated/secret/x") == 403  # an explicit Deny wins
    assert may_list(document, "b", "curated/") and not may_list(document, "b", "curated")
    assert not allowed(document, "s3:ListBucket", "arn:aws:s3:::b")  # no prefix in the request: no match
    without_list = {"Statement": document["Statement"][:1]}
    assert missing_key_answer(without_list, "b", "curated/x") == 403  # the 403 moto never gives
    assert wildcard("a?c*", "abc/d/e") and not wildcard("a?c", "ac")
    assert allowed({"Statement": [{"Effect": "Allow", "Action": "S3:Get*", "Resource": "*"}]}, "s3:GetObject", "x")
    with pytest.raises(NotImplementedError):
        allowed(
            {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"IpAddress": {}}}]},
            "s3:GetObject",
            "x",
        )


def test_the_webhook_tells_a_missing_migration_marker_from_a_denial():
    env = deploy.Renderer(deploy.load_template("webhook.yaml"), {"Name": STACK, **lake()}, ACCOUNT, REGION, STACK)
    variables = env.render(env.template["Resources"]["Function"]["Properties"]["Environment"]["Variables"])
    bucket, prefix = bucket_and_prefix(variables["RAW_URI"])
    document = policy("webhook")
    marker = f"{prefix}/{raw_zone.migration_marker_key(-1001234567890)}"
    assert missing_key_answer(document, bucket, marker) == 404
    # Anything else it may not read stays a 403, a real denial.
    assert missing_key_answer(document, bucket, f"{prefix}/context_date=2026-01-01/1.json") == 403


def test_the_dags_see_404_for_every_key_they_may_read_before_it_exists():
    choices = SimpleNamespace(timezone="UTC", start_date="2026-01-01", report_engine="duckdb")
    settings = deploy.pipeline_settings(lake(), choices)
    document = policy("mwaa")
    day = date(2026, 1, 1)
    curated_bucket, curated = bucket_and_prefix(settings["CURATED_URI"])
    raw_bucket, raw = bucket_and_prefix(settings["RAW_URI"])
    missing = {
        "the day's manifest (first run of every day)": (curated_bucket, f"{curated}/{layout.manifest_key(day)}"),
        "a curated partition the reports look up": (curated_bucket, f"{curated}/{layout.partition_key(day)}"),
    }
    for what, (bucket, key) in missing.items():
        assert missing_key_answer(document, bucket, key) == 404, f"{what}: s3://{bucket}/{key} would answer 403"
    # pyarrow's get_file_info on a missing file then lists "key/" to ask whether it is a folder.
    assert may_list(document, curated_bucket, f"{curated}/{layout.partition_key(day)}/")
    for uri in ("RAW_URI", "CURATED_URI", "REPORTS_URI", "QUARANTINE_URI", "ATHENA_OUTPUT_URI"):
        bucket, prefix = bucket_and_prefix(settings[uri])
        assert may_list(document, bucket, f"{prefix}/"), f"the DAGs may not list {settings[uri]}"
    assert may_list(document, raw_bucket, f"{raw}/{raw_zone.day_folder(day)}/")
    # Outside its zones the role is refused: the lake bucket's root, another prefix.
    assert not may_list(document, curated_bucket, "")
    assert missing_key_answer(document, curated_bucket, "elsewhere/x.json") == 403
