"""Sphinx extension: drop duplicate <script> entries that Jupyter Book 1.x emits twice.

The duplicated inline ``const THEBE_JS_URL`` throws in the browser, which the
browser check (scripts/browser_check.py) rightly reports as a console error.
"""


def _dedupe(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for js in context.get("script_files", []):
        key = (getattr(js, "filename", None) or "", tuple(sorted(getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
