"""What an S3 error means, read the same way by the pipeline's storage layer and the webhook.

A missing key is "not found" (404) only to a caller that may ``s3:ListBucket`` the bucket for that
key's prefix; to any other caller S3 answers 403 AccessDenied, exactly as for a key it may not read.
So a 403 is never "not found": it is a denial, and its message names the permissions that can cause it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NOT_FOUND_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
DENIED_CODES = frozenset({"AccessDenied", "403", "Forbidden", "AllAccessDisabled"})

_READ = (
    "s3:GetObject on the key, and s3:ListBucket on the bucket for its prefix (without the list permission "
    "S3 answers a missing key with 403, not 404)"
)
# The permissions each call needs, named in the message of a denial.
NEEDS = {
    "get_object": _READ,
    "head_object": _READ,
    "list_objects_v2": "s3:ListBucket on the bucket, with an s3:prefix condition (if any) matching this prefix",
    "put_object": "s3:PutObject on the key",
    "delete_objects": "s3:DeleteObject on the keys",
}


def error_code(response: Mapping[str, Any]) -> tuple[str, int | None]:
    """(error code, HTTP status) of a botocore ClientError's ``response``. A HEAD has no body, so its
    code is the status itself ("404", "403")."""
    code = str(response.get("Error", {}).get("Code", ""))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code, status


def is_not_found(code: str) -> bool:
    return code in NOT_FOUND_CODES


def is_denied(code: str, status: int | None) -> bool:
    return code in DENIED_CODES or status == 403


def describe(method: str, url: str, code: str, status: int | None, detail: str = "") -> str:
    """One line saying what failed and, for a denial, which permission the role is missing."""
    text = f"S3 {method} on {url}: {code or status}"
    if is_denied(code, status):
        needs = NEEDS.get(method, "a permission for this call")
        text += f" (access denied: the role needs {needs})"
    return f"{text}: {detail}" if detail else text
