"""An IAM policy evaluator for what the templates use: an explicit Deny first, then any Allow;
wildcards; the conditions the templates use."""

from __future__ import annotations

import re


def listed(value) -> list:
    return [value] if isinstance(value, str) else list(value)


# -- a policy evaluator for what the templates use ---------------------------------------------


def wildcard(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM's wildcards: * is any run of characters (slashes included), ? is one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


CONDITION_OPERATORS = {
    "StringLike": lambda expected, actual: wildcard(expected, actual),
    "StringEquals": lambda expected, actual: expected == actual,
    "Bool": lambda expected, actual: str(expected).lower() == str(actual).lower(),
}


def _conditions_hold(conditions: dict, context: dict[str, str]) -> bool:
    """Every operator and every key must hold; any of a key's values may match. A key the request does
    not have fails its condition (there are no ...IfExists operators here)."""
    for operator, keys in conditions.items():
        if operator not in CONDITION_OPERATORS:
            raise NotImplementedError(f"the evaluator does not know the condition operator {operator}")
        for key, expected in keys.items():
            if key not in context:
                return False
            if not any(CONDITION_OPERATORS[operator](value, context[key]) for value in listed(expected)):
                return False
    return True


def allowed(document: dict, action: str, resource: str, context: dict[str, str] | None = None) -> bool:
    """IAM's decision for one request under one identity policy: an explicit Deny wins, then any Allow."""
    decision = False
    for statement in document["Statement"]:
        if "NotAction" in statement or "NotPrincipal" in statement:
            raise NotImplementedError("the evaluator does not know NotAction/NotPrincipal")
        if not any(wildcard(pattern, action, ignore_case=True) for pattern in listed(statement["Action"])):
            continue
        if "NotResource" in statement:
            if any(wildcard(pattern, resource) for pattern in listed(statement["NotResource"])):
                continue
        elif not any(wildcard(pattern, resource) for pattern in listed(statement["Resource"])):
            continue
        if not _conditions_hold(statement.get("Condition", {}), context or {}):
            continue
        if statement["Effect"] == "Deny":
            return False
        decision = True
    return decision


def missing_key_answer(document: dict, bucket: str, key: str) -> int:
    """What real S3 answers a GET or HEAD of ``key`` when it does not exist: 404 to a caller that may
    read it and list it (the key is the s3:prefix the ListBucket condition sees), else 403."""
    if not allowed(document, "s3:GetObject", f"arn:aws:s3:::{bucket}/{key}"):
        return 403
    if allowed(document, "s3:ListBucket", f"arn:aws:s3:::{bucket}", {"s3:prefix": key}):
        return 404
    return 403
