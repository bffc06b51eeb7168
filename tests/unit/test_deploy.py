"""`make deploy` / `make destroy` and the CloudFormation templates of include/deploy/, offline.

- cfn-lint passes on every template (and fails on a broken one).
- The stacks moto's CloudFormation can create are deployed on moto's server by deploy.py itself, and
  the resources are there with the right settings. What moto cannot create (bucket policies, the Glue
  database, the Athena workgroup, the secret, the HTTP API, the MWAA environment) is listed here from
  moto's own model map, checked in the templates, and left to cfn-lint.
- Without credentials, `make deploy` and `make destroy` say what is missing and exit non-zero.
"""

from __future__ import annotations

import json

import deploy
import pytest
from moto.cloudformation.parsing import get_model_map

from tests.support.cloudformation import ACCOUNT, MOTO_CANNOT_CREATE, REGION, TEMPLATES, resources, template
from tests.support.paths import REPO


def test_moto_cannot_create_exactly_what_the_docs_say():
    supported = set(get_model_map())
    page = (REPO / "docs" / "deploy.md").read_text()
    for name in TEMPLATES:
        kinds = {resource["Type"] for resource in template(name)["Resources"].values()}
        assert kinds - supported == MOTO_CANNOT_CREATE[name], f"{name}: moto's support changed; update the lists"
        for kind in MOTO_CANNOT_CREATE[name]:
            assert f"`{kind}`" in page, f"docs/deploy.md does not say moto cannot create {kind}"


# -- what the templates declare (including what moto cannot create) -----------------------------


def test_buckets_are_private_encrypted_versioned_tls_only_and_expire_old_versions():
    buckets = resources("lake.yaml", "AWS::S3::Bucket")
    assert set(buckets) == {"RawBucket", "LakeBucket", "SourceBucket"}
    for name, props in buckets.items():
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", name
        assert props["VersioningConfiguration"]["Status"] == "Enabled", name
        assert (
            all(props["PublicAccessBlockConfiguration"].values()) and len(props["PublicAccessBlockConfiguration"]) == 4
        )
        rules = props["LifecycleConfiguration"]["Rules"]
        assert any("NoncurrentVersionExpiration" in r and r["Status"] == "Enabled" for r in rules), name
    policies = resources("lake.yaml", "AWS::S3::BucketPolicy")
    assert {p["Bucket"]["Ref"] for p in policies.values()} == set(buckets)
    for props in policies.values():
        (statement,) = props["PolicyDocument"]["Statement"]
        assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert statement["Action"] == "s3:*" and statement["Principal"] == "*" and len(statement["Resource"]) == 2


def test_glue_database_and_athena_workgroup_with_its_results_location():
    renderer = deploy.Renderer(template("lake.yaml"), {"Name": "acme-telegram"}, ACCOUNT, REGION, "acme-telegram-lake")
    (database,) = resources("lake.yaml", "AWS::Glue::Database").values()
    assert renderer.render(database["DatabaseInput"]["Name"]) == "acme_telegram"
    (workgroup,) = resources("lake.yaml", "AWS::Athena::WorkGroup").values()
    configuration = renderer.render(workgroup["WorkGroupConfiguration"])
    lake = deploy.lake_names("acme-telegram", ACCOUNT, REGION)["LakeBucket"]
    assert configuration["ResultConfiguration"]["OutputLocation"] == f"s3://{lake}/{deploy.ATHENA_RESULTS}/"
    assert configuration["EnforceWorkGroupConfiguration"] is True
    expiring = [r for r in resources("lake.yaml", "AWS::S3::Bucket")["LakeBucket"]["LifecycleConfiguration"]["Rules"]]
    assert any(r.get("Prefix") == f"{deploy.ATHENA_RESULTS}/" and "ExpirationInDays" in r for r in expiring)


def test_the_webhook_secret_is_generated_in_telegrams_alphabet_and_never_a_parameter():
    (secret,) = resources("webhook.yaml", "AWS::SecretsManager::Secret").values()
    generated = secret["GenerateSecretString"]
    assert generated["ExcludePunctuation"] is True and generated["IncludeSpace"] is False
    assert 16 <= generated["PasswordLength"] <= 256  # Telegram: 1-256 of A-Z a-z 0-9 _ -
    assert "SecretString" not in secret
    assert not any("secret" in name.lower() for name in template("webhook.yaml")["Parameters"])
    (function,) = resources("webhook.yaml", "AWS::Lambda::Function").values()
    param = function["Environment"]["Variables"]["WEBHOOK_SECRET_PARAM"]["Fn::Sub"]
    assert param == "secretsmanager:" + secret["Name"]["Fn::Sub"]


def test_the_http_api_routes_post_webhook_to_the_function_and_logs_are_kept_a_while():
    (route,) = resources("webhook.yaml", "AWS::ApiGatewayV2::Route").values()
    assert route["RouteKey"] == "POST /webhook" and route["Target"] == {"Fn::Sub": "integrations/${Integration}"}
    (integration,) = resources("webhook.yaml", "AWS::ApiGatewayV2::Integration").values()
    assert integration["IntegrationType"] == "AWS_PROXY" and integration["PayloadFormatVersion"] == "2.0"
    assert integration["IntegrationUri"] == {"Fn::GetAtt": ["Function", "Arn"]}
    (stage,) = resources("webhook.yaml", "AWS::ApiGatewayV2::Stage").values()
    assert stage["AutoDeploy"] is True and stage["StageName"] == "$default"
    (permission,) = resources("webhook.yaml", "AWS::Lambda::Permission").values()
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["SourceArn"]["Fn::Sub"].endswith("${HttpApi}/*/POST/webhook")
    (log_group,) = resources("webhook.yaml", "AWS::Logs::LogGroup").values()
    assert log_group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert template("webhook.yaml")["Parameters"]["LogRetentionDays"]["Default"] == 30
    assert template("webhook.yaml")["Outputs"]["WebhookUrl"]["Value"]["Fn::Sub"].endswith("/webhook")


def test_the_mwaa_environment_runs_the_uploaded_bundle_in_private_subnets():
    (environment,) = resources("mwaa.yaml", "AWS::MWAA::Environment").values()
    parameters = template("mwaa.yaml")["Parameters"]
    assert parameters["AirflowVersion"]["Default"] == "3.3.1"
    assert parameters["EnvironmentClass"]["Default"] == "mw1.small"
    assert environment["DagS3Path"] == "dags"
    for name, version in (("Plugins", "PluginsVersion"), ("Requirements", "RequirementsVersion")):
        assert environment[f"{name}S3ObjectVersion"] == {"Ref": version}
    assert environment["StartupScriptS3Path"] == "startup.sh"
    assert environment["StartupScriptS3ObjectVersion"] == {"Ref": "StartupScriptVersion"}
    assert environment["NetworkConfiguration"]["SubnetIds"] == {"Ref": "SubnetIds"}
    assert parameters["SubnetIds"]["Type"] == "List<AWS::EC2::Subnet::Id>"
    assert environment["ExecutionRoleArn"] == {"Ref": "ExecutionRoleArn"}
    assert template("mwaa.yaml")["Outputs"]["WebserverUrl"]["Value"] == {
        "Fn::Sub": "https://${Environment.WebserverUrl}"
    }
    (ingress,) = resources("mwaa.yaml", "AWS::EC2::SecurityGroupIngress").values()
    assert ingress["SourceSecurityGroupId"] == ingress["GroupId"] == {"Ref": "SecurityGroup"}


def test_policy_prints_a_roles_policy_with_the_names_filled_in(capsys):
    code = deploy.main(["policy", "mwaa", "--stack", "acme", "--region", REGION, "--account", ACCOUNT])
    printed = capsys.readouterr().out
    assert code == 0 and json.loads(printed) == deploy.role_policy("mwaa", "acme", ACCOUNT, REGION)
    assert "${" not in printed and "arn:aws:s3:::acme-raw-123456789012-us-east-1/raw/*" in printed


def test_the_renderer_refuses_what_only_a_deployed_stack_knows():
    renderer = deploy.Renderer(template("webhook.yaml"), {"Name": "acme"}, ACCOUNT, REGION, "acme-webhook")
    assert renderer.render({"Fn::Sub": "${Name}-${AWS::Region}-${!Literal}"}) == "acme-us-east-1-${Literal}"
    with pytest.raises(ValueError, match="Function"):
        renderer.render({"Fn::GetAtt": ["Function", "Arn"]})
    with pytest.raises(ValueError, match="HttpApi"):
        renderer.render({"Fn::Sub": "https://${HttpApi}.example"})
