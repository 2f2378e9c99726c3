"""Run every benchmark module in this package, one after another, each in its own process."""

import pkgutil
import subprocess
import sys
from pathlib import Path

here = Path(__file__).parent
names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))
failed = []
for name in names:
    print(f"== benchmarks.{name}", flush=True)
    if subprocess.run([sys.executable, "-m", f"benchmarks.{name}", *sys.argv[1:]], check=False).returncode:
        failed.append(name)
sys.exit(1 if failed else 0)
