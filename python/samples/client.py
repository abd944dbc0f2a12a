"""The sample's Logto client, configured from the environment.

LOGTO_ENDPOINT, LOGTO_APP_ID and LOGTO_APP_SECRET default to the repository's test identity
server (`node testing/idp/server.mjs --port 3001`) and its confidential app; APP_BASE_URL is where
this app is served (its callback is APP_BASE_URL + "/callback").
"""

import os

from logto import LogtoClient, LogtoConfig, UserInfoScope
from samples.storage import SessionStorage

APP_BASE_URL = os.environ.get("APP_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
API_RESOURCE = os.environ.get("LOGTO_API_RESOURCE") or os.environ.get("API_RESOURCE") or "https://api.example.com"

client = LogtoClient(
    LogtoConfig(
        endpoint=os.environ.get("LOGTO_ENDPOINT", "http://127.0.0.1:3001"),
        appId=os.environ.get("LOGTO_APP_ID", "confidential-app"),
        appSecret=os.environ.get("LOGTO_APP_SECRET", "confidential-secret"),
        scopes=[
            UserInfoScope.email,
            UserInfoScope.phone,
            UserInfoScope.customData,
            UserInfoScope.identities,
            UserInfoScope.organizations,
            UserInfoScope.organization_roles,
        ],
        resources=[API_RESOURCE],
    ),
    storage=SessionStorage(),
)
