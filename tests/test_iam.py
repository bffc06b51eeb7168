"""The IAM policies in include/iam/ grant exactly the AWS actions the code calls, nothing more.

The actions are read from the code itself: an AST scan of each component's modules follows every
boto3 client (``aws.client("s3")``, ``boto3.client("ssm")``, a client kept on ``self``) and every
Amazon provider hook to the API operations called on it (paginators and ``getattr`` dispatch
included) and maps each operation to its IAM action with botocore's own service model.
The Lambda is ``lambda/handler.py``; the MWAA role covers every module the DAGs import.
Statements whose Sid starts with ``Platform`` are what the platform itself needs (Lambda's logs,
MWAA's queue, logs and metrics), documented in include/iam/README.md, and are not compared.
"""

from __future__ import annotations

import ast
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import REPO

IAM = REPO / "include" / "iam"
PACKAGE = "telegram_pipeline"

# Operations whose IAM action is not named after the operation.
S3_ACTIONS = {
    "ListObjectsV2": {"s3:ListBucket"},
    "ListObjects": {"s3:ListBucket"},
    "HeadObject": {"s3:GetObject"},
    "HeadBucket": {"s3:ListBucket"},
    "DeleteObjects": {"s3:DeleteObject"},
    "CopyObject": {"s3:GetObject", "s3:PutObject"},
    "CreateMultipartUpload": {"s3:PutObject"},
    "UploadPart": {"s3:PutObject"},
    "CompleteMultipartUpload": {"s3:PutObject"},
    "ListParts": {"s3:ListMultipartUploadParts"},
}
# Actions AWS checks on the caller's behalf when one of these is called.
IMPLIED = {
    # A SecureString parameter or a secret encrypted with a customer key.
    "ssm:GetParameter": {"kms:Decrypt"},
    "secretsmanager:GetSecretValue": {"kms:Decrypt"},
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


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules |= {a.name for a in node.names if a.name.startswith(PACKAGE + ".")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == PACKAGE:
            # `from pkg import name`: name may be a module of pkg, or something pkg defines
            modules.add(node.module)
            modules |= {f"{node.module}.{a.name}" for a in node.names}
    return modules


def dag_modules() -> list[Path]:
    """The DAG files and every package module they import, directly or not (imports inside
    functions included: that is where DAG files import)."""
    files = sorted((REPO / "dags").glob("*.py"))
    todo = set().union(*(_imported_modules(f) for f in files)) if files else set()
    found: dict[str, Path] = {}
    while todo:
        module = todo.pop()
        path = _module_file(module)
        if module in found or path is None:
            continue
        found[module] = path
        todo |= _imported_modules(path) - set(found)
    return files + [found[m] for m in sorted(found)]


def _module_file(module: str) -> Path | None:
    base = REPO / "plugins" / module.replace(".", "/")
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.exists():
            return path
    return None


def policy(name: str) -> dict:
    return json.loads((IAM / name).read_text())


def granted(document: dict, platform: bool = False) -> set[str]:
    actions = set()
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        if statement.get("Sid", "").startswith("Platform") == platform:
            listed = statement["Action"]
            actions |= {listed} if isinstance(listed, str) else set(listed)
    return actions


def statements_granting(document: dict, action: str) -> list[dict]:
    return [
        s for s in document["Statement"] if action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    ]


def _resources(statement: dict) -> list[str]:
    resource = statement.get("Resource", [])
    return [resource] if isinstance(resource, str) else resource


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
        "kms:Decrypt",
    } <= scan.actions
    assert "s3:ListBucket" in scan.actions  # implied by Athena's results location
    assert scan_source("import boto3\nboto3.client('s3').put_object(Bucket='b', Key='k')\n").actions == {"s3:PutObject"}


def test_scan_refuses_what_it_cannot_follow():
    scan = scan_source("import boto3\nname = 's3'\nboto3.client(name).delete_object(Bucket='b', Key='k')\n")
    assert scan.unfollowed


# -- the policies against the code ------------------------------------------------------------


def _compare(component: str, document: dict, scan: Scan) -> None:
    assert not scan.unfollowed, f"the IAM scan cannot follow these AWS calls of {component}: {scan.unfollowed}"
    code = granted(document)
    missing, extra = scan.actions - code, code - scan.actions
    assert not missing, (
        f"{component} calls {sorted(missing)} (calls seen: {sorted(scan.calls)}) but its policy does not grant them"
    )
    assert not extra, (
        f"{component}'s policy grants {sorted(extra)}, which its code never calls (calls seen: {sorted(scan.calls)})"
    )


def test_lambda_policy_grants_exactly_what_the_handler_calls():
    handler = REPO / "lambda" / "handler.py"
    if not handler.exists():
        pytest.skip("lambda/handler.py is not there yet")
    document = policy("lambda-role.json")
    scan = scan_files([handler])
    assert "s3:PutObject" in scan.actions, "the scan found no put_object in the handler: the scan is broken"
    _compare("lambda/handler.py", document, scan)


def test_lambda_policy_writes_only_under_the_raw_prefix():
    document = policy("lambda-role.json")
    every_action = granted(document) | granted(document, platform=True)
    assert not any("*" in action for action in every_action)
    assert not {"s3:DeleteObject", "s3:GetObject", "s3:ListBucket"} & every_action - granted(document)
    assert "s3:DeleteObject" not in every_action
    for statement in statements_granting(document, "s3:PutObject"):
        for resource in _resources(statement):
            assert resource.startswith("arn:aws:s3:::${RawBucket}/${RawPrefix}/"), resource
    for statement in document["Statement"]:
        assert "*" not in _resources(statement), statement["Sid"]


def test_mwaa_policy_grants_exactly_what_the_dags_call():
    files = dag_modules()
    if not any(path.parent.name == "dags" for path in files):
        pytest.skip("no DAG files yet")
    document = policy("mwaa-execution-role.json")
    _compare("the DAGs (" + ", ".join(str(p.relative_to(REPO)) for p in files) + ")", document, scan_files(files))


def test_mwaa_policy_never_writes_the_raw_zone_and_keeps_wildcards_to_the_platform():
    document = policy("mwaa-execution-role.json")
    for action in ("s3:PutObject", "s3:DeleteObject"):
        for statement in statements_granting(document, action):
            for resource in _resources(statement):
                assert "${RawPrefix}" not in resource, f"{action} on the raw zone: {resource}"
    for statement in document["Statement"]:
        if statement["Sid"].startswith("Platform"):
            continue
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any("*" in action for action in actions), statement["Sid"]
        assert "*" not in _resources(statement), statement["Sid"]


@pytest.mark.parametrize("name", ["lambda-role.json", "mwaa-execution-role.json"])
def test_every_placeholder_and_platform_statement_is_documented(name):
    text = (IAM / name).read_text()
    readme = (IAM / "README.md").read_text()
    for placeholder in sorted(set(re.findall(r"\$\{([A-Za-z:]+)\}", text))):
        assert f"${{{placeholder}}}" in readme, f"{placeholder} of {name} is not explained in include/iam/README.md"
    for statement in policy(name)["Statement"]:
        assert statement["Sid"] in readme, (
            f"statement {statement['Sid']} of {name} is not explained in include/iam/README.md"
        )
