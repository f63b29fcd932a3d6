# Colab setup (hidden on the website): on Google Colab, install the `bothways`
# library from the book's repository; elsewhere, use the local install.
# Data files are fetched and checksum-verified on first use by `bothways.data`.
import importlib.util
import subprocess
import sys

BOTHWAYS_SOURCE = "git+https://github.com/both-ways-book/both-ways@main#subdirectory=lib"
try:
    import google.colab  # noqa: F401  (exists only on Colab)
    IN_COLAB = True
except ImportError:
    IN_COLAB = False
if IN_COLAB and importlib.util.find_spec("bothways") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "bothways[all] @ " + BOTHWAYS_SOURCE], check=True)
