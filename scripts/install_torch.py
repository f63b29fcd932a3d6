"""Install the CPU build of the pinned torch where the machine can get it, before requirements.txt.

    python scripts/install_torch.py [--index URL] [--target DIR]

PyPI's torch for Linux x86_64 is the CUDA build: with its nvidia-* libraries a
``.venv`` of about 5.7 GB, where the CPU build needs under 1 GB. ``make`` runs this
first, with the virtual environment's Python (standard library only):

- torch at the version pinned in ``requirements.txt`` already installed: nothing to do;
- an NVIDIA GPU (``nvidia-smi`` on the PATH): nothing to do, requirements.txt then
  brings the CUDA build, which is what a GPU wants;
- PyTorch's CPU index (``--index``, default ``CPU_INDEX``) reachable within
  ``PROBE_SECONDS``: ``pip install torch==<pin> --index-url <index>``; requirements.txt
  then finds ``torch==<pin>`` satisfied (``2.13.0+cpu`` satisfies ``==2.13.0``);
- otherwise (an offline build machine, a firewall): nothing, within ``PROBE_SECONDS``;
  pip then takes torch from its usual index (a machine's local CPU wheel, or PyPI's
  CUDA build).

A failed CPU install is reported and does not stop the set-up. A plain
``pip install -r requirements.txt`` is not affected by any of this.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PROBE_SECONDS = 3.0


def pinned_torch(requirements: Path = ROOT / "requirements.txt") -> str:
    """The exact torch version that requirements.txt pins (``torch==X``)."""
    match = re.search(r"^torch==([\w.]+)\s*$", requirements.read_text(), re.M)
    if not match:
        raise SystemExit(f"{requirements} does not pin torch==<version>")
    return match[1]


def installed_torch() -> str | None:
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return None


def reachable(url: str, timeout: float = PROBE_SECONDS) -> bool:
    """Can a TCP connection to the index's host be made within ``timeout`` seconds?"""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return Path(parts.path).exists()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return True
    except OSError:  # DNS failure, refused, unreachable, timed out
        return False


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", default=CPU_INDEX, help=f"the CPU wheel index (default {CPU_INDEX})")
    parser.add_argument("--target", help="install into this folder (pip --target; for tests)")
    args = parser.parse_args(argv)
    pin = pinned_torch()
    have = installed_torch()
    if args.target is None and have is not None and have.split("+")[0] == pin:
        print(f"[torch] torch {have} is installed")
        return 0
    if shutil.which("nvidia-smi"):
        print(f"[torch] NVIDIA GPU found: requirements.txt installs torch {pin} with CUDA")
        return 0
    if not reachable(args.index):
        print(f"[torch] {args.index} is not reachable: pip takes torch {pin} from its usual index")
        return 0
    print(f"[torch] installing the CPU build of torch {pin} from {args.index}")
    cmd = [sys.executable, "-m", "pip", "install", "-q", f"torch=={pin}", "--index-url", args.index]
    if args.target:
        cmd += ["--target", args.target, "--no-deps"]
    if subprocess.run(cmd).returncode != 0:
        print(f"[torch] the CPU build could not be installed; requirements.txt installs torch {pin} instead")
    return 0


if __name__ == "__main__":
    sys.exit(main())
