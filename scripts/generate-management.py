#!/usr/bin/env python3
"""Generates the typed Management API and Account API clients from Logto's OpenAPI document.

    scripts/generate-management.py path/to/swagger.json

A Logto serves its document at `GET /api/swagger.json`; the one the committed code was generated
from is named in `crates/logto-management/operations.json`. The script writes:

- `crates/logto-management/src/generated/{types,areas}.rs`: a serde type per schema (structurally
  equal schemas share one type) and a typed method per operation, grouped by the document's tags;
- `crates/logto-management/operations.json`: every operation (id, method, path, area, method
  name, whether it pages) with a minimal response its schema admits, for the tests of both
  languages;
- `python/logto/management/{_models,_areas}.py`: the same areas (async and sync) and methods
  with pydantic models.

Names, types and shapes come from the document; the documentation is ours (the area summaries
below), not the document's prose. Enumerations are strings (a newer Logto may add values), and
`oneOf` schemas are JSON values.
"""

from __future__ import annotations

import json
import keyword
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUST_OUT = ROOT / "crates/logto-management/src/generated"
MANIFEST = ROOT / "crates/logto-management/operations.json"
PY_OUT = ROOT / "python/logto/management"
METHODS = ("get", "post", "put", "patch", "delete")

# Our own one-line summary of each area (the document's tags).
AREAS = {
    "Account center": "Which fields the Account API lets users change themselves.",
    "Applications": "Applications: create, configure, secrets, roles, branding, user consent.",
    "Audit logs": "Audit logs of sign-ins and administrative actions.",
    "Authn": "Callbacks Logto's connectors call (hooks for social and SAML sign-in).",
    "Captcha provider": "The captcha provider of the sign-in experience.",
    "Configs": "Tenant configuration: signing keys, admin console, JWT customizers.",
    "Connector factories": "The connector kinds this Logto offers.",
    "Connectors": "Social, email and SMS connectors.",
    "Custom phrases": "Custom translations of the sign-in experience.",
    "Custom profile fields": "Extra profile fields collected at sign-up.",
    "Dashboard": "Usage counts for the dashboard.",
    "Domains": "Custom domains.",
    "Email templates": "Templates of the emails Logto sends.",
    "Experience": "The sign-in experience API (for a custom sign-in page; cookie-based).",
    "Hooks": "Webhooks: create, test, rotate the signing key, read their logs.",
    "My account": "The signed-in user's own account (needs the user's access token).",
    "One-time tokens": "One-time tokens for magic links and invitations.",
    "Organization invitations": "Invitations to organizations.",
    "Organization roles": "Organization roles and their scopes.",
    "Organization scopes": "Organization scopes (permissions).",
    "Organizations": "Organizations: members, their roles, applications, JIT provisioning.",
    "Resources": "API resources and their scopes.",
    "Roles": "Roles (user and machine-to-machine) and their scopes.",
    "SAML applications": "SAML applications and their certificates.",
    "SAML applications auth flow": "The SAML sign-in endpoints of SAML applications.",
    "Secrets": "Stored secrets of the tenant.",
    "Sentinel activities": "Sign-in attempts the sentinel tracks (lockouts).",
    "Sign-in experience": "The sign-in experience's settings.",
    "SSO connector providers": "The enterprise SSO providers this Logto offers.",
    "SSO connectors": "Enterprise SSO connectors.",
    "Status": "Whether the server is up.",
    "Subject tokens": "Subject tokens for token exchange (impersonation).",
    "Swagger.json": "The OpenAPI document this Logto serves.",
    "Systems": "System information.",
    "User assets": "Files users upload (avatars).",
    "Users": "Users: profile, custom data, password, roles, identities, MFA, suspension.",
    "Verification codes": "Verification codes sent by email or SMS.",
    "Verifications": "Verification records (password, code, social) the Account API asks for.",
    "Well-known": "Public settings of the sign-in experience.",
}
# The areas an `AccountClient` (the user's own access token) serves; the others are the
# `ManagementClient`'s (a machine-to-machine token), or need no token at all.
ACCOUNT_AREAS = {"My account", "Verifications"}

RUST_KEYWORDS = {
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
}


def snake(name: str) -> str:
    name = re.sub(r"[^0-9A-Za-z]+", "_", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = name.strip("_").lower() or "field"
    if name[0].isdigit():
        name = "_" + name
    return name


def pascal(name: str) -> str:
    parts = re.split(r"[^0-9A-Za-z]+", name)
    out = "".join(p[:1].upper() + p[1:] for p in parts if p)
    if not out or out[0].isdigit():
        out = "T" + out
    return out


def rust_ident(name: str) -> str:
    ident = snake(name)
    return f"r#{ident}" if ident in RUST_KEYWORDS and ident not in ("self", "Self", "crate", "super") else (
        ident + "_" if ident in ("self", "crate", "super") else ident
    )


def py_ident(name: str) -> str:
    ident = snake(name)
    return ident + "_" if keyword.iskeyword(ident) or ident in ("json", "model_config") else ident


def canonical(schema) -> str:
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("description", "example", "default")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return json.dumps(strip(schema), sort_keys=True)


class Types:
    """Every struct the operations need, named by first use, shared when structurally equal."""

    def __init__(self, doc, preferred=None):
        self.doc = doc
        # Names chosen from a first pass over the document (see `choose_names`).
        self.preferred: dict[str, str] = preferred or {}
        # Every name each shape was met under, in order (the first pass reads these).
        self.candidates: dict[str, list[str]] = {}
        self.by_shape: dict[str, str] = {}
        self.structs: dict[str, list] = {}  # name -> [(json name, schema, required)]
        self.order: list[str] = []

    def resolve(self, schema):
        while isinstance(schema, dict) and "$ref" in schema:
            ref = schema["$ref"].split("/")
            node = self.doc
            for part in ref[1:]:
                node = node[part]
            schema = node
        return schema

    def unique(self, name: str) -> str:
        candidate, n = name, 2
        while candidate in self.structs:
            candidate, n = f"{name}{n}", n + 1
        return candidate

    def kind(self, schema, hint: str):
        """A neutral type: ("struct", name) / ("vec", t) / ("map", t) / ("json",) / ("object",) / prim."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return ("json",)
        if "oneOf" in schema or "anyOf" in schema or "allOf" in schema:
            variants = schema.get("oneOf") or schema.get("anyOf") or schema.get("allOf")
            if all(self.resolve(v).get("type") == "string" for v in variants):
                return ("string",)
            return ("json",)
        kind = schema.get("type")
        if schema.get("description") == "Validator function":
            # Logto's document marks a value checked by a custom validator (a redirect URI is a
            # string) as an object without properties: its real type is unknown.
            return ("json",)
        if kind == "object" or (kind is None and "properties" in schema):
            props = schema.get("properties")
            if props:
                shape = canonical(schema)
                self.candidates.setdefault(shape, []).append(hint)
                if shape in self.by_shape:
                    return ("struct", self.by_shape[shape])
                name = self.unique(self.preferred.get(shape, hint))
                self.by_shape[shape] = name
                self.structs[name] = []
                required = set(schema.get("required", []))
                fields = []
                for prop, sub in props.items():
                    fields.append((prop, sub, prop in required, self.kind(sub, hint + pascal(prop))))
                self.structs[name] = fields
                self.order.append(name)
                return ("struct", name)
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and extra:
                return ("map", self.kind(extra, hint + "Value"))
            return ("object",)
        if kind == "array":
            return ("vec", self.kind(schema.get("items", {}), hint + "Item"))
        if kind == "string":
            return ("string",)
        if kind == "integer":
            return ("integer",)
        if kind == "number":
            return ("number",)
        if kind == "boolean":
            return ("boolean",)
        return ("json",)


def rust_type(kind) -> str:
    tag = kind[0]
    return {
        "struct": lambda: kind[1],
        "vec": lambda: f"Vec<{rust_type(kind[1])}>",
        "map": lambda: f"BTreeMap<String, {rust_type(kind[1])}>",
        "json": lambda: "Value",
        "object": lambda: "Map<String, Value>",
        "string": lambda: "String",
        "integer": lambda: "i64",
        "number": lambda: "f64",
        "boolean": lambda: "bool",
    }[tag]()


def py_type(kind) -> str:
    tag = kind[0]
    return {
        "struct": lambda: kind[1],
        "vec": lambda: f"List[{py_type(kind[1])}]",
        "map": lambda: f"Dict[str, {py_type(kind[1])}]",
        "json": lambda: "Any",
        "object": lambda: "Dict[str, Any]",
        "string": lambda: "str",
        "integer": lambda: "int",
        "number": lambda: "float",
        "boolean": lambda: "bool",
    }[tag]()


def py_empty(kind) -> str:
    """The `Field` argument that gives a required field its type's empty value when absent."""
    tag = kind[0]
    if tag == "struct":
        return f"default_factory=lambda: {kind[1]}()"
    return {
        "vec": "default_factory=list",
        "map": "default_factory=dict",
        "object": "default_factory=dict",
        "json": "default=None",
        "string": 'default=""',
        "integer": "default=0",
        "number": "default=0.0",
        "boolean": "default=False",
    }[tag]


def sample(types: Types, kind, depth=0):
    """A minimal value of `kind`: required fields only."""
    tag = kind[0]
    if tag == "struct":
        out = {}
        for prop, sub, required, sub_kind in types.structs[kind[1]]:
            if required:
                schema = types.resolve(sub)
                out[prop] = None if schema.get("nullable") else sample(types, sub_kind, depth + 1)
        return out
    return {"vec": [], "map": {}, "json": None, "object": {}, "string": "", "integer": 0,
            "number": 0, "boolean": False}[tag]


class Operation:
    def __init__(self, types: Types, path: str, method: str, op: dict, path_params_shared):
        self.path, self.method, self.op = path, method.upper(), op
        self.id = op["operationId"]
        self.tag = (op.get("tags") or ["Other"])[0]
        self.name = snake(self.id)
        params = [types.resolve(p) for p in path_params_shared + op.get("parameters", [])]
        self.path_params = []
        for name in re.findall(r"\{([^}]+)\}", path):
            self.path_params.append(name)
        self.query = [p for p in params if p.get("in") == "query"]
        names = {p["name"] for p in self.query}
        self.pages = {"page", "page_size"} <= names
        body = op.get("requestBody", {}).get("content", {})
        self.body_kind = None
        self.raw_body = None
        if "application/json" in body:
            self.body_kind = types.kind(body["application/json"].get("schema", {}), self.id + "Body")
        elif body:
            self.raw_body = next(iter(body))
        self.response_kind = None
        self.response_code = None
        self.text_response = False
        for code in ("200", "201", "204", "202"):
            if code in op.get("responses", {}):
                self.response_code = int(code)
                content = op["responses"][code].get("content", {})
                if content.get("application/json", {}).get("schema"):
                    schema = content["application/json"]["schema"]
                    self.response_kind = types.kind(schema, self.id + "Response")
                elif "application/json" in content:
                    # JSON without a schema: Logto answers no document (`Created`, or nothing).
                    pass
                elif content:
                    self.text_response = True
                break
        self.query_kinds = [(p, types.kind(p.get("schema", {}), self.id + pascal(p["name"]))) for p in self.query]
        if self.pages and not (self.response_kind and self.response_kind[0] == "vec"):
            self.pages = False


def choose_names(candidates: dict[str, list[str]], reserved: set[str]) -> dict[str, str]:
    """The name of each shape: what a `Get<X>` operation answers is `<X>` (and its parts
    `<X><Part>`); otherwise the shortest name the shape was met under."""
    chosen, taken = {}, set(reserved)
    for shape, names in candidates.items():
        short = [re.sub(r"^Get([A-Z]\w*?)Response", r"\1", n) for n in names]
        best = min(short, key=lambda n: (len(n), short.index(n)))
        while best in taken:
            best += "Object"
        taken.add(best)
        chosen[shape] = best
    return chosen


def walk(doc, types: Types):
    operations = []
    for path_, item in doc["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method in item:
                operations.append(Operation(types, path_, method, item[method], shared))
    return operations


def load(path: Path):
    doc = json.loads(path.read_text())
    first = Types(doc)
    operations = walk(doc, first)
    reserved = {pascal(op.tag) for op in operations} | {"Api", "Body", "Page", "Error", "Model", "Value", "Map"}
    types = Types(doc, choose_names(first.candidates, reserved))
    return doc, types, walk(doc, types)


def aliases(operations) -> list[tuple[str, str]]:
    """`<Operation>Body` and `<Operation>Response` for every operation whose type has another name."""
    out = []
    for op in operations:
        for suffix, kind in (("Body", op.body_kind), ("Response", op.response_kind)):
            if kind is not None and kind[0] == "struct" and kind[1] != op.id + suffix:
                out.append((op.id + suffix, kind[1]))
    return out


# ---------------------------------------------------------------------------------------------
# Rust


def rust_types(types: Types) -> str:
    out = [
        "// @generated by scripts/generate-management.py from Logto's OpenAPI document: do not edit.",
        "//! The request and response types of the Management API and the Account API, one per",
        "//! schema of the document (structurally equal schemas share one type). Fields the document",
        "//! does not require are `Option`s; enumerations are strings (a newer Logto may add values);",
        "//! a field the document requires but an answer leaves out (a newer Logto no longer sends",
        "//! it) decodes as its type's empty value (`\"\"`, `0`, `false`, empty), not as an error;",
        "//! fields the document does not name are kept in `extra`, and sent from there.",
        "",
        "#![allow(clippy::all, clippy::pedantic)]",
        "",
        "use serde::{Deserialize, Serialize};",
        "use serde_json::{Map, Value};",
        "use std::collections::BTreeMap;",
        "",
    ]
    for name in types.order:
        out.append(f"/// A `{name}` of Logto's API.")
        out.append("#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]")
        out.append("#[serde(default)]")
        out.append(f"pub struct {name} {{")
        for prop, sub, required, kind in types.structs[name]:
            schema = types.resolve(sub)
            ident = rust_ident(prop)
            ty = rust_type(kind)
            doc = f"`{prop}`"
            if isinstance(schema, dict) and schema.get("enum"):
                doc += ": one of " + ", ".join(f"`{v}`" for v in schema["enum"] if v is not None)
            out.append(f"    /// {doc}.")
            if ident.lstrip("r#") != prop or ident.startswith("r#"):
                if ident.removeprefix("r#") != prop:
                    out.append(f'    #[serde(rename = "{prop}")]')
            if not required:
                out.append('    #[serde(default, skip_serializing_if = "Option::is_none")]')
                ty = f"Option<{ty}>"
            elif isinstance(schema, dict) and schema.get("nullable"):
                out.append("    #[serde(default)]")
                ty = f"Option<{ty}>"
            elif kind[0] == "json":
                out.append("    #[serde(default)]")
            out.append(f"    pub {ident}: {ty},")
        out.append("    /// Fields the document does not name (a newer Logto's), kept and sent as they are.")
        out.append("    #[serde(flatten)]")
        out.append("    pub extra: Map<String, Value>,")
        out.append("}")
        out.append("")
    return "\n".join(out)


def rust_aliases(operations) -> str:
    lines = []
    for alias, target in aliases(operations):
        lines.append(f"/// What `{alias.removesuffix('Body').removesuffix('Response')}` takes or answers: a [`{target}`].")
        lines.append(f"pub type {alias} = {target};")
    return "\n".join(lines) + "\n"


def query_value(kind, expr: str) -> str:
    return {
        "string": f"vec![{expr}.clone()]",
        "integer": f"vec![{expr}.to_string()]",
        "number": f"vec![{expr}.to_string()]",
        "boolean": f"vec![{expr}.to_string()]",
    }.get(kind[0], f"crate::client::query_values(&{expr})")


def rust_areas(operations) -> str:
    out = [
        "// @generated by scripts/generate-management.py from Logto's OpenAPI document: do not edit.",
        "//! One type per area of Logto's API (the document's tags), a typed method per operation.",
        "",
        "#![allow(clippy::all, clippy::pedantic, unused_imports)]",
        "",
        "use super::types::*;",
        "use crate::client::{Api, Body, Page};",
        "use crate::Error;",
        "use futures_core::Stream;",
        "use serde::Serialize;",
        "use serde_json::{Map, Value};",
        "use std::collections::BTreeMap;",
        "",
    ]
    areas: dict[str, list[Operation]] = {}
    for op in operations:
        areas.setdefault(op.tag, []).append(op)
    # Query structs first.
    for op in operations:
        if not op.query:
            continue
        out.append(f"/// The query of [`{pascal(op.tag)}::{op.name}`]: every field is optional.")
        out.append("#[derive(Debug, Clone, Default, PartialEq, Serialize)]")
        out.append(f"pub struct {op.id}Query {{")
        for param, kind in op.query_kinds:
            out.append(f"    /// `{param['name']}`.")
            out.append(f"    pub {rust_ident(param['name'])}: Option<{rust_type(kind)}>,")
        out.append("}")
        out.append("")
        out.append(f"impl {op.id}Query {{")
        out.append("    pub(crate) fn pairs(&self) -> Vec<(String, String)> {")
        out.append("        let mut pairs = Vec::new();")
        for param, kind in op.query_kinds:
            ident = rust_ident(param["name"])
            if kind[0] == "map" and param.get("explode"):
                out.append(f"        if let Some(map) = &self.{ident} {{")
                out.append("            for (key, value) in map {")
                out.append("                for value in crate::client::query_values(value) {")
                out.append("                    pairs.push((key.clone(), value));")
                out.append("                }")
                out.append("            }")
                out.append("        }")
            else:
                out.append(f"        if let Some(value) = &self.{ident} {{")
                out.append(f"            for value in {query_value(kind, 'value')} {{")
                out.append(f"                pairs.push((\"{param['name']}\".to_owned(), value));")
                out.append("            }")
                out.append("        }")
        out.append("        pairs")
        out.append("    }")
        out.append("}")
        out.append("")
    for tag in sorted(areas):
        name = pascal(tag)
        summary = AREAS.get(tag, f"The `{tag}` operations.")
        out.append(f"/// {summary}")
        out.append("#[derive(Debug, Clone, Copy)]")
        out.append(f"pub struct {name}<'a> {{")
        out.append("    pub(crate) api: &'a Api,")
        out.append("}")
        out.append("")
        out.append(f"impl<'a> {name}<'a> {{")
        for op in areas[tag]:
            args = [f"{rust_ident(p)}: &str" for p in op.path_params]
            if op.query:
                args.append(f"query: &{op.id}Query")
            if op.body_kind is not None:
                named = op.id + "Body" if op.body_kind[0] == "struct" else rust_type(op.body_kind)
                args.append(f"body: &{named}")
            elif op.raw_body:
                args.append("body: Body")
            if op.response_kind is not None:
                ret = op.id + "Response" if op.response_kind[0] == "struct" else rust_type(op.response_kind)
            elif op.text_response:
                ret = "String"
            else:
                ret = "()"
            item = rust_type(op.response_kind[1]) if op.pages else None
            path_expr = 'crate::client::path(&[' + ", ".join(
                f'"{seg}"' if not seg.startswith("{") else rust_ident(seg[1:-1])
                for seg in op.path.strip("/").split("/")
            ) + "])"
            query_expr = "query.pairs()" if op.query else "Vec::new()"
            if op.body_kind is not None:
                body_expr = "Some(Body::json(body)?)"
            elif op.raw_body:
                body_expr = "Some(body)"
            else:
                body_expr = "None"
            out.append(f"    /// `{op.method} {op.path}` ({op.id}).")
            if op.pages:
                out.append("    ///")
                out.append("    /// One page, with the total count Logto reports; the `_all` variant walks every page.")
                out.append(f"    pub async fn {op.name}(&self, {', '.join(args)}) -> Result<Page<{item}>, Error> {{")
                out.append(f"        let path = {path_expr};")
                out.append(f"        self.api.page(\"{op.id}\", &path, {query_expr}).await")
                out.append("    }")
                out.append("")
                out.append(f"    /// `{op.method} {op.path}` ({op.id}), every item, page after page (`page_size`")
                out.append("    /// items a request, 100 unless the query says otherwise).")
                out.append(f"    pub fn {op.name}_all(&self, {', '.join(args)}) -> impl Stream<Item = Result<{item}, Error>> + Send + 'a {{")
                out.append(f"        let path = {path_expr};")
                out.append(f"        self.api.pages(\"{op.id}\", path, {query_expr})")
                out.append("    }")
            else:
                call = "text" if op.text_response else ("json" if op.response_kind is not None else "empty")
                out.append(f"    pub async fn {op.name}(&self, {', '.join(args)}) -> Result<{ret}, Error> {{")
                out.append(f"        let path = {path_expr};")
                out.append(
                    f"        self.api.{call}(\"{op.id}\", reqwest::Method::{op.method}, &path, {query_expr}, {body_expr}).await"
                )
                out.append("    }")
            out.append("")
        out.append("}")
        out.append("")
    # The accessors.
    out.append("impl Api {")
    for tag in sorted(areas):
        out.append(f"    /// {AREAS.get(tag, tag)}")
        out.append(f"    pub fn {rust_ident(tag)}(&self) -> {pascal(tag)}<'_> {{")
        out.append(f"        {pascal(tag)} {{ api: self }}")
        out.append("    }")
        out.append("")
    out.append("}")
    return "\n".join(out) + "\n"


def rust_operations(operations) -> str:
    out = [
        "// @generated by scripts/generate-management.py from Logto's OpenAPI document: do not edit.",
        "//! Every operation of the document: its id, method, path template and area.",
        "",
        "use crate::OperationInfo;",
        "",
        "/// Every operation of the document the code was generated from, in its order.",
        "pub const OPERATIONS: &[OperationInfo] = &[",
    ]
    for op in operations:
        out.append(
            f'    OperationInfo {{ id: "{op.id}", method: "{op.method}", path: "{op.path}", area: "{rust_ident(op.tag)}" }},'
        )
    out.append("];")
    return "\n".join(out) + "\n"


def rust_every_operation_test(operations, types) -> str:
    out = [
        "// @generated by scripts/generate-management.py from Logto's OpenAPI document: do not edit.",
        "//! Calls every generated method once against a local server that answers each operation",
        "//! with a minimal response its schema admits (from `operations.json`), and checks that",
        "//! each call reached its operation's method and path and decoded the answer.",
        "",
        "#![allow(unused_variables, clippy::all)]",
        "",
        "use logto_management::generated::*;",
        "use logto_management::{Api, Body};",
        "use serde_json::{Map, Value};",
        "use std::future::Future;",
        "use std::pin::Pin;",
        "",
        "type Call<'a> = Pin<Box<dyn Future<Output = Option<(&'static str, String)>> + 'a>>;",
        "",
        "/// Every operation of the document, called once; the failures.",
        "pub(crate) async fn call_every_operation(api: &Api) -> Vec<(&'static str, String)> {",
        "    // One boxed future per call: a single future holding them all overflows a debug stack.",
        "    let calls: Vec<Call<'_>> = vec![",
    ]
    for op in operations:
        args = [f'"{p}-value"' for p in op.path_params]
        if op.query:
            args.append(f"&{op.id}Query::default()")
        if op.body_kind is not None:
            args.append(f"&<{rust_type(op.body_kind)}>::default()")
        elif op.raw_body:
            args.append('Body::raw("application/octet-stream", b"x".to_vec())')
        out.append(
            f"        Box::pin(async move {{ api.{rust_ident(op.tag)}().{op.name}({', '.join(args)}).await.err().map(|e| (\"{op.id}\", e.to_string())) }}),"
        )
    out.append("    ];")
    out.append("    let mut failures = Vec::new();")
    out.append("    for call in calls {")
    out.append("        failures.extend(call.await);")
    out.append("    }")
    out.append("    failures")
    out.append("}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Python


def py_models(operations, types: Types, source: str) -> str:
    out = [
        "# @generated by scripts/generate-management.py from Logto's OpenAPI document: do not edit.",
        '"""The request and response models of Logto\'s Management API and Account API, one per',
        "schema of the document (structurally equal schemas share one model). Fields the document",
        "does not require default to `None`; enumerations are strings (a newer Logto may add values);",
        "unknown fields are kept; a field the document requires but an answer leaves out (a newer",
        'Logto no longer sends it) is its type\'s empty value (`""`, `0`, `False`, empty)."""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any, Dict, List, Optional",
        "",
        "from pydantic import BaseModel, ConfigDict, Field",
        "",
        f"SOURCE = {source!r}",
        '"""The document the models were generated from."""',
        "",
        "",
        "class Model(BaseModel):",
        '    """A Logto API object: unknown fields are kept; Python names in snake case, the API\'s',
        '    names as aliases (both accepted)."""',
        "",
        "    # Built at first use: a program that calls a few operations does not pay for 300 models.",
        '    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)',
        "",
    ]
    for name in types.order:
        out.append("")
        out.append(f"class {name}(Model):")
        out.append(f'    """A `{name}` of Logto\'s API."""')
        out.append("")
        fields = types.structs[name]
        for prop, sub, required, kind in fields:
            schema = types.resolve(sub)
            ident = py_ident(prop)
            ty = py_type(kind)
            alias = f'alias="{prop}"' if ident != prop else ""
            optional = not required or (isinstance(schema, dict) and schema.get("nullable")) or kind[0] == "json"
            if optional:
                args = ", ".join(a for a in ("default=None", alias) if a)
                out.append(f"    {ident}: Optional[{ty}] = Field({args})")
            else:
                args = ", ".join(a for a in (py_empty(kind), alias) if a)
                out.append(f"    {ident}: {ty} = Field({args})")
    out.append("")
    out.append("")
    for alias, target in aliases(operations):
        out.append(f"{alias} = {target}")
    return "\n".join(out) + "\n"


def py_areas(operations, types: Types) -> str:
    out = [
        "# @generated by scripts/generate-management.py from Logto's OpenAPI document: do not edit.",
        '"""One class per area of Logto\'s API (the document\'s tags) with a method per operation: the',
        '`async` ones for `logto.management`, the `Sync*` ones for `logto.management.sync`."""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any, AsyncIterator, Dict, Iterator, List, Optional, cast",
        "",
        "from ._api import Api, Page, SyncApi",
        "from ._models import *  # noqa: F403",
        "from ._models import Model",
        "",
    ]
    areas: dict[str, list[Operation]] = {}
    for op in operations:
        areas.setdefault(op.tag, []).append(op)
    for sync in (False, True):
        for tag in sorted(areas):
            cls = ("Sync" if sync else "") + pascal(tag)
            out.append("")
            out.append("")
            out.append(f"class {cls}:")
            out.append(f'    """{AREAS.get(tag, tag)}"""')
            out.append("")
            out.append(f"    def __init__(self, api: {'SyncApi' if sync else 'Api'}) -> None:")
            out.append("        self._api = api")
            for op in areas[tag]:
                params = ["self"] + [f"{py_ident(p)}: str" for p in op.path_params]
                kw = []
                if op.body_kind is not None:
                    params.append(
                        f"body: {op.id}Body | Dict[str, Any]" if op.body_kind[0] == "struct" else f"body: {py_type(op.body_kind)}"
                    )
                elif op.raw_body:
                    params.append("body: bytes")
                    params.append('content_type: str = "application/octet-stream"')
                for param, kind in op.query_kinds:
                    kw.append(f"{py_ident(param['name'])}: Optional[{py_type(kind)}] = None")
                signature = ", ".join(params + (["*"] + kw if kw else []))
                segs = ", ".join(
                    f'"{seg}"' if not seg.startswith("{") else py_ident(seg[1:-1]) for seg in op.path.strip("/").split("/")
                )
                query = "{" + ", ".join(f'"{p["name"]}": {py_ident(p["name"])}' for p, _ in op.query_kinds) + "}"
                explode = [p["name"] for p, k in op.query_kinds if k[0] == "map" and p.get("explode")]
                if op.body_kind is not None:
                    body, content_type = "body", '"application/json"'
                elif op.raw_body:
                    body, content_type = "body", "content_type"
                else:
                    body, content_type = "None", "None"
                d, aw = ("def", "") if sync else ("async def", "await ")
                if op.pages:
                    item = py_type(op.response_kind[1])
                    out.append("")
                    out.append(f"    {d} {op.name}({signature}) -> Page[{item}]:")
                    out.append(f'        """`{op.method} {op.path}` ({op.id}): one page and Logto\'s total count."""')
                    out.append(f'        return {aw}self._api.page("{op.id}", [{segs}], {query}, {explode!r}, {item})')
                    out.append("")
                    iterator = "Iterator" if sync else "AsyncIterator"
                    out.append(f"    def {op.name}_all({signature}) -> {iterator}[{item}]:")
                    out.append(f'        """`{op.method} {op.path}` ({op.id}): every item, page after page (100 a request)."""')
                    out.append(f'        return self._api.pages("{op.id}", [{segs}], {query}, {explode!r}, {item})')
                else:
                    if op.response_kind is not None:
                        ret = op.id + "Response" if op.response_kind[0] == "struct" else py_type(op.response_kind)
                        model = ret
                    elif op.text_response:
                        ret, model = "str", "str"
                    else:
                        ret, model = "None", "None"
                    out.append("")
                    out.append(f"    {d} {op.name}({signature}) -> {ret}:")
                    out.append(f'        """`{op.method} {op.path}` ({op.id})."""')
                    call = f'{aw}self._api.call("{op.id}", "{op.method}", [{segs}], {query}, {explode!r}, {body}, {content_type}, {model})'
                    if ret == "None":
                        out.append(f"        {call}")
                    elif ret == "Any":
                        out.append(f"        return {call}")
                    else:
                        out.append(f'        return cast("{ret}", {call})')
    for sync in (False, True):
        for account in (False, True):
            prefix = "Sync" if sync else ""
            cls = prefix + ("AccountAreas" if account else "Areas")
            tags = [t for t in sorted(areas) if (t in ACCOUNT_AREAS) == account] if account else sorted(areas)
            out.append("")
            out.append("")
            out.append(f"class {cls}:")
            what = "the user's own account" if account else "every area of the API"
            out.append(f'    """{what.capitalize()}, as attributes (`{"my_account" if account else "users"}`, ...)."""')
            out.append("")
            out.append(f"    def __init__(self, api: {'SyncApi' if sync else 'Api'}) -> None:")
            for tag in tags:
                out.append(f"        self.{py_ident(tag)} = {prefix}{pascal(tag)}(api)")
                out.append(f'        """{AREAS.get(tag, tag)}"""')
    out.append("")
    out.append("")
    out.append("AREAS = {")
    for tag in sorted(areas):
        out.append(f'    "{py_ident(tag)}": ({pascal(tag)}, Sync{pascal(tag)}),')
    out.append("}")
    out.append('"""Each area\'s classes (async, sync) by the attribute name the clients give it."""')
    out.append("")
    out.append(f"ACCOUNT_AREAS = {sorted(py_ident(t) for t in ACCOUNT_AREAS)!r}")
    out.append('"""The areas an `AccountClient` (the user\'s own access token) serves."""')
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    source = Path(argv[1])
    doc, types, operations = load(source)
    RUST_OUT.mkdir(parents=True, exist_ok=True)
    version = doc.get("info", {}).get("version", "")
    label = source.name
    (RUST_OUT / "areas.rs").write_text(rust_areas(operations))
    (RUST_OUT / "operations.rs").write_text(rust_operations(operations))
    (RUST_OUT / "types.rs").write_text(rust_types(types) + "\n" + rust_aliases(operations))
    (ROOT / "crates/logto-management/tests/every_operation/calls.rs").parent.mkdir(exist_ok=True)
    (ROOT / "crates/logto-management/tests/every_operation/calls.rs").write_text(
        rust_every_operation_test(operations, types)
    )
    manifest = {
        "source": label,
        "paths": len(doc["paths"]),
        "operations": [
            {
                "id": op.id,
                "method": op.method,
                "path": op.path,
                "area": op.tag,
                "rust": f"{rust_ident(op.tag)}().{op.name}",
                "python": f"{py_ident(op.tag)}.{op.name}",
                "pages": op.pages,
                "body": "json" if op.body_kind is not None else ("raw" if op.raw_body else None),
                "status": op.response_code or 200,
                "response": (
                    [sample(types, op.response_kind[1])] if op.pages
                    else sample(types, op.response_kind) if op.response_kind is not None
                    else ("<x/>" if op.text_response else None)
                ),
            }
            for op in operations
        ],
    }
    MANIFEST.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    PY_OUT.mkdir(parents=True, exist_ok=True)
    (PY_OUT / "_models.py").write_text(py_models(operations, types, label))
    (PY_OUT / "_areas.py").write_text(py_areas(operations, types))
    subprocess.run(["rustfmt", "--edition", "2024", str(RUST_OUT / "areas.rs"), str(RUST_OUT / "types.rs"), str(RUST_OUT / "operations.rs"),
                    str(ROOT / "crates/logto-management/tests/every_operation/calls.rs")], check=False)
    print(f"{len(operations)} operations, {len(types.order)} types, {len(AREAS)} areas from {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
