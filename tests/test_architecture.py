"""The layout shows the architecture: dependencies inside `submissions` point one way (leaves →
models → selectors → services → forms → admin/views), and no module uses a private name of
Django or of a package (no underscored import, no `_render` override, no `__class__` swap)."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "submissions"
PRIVATE = re.compile(r"import _|\._render|__class__ =")

# The layer of each module, by its dotted path inside the app (first match wins), and which
# layers it may import. Infrastructure (apps, urls, middleware…) may import any layer.
LAYERS = [
    ("enums", "leaf"), ("text", "leaf"), ("rules", "leaf"), ("schema", "leaf"), ("roles", "leaf"),
    ("models", "models"), ("selectors", "selectors"), ("services", "services"), ("page_cache", "services"),
    ("forms", "forms"), ("exports", "exports"), ("security", "forms"),
    ("admin", "interface"), ("views", "interface"), ("templatetags", "interface"), ("management", "interface"),
]
ALLOWED = {
    "leaf": {"leaf"},
    "models": {"leaf", "models"},
    "selectors": {"leaf", "models", "selectors"},
    "services": {"leaf", "models", "selectors", "services"},
    "forms": {"leaf", "models", "selectors", "forms"},
    "exports": {"leaf", "models", "selectors", "exports"},
}


def layer_of(module: str) -> str | None:
    for prefix, layer in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return layer
    return None


def app_module(path: Path) -> str:
    parts = list(path.relative_to(APP).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_app_modules(path: Path) -> set[str]:
    """The app modules `path` imports, as dotted paths inside the app."""
    package = app_module(path).split(".") if path.name == "__init__.py" else app_module(path).split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1] if node.level > 1 else package
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            elif node.module and node.module.startswith("submissions"):
                target = node.module.removeprefix("submissions").lstrip(".")
            else:
                continue
            # `from . import schema` names modules; `from .models import Entry` names objects.
            for alias in node.names:
                candidate = f"{target}.{alias.name}" if target else alias.name
                path_of = APP.joinpath(*candidate.split("."))
                found.add(candidate if path_of.with_suffix(".py").exists() or path_of.is_dir() else target)
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("submissions.") for a in node.names if a.name.startswith("submissions.")}
    return {module for module in found if module}


def source_files():
    return sorted(path for path in APP.rglob("*.py") if "migrations" not in path.parts)


def test_the_app_has_the_layered_packages():
    for package in ("models", "selectors", "services", "forms", "admin", "exports", "views", "templatetags"):
        assert (APP / package / "__init__.py").exists(), package
    for leaf in ("enums.py", "schema.py", "text.py", "rules.py"):
        assert (APP / leaf).exists(), leaf
    flat = [p.name for p in APP.glob("review_*.py")] + [n for n in ("models.py", "services.py", "forms.py", "admin.py",
                                                                   "queries.py") if (APP / n).exists()]
    assert flat == []


@pytest.mark.parametrize("path", source_files(), ids=lambda p: str(p.relative_to(APP)))
def test_imports_point_down_the_layers(path):
    layer = layer_of(app_module(path))
    if layer not in ALLOWED:
        return  # interface and infrastructure modules may import any layer
    wrong = sorted(module for module in imported_app_modules(path)
                   if layer_of(module) and layer_of(module) not in ALLOWED[layer])
    assert wrong == [], f"{path.relative_to(ROOT)} ({layer}) imports {wrong}"


def test_no_module_uses_private_names_class_swaps_or_render_internals():
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}" for path in source_files()
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if PRIVATE.search(line)]
    assert found == []


def test_no_star_imports():
    found = [str(path.relative_to(ROOT)) for path in source_files()
             if any(isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
                    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))]
    assert found == []


def test_the_layer_check_sees_a_wrong_import(tmp_path):
    """The check above would catch a service importing a form (what services.py once did)."""
    bad = APP / "services" / "_layer_probe.py"
    bad.write_text("from ..forms.entry import EntryForm\nfrom .. import schema\n", encoding="utf-8")
    try:
        modules = imported_app_modules(bad)
    finally:
        bad.unlink()
    assert "forms.entry" in modules and "schema" in modules
    assert {layer_of(m) for m in modules} - ALLOWED["services"] == {"forms"}
