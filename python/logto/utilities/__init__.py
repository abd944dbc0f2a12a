"""Small helpers of the official SDK's public surface."""

import base64
from typing import Any, Dict

from .._core import ORGANIZATION_URN_PREFIX, build_organization_urn


def urlsafeEncode(data: bytes) -> str:
    """Encode the given bytes to a URL-safe string (base64url without padding)."""
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def removeFalsyKeys(data: Dict[str, Any]) -> Dict[str, Any]:
    """Remove keys with falsy values from the given dictionary."""
    return {key: value for key, value in data.items() if value}


OrganizationUrnPrefix: str = ORGANIZATION_URN_PREFIX
"""The prefix for Logto organization URNs."""


def buildOrganizationUrn(organizationId: str) -> str:
    """
    Build the organization URN from the organization ID.

    Example:
    ```python
    buildOrganizationUrn("1") # returns "urn:logto:organization:1"
    ```
    """
    return build_organization_urn(organizationId)


__all__ = ["urlsafeEncode", "removeFalsyKeys", "OrganizationUrnPrefix", "buildOrganizationUrn"]
