# Both Ways: build the book, run the tests.
#   make book   - set up .venv, execute every chapter at size=ci, render the HTML
#   make test   - set up .venv, run the library and notebook-hygiene tests
#   make check  - after `make book`: nbval on the executed chapters + page checks
#                 (HTML checks, then every page in headless Chromium: scripts/browser_check.py)
#   make student - student copies of the chapters (solutions removed) in notebooks/student/
#   make full   - like `make book` at the publication size (hours on a CPU)
#   make bench  - the ridge engine benchmark (prints a table)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
SIZE   ?= ci
NPROC  := $(shell nproc 2>/dev/null || echo 1)
# Oversubscribed BLAS/OpenMP threads make small factorisations ~100x slower.
export OMP_NUM_THREADS ?= $(NPROC)
export MKL_NUM_THREADS ?= $(NPROC)
export OPENBLAS_NUM_THREADS ?= $(NPROC)
export MPLBACKEND ?= Agg
export PYTHONHASHSEED := 0

.PHONY: book test check full bench clean student

$(VENV)/.installed: requirements.txt lib/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

test: $(VENV)/.installed
	$(PY) -m pytest tests

book: $(VENV)/.installed
	$(PY) scripts/book.py execute --size $(SIZE)
	$(PY) scripts/book.py build

check: $(VENV)/.installed
	$(PY) -m pytest --nbval-lax -p no:cacheprovider _build/executed/notebooks
	$(PY) scripts/book.py check-html
	$(PY) scripts/browser_check.py

student: $(VENV)/.installed
	$(PY) scripts/student_copies.py

full:
	$(MAKE) book SIZE=full

bench: $(VENV)/.installed
	$(PY) lib/benchmarks/bench_ridge.py

clean:
	rm -rf _build
