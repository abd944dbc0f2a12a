"""Our public surface against the official SDK's, read from the real `logto==0.2.1` wheel.

`official_surface.read_surface()` parses the official wheel (never imported: both packages are
named `logto`); this test imports ours and checks, for every public module of the official
package, that ours has every public name, and for each class its bases, public methods,
`__init__`, pydantic fields (a field with a default there must not be required here), the
`extra` setting of the model config, enum members (values and aliases), class attributes and
instance attributes; for every function and method the parameters (names, order, kinds, which
have defaults), `async`-ness and return annotation. Ours may have more: more names, and more
parameters after the official ones if they have defaults. Every other difference must be listed
in `ALLOWED` with its reason; the failure lists every mismatch at once.

The unreleased `signIn` options on the official repository's master (commit 8c7f403, "support
first_screen, extra_params and direct_sign_in params", after the 0.2.1 release) are checked by
the tests at the end.
"""

import abc
import asyncio
import importlib
import inspect
import re
import sys
import typing
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import parse_qs, urlparse

import pytest
from pydantic import BaseModel

import official_surface
from official_surface import MISSING, Class, Function, Module, Param

ALLOWED: Dict[str, str] = {
    # key (as printed in a failure) -> why the difference is intended
    "logto.LogtoClient_test": "a module of the official SDK's own unit tests (pytest, pytest_mock, aiohttp mocks) that "
    "its wheel ships inside the package; not API",
    "logto.OidcCore_test": "a module of the official SDK's own unit tests, shipped in its wheel; not API",
    "logto.utilities.test": "helpers of the official SDK's own unit tests (mockHttp, mockProviderMetadata over "
    "aiohttp), shipped in its wheel; not API",
    "logto.LogtoClient.LogtoClient.getIdTokenClaims:return": "returns AwaitableIdTokenClaims, a subclass of "
    "IdTokenClaims that can also be awaited, since the official guide writes `await client.getIdTokenClaims()`",
}


@dataclass(frozen=True)
class Mismatch:
    key: str
    detail: str

    def __str__(self) -> str:
        return f"{self.key}: {self.detail}"


def _instance_factories() -> Dict[str, Callable[[], Any]]:
    """How to build one of ours to look at the instance attributes the official class sets."""
    from logto import LogtoClient, LogtoConfig, MemoryStorage, OidcProviderMetadata
    from logto.OidcCore import OidcCore

    def oidc_core() -> Any:
        base = "https://logto.example/oidc"
        return OidcCore(
            OidcProviderMetadata(
                issuer=base,
                authorization_endpoint=f"{base}/auth",
                token_endpoint=f"{base}/token",
                userinfo_endpoint=f"{base}/me",
                jwks_uri=f"{base}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["ES384"],
            )
        )

    return {
        "logto.LogtoClient.LogtoClient": lambda: LogtoClient(LogtoConfig(endpoint="https://logto.example", appId="app")),
        "logto.OidcCore.OidcCore": oidc_core,
        "logto.Storage.MemoryStorage": MemoryStorage,
    }


def _normalize_annotation(text: str) -> str:
    """`typing.Optional[logto.models.oidc.IdTokenClaims]` -> `Optional[IdTokenClaims]`."""
    text = re.sub(r"\b(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)", r"\1", text)
    return text.replace("NoneType", "None").replace(" ", "")


def _annotation(annotation: Any) -> Optional[str]:
    if annotation is inspect.Signature.empty:
        return None
    if isinstance(annotation, str):
        return _normalize_annotation(annotation)
    return _normalize_annotation(inspect.formatannotation(annotation))


def _describe(parameters: List[inspect.Parameter]) -> str:
    out = []
    for parameter in parameters:
        prefix = {"VAR_POSITIONAL": "*", "VAR_KEYWORD": "**"}.get(parameter.kind.name, "")
        default = "=…" if parameter.default is not inspect.Parameter.empty else ""
        out.append(f"{prefix}{parameter.name}{default}")
    return "(" + ", ".join(out) + ")"


def parameter_problems(official: List[Param], ours: List[inspect.Parameter]) -> List[str]:
    """What a caller of the official signature could pass that ours would not take the same way."""
    problems = []
    for index, expected in enumerate(official):
        if index >= len(ours):
            problems.append(f"no parameter {expected.name!r} at position {index}")
            continue
        actual = ours[index]
        if actual.name != expected.name:
            problems.append(f"parameter {index} is {actual.name!r}, official {expected.name!r}")
        if actual.kind.name != expected.kind:
            problems.append(f"{actual.name!r} is {actual.kind.name}, official {expected.kind}")
        if expected.has_default and actual.default is inspect.Parameter.empty:
            problems.append(f"{actual.name!r} has no default, the official one has")
    for extra in ours[len(official):]:
        if extra.kind.name not in ("VAR_POSITIONAL", "VAR_KEYWORD") and extra.default is inspect.Parameter.empty:
            problems.append(f"extra parameter {extra.name!r} has no default")
    return problems


class SurfaceCheck:
    def __init__(self, official: Dict[str, Module]) -> None:
        self.official = official
        self.classes = official_surface.class_index(official)
        self.mismatches: List[Mismatch] = []
        self.factories = _instance_factories()

    def report(self, key: str, detail: str) -> None:
        self.mismatches.append(Mismatch(key, detail))

    # -- modules ---------------------------------------------------------------------------------

    def run(self) -> List[Mismatch]:
        for name, module in sorted(self.official.items()):
            try:
                ours = importlib.import_module(name)
            except ImportError as error:
                self.report(name, f"no such module ({error})")
                continue
            self.check_module(module, ours)
        self.check_package_attributes()
        return self.mismatches

    def check_package_attributes(self) -> None:
        """`import logto.X` then `logto.X.Y`: in the official package `logto.X` is the submodule
        unless the package's `__init__` binds the name X to something else."""
        for name, module in sorted(self.official.items()):
            parent_name, _, child = name.rpartition(".")
            parent = self.official.get(parent_name)
            if not parent_name or parent is None or child in parent.names() or name not in sys.modules:
                continue
            if getattr(sys.modules[parent_name], child, None) is not sys.modules[name]:
                bound = getattr(sys.modules[parent_name], child, None)
                self.report(
                    f"{name}:package-attribute",
                    f"`{parent_name}.{child}` is {bound!r}, not the submodule {name} (the official "
                    f"`{parent_name}/__init__.py` does not rebind {child!r}, so `import {name}` then "
                    f"`{name}.<name>` works there)",
                )

    def check_module(self, module: Module, ours: Any) -> None:
        for name, (source_module, source_name) in module.reexports.items():
            key = f"{module.name}.{name}"
            if not hasattr(ours, name):
                self.report(key, f"missing (official: re-exported from {source_module})")
                continue
            try:
                source = importlib.import_module(source_module)
            except ImportError:
                continue  # reported with that module
            if source_name and hasattr(source, source_name) and getattr(ours, name) is not getattr(source, source_name):
                self.report(key, f"is not the same object as {source_module}.{source_name}")
        for name, value in module.values.items():
            key = f"{module.name}.{name}"
            if not hasattr(ours, name):
                self.report(key, f"missing (official: `{name} = {value.source}`)")
                continue
            self.check_value(key, value, getattr(ours, name))
        for name, function in module.functions.items():
            key = f"{module.name}.{name}"
            if not hasattr(ours, name):
                self.report(key, f"missing function (official: def {name}{function.signature()})")
                continue
            self.check_function(key, function, getattr(ours, name))
        for name, cls in module.classes.items():
            key = f"{module.name}.{name}"
            ours_class = getattr(ours, name, None)
            if ours_class is None:
                self.report(key, f"missing class (official: class {name}({', '.join(cls.bases)}), {cls.kind})")
            elif not inspect.isclass(ours_class):
                self.report(key, f"is {ours_class!r}, official is a class")
            else:
                self.check_class(key, cls, ours_class)

    def check_value(self, key: str, value: official_surface.Value, ours: Any) -> None:
        if value.literal_args is not None:
            if typing.get_origin(ours) is not typing.Literal:
                self.report(key, f"is {ours!r}, official is `{value.source}`")
                return
            missing = [arg for arg in value.literal_args if arg not in typing.get_args(ours)]
            if missing:
                self.report(key, f"lacks {missing} (official: `{value.source}`)")
        elif value.literal is not MISSING and (type(ours) is not type(value.literal) or ours != value.literal):
            self.report(key, f"is {ours!r}, official {value.literal!r}")

    # -- functions -------------------------------------------------------------------------------

    def check_function(self, key: str, function: Function, raw: Any) -> None:
        """`raw` is ours as stored (for a method: in the class `__dict__`, maybe a staticmethod or
        classmethod); both sides are compared as called on the class."""
        drop_first = False
        if isinstance(raw, staticmethod):
            raw = raw.__func__
        elif isinstance(raw, classmethod):
            raw, drop_first = raw.__func__, True
        elif isinstance(raw, property):
            self.report(key, f"is a property, official is a method {function.signature()}")
            return
        if not callable(raw):
            self.report(key, f"is {raw!r}, official is a function {function.signature()}")
            return
        try:
            signature = inspect.signature(raw)
        except (TypeError, ValueError) as error:
            self.report(key, f"has no readable signature ({error}); official {function.signature()}")
            return
        parameters = list(signature.parameters.values())[1 if drop_first else 0:]
        is_async = inspect.iscoroutinefunction(raw)
        problems = parameter_problems(function.params, parameters)
        if problems:
            self.report(
                f"{key}:params",
                f"ours {'async ' if is_async else ''}{_describe(parameters)}, official {function.signature()}: "
                + "; ".join(problems),
            )
        if is_async != function.is_async:
            self.report(
                f"{key}:async",
                f"ours is {'async' if is_async else 'not async'}, official is {'async' if function.is_async else 'not async'}",
            )
        if function.returns is not None:
            ours_returns = _annotation(signature.return_annotation)
            if ours_returns != _normalize_annotation(function.returns):
                self.report(f"{key}:return", f"ours returns {ours_returns}, official {function.returns}")

    # -- classes ---------------------------------------------------------------------------------

    def ours_class(self, official_name: str) -> Optional[type]:
        cls = self.classes.get(official_name)
        if cls is None:
            return None
        try:
            return getattr(importlib.import_module(cls.module), cls.name, None)
        except ImportError:
            return None

    def check_class(self, key: str, cls: Class, ours: type) -> None:
        self.check_bases(key, cls, ours)
        for name, method in cls.methods.items():
            if name.startswith("_") and not (name == "__init__" and cls.kind not in ("model", "enum")):
                continue
            raw = inspect.getattr_static(ours, name, MISSING)
            if raw is MISSING:
                self.report(f"{key}.{name}", f"missing method (official: def {name}{method.signature()} -> {method.returns})")
                continue
            self.check_function(f"{key}.{name}", method, raw)
        if cls.kind == "model":
            self.check_model(key, cls, ours)
        elif cls.kind == "enum":
            self.check_enum(key, cls, ours)
        else:
            for name in cls.class_attributes():
                if not hasattr(ours, name):
                    value = cls.assigned.get(name)
                    self.report(
                        f"{key}.{name}",
                        f"missing class attribute (official: `{name} = {value.source if value else '…'}`)",
                    )
        if cls.instance_attributes:
            self.check_instance_attributes(key, cls, ours)

    def check_bases(self, key: str, cls: Class, ours: type) -> None:
        roots: Dict[str, type] = {"BaseModel": BaseModel, "Enum": Enum, "Exception": Exception}
        for base in cls.bases:
            short = base.split(".")[-1]
            expected = roots.get(short) or self.ours_class(short)
            if short == "ABC":
                if not isinstance(ours, abc.ABCMeta):
                    self.report(f"{key}:base", f"is not an ABC (official base {base})")
                continue
            if expected is None:
                continue  # a base outside the package that has no counterpart to check
            if not issubclass(ours, expected):
                self.report(f"{key}:base", f"is not a subclass of {expected.__module__}.{expected.__qualname__} (official base {base})")

    def check_model(self, key: str, cls: Class, ours: type) -> None:
        if not (isinstance(ours, type) and issubclass(ours, BaseModel)):
            return  # reported by check_bases
        fields = ours.model_fields
        for name, has_default in cls.fields().items():
            if name == "model_config":
                continue
            if name not in fields:
                self.report(f"{key}.{name}", "missing pydantic field")
            elif has_default and fields[name].is_required():
                self.report(f"{key}.{name}:required", "is required, the official field has a default")
        official_extra = cls.model_config().get("extra", "ignore")
        ours_extra = ours.model_config.get("extra") or "ignore"
        if (official_extra == "allow" and ours_extra != "allow") or (official_extra == "ignore" and ours_extra == "forbid"):
            self.report(f"{key}:model_config", f"extra={ours_extra!r}, official extra={official_extra!r}")

    def check_enum(self, key: str, cls: Class, ours: type) -> None:
        if not issubclass(ours, Enum):
            return  # reported by check_bases
        canonical: Dict[Any, str] = {}
        for name, value in cls.members().items():
            canonical.setdefault(value, name)
            member = ours.__members__.get(name)
            if member is None:
                self.report(f"{key}.{name}", f"missing enum member (official: {name} = {value!r})")
            elif member.value != value:
                self.report(f"{key}.{name}:value", f"is {member.value!r}, official {value!r}")
            elif member.name != canonical[value]:
                self.report(
                    f"{key}.{name}:alias",
                    f"is {ours.__name__}.{member.name}, official is "
                    + (f"an alias of {canonical[value]}" if canonical[value] != name else "its own member"),
                )

    def check_instance_attributes(self, key: str, cls: Class, ours: type) -> None:
        factory = self.factories.get(cls.path, ours)
        try:
            instance = factory()
        except Exception as error:  # noqa: BLE001 - reported as a mismatch of the test itself
            self.report(f"{key}:instance", f"cannot build one to check {sorted(cls.instance_attributes)} ({error!r}); add a factory")
            return
        for name, line in cls.instance_attributes.items():
            if not hasattr(instance, name):
                self.report(f"{key}.{name}", f"missing instance attribute (official: `self.{name} = ...`, line {line} of {cls.module})")


@pytest.fixture(scope="module")
def official() -> Dict[str, Module]:
    return official_surface.read_surface()


def test_public_surface_matches_official_0_2_1(official):
    mismatches = SurfaceCheck(official).run()
    unexpected = sorted({str(m) for m in mismatches if m.key not in ALLOWED})
    stale = sorted(key for key in ALLOWED if key not in {m.key for m in mismatches})
    message = []
    if unexpected:
        message.append(f"{len(unexpected)} differences from the official logto=={official_surface.OFFICIAL_VERSION}:")
        message += [f"  - {line}" for line in unexpected]
    if stale:
        message.append("ALLOWED entries that no longer match a difference (remove them):")
        message += [f"  - {key}" for key in stale]
    assert not message, "\n".join(message)


def test_surface_reader_sees_the_official_api(official):
    """Guards the reader itself: a parser that found nothing would make the test above pass."""
    client = official["logto.LogtoClient"].classes["LogtoClient"]
    sign_in = client.methods["signIn"]
    assert sign_in.is_async and [p.name for p in sign_in.params] == ["self", "redirectUri", "interactionMode"]
    assert [p.has_default for p in sign_in.params] == [False, False, True]
    assert official["logto.Storage"].values["PersistKey"].literal_args == (
        "idToken", "accessTokenMap", "refreshToken", "signInSession",
    )
    assert official["logto.models.oidc"].classes["IdTokenClaims"].fields()["exp"] is False
    assert official["logto.models.oidc"].classes["UserInfoScope"].kind == "enum"
    assert official["logto"].reexports["LogtoClient"] == ("logto.LogtoClient", "LogtoClient")
    assert official["logto.OidcCore"].classes["OidcCore"].instance_attributes.keys() == {"metadata", "jwksClient"}
    assert "logto.models" in official and official["logto.models"].is_package


# -- the official repository's master, after 0.2.1 (commit 8c7f403) ---------------------------------

MASTER_SIGN_IN = ["self", "redirectUri", "interactionMode", "firstScreen", "identifiers", "directSignIn", "extraParams"]
MASTER_ENUMS = {
    "FirstScreen": {
        "register": "identifier:register",
        "sign_in": "identifier:sign_in",
        "single_sign_on": "single_sign_on",
        "reset_password": "reset_password",
    },
    "Identifier": {"username": "username", "email": "email", "phone": "phone"},
    "DirectSignInOptionMethod": {"sso": "sso", "social": "social"},
}


def test_sign_in_has_the_unreleased_parameters():
    from logto import LogtoClient

    parameters = list(inspect.signature(LogtoClient.signIn).parameters.values())
    master = [Param(name, "POSITIONAL_OR_KEYWORD", name not in ("self", "redirectUri")) for name in MASTER_SIGN_IN]
    assert parameter_problems(master, parameters) == [], _describe(parameters)


def test_unreleased_sign_in_option_types():
    """master's `logto.models.oidc`: `firstScreen: Optional[FirstScreen]`,
    `identifiers: Optional[List[Identifier]]`, `directSignIn: Optional[DirectSignInOption]`,
    `extraParams: Optional[Dict[str, str]]`."""
    oidc = importlib.import_module("logto.models.oidc")
    problems = []
    for name, members in MASTER_ENUMS.items():
        cls = getattr(oidc, name, None)
        if cls is None or not issubclass(cls, getattr(oidc, "BaseEnum", Enum)):
            problems.append(f"logto.models.oidc.{name}: missing (or not a BaseEnum)")
            continue
        ours = {member.name: member.value for member in cls}
        if ours != members:
            problems.append(f"logto.models.oidc.{name}: members {ours}, master {members}")
        first = next(iter(members.values()))
        if cls.from_value(first) is not cls(first) or cls.from_value("nope") is not None or str(cls(first)) != first:
            problems.append(f"logto.models.oidc.{name}: from_value/__str__ differ from master's BaseEnum")
    option = getattr(oidc, "DirectSignInOption", None)
    if option is None or list(option.model_fields) != ["method", "identifier"]:
        problems.append("logto.models.oidc.DirectSignInOption: missing or fields are not (method, identifier)")
    elif option(method="social", identifier="google").method is not oidc.DirectSignInOptionMethod.social:
        problems.append("logto.models.oidc.DirectSignInOption: method is not validated into DirectSignInOptionMethod")
    assert not problems, "\n".join(problems)


def test_sign_in_takes_the_unreleased_typed_options(idp, redirect_uri):
    """master's sample passes the enums and the option model, not strings."""
    from conftest import config_for
    from logto import LogtoClient
    from logto.models.oidc import DirectSignInOption, DirectSignInOptionMethod, FirstScreen, Identifier

    client = LogtoClient(config_for(idp))
    problems = []
    attempts = {
        "firstScreen": (dict(firstScreen=FirstScreen.sign_in), "first_screen", "identifier:sign_in"),
        "identifiers": (
            dict(firstScreen=FirstScreen.register, identifiers=[Identifier.email, Identifier.username]),
            "identifier",
            "email username",
        ),
        "directSignIn": (
            dict(directSignIn=DirectSignInOption(method=DirectSignInOptionMethod.social, identifier="github")),
            "direct_sign_in",
            "social:github",
        ),
        "directSignIn (sso)": (
            dict(directSignIn=DirectSignInOption(method=DirectSignInOptionMethod.sso.value, identifier="abc")),
            "direct_sign_in",
            "sso:abc",
        ),
        "extraParams": (dict(extraParams={"ui_locales": "fr"}), "ui_locales", "fr"),
    }
    for what, (kwargs, parameter, expected) in attempts.items():
        try:
            url = asyncio.run(client.signIn(redirect_uri, **kwargs))
        except Exception as error:  # noqa: BLE001 - every failure is listed
            problems.append(f"signIn({what}) raised {error!r}")
            continue
        got = parse_qs(urlparse(url).query).get(parameter)
        if got != [expected]:
            problems.append(f"signIn({what}): {parameter}={got}, expected [{expected!r}]")
    assert not problems, "\n".join(problems)


def test_config_takes_every_official_scope():
    """The official `LogtoConfig.scopes` is `List[Union[str, Scope]]`: any Scope member goes,
    including `OAuthScope.offlineAccess` and the `UserInfoScope.custom_data` alias."""
    from logto import LogtoConfig
    from logto.models.oidc import OAuthScope, UserInfoScope

    scopes = [OAuthScope.offlineAccess, UserInfoScope.custom_data, UserInfoScope.email, "read:data"]
    config = LogtoConfig(endpoint="https://logto.example", appId="app", scopes=scopes, resources=["https://api"])
    names = [scope.value if isinstance(scope, Enum) else scope for scope in config.scopes]
    assert names == ["offline_access", "custom_data", "email", "read:data"]
