"""`make deploy` / `make destroy` and the CloudFormation templates of include/deploy/, offline.

- cfn-lint passes on every template (and fails on a broken one).
- The stacks moto's CloudFormation can create are deployed on moto's server by deploy.py itself, and
  the resources are there with the right settings. What moto cannot create (bucket policies, the Glue
  database, the Athena workgroup, the secret, the HTTP API, the MWAA environment) is listed here from
  moto's own model map, checked in the templates, and left to cfn-lint.
- Without credentials, `make deploy` and `make destroy` say what is missing and exit non-zero.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import uuid
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3
import deploy
import handler
import pytest
from telegram_pipeline import cli

from tests.support.cloudformation import ACCOUNT, MOTO_CANNOT_CREATE, REGION, TEMPLATES, resources, template
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.paths import FIXTURES, REPO
from tests.support.webhook_events import event


def client(service: str):
    return boto3.client(service, region_name=REGION)


def new_stack() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


# -- cfn-lint ----------------------------------------------------------------------------------


def cfn_lint(*paths: Path) -> subprocess.CompletedProcess:
    command = Path(sys.executable).with_name("cfn-lint")
    return subprocess.run([str(command), *map(str, paths)], capture_output=True, text=True)


def test_every_template_passes_cfn_lint():
    assert TEMPLATES == sorted(MOTO_CANNOT_CREATE), "a template deploy.py does not know, or one gone"
    result = cfn_lint(*(deploy.HERE / name for name in TEMPLATES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_fails_a_broken_template(tmp_path):
    broken = tmp_path / "webhook.yaml"
    broken.write_text((deploy.HERE / "webhook.yaml").read_text().replace("Runtime: python3.12", "Runtime: python3.99"))
    result = cfn_lint(broken)
    assert result.returncode != 0 and "python3.99" in result.stdout


# -- on moto's server ----------------------------------------------------------------------------


@pytest.fixture
def moto_account(aws_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_REGION", REGION)
    return deploy.Aws(REGION)


def run_deploy(capsys, *args: str) -> tuple[int, str, str]:
    code = deploy.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_deploy_creates_lake_and_webhook_on_moto_then_changes_nothing(moto_account, tmp_path, capsys):
    stack = new_stack()
    code, out, err = run_deploy(
        capsys,
        *("deploy", "--stack", stack, "--region", REGION, "--mwaa", "no", "--dist", str(tmp_path)),
        *("--chat-ids=-1001234567890, -1009876543210", "--timezone", "America/Sao_Paulo"),
    )
    assert code == 0, out + err
    names = deploy.lake_names(stack, ACCOUNT, REGION)
    s3 = client("s3")
    for key in ("RawBucket", "LakeBucket", "SourceBucket"):
        bucket = names[key]
        encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        assert encryption["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        # moto's CloudFormation applies a bucket's encryption and tags only: versioning, the public
        # access block and the lifecycle rules are checked in the template (and by cfn-lint).
        assert "Status" not in s3.get_bucket_versioning(Bucket=bucket), "moto versions buckets now: check it here"

    function = client("lambda").get_function(FunctionName=f"{stack}-webhook")
    configuration = function["Configuration"]
    assert (configuration["Runtime"], configuration["Handler"]) == ("python3.12", "handler.lambda_handler")
    assert configuration["Environment"]["Variables"] == {
        "RAW_URI": f"s3://{names['RawBucket']}/raw",
        "ALLOWED_CHAT_IDS": "-1001234567890,-1009876543210",
        "TIMEZONE": "America/Sao_Paulo",
        "WEBHOOK_SECRET_PARAM": f"secretsmanager:{stack}-webhook-secret",
    }
    (code_key,) = [k["Key"] for k in s3.list_objects_v2(Bucket=names["SourceBucket"], Prefix="lambda/")["Contents"]]
    uploaded = s3.get_object(Bucket=names["SourceBucket"], Key=code_key)["Body"].read()
    assert uploaded == (tmp_path / "lambda.zip").read_bytes()
    assert "handler.py" in zipfile.ZipFile(tmp_path / "lambda.zip").namelist()
    (group,) = client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{stack}-webhook")["logGroups"]
    assert group["retentionInDays"] == 30

    # The role moto made from the template is the policy deploy.py renders (and test_iam checks).
    iam = client("iam")
    role_name = configuration["Role"].rsplit("/", 1)[1]
    (policy_name,) = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
    document = ast.literal_eval(document) if isinstance(document, str) else document  # moto stores a repr
    assert document == deploy.role_policy("webhook", stack, ACCOUNT, REGION)

    assert "webhook URL:" in out
    assert f"WEBHOOK_SECRET_PARAM=secretsmanager:{stack}-webhook-secret" in out
    assert "python -m telegram_pipeline webhook set" in out
    assert "CHAT_IDS is empty" not in out

    code, again, err = run_deploy(
        capsys,
        *("deploy", "--stack", stack, "--region", REGION, "--mwaa", "no", "--dist", str(tmp_path)),
        *("--chat-ids=-1001234567890,-1009876543210", "--timezone", "America/Sao_Paulo"),
    )
    assert code == 0, again + err
    assert f"{stack}-lake: up to date" in again and f"{stack}-webhook: up to date" in again
    assert "uploaded" not in again


def test_the_deployed_webhook_and_webhook_set_share_the_generated_secret(moto_account, tmp_path, capsys, monkeypatch):
    stack = new_stack()
    code, out, err = run_deploy(
        capsys,
        *("deploy", "--stack", stack, "--region", REGION, "--mwaa", "no", "--dist", str(tmp_path)),
        *("--chat-ids=-1001234567890", "--timezone", "America/Sao_Paulo"),
    )
    assert code == 0, out + err
    outputs = deploy.Stacks(moto_account).outputs(f"{stack}-webhook")
    # moto cannot create the secret; made here as CloudFormation would, from the template's options.
    (props,) = resources("webhook.yaml", "AWS::SecretsManager::Secret").values()
    renderer = deploy.Renderer(template("webhook.yaml"), {"Name": stack}, ACCOUNT, REGION, f"{stack}-webhook")
    secrets = client("secretsmanager")
    secret = secrets.get_random_password(**props["GenerateSecretString"])["RandomPassword"]
    secrets.create_secret(Name=renderer.render(props["Name"]), SecretString=secret)

    # The function, with the environment the stack gave it, stores an update sent with that secret.
    variables = client("lambda").get_function_configuration(FunctionName=outputs["FunctionName"])["Environment"]
    env = {**variables["Variables"], "AWS_ENDPOINT_URL": os.environ["AWS_ENDPOINT_URL"], "AWS_REGION": REGION}
    body = (FIXTURES / "telegram" / "message_text_supergroup.json").read_bytes()
    handler.reset_caches()
    assert handler.handle(event(body, token=secret), env=env)["statusCode"] == 200
    assert handler.handle(event(body, token=secret[:-1]), env=env)["statusCode"] == 403
    raw = deploy.lake_names(stack, ACCOUNT, REGION)["RawBucket"]
    sent = json.loads(body)
    day = datetime.fromtimestamp(sent["message"]["date"], ZoneInfo("America/Sao_Paulo")).date()
    key = f"raw/context_date={day}/{sent['update_id']}.json"
    assert client("s3").get_object(Bucket=raw, Key=key)["Body"].read() == body
    capsys.readouterr()

    # `webhook set`, given only the stack's output, reads the same secret and never shows it.
    telegram = FakeTelegram()
    telegram.thread.start()
    try:
        monkeypatch.setenv("TELEGRAM_API_URL", telegram.url)
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("WEBHOOK_SECRET_PARAM", outputs["WebhookSecretParam"])
        assert cli.main(["webhook", "set", "https://abc.execute-api.us-east-1.amazonaws.com/webhook"]) == 0
    finally:
        telegram.httpd.shutdown()
        telegram.httpd.server_close()
    assert telegram.requests[0][1]["secret_token"] == secret
    assert secret not in "".join(capsys.readouterr())


def test_network_and_mwaa_role_stacks_on_moto(moto_account):
    stack = new_stack()
    stacks = deploy.Stacks(moto_account)
    lake = stacks.deploy(f"{stack}-lake", "lake.yaml", {"Name": stack})
    # moto cannot create the Glue database or the workgroup, so their outputs are missing here.
    lake |= {k: v for k, v in deploy.lake_names(stack, ACCOUNT, REGION).items() if k not in lake}
    network = stacks.deploy(f"{stack}-network", "network.yaml", {"Name": stack})
    ec2 = client("ec2")
    private = network["PrivateSubnetIds"].split(",")
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [network["VpcId"]]}])["Subnets"]
    zones = {s["SubnetId"]: s["AvailabilityZone"] for s in subnets}
    assert len(subnets) == 3 and len(private) == 2 and zones[private[0]] != zones[private[1]]
    (nat,) = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [network["VpcId"]]}])["NatGateways"]
    assert nat["SubnetId"] not in private
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [network["VpcId"]]}])["RouteTables"]
    (through_nat,) = [t for t in tables if any(r.get("NatGatewayId") == nat["NatGatewayId"] for r in t["Routes"])]
    # moto does not list a table's subnet associations; the stack's association resources name the table.
    made = client("cloudformation").describe_stack_resources(StackName=f"{stack}-network")["StackResources"]
    associated = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in made}
    assert associated["PrivateSubnet1Routes"] == associated["PrivateSubnet2Routes"] == through_nat["RouteTableId"]
    (endpoint,) = [e for e in ec2.describe_vpc_endpoints()["VpcEndpoints"] if e["VpcId"] == network["VpcId"]]
    assert endpoint["ServiceName"] == f"com.amazonaws.{REGION}.s3" and endpoint["VpcEndpointType"] == "Gateway"

    keys = ("RawBucket", "LakeBucket", "SourceBucket", "GlueDatabase", "AthenaWorkGroup")
    role = stacks.deploy(f"{stack}-mwaa-role", "mwaa-role.yaml", {"Name": stack, **{k: lake[k] for k in keys}})
    iam = client("iam")
    role_name = role["ExecutionRoleArn"].rsplit("/", 1)[1]
    trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]
    assert set(statement["Principal"]["Service"]) == {"airflow.amazonaws.com", "airflow-env.amazonaws.com"}
    (policy_name,) = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
    document = ast.literal_eval(document) if isinstance(document, str) else document
    assert document == deploy.role_policy("mwaa", stack, ACCOUNT, REGION)


def test_the_mwaa_bundle_carries_the_lakes_names_and_uploads_only_what_changed(moto_account, tmp_path):
    stack = new_stack()
    lake = deploy.Stacks(moto_account).deploy(f"{stack}-lake", "lake.yaml", {"Name": stack})
    lake |= {k: v for k, v in deploy.lake_names(stack, ACCOUNT, REGION).items() if k not in lake}
    choices = deploy.parser().parse_args(["deploy", "--stack", stack, "--timezone", "America/Sao_Paulo"])
    choices.start_date = "2026-11-01"
    settings = deploy.pipeline_settings(lake, choices)
    bundle = deploy.build("mwaa", tmp_path / "mwaa", settings)
    startup = (bundle / "startup.sh").read_text()
    for name, value in settings.items():
        assert f"export {name}={value}" in startup, name
    assert not [line for line in startup.splitlines() if line.startswith("export") and "CHANGE-ME" in line]

    source = deploy.Bucket(moto_account, lake["SourceBucket"])
    # As AWS does from the template (moto's CloudFormation ignores VersioningConfiguration).
    client("s3").put_bucket_versioning(Bucket=lake["SourceBucket"], VersioningConfiguration={"Status": "Enabled"})
    (bundle / "dags" / "old.py").write_text("# gone next time\n")
    source.sync(bundle / "dags", "dags")
    first = source.put("startup.sh", startup.encode())
    (bundle / "dags" / "old.py").unlink()
    source.sync(bundle / "dags", "dags")
    keys = {o["Key"] for o in client("s3").list_objects_v2(Bucket=lake["SourceBucket"], Prefix="dags/")["Contents"]}
    assert keys == {
        f"dags/{p.relative_to(bundle / 'dags').as_posix()}" for p in (bundle / "dags").rglob("*") if p.is_file()
    }
    assert source.put("startup.sh", startup.encode()) == first, "an unchanged file got a new version"
    assert source.put("startup.sh", (startup + "# changed\n").encode()) != first


def test_destroy_keeps_the_data_unless_asked_then_deletes_everything(moto_account, tmp_path, capsys):
    stack = new_stack()
    code, out, err = run_deploy(
        capsys, "deploy", "--stack", stack, "--region", REGION, "--mwaa", "no", "--dist", str(tmp_path)
    )
    assert code == 0, out + err
    assert "CHAT_IDS is empty" in out and "ignored_other_chat" in out
    names = deploy.lake_names(stack, ACCOUNT, REGION)
    s3, cloudformation = client("s3"), client("cloudformation")
    s3.put_object(Bucket=names["RawBucket"], Key="raw/context_date=2026-01-01/1.json", Body=b"{}")

    code, out, err = run_deploy(capsys, "destroy", "--stack", stack, "--region", REGION)
    assert code == 0, out + err
    assert "Kept" in out and names["RawBucket"] in out and "EMPTY_BUCKETS=yes" in out
    assert deploy.Stacks(moto_account).status(f"{stack}-webhook") is None
    assert deploy.Stacks(moto_account).status(f"{stack}-lake") == "CREATE_COMPLETE"
    assert s3.list_objects_v2(Bucket=names["RawBucket"])["KeyCount"] == 1

    code, out, err = run_deploy(capsys, "destroy", "--stack", stack, "--region", REGION, "--empty-buckets", "yes")
    assert code == 0, out + err
    assert deploy.Stacks(moto_account).status(f"{stack}-lake") is None
    existing = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert not existing & {names["RawBucket"], names["LakeBucket"], names["SourceBucket"]}
    live = [
        s["StackName"] for s in cloudformation.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"
    ]
    assert not [name for name in live if name.startswith(f"{stack}-")]


# -- without credentials --------------------------------------------------------------------------


def signed_out_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {
        **env,
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


@pytest.mark.parametrize("target", ["deploy", "destroy"])
def test_make_target_without_credentials_says_what_is_missing(tmp_path, target):
    result = subprocess.run(
        ["make", "-s", "-C", str(REPO), target, "STACK=acme", "REGION=eu-west-1", "CHAT_IDS=-1001234567890"],
        capture_output=True,
        text=True,
        env=signed_out_env(tmp_path),
        timeout=120,
    )
    assert result.returncode != 0
    assert "no AWS credentials" in result.stderr and "Nothing was changed." in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_deploy_without_credentials_or_region_names_both(tmp_path):
    result = subprocess.run(
        [sys.executable, str(deploy.HERE / "deploy.py"), "deploy", "--stack", "acme"],
        capture_output=True,
        text=True,
        env=signed_out_env(tmp_path),
    )
    assert result.returncode == 1
    assert "no AWS credentials" in result.stderr and "no AWS region" in result.stderr, result.stderr
