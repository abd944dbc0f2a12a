"""Type stubs of the Rust extension module `logto._core` (internal: use the `logto` package)."""

from typing import Any, Awaitable, List, Optional, Tuple, Union, final

from .Storage import PersistKey

__all__ = [
    "CoreClient",
    "Outcome",
    "Snapshot",
    "CoreOidc",
    "CoreVerifier",
    "CoreMachine",
    "CoreSessions",
    "CoreWebSession",
    "CoreMockLogto",
    "CoreApi",
    "CoreNative",
    "CoreDeviceAuthorization",
    "same_origin",
    "is_local_path",
    "ORGANIZATION_URN_PREFIX",
    "build_organization_urn",
    "LogtoException",
    "LogtoNotAuthenticated",
    "LogtoSignInRequired",
    "LogtoCallbackRefused",
    "LogtoSignInSessionMissing",
    "LogtoRedirectUriMismatch",
    "LogtoStateMismatch",
    "LogtoMissingCode",
    "LogtoCallbackError",
    "LogtoInvalidCallbackUrl",
    "LogtoIssuerMismatch",
    "LogtoInvalidIdToken",
    "LogtoInvalidAccessToken",
    "LogtoUserInfoSubjectMismatch",
    "LogtoOrganizationError",
    "LogtoOrganizationsScopeMissing",
    "LogtoServerError",
    "LogtoNetworkError",
    "LogtoInvalidResponse",
    "LogtoEndSessionUnsupported",
    "LogtoConfigError",
    "LogtoReservedParameter",
    "LogtoStorageError",
    "LogtoApiError",
    "LogtoBearerError",
    "LogtoInvalidLogoutToken",
    "LogtoGrantNotAllowed",
    "LogtoCoordinationError",
]

ORGANIZATION_URN_PREFIX: str

def build_organization_urn(organization_id: str) -> str: ...

@final
class Snapshot:
    def __new__(
        cls,
        *,
        id_token: Optional[str] = None,
        refresh_token: Optional[str] = None,
        access_token_map: Optional[str] = None,
        sign_in_session: Optional[str] = None,
    ) -> Snapshot: ...

@final
class Outcome:
    @property
    def value(self) -> Any: ...
    @property
    def error(self) -> Optional[BaseException]: ...
    @property
    def changes(self) -> List[Tuple[PersistKey, Optional[str]]]: ...

_Pending = Union[Outcome, Awaitable[Outcome]]

@final
class CoreClient:
    def __new__(
        cls,
        endpoint: str,
        app_id: str,
        app_secret: Optional[str],
        scopes: List[str],
        resources: List[str],
        prompt: List[str],
        *,
        strict_callback_origin: bool = False,
        timeout: Optional[float] = None,
        redis_url: Optional[str] = None,
        backchannel_logout: bool = False,
        leeway: Optional[float] = None,
    ) -> CoreClient: ...
    def sign_in(
        self,
        snapshot: Union[Snapshot, CoreWebSession],
        redirect_uri: str,
        *,
        interaction_mode: Optional[str] = None,
        first_screen: Optional[str] = None,
        identifiers: Optional[List[str]] = None,
        direct_sign_in: Optional[str] = None,
        login_hint: Optional[str] = None,
        organization_id: Optional[str] = None,
        prompt: Optional[List[str]] = None,
        one_time_token: Optional[str] = None,
        extra_params: Optional[List[Tuple[str, str]]] = None,
        blocking: bool = False,
    ) -> _Pending: ...
    def handle_sign_in_callback(self, snapshot: Union[Snapshot, CoreWebSession], callback_uri: str, *, blocking: bool = False) -> _Pending: ...
    def sign_out(
        self, snapshot: Union[Snapshot, CoreWebSession], post_logout_redirect_uri: Optional[str] = None, *, blocking: bool = False
    ) -> _Pending: ...
    def get_access_token(
        self, snapshot: Union[Snapshot, CoreWebSession], resource: str, organization_id: Optional[str] = None, *, blocking: bool = False
    ) -> _Pending: ...
    @staticmethod
    def cached_access_token(stored_map: Optional[str], resource: str, organization_id: Optional[str] = None) -> Optional[str]: ...
    def get_access_token_claims(
        self, snapshot: Union[Snapshot, CoreWebSession], resource: str, organization_id: Optional[str] = None, *, blocking: bool = False
    ) -> _Pending: ...
    def fetch_user_info(self, snapshot: Union[Snapshot, CoreWebSession], *, blocking: bool = False) -> _Pending: ...
    def signed_in_claims(self, snapshot: Union[Snapshot, CoreWebSession], *, blocking: bool = False) -> _Pending: ...
    def context(
        self,
        snapshot: Union[Snapshot, CoreWebSession],
        *,
        fetch_user_info: bool = False,
        resource: Optional[str] = None,
        organization_id: Optional[str] = None,
        organization_tokens: bool = False,
        blocking: bool = False,
    ) -> _Pending: ...
    def handle_backchannel_logout(self, logout_token: str, *, blocking: bool = False) -> _Pending: ...
    def oidc_core(self, *, blocking: bool = False) -> Any: ...
    def is_authenticated(self, id_token: Optional[str]) -> bool: ...
    def claims_without_io(self, id_token: str) -> Optional[str]: ...
    def id_token_claims(self, id_token: Optional[str]) -> str: ...

@final
class CoreOidc:
    @staticmethod
    def from_metadata_json(metadata: str) -> CoreOidc: ...
    @staticmethod
    def discover(discovery_url: str) -> Awaitable[CoreOidc]: ...
    def metadata_json(self) -> str: ...
    @staticmethod
    def generate_state() -> str: ...
    @staticmethod
    def generate_code_verifier() -> str: ...
    @staticmethod
    def generate_code_challenge(code_verifier: str) -> str: ...
    @staticmethod
    def decode_id_token(id_token: str) -> str: ...
    @staticmethod
    def decode_access_token(access_token: str) -> str: ...
    def fetch_token_by_code(
        self, client_id: str, client_secret: Optional[str], redirect_uri: str, code: str, code_verifier: str
    ) -> Awaitable[str]: ...
    def fetch_token_by_refresh_token(
        self, client_id: str, client_secret: Optional[str], refresh_token: str, resource: str
    ) -> Awaitable[str]: ...
    def verify_id_token(self, id_token: str, client_id: str) -> None: ...
    def prefetch_keys(self) -> None: ...
    def fetch_user_info(self, access_token: str) -> Awaitable[str]: ...

@final
class CoreVerifier:
    def __new__(cls, endpoint: str, audience: str, scopes: List[str], cache_capacity: Optional[int] = None) -> CoreVerifier: ...
    def verify(self, token: Optional[str], *, from_header: bool = False, blocking: bool = False) -> Any: ...
    def prepare(self, *, blocking: bool = False) -> Any: ...

@final
class CoreMachine:
    def __new__(cls, endpoint: str, app_id: str, app_secret: str) -> CoreMachine: ...
    def get_token(
        self,
        resource: Optional[str] = None,
        organization_id: Optional[str] = None,
        scopes: Optional[List[str]] = None,
        *,
        blocking: bool = False,
    ) -> Any: ...
    def exchange_token(
        self,
        subject_token: str,
        subject_token_type: str,
        resource: Optional[str] = None,
        organization_id: Optional[str] = None,
        scopes: Optional[List[str]] = None,
        actor_token: Optional[str] = None,
        actor_token_type: Optional[str] = None,
        *,
        blocking: bool = False,
    ) -> Any: ...

class LogtoException(Exception):
    kind: str
    http_status: int
    oauth_error: Optional[str]

class LogtoNotAuthenticated(LogtoException): ...
class LogtoSignInRequired(LogtoNotAuthenticated): ...
class LogtoCallbackRefused(LogtoException): ...
class LogtoSignInSessionMissing(LogtoCallbackRefused): ...
class LogtoRedirectUriMismatch(LogtoCallbackRefused): ...
class LogtoStateMismatch(LogtoCallbackRefused): ...
class LogtoMissingCode(LogtoCallbackRefused): ...

class LogtoCallbackError(LogtoCallbackRefused):
    error: str
    error_description: Optional[str]

class LogtoInvalidCallbackUrl(LogtoCallbackRefused): ...
class LogtoIssuerMismatch(LogtoException): ...
class LogtoInvalidIdToken(LogtoException): ...
class LogtoInvalidAccessToken(LogtoException): ...
class LogtoUserInfoSubjectMismatch(LogtoException): ...

class LogtoOrganizationError(LogtoException):
    organization_id: str
    reason: str

class LogtoOrganizationsScopeMissing(LogtoOrganizationError): ...

class LogtoServerError(LogtoException):
    status: int
    endpoint: str
    error: Optional[str]
    error_description: Optional[str]

class LogtoNetworkError(LogtoException): ...
class LogtoInvalidResponse(LogtoException): ...
class LogtoEndSessionUnsupported(LogtoException): ...
class LogtoConfigError(LogtoException): ...
class LogtoReservedParameter(LogtoConfigError): ...
class LogtoStorageError(LogtoException): ...

class LogtoApiError(LogtoException):
    operation: str
    status: int
    code: Optional[str]
    logto_message: str
    data: Any

@final
class CoreDeviceAuthorization:
    @property
    def user_code(self) -> str: ...
    @property
    def verification_uri(self) -> str: ...
    @property
    def verification_uri_complete(self) -> Optional[str]: ...
    @property
    def expires_in(self) -> float: ...
    @property
    def interval(self) -> float: ...
    def with_interval(self, seconds: float) -> CoreDeviceAuthorization: ...

@final
class CoreNative:
    def __new__(
        cls,
        tool: str,
        endpoint: str,
        app_id: str,
        scopes: List[str],
        resources: List[str],
        token_file: Optional[str] = None,
        coordination_dir: Optional[str] = None,
        token_store: str = "auto",
    ) -> CoreNative: ...
    @property
    def kept_in(self) -> str: ...
    def sign_in_with_loopback(self, on_url: Any, timeout: float = 300.0, port: int = 0, *, blocking: bool = False) -> Any: ...
    def start_device_sign_in(self, *, blocking: bool = False) -> Any: ...
    def finish_device_sign_in(self, device: CoreDeviceAuthorization, *, blocking: bool = False) -> Any: ...
    def is_authenticated(self, *, blocking: bool = False) -> Any: ...
    def get_access_token(
        self, resource: Optional[str] = None, organization_id: Optional[str] = None, *, blocking: bool = False
    ) -> Any: ...
    def id_token_claims(self, *, blocking: bool = False) -> Any: ...
    def sign_out(self, *, blocking: bool = False) -> Any: ...

@final
class CoreApi:
    @staticmethod
    def management(
        endpoint: str, app_id: str, app_secret: str, resource: Optional[str] = None, api_endpoint: Optional[str] = None
    ) -> CoreApi: ...
    @staticmethod
    def anonymous(endpoint: str) -> CoreApi: ...
    def request(
        self,
        operation: str,
        method: str,
        path: str,
        query: List[Tuple[str, str]],
        body: Optional[bytes] = None,
        content_type: Optional[str] = None,
        access_token: Optional[str] = None,
        verification_id: Optional[str] = None,
        *,
        blocking: bool = False,
    ) -> Any: ...

class LogtoBearerError(LogtoException):
    status: int
    error: Optional[str]
    error_description: str
    www_authenticate: str
    scope: Optional[str]
    missing_scopes: List[str]

class LogtoInvalidLogoutToken(LogtoException): ...
class LogtoGrantNotAllowed(LogtoConfigError): ...
class LogtoCoordinationError(LogtoException): ...

def same_origin(base_url: str, origin: Optional[str], sec_fetch_site: Optional[str]) -> bool: ...
def is_local_path(target: str) -> bool: ...

_Answer = Tuple[int, List[Tuple[str, str]], str]

@final
class CoreMockLogto:
    @staticmethod
    def start(
        access_token_ttl: float, id_token_ttl: float, refresh_token_ttl: float, refresh_token_reuse_interval: float
    ) -> CoreMockLogto: ...
    @property
    def endpoint(self) -> str: ...
    def add_app(
        self,
        kind: str,
        app_id: str,
        app_secret: Optional[str],
        redirect_uris: List[str],
        post_logout_redirect_uris: List[str],
        backchannel_logout_uri: Optional[str],
        any_redirect_uri: bool,
        api_scopes: str,
        organizations: str,
        token_exchange: bool,
    ) -> None: ...
    def add_user(
        self, sub: str, claims: str, custom_data: str, roles: List[str], api_scopes: str, organizations: str
    ) -> None: ...
    def set_login_page(self, on: bool) -> None: ...
    def sign_in_as(self, sub: str) -> None: ...
    def callback_for(self, sign_in_url: str) -> str: ...
    def mint_access_token(self, audience: str, scopes: List[str], sub: str) -> str: ...
    def mint_subject_token(self, sub: str) -> str: ...
    def advance_clock(self, seconds: float) -> None: ...
    def set_token_delay(self, seconds: float) -> None: ...
    def rotate_signing_key(self) -> None: ...
    def retire_old_keys(self) -> None: ...
    def fail_next_token_requests(self, count: int, status: int, error: str) -> None: ...
    def set_down(self, down: bool) -> None: ...
    def approve_device(self, user_code: str, sub: str) -> bool: ...
    def deny_device(self, user_code: str) -> bool: ...
    def pending_device_codes(self) -> List[str]: ...
    def is_refresh_token_active(self, refresh_token: str) -> bool: ...
    def active_refresh_tokens(self, sub: str) -> int: ...
    def revoke_grants(self, sub: str) -> None: ...
    def end_sessions(self, sub: str) -> int: ...
    def token_requests(self) -> List[Tuple[str, str, Optional[str], bool]]: ...
    def reset_token_requests(self) -> None: ...
    def stop(self) -> None: ...

@final
class CoreWebSession:
    def get(self, key: str) -> Optional[str]: ...
    def app_values(self, *, blocking: bool = False) -> Any: ...
    def holds_tokens(self, *, blocking: bool = False) -> Any: ...

@final
class CoreSessions:
    def __new__(
        cls,
        client: CoreClient,
        base_url: str,
        *,
        sign_in_path: str,
        sign_up_path: str,
        callback_path: str,
        sign_out_path: str,
        backchannel_logout_path: str,
        post_sign_in_redirect: str,
        post_sign_out_redirect: str,
        sign_out_on_get: bool,
        cookie_name: str,
        cookie_secure: bool,
        cookie_domain: Optional[str],
        cookie_path: str,
        session_lifetime: int,
        sign_in_lifetime: int,
        redis_url: Optional[str] = None,
    ) -> CoreSessions: ...
    def open(self, cookie: Optional[str], *, blocking: bool = False) -> Any: ...
    def finish(self, session: CoreWebSession, app_values: Optional[str] = None, *, blocking: bool = False) -> Any: ...
    def sign_in(
        self, session: CoreWebSession, return_to: Optional[str] = None, first_screen: Optional[str] = None, *, blocking: bool = False
    ) -> Any: ...
    def callback(self, session: CoreWebSession, query: str, *, blocking: bool = False) -> Any: ...
    def sign_out(
        self,
        session: CoreWebSession,
        method: str,
        origin: Optional[str] = None,
        sec_fetch_site: Optional[str] = None,
        *,
        blocking: bool = False,
    ) -> Any: ...
    def backchannel_logout(self, logout_token: Optional[str], *, blocking: bool = False) -> Any: ...
    def signed_in_claims(self, session: CoreWebSession, *, blocking: bool = False) -> Any: ...
    def redirect_to_sign_in(self, return_to: str) -> _Answer: ...
    @staticmethod
    def not_authenticated() -> _Answer: ...
    @property
    def cookie_name(self) -> str: ...
