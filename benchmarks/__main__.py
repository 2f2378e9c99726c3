"""Run benchmark modules of this package, one after another, each in its own process.

    .venv/bin/python -m benchmarks                              every module
    .venv/bin/python -m benchmarks pool_ledger --db postgres    the modules named, with the options after them
"""

import pkgutil
import subprocess
import sys
from pathlib import Path

here = Path(__file__).parent
names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))
args = sys.argv[1:]
chosen = []
while args and args[0] in names:
    chosen.append(args.pop(0))
if args and not args[0].startswith("-"):
    sys.exit(f"no benchmark named {args[0]}: {', '.join(names)}")
failed = []
for name in chosen or names:
    print(f"== benchmarks.{name}", flush=True)
    if subprocess.run([sys.executable, "-m", f"benchmarks.{name}", *args], check=False).returncode:
        failed.append(name)
sys.exit(1 if failed else 0)
