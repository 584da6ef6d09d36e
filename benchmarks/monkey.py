"""The monkey test at length: several seeds, many actions each, in fresh processes.

The default suite runs one seed for 200 actions (`-m slow`: 2,000); this runs more seeds for longer (a bug that needs an
unlucky sequence shows up here first) and reports actions per second and any failing seed, which
replays with `AEVIZ_MONKEY_SEED=<seed> python -m pytest -m slow tests/test_ui_monkey.py`.
Prints a table, then one JSON object as the last line.

    python benchmarks/monkey.py                    # seeds 1-3, 3,000 actions each
    AEVIZ_MONKEY_SEEDS=1,2,3,4,5 AEVIZ_MONKEY_ACTIONS=20000 python benchmarks/monkey.py
"""
from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEEDS = [int(s) for s in os.environ.get("AEVIZ_MONKEY_SEEDS", "1,2,3").split(",") if s.strip()]
ACTIONS = int(os.environ.get("AEVIZ_MONKEY_ACTIONS", "3000"))


def run(seed: int) -> dict:
    env = dict(os.environ, AEVIZ_MONKEY_SEED=str(seed), AEVIZ_MONKEY_ACTIONS=str(ACTIONS),
               QT_QPA_PLATFORM="offscreen")
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "pytest", "tests/test_ui_monkey.py::test_monkey_long", "-m", "slow",
                        "-q", "-s", "-x",
                        "-p", "no:cacheprovider"], cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    out = p.stdout + p.stderr
    m = re.search(r"(\d+) actions in ([\d.]+) s", out)
    inner = float(m.group(2)) if m else seconds
    failure = ""
    if p.returncode != 0:
        lines = [l for l in out.splitlines() if l.startswith("E ")]
        failure = lines[0][2:].strip() if lines else out.strip().splitlines()[-1]
    return {"seed": seed, "ok": p.returncode == 0, "seconds": round(inner, 1),
            "actions_per_s": round(ACTIONS / inner, 1) if p.returncode == 0 else None, "failure": failure}


def main() -> int:
    results = [run(s) for s in SEEDS]
    print(f"monkey: {len(SEEDS)} seeds x {ACTIONS:,} random actions on the real window (offscreen)")
    print(f"  {'seed':>6} {'result':>8} {'seconds':>9} {'actions/s':>10}")
    for r in results:
        print(f"  {r['seed']:>6} {'ok' if r['ok'] else 'FAILED':>8} {r['seconds']:>9.1f} "
              f"{(r['actions_per_s'] or 0):>10.1f}  {r['failure'][:90]}")
    ok = [r for r in results if r["ok"]]
    total = sum(r["seconds"] for r in ok)
    print(json.dumps({"seeds": SEEDS, "actions_per_seed": ACTIONS, "passed": len(ok), "failed": len(results) - len(ok),
                      "failing_seeds": [r["seed"] for r in results if not r["ok"]],
                      "actions_per_s": round(len(ok) * ACTIONS / total, 1) if total else None}))
    return 0 if len(ok) == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
