"""Sphinx extension for the API page: verbatim fallback, aliases, bothways members only.

1. A docstring whose reStructuredText does not parse is shown verbatim.

The library's docstrings are plain text in the numpy layout, written by several
hands; a stray backquote or an unindented continuation line would otherwise fail the
``-W`` build of the API page (``book/api.md``) or garble the docstring. After napoleon
has converted a docstring, it is parsed once on its own (Sphinx roles such as
``:func:`` accepted); if docutils reports a warning or an error, the original docstring
is rendered as a literal block under its (escaped) first line instead, and the object
is listed in the build log, so that the fallback is visible rather than silent.

2. Every object is documented once (``scripts/book.py api_modules``), under the shortest
path that exports it; a reference by another of its paths (the defining module's,
``bothways.grid.scores.gridness``, or a name relative to the current module) is
resolved through ``api_aliases.json``, which ``scripts/book.py`` writes beside this file.

3. Class members that come from other libraries (scikit-learn's estimator methods)
are not documented.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from docutils import nodes, utils
from docutils.core import publish_doctree
from docutils.parsers.rst import Directive, directives, roles

_ORIGINAL: dict[tuple, list[str]] = {}
_ROLES = ("func", "mod", "class", "meth", "attr", "data", "obj", "exc", "ref", "doc", "cite", "term",
          "py:func", "py:class", "py:mod", "py:meth", "py:attr", "py:data", "py:obj", "math", "numref")
_DIRECTIVES = ("rubric", "seealso", "versionadded", "versionchanged", "deprecated", "math", "admonition",
               "note", "warning", "doctest")


class _Accept(Directive):
    has_content, optional_arguments, final_argument_whitespace = True, 10, True
    option_spec = None

    def run(self):
        return []


def _quiet_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [nodes.literal(rawtext, utils.unescape(text))], []


# docutils' own look-ups: during a build Sphinx replaces them with its domain-aware ones
_ROLE_LOOKUP, _DIRECTIVE_LOOKUP = roles.role, directives.directive


def parses_cleanly(lines: list[str]) -> bool:
    """True if plain docutils reports nothing at WARNING level or above for these lines.

    Sphinx's roles and directives are accepted (as literals) and docutils' registries
    are restored afterwards, so the check does not touch the build's own parsing.
    """
    saved = roles.role, directives.directive, dict(roles._roles), dict(directives._directives)
    roles.role, directives.directive = _ROLE_LOOKUP, _DIRECTIVE_LOOKUP
    roles._roles.update({r: _quiet_role for r in _ROLES})
    directives._directives.update({d: _Accept for d in _DIRECTIVES if d not in ("math", "admonition", "note",
                                                                               "warning", "rubric")})
    try:
        doc = publish_doctree("\n".join(lines), settings_overrides={
            "report_level": 2, "halt_level": 5, "warning_stream": False, "file_insertion_enabled": False,
            "raw_enabled": False})
    finally:
        roles.role, directives.directive = saved[0], saved[1]
        roles._roles.clear()
        roles._roles.update(saved[2])
        directives._directives.clear()
        directives._directives.update(saved[3])
    messages = [*doc.findall(nodes.system_message), *doc.transform_messages, *doc.parse_messages]
    return not [m for m in messages if m["level"] >= 2]


def _escape(text: str) -> str:
    return re.sub(r"([\\`*_|])", r"\\\1", text)


def _remember(app, what, name, obj, options, lines):
    _ORIGINAL[(what, name)] = list(lines)


def _fallback(app, what, name, obj, options, lines):
    if parses_cleanly(lines):
        return
    original = _ORIGINAL.get((what, name), list(lines))
    first = next((ln for ln in original if ln.strip()), "")
    lines[:] = [_escape(first.strip()), "", "::", ""] + ["   " + ln for ln in original] + [""]
    app.env.plain_docstrings = sorted({*getattr(app.env, "plain_docstrings", ()), name})


def _report(app, exception):
    names = getattr(app.env, "plain_docstrings", ())
    if names and exception is None:
        print(f"[plain_docstrings] {len(names)} docstring(s) shown verbatim (their reST does not parse): "
              + ", ".join(names))


ALIASES = Path(__file__).with_name("api_aliases.json")


def _aliases() -> dict:
    return json.loads(ALIASES.read_text()) if ALIASES.is_file() else {}


def _resolve_alias(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    aliases = env.__dict__.setdefault("_bothways_aliases", _aliases())
    domain = env.domains["py"]
    target = re.sub(r"\s+", "", node["reftarget"]).lstrip("~.")  # a role broken across two lines
    module = node.get("py:module")
    for candidate in (target, f"{module}.{target}" if module else None):
        if not candidate:
            continue
        head, _, attr = candidate.rpartition(".")
        # the object itself, its documented home, or (an undocumented attribute) its class
        for home in (candidate, aliases.get(candidate), aliases.get(head) and f"{aliases[head]}.{attr}",
                     aliases.get(head)):
            if home:
                found = domain.resolve_xref(env, node["refdoc"], app.builder, "obj", home, node, contnode)
                if found is not None:
                    return found
    return None


def _skip_foreign(app, what, name, obj, skip, options):
    module = getattr(obj, "__module__", None)
    if what == "class" and isinstance(module, str) and not module.startswith("bothways"):
        return True
    return None


def setup(app):
    app.connect("missing-reference", _resolve_alias)
    app.connect("autodoc-skip-member", _skip_foreign)
    app.connect("autodoc-process-docstring", _remember, priority=1)
    app.connect("autodoc-process-docstring", _fallback, priority=999)
    app.connect("build-finished", _report)
    return {"parallel_read_safe": False, "parallel_write_safe": True}
