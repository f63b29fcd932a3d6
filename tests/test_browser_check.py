"""scripts/browser_check.py on a hand-made site: good pages pass, each defect is caught.

Needs Debian's Chromium (``/usr/bin/chromium``, installed by .ci/run); skipped without it.
"""
from __future__ import annotations

import base64
import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("browser_check", ROOT / "scripts" / "browser_check.py")
bc = importlib.util.module_from_spec(spec)
sys.modules["browser_check"] = bc
spec.loader.exec_module(bc)

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="needs Chromium (see .ci/run)")

PNG = base64.b64decode(  # a 1x1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
COLAB = "https://colab.research.google.com/github/o/r/blob/main/notebooks/{}.ipynb"


def _page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    html = site / "_build" / "html"
    (site / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                   "  - file: notebooks/01_good\n  - file: notebooks/02_bad\n")
    (site / "notebooks").mkdir()
    (site / "notebooks" / "01_good.ipynb").write_text("{}")  # what the Colab button opens
    for sub in ("book", "notebooks", "_images"):
        (html / sub).mkdir(parents=True)
    (html / "_images" / "ok.png").write_bytes(PNG)
    (html / "index.html").write_text(_page("<a href='book/intro.html'>start</a>"))
    figure = "<figure><img src='../_images/ok.png' alt='a'><figcaption>Fig. 1 ok</figcaption></figure>"
    (html / "book" / "intro.html").write_text(_page(
        f"<h1 id='top'>Intro</h1>{figure}<a href='../notebooks/01_good.html#sec'>chapter</a>"
        "<a href='https://example.org/'>outside</a>",
        head="<script src='https://cdn.example.org/lib.js'></script>"))
    (html / "notebooks" / "01_good.html").write_text(_page(
        f"<h1 id='sec'>Good</h1>{figure}"
        "<div class='cell tag_parameters'><div class='cell_input'><pre>size = 'ci'</pre></div></div>"
        "<div class='cell tag_solution tag_hide-cell'><details><summary>Show code</summary>"
        "<div class='cell_input'><pre>answer = 1</pre></div>"
        "<div class='cell_output'><pre>Correct: 1</pre></div></details></div>"
        "<div class='cell'><div class='cell_input'><pre style='width: 200px; white-space: pre-wrap; "
        "overflow-wrap: anywhere'>" + "x" * 300 + "</pre></div></div>"
        f"<a href='{COLAB.format('01_good')}'>Colab</a><a href='#sec'>here</a>"))
    (html / "notebooks" / "02_bad.html").write_text(_page(
        "<h1>Bad</h1><img src='../_images/missing.png' alt='x'>"
        "<a href='../book/nowhere.html'>dead</a><a href='../book/intro.html#nope'>dead anchor</a>"
        "<div class='output traceback'><pre>Traceback (most recent call last):\nValueError</pre></div>"
        "<div class='cell tag_injected-parameters'><div class='cell_input'><pre>size = 'ci'</pre></div></div>"
        "<div class='cell tag_remove-cell tag_exercise-key'><pre>EXPECTED = 1</pre></div>"
        "<div class='cell tag_solution tag_hide-input'><details><summary>Show code</summary>"
        "<div class='cell_input'><pre>answer = 1</pre></div></details>"
        "<div class='cell_output'><pre>Correct: 1</pre></div></div>"
        "<div class='cell'><div class='cell_input'><pre style='width: 200px; overflow-x: auto'>"
        + "y" * 300 + "</pre></div></div>"
        f"<a href='{COLAB.format('02_bad')}'>Colab</a>"
        "<script>console.error('boom'); null.x;</script>"))
    return site


@pytest.fixture(scope="module")
def reports(site, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    html = site / "_build" / "html"
    server, base = bc.serve(html)
    shots = tmp_path_factory.mktemp("shots")
    out = {}
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(tmp_path_factory.mktemp("profile")), executable_path=CHROMIUM, headless=True,
                args=bc.CHROMIUM_ARGS)
            for rel, chapter, landing in (("book/intro.html", False, True), ("notebooks/01_good.html", True, False),
                                          ("notebooks/02_bad.html", True, False)):
                out[rel] = bc.check_page(context, base, html, html / rel, chapter, landing,
                                         shots / rel.replace("/", "_").replace(".html", ".png"), None, site)
            context.close()
    finally:
        server.shutdown()
    out["shots"] = sorted(p.name for p in shots.iterdir())
    return out


def test_good_pages_pass_and_external_requests_are_reported_apart(reports):
    assert reports["book/intro.html"].problems == []
    assert reports["notebooks/01_good.html"].problems == []
    assert reports["notebooks/01_good.html"].figures == 1
    external = " ".join(reports["book/intro.html"].external)
    assert "blocked https://cdn.example.org/lib.js" in external
    assert reports["shots"] == ["book_intro.png", "notebooks_01_good.png", "notebooks_02_bad.png"]


@pytest.mark.parametrize("expected", [
    "broken image", "dead link /book/nowhere.html", "no id 'nope'", "traceback", "console error: boom",
    "uncaught JavaScript error", "chapter page without a captioned figure", "injected-parameters",
    "no visible 'parameters' cell", "solution shown expanded: solution code cell (output)",
    "exercise answer key", "1 code cell(s) wider than the page", "which the repository does not have",
])
def test_each_defect_is_reported(reports, expected):
    problems = reports["notebooks/02_bad.html"].problems
    assert any(expected in p for p in problems), (expected, problems)


def test_page_list_and_links(site):
    html = site / "_build" / "html"
    pages = [p.relative_to(html).as_posix() for p in bc.page_list(html)]
    assert pages[:3] == ["book/intro.html", "notebooks/01_good.html", "notebooks/02_bad.html"]
    assert "index.html" in pages
    base = "http://127.0.0.1:1/"
    assert bc.check_link(base + "book/intro.html#top", base, html) is None
    assert bc.check_link("https://example.org/x", base, html) is None
    assert "no file" in bc.check_link(base + "book/x.html", base, html)


def test_stage_figures_puts_a_chapter_figure_on_a_prose_page(tmp_path, monkeypatch):
    """scripts/book.py staging: a chapter-figure marker becomes that chapter's figure."""
    import nbformat

    book_tool = bc.book_tool
    monkeypatch.setattr(book_tool, "SITE", tmp_path)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "book").mkdir()
    nb = nbformat.v4.new_notebook()
    for name, caption in (("fig-a", "First {cite}`muzellec2026`."), ("fig-b", "Second.")):
        cell = nbformat.v4.new_code_cell("plt.show()", metadata={"mystnb": {"figure": {"caption": caption, "name": name}}})
        cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(PNG).decode()})]
        nb.cells.append(cell)
    nbformat.write(nb, tmp_path / "notebooks" / "00_x.ipynb")
    page = tmp_path / "book" / "intro.md"
    page.write_text("# Intro\n\n<!-- chapter-figure notebooks/00_x#fig-b -->\n\nText.\n")
    book_tool.stage_figures(page)
    text = page.read_text()
    assert "<!--" not in text and "```{figure} _generated/intro_1.png" in text
    assert ":name: fig-intro-1" in text and "Second. (From {doc}`/notebooks/00_x`.)" in text
    assert (tmp_path / "book" / "_generated" / "intro_1.png").read_bytes() == PNG
    page.write_text("<!-- chapter-figure notebooks/00_x -->")  # default: the first figure
    book_tool.stage_figures(page)
    assert ":alt: First muzellec2026." in page.read_text()
    page.write_text("<!-- chapter-figure notebooks/00_x#fig-zzz -->")
    with pytest.raises(SystemExit, match="fig-zzz"):
        book_tool.stage_figures(page)
