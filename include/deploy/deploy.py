"""The whole AWS stack, deployed or removed in one command: what ``make deploy`` and ``make destroy`` run.

    python include/deploy/deploy.py deploy  --stack NAME --region REGION [--chat-ids IDS] [...]
    python include/deploy/deploy.py destroy --stack NAME --region REGION [--empty-buckets yes]
    python include/deploy/deploy.py policy  {webhook,mwaa} --stack NAME --region REGION [--account ID]

The stacks, from the templates beside this file, in the order they are deployed:

    NAME-lake       lake.yaml       the raw, lake and MWAA source buckets, Glue database, Athena workgroup
    NAME-webhook    webhook.yaml    the generated secret, the Lambda, its role and log group, the HTTP API
    NAME-network    network.yaml    VPC, two private subnets in two zones, NAT gateway (not with --subnets)
    NAME-mwaa-role  mwaa-role.yaml  the MWAA execution role
    NAME-mwaa       mwaa.yaml       the MWAA environment and its security group

Each is created, or updated through a change set as ``aws cloudformation deploy`` does (its changes
printed, then executed; nothing done when nothing changed), and its events followed until it is done. Before the webhook, the Lambda zip
is built and uploaded under a name that is its hash (new code, new key, an updated function); before
MWAA, the bundle is built with the lake's names in ``startup.sh`` and uploaded, each file only when it
changed (a new object version restarts the environment). ``policy`` prints a role's policy with every
name filled in, for a role made by hand.

boto3 only: no AWS CLI. Credentials are boto3's usual ones (AWS_PROFILE, SSO, environment variables);
AWS_ENDPOINT_URL sends every call elsewhere (the tests use moto's server).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BUILD = HERE / "build.py"
PROJECT_TAG = {"Key": "project", "Value": "telegram-pipeline"}
POLL_SECONDS = 10.0
ROLES = {"webhook": ("webhook.yaml", "FunctionRole"), "mwaa": ("mwaa-role.yaml", "ExecutionRole")}
# The zones' prefixes; the templates' IAM statements name the same ones.
ZONES = {"raw": "raw", "curated": "curated", "reports": "reports", "quarantine": "quarantine"}
ATHENA_RESULTS = "athena-results"
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")


class DeployError(Exception):
    """Something the user has to fix; its message says what."""


def stack_names(stack: str) -> dict[str, str]:
    return {part: f"{stack}-{part}" for part in ("lake", "webhook", "network", "mwaa-role", "mwaa")}


# ---------------------------------------------------------------- templates


class _TemplateLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms (!Ref, !Sub, !GetAtt ...) read as their long forms."""


def _intrinsic(loader: _TemplateLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def load_template(name: str) -> dict[str, Any]:
    return yaml.load((HERE / name).read_text(), Loader=_TemplateLoader)  # noqa: S506 (a SafeLoader)


# Resources whose physical name is one of their properties: a Ref to them renders as that name.
NAME_PROPERTY = {
    "AWS::S3::Bucket": ("BucketName",),
    "AWS::Athena::WorkGroup": ("Name",),
    "AWS::Glue::Database": ("DatabaseInput", "Name"),
}


class Renderer:
    """Evaluates the few intrinsic functions the templates' names and policies use (Ref, Fn::Sub,
    Fn::Join, Fn::Split, Fn::Select) for given parameters, the way CloudFormation would. Anything
    else (an attribute only known once deployed) raises, never renders as a guess."""

    def __init__(self, template: dict[str, Any], parameters: dict[str, Any], account: str, region: str, stack: str):
        self.template = template
        defaults = {k: v["Default"] for k, v in template.get("Parameters", {}).items() if "Default" in v}
        self.values = {
            **defaults,
            **parameters,
            "AWS::AccountId": account,
            "AWS::Region": region,
            "AWS::StackName": stack,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }

    def ref(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        resource = self.template.get("Resources", {}).get(name, {})
        if resource.get("Type") in NAME_PROPERTY:
            value = resource["Properties"]
            for key in NAME_PROPERTY[resource["Type"]]:
                value = value[key]
            return self.render(value)
        raise ValueError(f"{name} has no value before the stack is deployed")

    def sub(self, text: str, variables: dict[str, Any]) -> str:
        def one(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            return str(self.render(variables[name]) if name in variables else self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", one, text)

    def render(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.render(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((function, argument),) = value.items()
            if function == "Ref":
                return self.ref(argument)
            if function == "Fn::Sub":
                text, variables = (argument, {}) if isinstance(argument, str) else argument
                return self.sub(text, variables)
            if function == "Fn::Join":
                return argument[0].join(str(item) for item in self.render(argument[1]))
            if function == "Fn::Split":
                return str(self.render(argument[1])).split(argument[0])
            if function == "Fn::Select":
                return self.render(argument[1])[int(argument[0])]
            if function.startswith("Fn::"):
                raise ValueError(f"{function} {argument} has no value before the stack is deployed")
        return {key: self.render(item) for key, item in value.items()}


def lake_names(stack: str, account: str, region: str) -> dict[str, str]:
    """The lake stack's outputs (bucket, database and workgroup names), as it will name them."""
    template = load_template("lake.yaml")
    renderer = Renderer(template, {"Name": stack}, account, region, f"{stack}-lake")
    return {key: renderer.render(output["Value"]) for key, output in template["Outputs"].items()}


def role_policy(role: str, stack: str, account: str, region: str) -> dict[str, Any]:
    """The policy document of ``role`` (webhook or mwaa) with every name filled in."""
    template_name, logical_id = ROLES[role]
    template = load_template(template_name)
    parameters = {"Name": stack, **lake_names(stack, account, region)}
    renderer = Renderer(template, parameters, account, region, f"{stack}-{template_name.removesuffix('.yaml')}")
    (policy,) = template["Resources"][logical_id]["Properties"]["Policies"]
    return renderer.render(policy["PolicyDocument"])


def pipeline_settings(lake: dict[str, str], args: argparse.Namespace) -> dict[str, str]:
    """What startup.sh exports on MWAA: the lake's locations and the deploy's choices."""
    raw, bucket = lake["RawBucket"], lake["LakeBucket"]
    return {
        "RAW_URI": f"s3://{raw}/{ZONES['raw']}",
        "CURATED_URI": f"s3://{bucket}/{ZONES['curated']}",
        "REPORTS_URI": f"s3://{bucket}/{ZONES['reports']}",
        "QUARANTINE_URI": f"s3://{bucket}/{ZONES['quarantine']}",
        "TIMEZONE": args.timezone,
        "START_DATE": args.start_date,
        "CATALOG": "glue",
        "GLUE_DATABASE": lake["GlueDatabase"],
        "REPORT_ENGINE": args.report_engine,
        "ATHENA_WORKGROUP": lake["AthenaWorkGroup"],
        "ATHENA_OUTPUT_URI": f"s3://{bucket}/{ATHENA_RESULTS}/",
    }


# ---------------------------------------------------------------- AWS


class Aws:
    """The account's clients, after checking there are credentials that AWS accepts."""

    def __init__(self, region: str) -> None:
        try:
            import boto3
            from botocore.exceptions import BotoCoreError, ClientError
        except ImportError:
            raise DeployError("boto3 is not installed: run it with the venv's python (make venv)") from None
        try:
            session = boto3.session.Session(region_name=region or None)
            credentials = session.get_credentials()
        except BotoCoreError as exc:
            raise DeployError(f"the AWS credentials could not be loaded ({exc}). Nothing was changed.") from None
        missing = []
        if credentials is None:
            missing.append(
                "no AWS credentials: sign in first (aws configure, aws sso login, or export AWS_PROFILE, "
                "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
            )
        if not session.region_name:
            missing.append("no AWS region: give REGION=… (make deploy REGION=eu-west-1) or set AWS_REGION")
        if missing:
            raise DeployError("; ".join(missing) + ". Nothing was changed.")
        self.region = session.region_name
        self.session = session
        try:
            self.account = self.client("sts").get_caller_identity()["Account"]
        except (BotoCoreError, ClientError) as exc:
            raise DeployError(f"AWS did not accept the credentials ({exc}). Nothing was changed.") from None

    def client(self, service: str):
        from botocore.config import Config

        return self.session.client(service, config=Config(retries={"mode": "standard", "max_attempts": 8}))


class Stacks:
    """Create, update and delete CloudFormation stacks, printing what happens."""

    def __init__(self, aws: Aws, poll_seconds: float = POLL_SECONDS) -> None:
        self.cfn = aws.client("cloudformation")
        self.poll_seconds = poll_seconds

    def status(self, name: str) -> str | None:
        from botocore.exceptions import ClientError

        try:
            return self.cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        except ClientError as exc:
            if "does not exist" in str(exc):
                return None
            raise

    def created_on(self, name: str, timezone: str) -> str:
        """The day, in ``timezone``, the stack was first created."""
        created = self.cfn.describe_stacks(StackName=name)["Stacks"][0]["CreationTime"]
        return created.astimezone(ZoneInfo(timezone)).date().isoformat()

    def outputs(self, name: str) -> dict[str, str]:
        stack = self.cfn.describe_stacks(StackName=name)["Stacks"][0]
        return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}

    def deploy(self, name: str, template: str, parameters: dict[str, str]) -> dict[str, str]:
        """Create the stack, or update it through a change set whose changes are printed first; its outputs."""
        status = self.status(name)
        if status in ("ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS"):
            print(f"{name}: an earlier creation left it {status}, with nothing in it; deleting it to start again")
            self.delete(name)
            status = None
        if status and status.endswith("_IN_PROGRESS"):
            raise DeployError(f"{name} is busy ({status}); run again once it is done")
        if status and status.endswith("_FAILED"):
            raise DeployError(f"{name} is {status}: fix it in the CloudFormation console, then run again")
        request = {
            "StackName": name,
            "TemplateBody": (HERE / template).read_text(),
            "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            "Capabilities": ["CAPABILITY_IAM"],
            "Tags": [PROJECT_TAG],
        }
        if status is None:
            print(f"{name}: creating ({template})")
            # A failed creation removes what it made, so that the next run starts clean.
            # Followed by its id: once a failed creation is deleted, its name no longer finds it.
            stack_id = self.cfn.create_stack(**request, OnFailure="DELETE")["StackId"]
            final = self._follow(stack_id, set())
        else:
            change_set = f"deploy-{time.strftime('%Y%m%d-%H%M%S')}"
            self.cfn.create_change_set(**request, ChangeSetName=change_set, ChangeSetType="UPDATE")
            described = self._wait_change_set(name, change_set)
            if described["Status"] == "FAILED":
                reason = described.get("StatusReason", "")
                if any(text in reason for text in NO_CHANGES):
                    self.cfn.delete_change_set(StackName=name, ChangeSetName=change_set)
                    print(f"{name}: up to date")
                    return self.outputs(name)
                raise DeployError(f"{name}: CloudFormation refused the change set: {reason}")
            print(f"{name}: updating ({template})")
            for change in described.get("Changes", []):
                resource = change.get("ResourceChange", {})
                replaced = " (replaced)" if resource.get("Replacement") == "True" else ""
                print(f"  {resource.get('Action')} {resource.get('LogicalResourceId')}{replaced}")
            seen = self._event_ids(name)
            self.cfn.execute_change_set(StackName=name, ChangeSetName=change_set)
            final = self._follow(name, seen)
        if final not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            raise DeployError(f"{name} ended {final}; the failed resources are above")
        return self.outputs(name)

    def delete(self, name: str) -> None:
        if self.status(name) is None:
            return
        print(f"{name}: deleting")
        seen = self._event_ids(name)
        stack_id = self.cfn.describe_stacks(StackName=name)["Stacks"][0]["StackId"]
        self.cfn.delete_stack(StackName=name)
        final = self._follow(stack_id, seen)
        if final != "DELETE_COMPLETE":
            raise DeployError(f"{name} ended {final}; the resources it could not delete are above")

    def _wait_change_set(self, name: str, change_set: str) -> dict[str, Any]:
        while True:
            described = self.cfn.describe_change_set(StackName=name, ChangeSetName=change_set)
            if described["Status"] in ("CREATE_COMPLETE", "FAILED"):
                return described
            time.sleep(min(self.poll_seconds, 3.0))

    def _event_ids(self, name: str) -> set[str]:
        from botocore.exceptions import ClientError

        try:
            pages = self.cfn.get_paginator("describe_stack_events").paginate(StackName=name)
            return {event["EventId"] for page in pages for event in page["StackEvents"]}
        except ClientError:
            return set()

    def _follow(self, name: str, seen: set[str]) -> str:
        """Print the stack's new events until it is no longer in progress; its final status."""
        while True:
            status = self.cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
            events = self.cfn.describe_stack_events(StackName=name)["StackEvents"]
            for event in reversed([e for e in events if e["EventId"] not in seen]):
                seen.add(event["EventId"])
                reason = event.get("ResourceStatusReason", "")
                print(
                    f"  {event['Timestamp']:%H:%M:%S} {event['ResourceStatus']:<20} {event['LogicalResourceId']}"
                    + (f": {reason}" if reason and "FAILED" in event["ResourceStatus"] else "")
                )
            if not status.endswith("_IN_PROGRESS"):
                return status
            time.sleep(self.poll_seconds)


class Bucket:
    """Uploads that skip what is already there, and emptying, on one bucket."""

    def __init__(self, aws: Aws, name: str) -> None:
        self.s3 = aws.client("s3")
        self.name = name

    def put(self, key: str, body: bytes) -> str:
        """Upload ``body`` unless the object already holds exactly it; its version id either way."""
        from botocore.exceptions import ClientError

        digest = hashlib.md5(body, usedforsecurity=False)
        try:
            head = self.s3.head_object(Bucket=self.name, Key=key)
            if head["ETag"].strip('"') == digest.hexdigest():
                return head.get("VersionId", "")
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") not in (403, 404):
                raise
        answer = self.s3.put_object(
            Bucket=self.name, Key=key, Body=body, ContentMD5=base64.b64encode(digest.digest()).decode()
        )
        print(f"  uploaded s3://{self.name}/{key} ({len(body):,} bytes)")
        return answer.get("VersionId", "")

    def sync(self, folder: Path, prefix: str) -> None:
        """``prefix/`` becomes a copy of ``folder``: changed files uploaded, vanished ones deleted."""
        wanted = {f"{prefix}/{p.relative_to(folder).as_posix()}": p for p in sorted(folder.rglob("*")) if p.is_file()}
        for key, path in wanted.items():
            self.put(key, path.read_bytes())
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=f"{prefix}/")
        stale = [item["Key"] for page in pages for item in page.get("Contents", []) if item["Key"] not in wanted]
        for start in range(0, len(stale), 1000):
            batch = [{"Key": key} for key in stale[start : start + 1000]]
            self.s3.delete_objects(Bucket=self.name, Delete={"Objects": batch, "Quiet": True})
        if stale:
            print(f"  deleted {len(stale)} stale object(s) under s3://{self.name}/{prefix}/")

    def objects(self) -> int:
        """Object versions and delete markers in the bucket (counted up to 1,000): 0 when it is empty."""
        listing = self.s3.list_object_versions(Bucket=self.name, MaxKeys=1000)
        return len(listing.get("Versions", [])) + len(listing.get("DeleteMarkers", []))

    def empty(self) -> None:
        """Delete every object version and delete marker, so that the bucket itself can be deleted."""
        removed = 0
        for page in self.s3.get_paginator("list_object_versions").paginate(Bucket=self.name):
            batch = [
                {"Key": item["Key"], "VersionId": item["VersionId"]}
                for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            if batch:
                self.s3.delete_objects(Bucket=self.name, Delete={"Objects": batch, "Quiet": True})
                removed += len(batch)
        print(f"  emptied s3://{self.name} ({removed:,} object versions)")


# ---------------------------------------------------------------- deploy, destroy, policy


def build(kind: str, out: Path, env: dict[str, str] | None = None) -> Path:
    """``make lambda-zip`` / ``make mwaa-bundle``: include/deploy/build.py, with the settings in ``env``."""
    result = subprocess.run(
        [sys.executable, str(BUILD), kind, str(out)], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    if result.returncode != 0:
        raise DeployError(f"build.py {kind} failed:\n{result.stderr or result.stdout}")
    return out


def check_choices(args: argparse.Namespace) -> None:
    args.chat_ids = ",".join(part.strip() for part in args.chat_ids.split(",") if part.strip())
    if args.chat_ids and not re.fullmatch(r"-?\d+(,-?\d+)*", args.chat_ids):
        raise DeployError(f"CHAT_IDS {args.chat_ids!r}: give the group ids as integers separated by commas")
    try:
        ZoneInfo(args.timezone)
    except Exception:
        raise DeployError(
            f"TIMEZONE {args.timezone!r} is not an IANA time zone name (e.g. America/Sao_Paulo)"
        ) from None
    try:
        args.start_date and date.fromisoformat(args.start_date)
    except ValueError:
        raise DeployError(f"START_DATE {args.start_date!r} is not a YYYY-MM-DD date") from None
    if args.report_engine not in ("duckdb", "athena"):
        raise DeployError(f"REPORT_ENGINE {args.report_engine!r}: duckdb or athena")
    if bool(args.subnets) != bool(args.vpc):
        raise DeployError("give both SUBNETS (two private subnets, comma-separated) and VPC (their VPC), or neither")
    if args.subnets and len(args.subnets.split(",")) != 2:
        raise DeployError(f"SUBNETS {args.subnets!r}: two private subnets in two zones, comma-separated")


def deploy(args: argparse.Namespace) -> int:
    check_choices(args)
    aws = Aws(args.region)
    stacks, names = Stacks(aws, args.poll_seconds), stack_names(args.stack)
    print(f"Deploying {args.stack} to account {aws.account}, region {aws.region}")
    lake = stacks.deploy(names["lake"], "lake.yaml", {"Name": args.stack})
    # The first day there can be data, and the same on every later deploy (a new startup.sh restarts MWAA).
    args.start_date = args.start_date or stacks.created_on(names["lake"], args.timezone)
    source = Bucket(aws, lake["SourceBucket"])
    webhook = deploy_webhook(stacks, names["webhook"], source, lake, args)
    airflow_url = deploy_airflow(stacks, names, source, lake, args) if args.mwaa else ""
    print_next_steps(args, aws, lake, webhook, airflow_url)
    return 0


def deploy_webhook(stacks: Stacks, name: str, source: Bucket, lake: dict[str, str], args) -> dict[str, str]:
    archive = build("lambda", Path(args.dist) / "lambda.zip").read_bytes()
    code_key = f"lambda/handler-{hashlib.sha256(archive).hexdigest()[:16]}.zip"
    source.put(code_key, archive)
    parameters = {
        "Name": args.stack,
        "RawBucket": lake["RawBucket"],
        "SourceBucket": lake["SourceBucket"],
        "CodeKey": code_key,
        "AllowedChatIds": args.chat_ids,
        "Timezone": args.timezone,
    }
    return stacks.deploy(name, "webhook.yaml", parameters)


def deploy_airflow(stacks: Stacks, names: dict[str, str], source: Bucket, lake: dict[str, str], args) -> str:
    """The network (unless given), the execution role, the bundle and the environment; the UI's URL."""
    if args.subnets:
        vpc, subnets = args.vpc, args.subnets
    else:
        network = stacks.deploy(names["network"], "network.yaml", {"Name": args.stack})
        vpc, subnets = network["VpcId"], network["PrivateSubnetIds"]
    lake_names_used = ("RawBucket", "LakeBucket", "SourceBucket", "GlueDatabase", "AthenaWorkGroup")
    role = stacks.deploy(
        names["mwaa-role"], "mwaa-role.yaml", {"Name": args.stack, **{k: lake[k] for k in lake_names_used}}
    )
    bundle = build("mwaa", Path(args.dist) / "mwaa", pipeline_settings(lake, args))
    source.sync(bundle / "dags", "dags")
    versions = {
        name: source.put(name, (bundle / name).read_bytes())
        for name in ("plugins.zip", "requirements.txt", "startup.sh")
    }
    print(f"{names['mwaa']}: an environment takes 20-30 minutes to create, and an update about as long")
    parameters = {
        "Name": args.stack,
        "ExecutionRoleArn": role["ExecutionRoleArn"],
        "SourceBucket": lake["SourceBucket"],
        "VpcId": vpc,
        "SubnetIds": subnets,
        "PluginsVersion": versions["plugins.zip"],
        "RequirementsVersion": versions["requirements.txt"],
        "StartupScriptVersion": versions["startup.sh"],
        "EnvironmentClass": args.environment_class,
    }
    return stacks.deploy(names["mwaa"], "mwaa.yaml", parameters).get("WebserverUrl", "")


def print_next_steps(args, aws: Aws, lake: dict[str, str], webhook: dict[str, str], airflow_url: str) -> None:
    print()
    print(f"raw zone:     s3://{lake['RawBucket']}/{ZONES['raw']}/")
    print(f"lake:         s3://{lake['LakeBucket']}/ (curated/, reports/, quarantine/, {ATHENA_RESULTS}/)")
    print(f"webhook URL:  {webhook['WebhookUrl']}")
    if airflow_url:
        print(f"Airflow UI:   {airflow_url} (open it from the MWAA console, which signs you in)")
    print()
    print("Next: point Telegram at the webhook. `webhook set` reads the generated secret from Secrets Manager")
    print("itself; it is never typed or printed:")
    print("  export TELEGRAM_BOT_TOKEN=…   # from BotFather")
    print(
        f"  AWS_REGION={aws.region} WEBHOOK_SECRET_PARAM={webhook['WebhookSecretParam']} PYTHONPATH=plugins \\\n"
        f"    .venv/bin/python -m telegram_pipeline webhook set {webhook['WebhookUrl']} --reactions --members"
    )
    if not args.chat_ids:
        print()
        print("CHAT_IDS is empty, so the webhook keeps nothing yet. Post in the group, find its id in the log group")
        print(f'/aws/lambda/{webhook["FunctionName"]} ("outcome":"ignored_other_chat","chat_id":-100…), then run')
        print(f"  make deploy STACK={args.stack} REGION={aws.region} CHAT_IDS=<the id>")
    if airflow_url:
        print()
        print(
            "Then unpause telegram_consolidate (it catches up from START_DATE) and telegram_reports in the Airflow UI."
        )


def destroy(args: argparse.Namespace) -> int:
    aws = Aws(args.region)
    stacks, names = Stacks(aws, args.poll_seconds), stack_names(args.stack)
    print(f"Destroying {args.stack} in account {aws.account}, region {aws.region}")
    for part in ("mwaa", "mwaa-role", "network", "webhook"):
        stacks.delete(names[part])
    if stacks.status(names["lake"]) is None:
        print("Nothing left to delete.")
        return 0
    lake = stacks.outputs(names["lake"])
    data = {name: Bucket(aws, lake[name]) for name in ("RawBucket", "LakeBucket")}
    if not args.empty_buckets:
        holding = {bucket.name: count for bucket in data.values() if (count := bucket.objects())}
        if holding:
            listed = ", ".join(
                f"s3://{name} ({count:,}{'+' if count >= 1000 else ''} object versions)"
                for name, count in holding.items()
            )
            print(f"Kept {names['lake']}: your data is in {listed}.")
            print(
                f"Copy it away if you want it, then `make destroy STACK={args.stack} REGION={aws.region} EMPTY_BUCKETS=yes`"
            )
            print("deletes the buckets too (every object and old version: there is no undo).")
            return 0
    for bucket in (*data.values(), Bucket(aws, lake["SourceBucket"])):
        bucket.empty()
    stacks.delete(names["lake"])
    print(
        f"Deleted every stack of {args.stack}. MWAA's own log groups (airflow-{args.stack}-*), if any, stay in CloudWatch Logs."
    )
    return 0


def policy(args: argparse.Namespace) -> int:
    if args.account and args.region:
        account, region = args.account, args.region
    else:
        aws = Aws(args.region)
        account, region = args.account or aws.account, aws.region
    print(json.dumps(role_policy(args.role, args.stack, account, region), indent=2))
    return 0


def _yes(value: str) -> bool:
    if value.strip().lower() in ("", "0", "no", "false", "off"):
        return False
    if value.strip().lower() in ("1", "yes", "true", "on"):
        return True
    raise argparse.ArgumentTypeError(f"{value!r}: yes or no")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="deploy.py", description=__doc__.split("\n\n")[0])
    commands = top.add_subparsers(dest="command", required=True)
    for name in ("deploy", "destroy", "policy"):
        command = commands.add_parser(name)
        if name == "policy":
            command.add_argument("role", choices=sorted(ROLES))
            command.add_argument("--account", default="", help="the account id (else asked of AWS)")
        command.add_argument("--stack", required=True, type=_stack_name, help="prefix of every stack and name")
        command.add_argument("--region", default="", help="the region (else AWS_REGION or the profile's)")
        command.add_argument("--poll-seconds", type=float, default=POLL_SECONDS, help=argparse.SUPPRESS)
    deploy_args = commands.choices["deploy"]
    deploy_args.add_argument("--chat-ids", default="", help="ALLOWED_CHAT_IDS, the group ids, comma-separated")
    deploy_args.add_argument("--timezone", default="", type=lambda v: v or "UTC", help="TIMEZONE (default UTC)")
    deploy_args.add_argument(
        "--start-date", default="", help="START_DATE (default: the day the lake was first deployed)"
    )
    deploy_args.add_argument(
        "--report-engine", default="", type=lambda v: v or "duckdb", help="duckdb (default) or athena"
    )
    deploy_args.add_argument(
        "--environment-class", default="", type=lambda v: v or "mw1.small", help="MWAA class (default mw1.small)"
    )
    deploy_args.add_argument("--vpc", default="", help="an existing VPC, with --subnets (else a new one)")
    deploy_args.add_argument("--subnets", default="", help="two existing private subnets with a NAT, comma-separated")
    deploy_args.add_argument("--mwaa", default="yes", type=_yes, help="no: only the lake and the webhook")
    deploy_args.add_argument("--dist", default=str(REPO / "dist"), help="where the zip and the bundle are built")
    commands.choices["destroy"].add_argument("--empty-buckets", default="no", type=_yes, help="yes: the data too")
    return top


def _stack_name(value: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9-]{1,20}[a-z0-9]", value):
        raise argparse.ArgumentTypeError(f"{value!r}: 3-22 characters of a-z, 0-9 and -, starting with a letter")
    return value


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    try:
        return {"deploy": deploy, "destroy": destroy, "policy": policy}[args.command](args)
    except DeployError as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        if not type(exc).__module__.startswith("botocore"):
            raise
        print(f"{args.command}: AWS answered: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
