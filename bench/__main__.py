"""``python -m bench [NAME ...]``: run every benchmark (or the named ones) and print ratios."""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys
from pathlib import Path

from bench.harness import Result, save

log = logging.getLogger("bench")


def discover() -> list[str]:
    folder = Path(__file__).resolve().parent
    return sorted(m.name for m in pkgutil.iter_modules([str(folder)]) if m.name.startswith("bench_"))


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    known = discover()
    if any(arg in ("-h", "--help") for arg in argv):
        print(__doc__.strip() + "\n\nBenchmarks: " + ", ".join(n.removeprefix("bench_") for n in known))
        return 0
    names = [n if n.startswith("bench_") else f"bench_{n}" for n in argv] or known
    unknown = [n.removeprefix("bench_") for n in names if n not in known]
    if unknown:
        choices = ", ".join(n.removeprefix("bench_") for n in known)
        print(f"unknown benchmark {', '.join(map(repr, unknown))}; choose from: {choices}", file=sys.stderr)
        return 2
    results: list[Result] = []
    for name in names:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"bench.{name}")
        for result in module.run():
            print(result.line(), flush=True)
            results.append(result)
    save(results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
