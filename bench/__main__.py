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
    names = [n if n.startswith("bench_") else f"bench_{n}" for n in argv] or discover()
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
