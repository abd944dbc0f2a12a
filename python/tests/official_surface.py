"""The public surface of the official Logto Python SDK (`logto` on PyPI), read from its wheel.

Both packages are named `logto`, so the official one is never imported: its wheel is downloaded
from PyPI (pinned by version and SHA-256, cached in `python/.official-wheel/`, git-ignored) and
its modules are parsed with `ast` straight out of the zip.

`read_surface()` returns, per module, what a user of the official package can reach: the names
it defines (classes, functions, constants, type aliases), the names it re-exports with the
explicit `import X as X` form (PEP 484), and for each class its bases, methods (with their
parameters, `async`-ness and return annotation), pydantic fields, enum members, class
attributes and the `self.<name>` attributes its methods set. Names starting with `_` are
private, except `__init__`, whose signature is part of the API. Plain imports (`from .x import
Y`) are implementation details (PEP 8) and not part of the surface.
"""

import ast
import hashlib
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

OFFICIAL_VERSION = "0.2.1"
OFFICIAL_REQUIREMENT = f"logto=={OFFICIAL_VERSION}"
OFFICIAL_WHEEL_NAME = f"logto-{OFFICIAL_VERSION}-py3-none-any.whl"
# The digest https://pypi.org/simple/logto/ lists for that file.
OFFICIAL_WHEEL_SHA256 = "04288b9c9444464e32f838226b9220fda9e212de96589d5eb2d27d969cb6be7f"

PYTHON_DIR = Path(__file__).resolve().parent.parent
CACHE_DIR = PYTHON_DIR / ".official-wheel"

MISSING: Any = object()
"""No literal value (the source is an expression `ast.literal_eval` cannot evaluate)."""


def official_wheel() -> Path:
    """The official wheel: `$LOGTO_OFFICIAL_WHEEL` if set, else the cached download, fetched with
    `pip download` when absent. Its SHA-256 is checked either way."""
    override = os.environ.get("LOGTO_OFFICIAL_WHEEL")
    path = Path(override) if override else CACHE_DIR / OFFICIAL_WHEEL_NAME
    if not path.is_file() and not override:
        subprocess.run(
            [
                sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                "--no-deps", "--only-binary=:all:", "--dest", str(CACHE_DIR), OFFICIAL_REQUIREMENT,
            ],
            check=True,
            timeout=600,
        )
    if not path.is_file():
        raise FileNotFoundError(f"the official wheel {OFFICIAL_WHEEL_NAME} is missing: {path}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != OFFICIAL_WHEEL_SHA256:
        raise RuntimeError(
            f"{path} is not the official {OFFICIAL_WHEEL_NAME}: sha256 {digest}, PyPI lists {OFFICIAL_WHEEL_SHA256}"
        )
    return path


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    """An `inspect.Parameter` kind name: POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD, VAR_POSITIONAL,
    KEYWORD_ONLY or VAR_KEYWORD."""
    has_default: bool

    def __str__(self) -> str:
        prefix = {"VAR_POSITIONAL": "*", "VAR_KEYWORD": "**"}.get(self.kind, "")
        return f"{prefix}{self.name}{'=…' if self.has_default else ''}"


@dataclass
class Function:
    name: str
    params: List[Param]
    """The parameters as seen when called on the class (a classmethod's `cls` is left out)."""
    is_async: bool
    returns: Optional[str]
    decorators: FrozenSet[str]
    line: int

    def signature(self) -> str:
        return f"{'async ' if self.is_async else ''}({', '.join(map(str, self.params))})"


@dataclass
class Value:
    """A module-level or class-level assignment."""

    source: str
    literal: Any = MISSING
    """The value if `ast.literal_eval` can read it."""
    literal_args: Optional[Tuple[Any, ...]] = None
    """The arguments of a `Literal[...]` type alias."""


@dataclass
class Class:
    module: str
    name: str
    bases: List[str]
    line: int
    methods: Dict[str, Function] = field(default_factory=dict)
    annotated: Dict[str, bool] = field(default_factory=dict)
    """Class-level `name: T [= value]`: name -> whether it has a value (pydantic: a default)."""
    assigned: Dict[str, Value] = field(default_factory=dict)
    """Class-level `name = value` (enum members, `model_config`, class attributes)."""
    instance_attributes: Dict[str, int] = field(default_factory=dict)
    """`self.<name> = ...` in the methods: name -> line."""
    kind: str = "class"
    """`model` (pydantic), `enum`, `exception` or `class`."""

    @property
    def path(self) -> str:
        return f"{self.module}.{self.name}"

    def fields(self) -> Dict[str, bool]:
        """Pydantic fields: name -> has a default."""
        return {name: has_value for name, has_value in self.annotated.items() if not name.startswith("_")}

    def members(self) -> Dict[str, Any]:
        """Enum members (aliases included): name -> value."""
        return {name: value.literal for name, value in self.assigned.items() if not name.startswith("_")}

    def model_config(self) -> Dict[str, Any]:
        value = self.assigned.get("model_config")
        return value.literal if value is not None and isinstance(value.literal, dict) else {}

    def class_attributes(self) -> List[str]:
        names = [name for name in self.annotated if not name.startswith("_")]
        names += [name for name in self.assigned if not name.startswith("_") and name not in names]
        return names


@dataclass
class Module:
    name: str
    is_package: bool
    classes: Dict[str, Class] = field(default_factory=dict)
    functions: Dict[str, Function] = field(default_factory=dict)
    values: Dict[str, Value] = field(default_factory=dict)
    reexports: Dict[str, Tuple[str, str]] = field(default_factory=dict)
    """`from .m import Y as Y`: name -> (module, name in that module)."""

    def names(self) -> List[str]:
        return [*self.classes, *self.functions, *self.values, *self.reexports]


def _is_public(name: str) -> bool:
    return not name.startswith("_")


def _value(node: ast.expr) -> Value:
    value = Value(source=ast.unparse(node))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("ConfigDict", "dict"):
        try:
            value.literal = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
        except ValueError:
            pass
        return value
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) in ("Literal", "typing.Literal"):
        elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        try:
            value.literal_args = tuple(ast.literal_eval(element) for element in elements)
        except ValueError:
            pass
        return value
    try:
        value.literal = ast.literal_eval(node)
    except ValueError:
        pass
    return value


def _params(args: ast.arguments, drop_first: bool) -> List[Param]:
    positional = [(arg, "POSITIONAL_ONLY") for arg in args.posonlyargs]
    positional += [(arg, "POSITIONAL_OR_KEYWORD") for arg in args.args]
    first_default = len(positional) - len(args.defaults)
    params = [Param(arg.arg, kind, index >= first_default) for index, (arg, kind) in enumerate(positional)]
    if args.vararg:
        params.append(Param(args.vararg.arg, "VAR_POSITIONAL", False))
    params += [
        Param(arg.arg, "KEYWORD_ONLY", default is not None) for arg, default in zip(args.kwonlyargs, args.kw_defaults)
    ]
    if args.kwarg:
        params.append(Param(args.kwarg.arg, "VAR_KEYWORD", False))
    return params[1:] if drop_first and params and params[0].kind != "VAR_POSITIONAL" else params


def _function(node: ast.AST) -> Function:
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    decorators = frozenset(ast.unparse(decorator).split("(")[0].split(".")[-1] for decorator in node.decorator_list)
    return Function(
        name=node.name,
        params=_params(node.args, drop_first="classmethod" in decorators),
        is_async=isinstance(node, ast.AsyncFunctionDef),
        returns=ast.unparse(node.returns) if node.returns is not None else None,
        decorators=decorators,
        line=node.lineno,
    )


def _class(module: str, node: ast.ClassDef) -> Class:
    cls = Class(module=module, name=node.name, bases=[ast.unparse(base) for base in node.bases], line=node.lineno)
    for statement in node.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = _function(statement)
            cls.methods[function.name] = function
            if function.params and "staticmethod" not in function.decorators:
                receiver = statement.args.posonlyargs + statement.args.args
                self_name = receiver[0].arg if receiver else None
                for inner in ast.walk(statement):
                    targets: List[ast.expr] = []
                    if isinstance(inner, ast.Assign):
                        targets = inner.targets
                    elif isinstance(inner, (ast.AnnAssign, ast.AugAssign)):
                        targets = [inner.target]
                    for target in targets:
                        if (
                            isinstance(target, ast.Attribute)
                            and isinstance(target.value, ast.Name)
                            and target.value.id == self_name
                            and _is_public(target.attr)
                        ):
                            cls.instance_attributes.setdefault(target.attr, inner.lineno)
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            cls.annotated[statement.target.id] = statement.value is not None
            if statement.value is not None:
                cls.assigned.setdefault(statement.target.id, _value(statement.value))
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    cls.assigned[target.id] = _value(statement.value)
    return cls


def _resolve(module: str, is_package: bool, level: int, target: Optional[str]) -> str:
    """The absolute name of a relative import `from <level dots><target> import ...`."""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _module(name: str, is_package: bool, source: str) -> Module:
    module = Module(name=name, is_package=is_package)
    for statement in ast.parse(source).body:
        if isinstance(statement, ast.ClassDef) and _is_public(statement.name):
            module.classes[statement.name] = _class(name, statement)
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_public(statement.name):
            module.functions[statement.name] = _function(statement)
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name) and _is_public(target.id):
                    module.values[target.id] = _value(statement.value)
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            if _is_public(statement.target.id) and statement.value is not None:
                module.values[statement.target.id] = _value(statement.value)
        elif isinstance(statement, ast.ImportFrom):
            source_module = (
                _resolve(name, is_package, statement.level, statement.module) if statement.level else statement.module
            )
            for alias in statement.names:
                if alias.asname is not None and alias.asname == alias.name and _is_public(alias.name):
                    module.reexports[alias.name] = (source_module or "", alias.name)
        elif isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname is not None and alias.asname == alias.name and _is_public(alias.name):
                    module.reexports[alias.name] = (alias.name, "")
    return module


def read_surface(wheel: Optional[Path] = None) -> Dict[str, Module]:
    """Every public module of the official wheel (packages, namespace packages included) by name."""
    wheel = wheel or official_wheel()
    modules: Dict[str, Module] = {}
    with zipfile.ZipFile(wheel) as archive:
        for entry in sorted(archive.namelist()):
            if not entry.endswith(".py") or ".dist-info/" in entry or ".data/" in entry:
                continue
            parts = entry[: -len(".py")].split("/")
            is_package = parts[-1] == "__init__"
            if is_package:
                parts = parts[:-1]
            if not all(_is_public(part) for part in parts):
                continue
            name = ".".join(parts)
            modules[name] = _module(name, is_package, archive.read(entry).decode("utf-8"))
            # Directories without `__init__.py` are namespace packages (`logto.models`).
            for depth in range(1, len(parts)):
                modules.setdefault(".".join(parts[:depth]), Module(name=".".join(parts[:depth]), is_package=True))
    _classify(modules)
    if "logto.LogtoClient" not in modules or "signIn" not in modules["logto.LogtoClient"].classes["LogtoClient"].methods:
        raise AssertionError(f"{wheel} does not look like the official SDK: no LogtoClient.signIn found")
    return modules


def _classify(modules: Dict[str, Module]) -> None:
    """Sets each class's kind from its bases, following bases defined in the package."""
    classes = {cls.name: cls for module in modules.values() for cls in module.classes.values()}
    roots = {"BaseModel": "model", "Enum": "enum", "Exception": "exception", "BaseException": "exception"}

    def kind(cls: Class, seen: Tuple[str, ...] = ()) -> str:
        for base in cls.bases:
            short = base.split(".")[-1]
            if short in roots:
                return roots[short]
            if short in classes and short not in seen:
                found = kind(classes[short], seen + (cls.name,))
                if found != "class":
                    return found
        return "class"

    for cls in classes.values():
        cls.kind = kind(cls)


def class_index(modules: Dict[str, Module]) -> Dict[str, Class]:
    """Every official class by its simple name (they are unique in the package)."""
    return {cls.name: cls for module in modules.values() for cls in module.classes.values()}
