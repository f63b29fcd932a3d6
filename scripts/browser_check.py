"""Open every page of the built book in headless Chromium and fail on what a reader would see broken.

    python scripts/browser_check.py [--html _build/site/_build/html] [--screenshots _build/screenshots]
                                    [--mathjax DIR]

The rendered site is served from ``localhost`` (``http.server`` in a thread, port 0) and
every ``.html`` page is opened with Playwright's Python package driving the Debian
Chromium (``/usr/bin/chromium``, ``$CHROMIUM`` to override) with a fresh profile.
A page fails when it has

- a broken image (it does not decode, or its natural width is 0), or a page resource
  (script, style sheet, font, image) on the site that answers 4xx/5xx or fails;
- a Python traceback or error output;
- a console error or an uncaught JavaScript exception;
- an ``<a href>`` inside the site whose file does not exist, or whose ``#anchor`` is
  not an ``id`` in that file;
- (the landing page, the table of contents' root) no captioned figure;
- (chapter pages) no captioned figure with a loaded image, a papermill
  "injected-parameters" cell (``scripts/book.py`` writes the values that ran into the
  one ``parameters`` cell instead) or no visible ``parameters`` cell, a solution shown
  expanded (its code or its output), an exercise's answer key on the page, a code cell
  wider than its box (a horizontal scroll bar), or a Colab launch button that points at
  a notebook the repository does not have;
- (when MathJax is available, see below) a TeX error in an equation.

External resources. The build machines are offline, so every request that leaves
``localhost`` is blocked and listed separately as "external resources not loaded
(offline build machine)"; console messages caused by those blocked requests are listed
there too and do not fail the check. Everything else fails. The one external
resource that matters for reading is MathJax (the theme loads it from a CDN): if a
local MathJax 3 ``es5`` folder is given (``--mathjax``, ``$BOTHWAYS_MATHJAX``, or
``_build/mathjax/package/es5``, which this script fills with ``npm pack mathjax@3``
when ``npm`` is available), CDN requests for it are answered from that folder, so
equations are typeset and checked for TeX errors.

A full-page PNG screenshot of every page in the table of contents is written to
``_build/screenshots/`` (CI artefacts). Exit status 0 when no page has a problem.
"""
from __future__ import annotations

import argparse
import functools
import html.parser
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("book_tool", ROOT / "scripts" / "book.py")
book_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(book_tool)

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-quic",
]
MATHJAX_CDN = re.compile(r"^https://cdn\.jsdelivr\.net/npm/mathjax@3[^/]*/es5/(?P<path>[^?#]+)")
MATHJAX_NPM = "mathjax@3"
LOCAL_HOSTS = ("127.0.0.1", "localhost")
SCREENSHOT_MAX_PX = 12_000

# Runs in the page once it has loaded: images, links, error output, chapter features.
PAGE_PROBE = r"""
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    try { await MathJax.startup.promise; } catch (e) {}
  }
  const images = [];
  for (const img of Array.from(document.images)) {
    img.loading = "eager";
    let decoded = true;
    try { await img.decode(); } catch (e) { decoded = false; }
    const src = img.currentSrc || img.getAttribute("src") || "";
    images.push({src: src.startsWith("data:") ? src.slice(0, 40) + "..." : src,
                 decoded, width: img.naturalWidth,
                 svg: /\.svg([?#]|$)|^data:image\/svg/.test(src),
                 captioned: !!(img.closest("figure") && img.closest("figure").querySelector("figcaption"))});
  }
  // false inside a closed <details>, under display:none, or visibility:hidden
  const visible = (el) => !!el && el.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true})
                          && el.getClientRects().length > 0;
  const solutions = [];
  for (const el of document.querySelectorAll(".tag_solution .cell_input, .tag_solution .cell_output, "
                                             + ".admonition.dropdown")) {
    const title = el.querySelector(".admonition-title");
    const body = Array.from(el.children).filter(c => !c.classList.contains("admonition-title")
                                                   && c.tagName !== "SUMMARY" && c.tagName !== "BUTTON");
    const cell = el.classList.contains("cell_input") || el.classList.contains("cell_output");
    const shown = cell ? visible(el) : body.some(visible);
    solutions.push({what: title ? title.textContent.trim()
                    : `solution code cell (${el.classList.contains("cell_input") ? "code" : "output"})`, shown});
  }
  return {
    url: location.href,
    title: document.title,
    links: Array.from(document.querySelectorAll("a[href]"), a => a.href),
    images,
    traceback: document.body.innerText.includes("Traceback (most recent call last)")
               || document.querySelectorAll(".output.traceback, .output.error, .highlight-ipythontb").length > 0,
    injected: document.querySelectorAll(".tag_injected-parameters").length > 0,
    parameters: Array.from(document.querySelectorAll(".tag_parameters .cell_input")).some(visible),
    keys: document.querySelectorAll(".tag_exercise-key").length,
    wide_code: Array.from(document.querySelectorAll(".cell_input pre"))
                    .filter(p => visible(p) && p.scrollWidth > p.clientWidth + 1).length,
    solutions,
    tex_errors: Array.from(document.querySelectorAll("mjx-merror"), e => e.getAttribute("data-mjx-error") || e.textContent),
    math: document.querySelectorAll(".math, span.math, div.math").length,
    typeset: document.querySelectorAll("mjx-container").length,
    colab: Array.from(document.querySelectorAll('a[href*="colab.research.google.com/github/"]'), a => a.href),
  };
}
"""


@dataclass
class PageReport:
    """What one page showed: ``problems`` fail the check, ``external`` does not."""

    path: str
    problems: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    figures: int = 0


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep CI logs readable
        pass


def serve(directory: Path):
    """Serve ``directory`` on localhost in a daemon thread; return ``(server, base_url)``."""
    handler = functools.partial(_Quiet, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


class _Ids(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)


@functools.lru_cache(maxsize=None)
def anchors(path: Path) -> frozenset:
    """Every ``id`` (and ``<a name>``) in an HTML file."""
    parser = _Ids()
    parser.feed(path.read_text(errors="replace"))
    return frozenset(parser.ids)


def check_link(url: str, base: str, html_dir: Path) -> str | None:
    """Why an internal link is dead (``None`` if it resolves, or is not internal)."""
    if not url.startswith(base):
        return None
    parts = urlsplit(url)
    rel = unquote(parts.path)[1:]
    target = html_dir / rel
    if rel == "" or rel.endswith("/"):
        target = target / "index.html"
    if not target.is_file():
        return f"dead link {url[len(base) - 1:]} (no file {target.relative_to(html_dir)})"
    fragment = unquote(parts.fragment)
    if fragment and target.suffix == ".html" and fragment not in anchors(target):
        return f"dead link {url[len(base) - 1:]} (no id {fragment!r} in {target.relative_to(html_dir)})"
    return None


def check_colab(url: str, repo: Path = ROOT) -> str | None:
    """A Colab launch URL must point at a notebook the repository ``repo`` has."""
    match = re.search(r"/github/[^/]+/[^/]+/blob/[^/]+/(.+\.ipynb)$", urlsplit(url).path)
    if not match:
        return f"Colab launch button has an unexpected URL {url}"
    if not (repo / match.group(1)).is_file():
        return f"Colab launch button opens {match.group(1)}, which the repository does not have"
    return None


def find_mathjax(explicit: str | None) -> Path | None:
    """A local MathJax 3 ``es5`` folder, fetched with ``npm pack`` if need be (else ``None``)."""
    for candidate in (explicit, os.environ.get("BOTHWAYS_MATHJAX")):
        if candidate:
            path = Path(candidate)
            if not (path / "tex-mml-chtml.js").is_file():
                raise SystemExit(f"{path} is not a MathJax 3 es5 folder (no tex-mml-chtml.js)")
            return path
    cache = book_tool.BUILD / "mathjax"
    es5 = cache / "package" / "es5"
    if (es5 / "tex-mml-chtml.js").is_file():
        return es5
    npm = shutil.which("npm")
    if not npm:
        return None
    cache.mkdir(parents=True, exist_ok=True)
    try:
        out = subprocess.run([npm, "pack", "--silent", MATHJAX_NPM], cwd=cache, capture_output=True,
                             text=True, timeout=180, check=True).stdout.strip().splitlines()[-1]
        shutil.unpack_archive(cache / out, cache)
    except (subprocess.SubprocessError, OSError, IndexError, shutil.ReadError) as err:
        print(f"[browser-check] could not fetch {MATHJAX_NPM} with npm ({err}); equations will not be typeset")
        return None
    return es5 if (es5 / "tex-mml-chtml.js").is_file() else None


def site_root(html_dir: Path) -> Path:
    """The staged book whose ``_toc.yml`` produced ``html_dir`` (``<site>/_build/html``)."""
    site = html_dir.parents[1]
    return site if (site / "_toc.yml").is_file() else ROOT


def page_list(html_dir: Path) -> list[Path]:
    """Every rendered page (table-of-contents pages first), excluding theme assets."""
    toc = [html_dir / f"{f}.html" for f in book_tool.toc_files(site_root(html_dir))]
    rest = sorted(p for p in html_dir.rglob("*.html")
                  if p not in toc and not p.relative_to(html_dir).parts[0].startswith("_"))
    return toc + rest


def check_page(context, base: str, html_dir: Path, path: Path, is_chapter: bool, is_landing: bool,
               screenshot: Path | None, mathjax: Path | None, repo: Path = ROOT) -> PageReport:
    rel = path.relative_to(html_dir).as_posix()
    report = PageReport(rel)
    if not path.is_file():
        report.problems.append("page was not rendered")
        return report
    blocked: set[str] = set()

    def route(r):
        url = r.request.url
        host = urlsplit(url).hostname
        if host in LOCAL_HOSTS or not url.startswith(("http://", "https://")):
            return r.continue_()
        match = MATHJAX_CDN.match(url)
        if mathjax is not None and match and (mathjax / match["path"]).is_file():
            return r.fulfill(path=str(mathjax / match["path"]))
        blocked.add(url)
        report.external.append(f"blocked {url}")
        return r.abort("blockedbyclient")

    page = context.new_page()
    page.route("**/*", route)
    console = []
    page.on("console", lambda m: m.type == "error" and console.append((m.text, m.location.get("url", ""))))
    page.on("pageerror", lambda e: report.problems.append(f"uncaught JavaScript error: {e}"))
    page.on("response", lambda r: r.status >= 400 and r.url.startswith(base)
            and report.problems.append(f"HTTP {r.status} for {r.url[len(base) - 1:]}"))
    page.on("requestfailed", lambda r: r.url.startswith(base)
            and report.problems.append(f"request failed: {r.url[len(base) - 1:]} ({r.failure})"))
    try:
        page.goto(base + rel, wait_until="load", timeout=60_000)
        page.wait_for_load_state("networkidle", timeout=15_000)
        info = page.evaluate(PAGE_PROBE)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            # the whole page, up to SCREENSHOT_MAX_PX (the API page is far longer)
            size = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            clip = {"x": 0, "y": 0, "width": size[0], "height": min(size[1], SCREENSHOT_MAX_PX)}
            page.screenshot(path=str(screenshot), full_page=True, clip=clip, timeout=120_000)
    except Exception as err:  # a page that cannot be opened is a problem, not a crash
        report.problems.append(f"could not open the page: {err}")
        page.close()
        return report
    page.close()
    for text, url in console:
        caused_by_block = url in blocked or "ERR_BLOCKED_BY_CLIENT" in text or any(b in text for b in blocked)
        (report.external if caused_by_block else report.problems).append(f"console error: {text} {url}".strip())
    for img in info["images"]:
        if not img["decoded"] or (img["width"] == 0 and not img["svg"]):
            report.problems.append(f"broken image {img['src']}")
    report.figures = sum(1 for i in info["images"] if i["captioned"] and i["decoded"] and i["width"] > 0)
    if info["traceback"]:
        report.problems.append("Python traceback / error output on the page")
    for url in set(info["links"]):
        dead = check_link(url, base, html_dir)
        if dead:
            report.problems.append(dead)
    for err in info["tex_errors"]:
        report.problems.append(f"TeX error in an equation: {err}")
    if mathjax is not None and info["math"] and not info["typeset"]:
        report.problems.append(f"{info['math']} equation(s) but MathJax typeset none")
    if is_landing and report.figures == 0:
        report.problems.append("landing page without a figure (add a chapter-figure marker, see scripts/book.py)")
    if is_chapter:
        if report.figures == 0:
            report.problems.append("chapter page without a captioned figure")
        if info["injected"]:
            report.problems.append("a papermill 'injected-parameters' cell (set the parameters cell instead)")
        if not info["parameters"]:
            report.problems.append("no visible 'parameters' cell (which size ran?)")
        if info["keys"]:
            report.problems.append(f"{info['keys']} exercise answer key(s) on the page (tag them remove-cell)")
        if info["wide_code"]:
            report.problems.append(f"{info['wide_code']} code cell(s) wider than the page (horizontal scroll)")
        for sol in info["solutions"]:
            if sol["shown"]:
                report.problems.append(f"solution shown expanded: {sol['what']}")
        if not info["colab"]:
            report.problems.append("no Colab launch button")
        for url in set(info["colab"]):
            bad = check_colab(url, repo)
            if bad:
                report.problems.append(bad)
    return report


def run(html_dir: Path, screenshots: Path, mathjax: Path | None, repo: Path = ROOT) -> int:
    from playwright.sync_api import sync_playwright

    if not (html_dir / "index.html").is_file():
        raise SystemExit(f"{html_dir} has no index.html: run `python scripts/book.py build` first")
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).is_file():
        raise SystemExit(f"no Chromium at {executable}: `apt-get install chromium` (see .ci/run)")
    chapters = {(html_dir / f"{s}.html") for s in book_tool.toc_notebooks(site_root(html_dir))}
    toc_pages = [(html_dir / f"{f}.html") for f in book_tool.toc_files(site_root(html_dir))]
    landing = toc_pages[0]
    if screenshots.exists():
        shutil.rmtree(screenshots)
    print(f"[browser-check] MathJax: {'local copy ' + str(mathjax) if mathjax else 'not available (equations not typeset)'}")
    server, base = serve(html_dir)
    reports = []
    start = time.perf_counter()
    try:
        with sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
            context = pw.chromium.launch_persistent_context(
                profile, executable_path=executable, headless=True, args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 900}, service_workers="block")
            try:
                for path in page_list(html_dir):
                    shot = screenshots / path.relative_to(html_dir).with_suffix(".png") if path in toc_pages else None
                    report = check_page(context, base, html_dir, path, path in chapters, path == landing, shot,
                                        mathjax, repo)
                    reports.append(report)
                    kind = "chapter" if path in chapters else "page"
                    status = "ok" if not report.problems else f"{len(report.problems)} problem(s)"
                    extra = f", {report.figures} figure(s)" if path in chapters else ""
                    print(f"[browser-check] {kind:7s} {report.path}: {status}{extra}", flush=True)
            finally:
                context.close()
    finally:
        server.shutdown()
    external = sorted({e for r in reports for e in r.external})
    if external:
        print(f"\n[browser-check] external resources not loaded (offline build machine), {len(external)}:")
        for line in external:
            print("   ", line)
    problems = [(r.path, p) for r in reports for p in r.problems]
    if problems:
        print(f"\n[browser-check] PROBLEMS ({len(problems)}):")
        for path, problem in problems:
            print(f"    {path}: {problem}")
    print(f"\n[browser-check] {len(reports)} pages in {time.perf_counter() - start:.0f} s; "
          f"{sum(1 for r in reports if not r.problems)} passed, {sum(1 for r in reports if r.problems)} failed; "
          f"screenshots in {screenshots}")
    return 1 if problems else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--html", type=Path, default=book_tool.HTML, help="the rendered site")
    parser.add_argument("--screenshots", type=Path, default=book_tool.BUILD / "screenshots")
    parser.add_argument("--mathjax", help="a local MathJax 3 es5 folder (default: fetched with npm if possible)")
    parser.add_argument("--no-mathjax", action="store_true", help="do not look for a local MathJax")
    parser.add_argument("--repo", type=Path, default=ROOT, help="where the Colab buttons' notebooks must exist")
    args = parser.parse_args(argv)
    mathjax = None if args.no_mathjax else find_mathjax(args.mathjax)
    return run(args.html.resolve(), args.screenshots.resolve(), mathjax, args.repo.resolve())


if __name__ == "__main__":
    sys.exit(main())
