"""The CloudFormation templates of include/deploy/, read as deploy.py reads them, and what moto
cannot create of them."""

from __future__ import annotations

import deploy

TEMPLATES = sorted(p.name for p in deploy.HERE.glob("*.yaml"))
ACCOUNT, REGION = "123456789012", "us-east-1"  # moto's
# What moto's CloudFormation skips (it logs a warning and creates nothing); checked in the templates
# below and by cfn-lint. docs/deploy.md lists the same.
MOTO_CANNOT_CREATE = {
    "lake.yaml": {"AWS::S3::BucketPolicy", "AWS::Glue::Database", "AWS::Athena::WorkGroup"},
    "webhook.yaml": {
        "AWS::SecretsManager::Secret",
        "AWS::ApiGatewayV2::Api",
        "AWS::ApiGatewayV2::Integration",
        "AWS::ApiGatewayV2::Route",
        "AWS::ApiGatewayV2::Stage",
    },
    "network.yaml": set(),
    "mwaa-role.yaml": set(),
    "mwaa.yaml": {"AWS::MWAA::Environment"},
}


def template(name: str) -> dict:
    return deploy.load_template(name)


def resources(name: str, kind: str) -> dict[str, dict]:
    return {k: v.get("Properties", {}) for k, v in template(name)["Resources"].items() if v["Type"] == kind}
