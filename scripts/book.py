"""Build tooling for the book: execute chapters, stage and render the site, check it.

Used by the Makefile (``make book``, ``make check``) and therefore by CI.

    python scripts/book.py execute [--size ci|full] [--only 01_asymmetry]
    python scripts/book.py build        # stage executed notebooks + render HTML
    python scripts/book.py check-html   # every chapter page has a figure, no errors
    python scripts/book.py colab-cell [--fix]  # the Colab setup cell (--fix: write it into every chapter)

Executed notebooks go to ``_build/executed/notebooks`` (never back into the committed
files); the site is staged in ``_build/site`` and rendered to
``_build/site/_build/html``.
"""
from __future__ import annotations

import argparse
import os
import base64
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
EXECUTED = BUILD / "executed"
SITE = BUILD / "site"
HTML = SITE / "_build" / "html"


def toc_files(root: Path = ROOT) -> list[str]:
    """Every ``file:`` entry (and the root) of ``root/_toc.yml``, in order, without suffix."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return files


def toc_notebooks(root: Path = ROOT) -> list[str]:
    """Chapter stems (``notebooks/NN_slug``) listed in the table of contents."""
    return [f for f in toc_files(root) if f.startswith("notebooks/")]


def repository(root: Path = ROOT) -> tuple[str, str]:
    """``(url, branch)`` of the book's repository: ``_config.yml`` is the one place that names it."""
    import yaml

    repo = yaml.safe_load((root / "_config.yml").read_text())["repository"]
    return repo["url"].rstrip("/"), repo["branch"]


#: The tags of the Colab setup cell: visible on the site, its (pip) output collapsed.
COLAB_TAGS = ["hide-output"]


def colab_setup_source(root: Path = ROOT) -> str:
    """The Colab setup cell, as the notebook (``.ipynb``) holds it.

    One ``%pip install`` of the library from the repository named in ``_config.yml``,
    guarded so that it runs on Colab only: elsewhere (CI, a local Jupyter, a fork) it
    would replace the editable ``bothways`` of ``make book`` with the one on GitHub.
    """
    url, branch = repository(root)
    return ("# On Colab only: install the book's library (elsewhere `make book` has installed it).\n"
            'if "google.colab" in str(get_ipython()):\n'
            f'    %pip install -q "bothways[all] @ git+{url}@{branch}#subdirectory=lib"')


def is_colab_setup(cell) -> bool:
    return cell.cell_type == "code" and "google.colab" in cell.source


def fix_colab_cells(stems: list[str]) -> list[str]:
    """Write the canonical Colab setup cell into each chapter (replacing the old one); return those changed."""
    import jupytext

    changed = []
    for stem in stems:
        path = ROOT / f"{stem}.py"
        nb = jupytext.read(path)
        cells = [c for c in nb.cells if is_colab_setup(c)]
        if len(cells) != 1:
            raise SystemExit(f"{stem}: expected one Colab setup cell (mentioning google.colab), found {len(cells)}")
        cell = cells[0]
        tags = [t for t in cell.metadata.get("tags", []) if t not in ("remove-cell", "remove-input", "hide-input")]
        new_tags = tags + [t for t in COLAB_TAGS if t not in tags]
        if cell.source != colab_setup_source() or cell.metadata.get("tags") != new_tags:
            cell.source, cell.metadata["tags"] = colab_setup_source(), new_tags
            jupytext.write(nb, path, fmt="py:percent")
            # the pair follows with jupytext's own sync, which keeps the notebook's cell ids
            subprocess.run([str(Path(sys.executable).parent / "jupytext"), "--sync", "-q", str(path)], check=True)
            changed.append(stem)
    return changed


def set_parameters(nb, **values) -> None:
    """Set ``name = value`` lines of the notebook's one ``parameters`` cell, in place.

    Used instead of papermill's injected cell, so that the page shows the one
    parameters cell with the values that ran (and its comments).
    """
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise SystemExit(f"expected one cell tagged 'parameters', found {len(cells)}")
    source = cells[0].source
    for name, value in values.items():
        line = re.compile(rf"^{re.escape(name)} = [^#\n]*?(?P<comment>\s+#.*)?$", re.M)
        text = json.dumps(value) if isinstance(value, str) else repr(value)  # "ci", as the source writes it
        source, n = line.subn(lambda m: f"{name} = {text}{m['comment'] or ''}", source)
        if n != 1:
            raise SystemExit(f"the parameters cell must assign {name!r} once on a line of its own")
    cells[0].source = source


def execute(size: str, only: list[str] | None, timeout: int) -> int:
    """Convert each chapter's py:percent source to ipynb, set its parameters, run it with papermill."""
    import jupytext
    import papermill as pm

    # The Makefile exports MPLBACKEND=Agg for scripts and tests; in the kernel that
    # would swallow every plt.show(), so chapters get the inline backend.
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    out_dir = EXECUTED / "notebooks"
    out_dir.mkdir(parents=True, exist_ok=True)
    failures, timings = [], []
    stems = toc_notebooks()
    if only:
        stems = [s for s in stems if any(o in s for o in only)]
        if not stems:
            raise SystemExit(f"--only {only} matches no chapter in _toc.yml")
    for stem in stems:
        src = ROOT / f"{stem}.py"
        name = Path(stem).name
        unexecuted = out_dir / f"{name}.source.ipynb"
        target = out_dir / f"{name}.ipynb"
        nb = jupytext.read(src)
        set_parameters(nb, size=size)
        jupytext.write(nb, unexecuted, fmt="ipynb")
        print(f"[execute] {stem} (size={size})", flush=True)
        start = time.perf_counter()
        try:
            pm.execute_notebook(
                str(unexecuted), str(target),
                cwd=str(ROOT / "notebooks"), kernel_name="python3",
                execution_timeout=timeout, progress_bar=False, log_output=False,
            )
        except Exception as err:  # papermill raises PapermillExecutionError
            failures.append(stem)
            print(f"[execute] FAILED {stem}: {str(err)[:2000]}", flush=True)
        finally:
            unexecuted.unlink(missing_ok=True)
        timings.append((stem, time.perf_counter() - start))
    print("\n[execute] wall time per chapter:")
    for stem, seconds in timings:
        print(f"  {seconds:7.1f} s  {stem}")
    if failures:
        print(f"[execute] {len(failures)} chapter(s) failed: {failures}")
        return 1
    return 0


#: Characters of code that fit a code cell of the rendered page (sphinx-book-theme at a
#: 1280-pixel window: 684 px of 8.4-px monospace, about 77 characters).
CODE_WIDTH = 76


def format_code(notebooks: list[Path], width: int = CODE_WIDTH) -> None:
    """Format the code cells of the staged notebooks at the page's width (ruff, black style).

    Only the staged copies are formatted: the sources keep their authors' layout, and
    the code does the same thing (ruff's formatting does not change what code does).
    """
    ruff = Path(sys.executable).parent / "ruff"
    if notebooks:
        subprocess.run([str(ruff), "format", "--quiet", "--no-cache", "--isolated", f"--line-length={width}",
                        *map(str, notebooks)], check=True)


def stage() -> None:
    """Assemble ``_build/site``: prose, config, bibliography and executed notebooks."""
    if SITE.exists():
        shutil.rmtree(SITE)
    SITE.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, SITE / name)
    shutil.copytree(ROOT / "book", SITE / "book")
    (SITE / "notebooks").mkdir()
    for stem in toc_notebooks():
        executed = EXECUTED / f"{stem}.ipynb"
        if not executed.exists():
            raise SystemExit(f"{executed} is missing: run `python scripts/book.py execute` first")
        shutil.copy2(executed, SITE / f"{stem}.ipynb")
    format_code([SITE / f"{stem}.ipynb" for stem in toc_notebooks()])
    for page in sorted((SITE / "book").glob("*.md")):
        stage_figures(page)
    stage_api(SITE / "book" / "api.md")


#: In a prose page, ``<!-- chapter-figure notebooks/00_overview#fig-name -->`` is replaced,
#: in the staged copy only, by that chapter's executed figure and its caption (the name
#: after ``#`` is optional: default, the chapter's first captioned figure). The PNG is
#: written beside the staged page; no figure is ever committed. (Not myst-nb's glue: in
#: myst-nb 1.4 ``{glue:figure}`` has no cross-document form, and the ``{glue}``
#: directive's ``:doc:`` option pastes a figure from another notebook as its text/plain
#: "<Figure size ...>", without a caption; the chapters would also have to glue every
#: figure object instead of showing it with its mystnb caption.)
FIGURE_MARKER = re.compile(r"<!--\s*chapter-figure\s+(?P<stem>notebooks/[\w-]+)(?:#(?P<name>[\w-]+))?\s*-->")


def stage_figures(page: Path) -> None:
    """Replace every chapter-figure marker of a staged prose page (see FIGURE_MARKER)."""
    import nbformat

    text = page.read_text()
    for k, match in enumerate(list(FIGURE_MARKER.finditer(text)), start=1):
        stem, name = match["stem"], match["name"]
        executed = SITE / f"{stem}.ipynb"
        if not executed.exists():
            raise SystemExit(f"{page.name}: {match[0]} names {stem}, which is not an executed chapter in _toc.yml")
        found = None
        for cell in nbformat.read(executed, as_version=4).cells:
            figure = cell.metadata.get("mystnb", {}).get("figure", {})
            pngs = [o["data"]["image/png"] for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
            if cell.cell_type == "code" and figure and pngs and (name is None or figure.get("name") == name):
                found = figure.get("caption", ""), pngs[0]
                break
        if found is None:
            raise SystemExit(f"{page.name}: {match[0]}: no captioned figure{' ' + name if name else ''} with an image in {executed}")
        caption, png = found
        target = page.parent / "_generated" / f"{page.stem}_{k}.png"
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(base64.b64decode(png))
        alt = re.sub(r"\{[\w:-]+\}`([^`]*)`", r"\1", caption).replace("\n", " ")
        directive = (f"```{{figure}} _generated/{target.name}\n:name: fig-{page.stem}-{k}\n:alt: {alt}\n\n"
                     f"{caption} (From {{doc}}`/{stem}`.)\n```")
        text = text.replace(match[0], directive, 1)
    page.write_text(text)


API_MARKER = "<!-- api-reference -->"


def api_modules() -> list[tuple[str, list[str]]]:
    """Every module of ``bothways`` with the public functions and classes it documents.

    A module's public names are its ``__all__`` (else the functions and classes it
    defines whose names do not start with ``_``): its functions, classes and (from
    ``__all__`` only) constants. Each object is documented once,
    under the shortest module path that exports it (``bothways.grid.gridness``, not
    ``bothways.grid.scores.gridness``). Modules whose names start with ``_`` are private.
    """
    import importlib
    import inspect
    import pkgutil

    import bothways

    names = ["bothways"] + sorted(m.name for m in pkgutil.walk_packages(bothways.__path__, "bothways.")
                                  if not m.name.rsplit(".", 1)[-1].startswith("_"))
    homed, out = set(), {}
    for name in sorted(names, key=lambda n: (n.count("."), n)):
        module = importlib.import_module(name)
        public = getattr(module, "__all__", None)
        if public is None:
            public = [k for k, v in vars(module).items() if not k.startswith("_")
                      and (inspect.isfunction(v) or inspect.isclass(v)) and v.__module__ == name]
        out[name] = []
        for key in public:
            obj = getattr(module, key)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                out[name].append(key)  # a constant: documented where __all__ names it
            elif id(obj) not in homed:
                homed.add(id(obj))
                out[name].append(key)
    return [(name, out[name]) for name in names]


def api_markdown() -> str:
    """The API reference that replaces :data:`API_MARKER` in the staged ``book/api.md``."""
    import inspect
    import importlib

    parts = []
    for name, members in api_modules():
        module = importlib.import_module(name)
        rst = [f".. automodule:: {name}", "   :no-members:", ""]
        if members:
            rst += [".. autosummary::", "   :nosignatures:", ""] + [f"   {m}" for m in members] + [""]
            for m in members:
                obj = getattr(module, m)
                kind = ("autoclass" if inspect.isclass(obj) else "autofunction" if inspect.isfunction(obj)
                        else "autodata")
                options = {"autoclass": ["   :members:"], "autodata": ["   :no-value:"]}.get(kind, [])
                rst += [f".. {kind}:: {name}.{m}", *options, ""]
        else:
            rst += ["Its public functions are documented under the package that re-exports them."
                    if getattr(module, "__all__", None) else "(No public functions or classes.)", ""]
        parts.append(f"## `{name}`\n\n```{{eval-rst}}\n" + "\n".join(rst).rstrip() + "\n```\n")
    return "\n".join(parts)


def api_aliases() -> dict[str, str]:
    """Every path of a documented function or class -> the path it is documented under."""
    import importlib
    import inspect
    import pkgutil

    import bothways

    home = {}
    for name, members in api_modules():
        module = importlib.import_module(name)
        home.update({id(getattr(module, m)): f"{name}.{m}" for m in members
                     if inspect.isfunction(getattr(module, m)) or inspect.isclass(getattr(module, m))})
    aliases = {}
    modules = ["bothways"] + [m.name for m in pkgutil.walk_packages(bothways.__path__, "bothways.")]
    for name in modules:
        for key, obj in vars(importlib.import_module(name)).items():
            if id(obj) in home and not key.startswith("__"):
                aliases[f"{name}.{key}"] = home[id(obj)]
                aliases[f"{obj.__module__}.{obj.__qualname__}"] = home[id(obj)]
    aliases.update({v: v for v in home.values()})
    return aliases


def stage_api(page: Path) -> None:
    """Write the generated API reference into the staged ``book/api.md`` (and its aliases)."""
    text = page.read_text()
    if API_MARKER not in text:
        raise SystemExit(f"{page}: no {API_MARKER} marker for the API reference")
    page.write_text(text.replace(API_MARKER, api_markdown()))
    (page.parent / "_ext" / "api_aliases.json").write_text(json.dumps(api_aliases(), indent=0, sort_keys=True))


def build() -> int:
    stage()
    cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", ".", "-W", "-n", "--keep-going"]
    print("[build]", " ".join(cmd), f"(in {SITE})", flush=True)
    rc = subprocess.call(cmd, cwd=SITE)
    if rc == 0:
        print(f"\nThe book is at: {HTML / 'index.html'}")
    return rc


def check_html() -> int:
    """Every chapter page shows at least one figure and no error output."""
    problems = []
    for stem in toc_notebooks():
        page = HTML / f"{stem}.html"
        if not page.exists():
            problems.append(f"{page} was not rendered")
            continue
        html = page.read_text(errors="replace")
        n_figures = len(re.findall(r"<figure[^>]*>\s*(?:<a[^>]*>\s*)?<img", html))
        if n_figures == 0:
            problems.append(f"{stem}: no captioned figure")
        for marker in ("Traceback (most recent call last)", "output traceback", "ipythontb"):
            if marker in html:
                problems.append(f"{stem}: error output ({marker!r})")
        print(f"[check-html] {stem}: {n_figures} captioned figure(s)")
    for problem in problems:
        print("[check-html] PROBLEM:", problem)
    return 1 if problems else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("execute", help="run every chapter with papermill")
    ex.add_argument("--size", default="ci", choices=("ci", "full"))
    ex.add_argument("--only", nargs="*", help="substrings of chapter names to run")
    ex.add_argument("--timeout", type=int, default=1800, help="per-cell timeout in seconds")
    sub.add_parser("build", help="stage and render the HTML")
    sub.add_parser("check-html", help="check the rendered chapter pages")
    cc = sub.add_parser("colab-cell", help="print the Colab setup cell")
    cc.add_argument("--fix", action="store_true", help="write it into every chapter (.py and .ipynb)")
    args = parser.parse_args(argv)
    if args.cmd == "execute":
        return execute(args.size, args.only, args.timeout)
    if args.cmd == "build":
        return build()
    if args.cmd == "colab-cell":
        if args.fix:
            print("[colab-cell] rewrote:", fix_colab_cells(toc_notebooks()) or "nothing (all up to date)")
        else:
            print(colab_setup_source())
        return 0
    return check_html()


if __name__ == "__main__":
    sys.exit(main())
