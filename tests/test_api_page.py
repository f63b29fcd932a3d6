"""The API reference page (book/api.md, filled by scripts/book.py at build time).

Every module of ``bothways`` must be on it, and every public function and class of
every module documented there once; the rendering itself is checked by ``make book``
(Sphinx with ``-W -n``).
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import sys
from pathlib import Path

import bothways

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("book_tool", ROOT / "scripts" / "book.py")
book_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(book_tool)
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import plain_docstrings  # noqa: E402

MODULES = ["bothways"] + sorted(m.name for m in pkgutil.walk_packages(bothways.__path__, "bothways.")
                                if not m.name.rsplit(".", 1)[-1].startswith("_"))


def test_every_module_is_on_the_page():
    listed = [name for name, _ in book_tool.api_modules()]
    assert listed == MODULES
    page = book_tool.api_markdown()
    missing = [m for m in MODULES if f".. automodule:: {m}\n" not in page]
    assert not missing, f"modules missing from the API page: {missing}"


def test_every_public_function_and_class_is_documented_once():
    documented = {}
    for name, members in book_tool.api_modules():
        module = importlib.import_module(name)
        for m in members:
            obj = getattr(module, m)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                assert id(obj) not in documented, f"{name}.{m} is documented twice"
                documented[id(obj)] = f"{name}.{m}"
    missing = []
    for name in MODULES:
        module = importlib.import_module(name)
        for key in getattr(module, "__all__", ()):
            assert hasattr(module, key), f"{name}.__all__ names {key!r}, which the module does not have"
        for key, obj in vars(module).items():
            if (not key.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
                    and obj.__module__ == name and id(obj) not in documented):
                missing.append(f"{name}.{key}")
    assert not missing, f"public functions/classes missing from the API page (add them to __all__?): {missing}"


def test_every_path_of_a_documented_object_resolves_to_its_entry():
    aliases = book_tool.api_aliases()
    assert aliases["bothways.report.verdict"] == "bothways.report.verdict"
    homes = set(aliases.values())
    for name in MODULES:
        module = importlib.import_module(name)
        for key in getattr(module, "__all__", ()):
            obj = getattr(module, key)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                assert aliases[f"{name}.{key}"] in homes
                assert aliases[f"{obj.__module__}.{obj.__qualname__}"] == aliases[f"{name}.{key}"]


def test_the_page_is_in_the_toc_with_its_marker():
    assert "book/api" in book_tool.toc_files()
    assert book_tool.API_MARKER in (ROOT / "book" / "api.md").read_text()


def test_verbatim_fallback_detects_docstrings_that_do_not_parse():
    assert plain_docstrings.parses_cleanly(["Summary with :func:`x` and ``y``.", "", ":param a: b"])
    assert not plain_docstrings.parses_cleanly(["Broken ``literal", "name : type", "    indented", "back"])
    assert not plain_docstrings.parses_cleanly(["The norm |k_i| of the wave vector."])  # a substitution
