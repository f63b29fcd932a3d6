# Both Ways: build the book, run the tests.
#   make book   - set up .venv, execute every chapter at size=ci, render the HTML
#   make test   - set up .venv, run the library and notebook-hygiene tests and the
#                 library's docstring examples
#   make check  - after `make book`: page checks (HTML checks, then every page in
#                 headless Chromium: scripts/browser_check.py). The chapters' controls
#                 are asserted during `make book` itself.
#   make student - student copies of the chapters (solutions removed) in notebooks/student/
#   make full   - like `make book` at the publication size (hours on a CPU)
#   make bench  - the ridge engine benchmark (prints a table; book/performance.md)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
SIZE   ?= ci
# One BLAS/OpenMP/torch thread by default. On our shared 2-core machines, two threads
# competing with anything else made small factorisations 10-100x slower (a 294x294
# eigh: 0.15 s -> 9.5 s), while one thread costs at most ~2x on large products.
# Override with `make book THREADS=$(nproc)` on a machine of your own.
THREADS ?= 1
export OMP_NUM_THREADS ?= $(THREADS)
export MKL_NUM_THREADS ?= $(THREADS)
export OPENBLAS_NUM_THREADS ?= $(THREADS)
export MPLBACKEND ?= Agg
export PYTHONHASHSEED := 0

.PHONY: book test check full bench clean student

# scripts/install_torch.py first: the CPU build of torch where PyTorch's CPU index is
# reachable and there is no NVIDIA GPU (otherwise it does nothing, within 3 s).
$(VENV)/.installed: requirements.txt lib/pyproject.toml scripts/install_torch.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) scripts/install_torch.py
	$(PY) -m pip install -q -r requirements.txt
	touch $@

test: $(VENV)/.installed
	$(PY) -m pytest -c tests/pytest.ini --rootdir . --doctest-modules tests lib/bothways

book: $(VENV)/.installed
	$(PY) scripts/book.py execute --size $(SIZE)
	$(PY) scripts/book.py build

check: $(VENV)/.installed
	$(PY) scripts/book.py check-html
	$(PY) scripts/browser_check.py

student: $(VENV)/.installed
	$(PY) scripts/student_copies.py

full:
	$(MAKE) book SIZE=full

# the benchmark limits threads itself (1 and one per core), so the BLAS may use all cores
bench: $(VENV)/.installed
	mkdir -p _build
	OMP_NUM_THREADS=$$(nproc) MKL_NUM_THREADS=$$(nproc) OPENBLAS_NUM_THREADS=$$(nproc) \
		$(PY) lib/benchmarks/bench_ridge.py --out _build/bench_ridge.md

clean:
	rm -rf _build
