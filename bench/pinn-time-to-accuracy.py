#!/usr/bin/env python3
"""First training CPU second at which a `pdekit pinn --track-error` run reaches a target relative L2 error.

  bench/pinn-time-to-accuracy.py OUTPUT_DIR TARGET [TARGET…]
Reads OUTPUT_DIR/loss.jsonl (records carry relative_l2 and cpu_seconds, error evaluation excluded) and
prints one JSON line per target: the stage, step and CPU seconds of the first record at or below it.
The resolution is the run's --log-every.
"""
import json, sys

records = [json.loads(line) for line in open(sys.argv[1] + "/loss.jsonl") if line.strip()]
records = [r for r in records if r.get("relative_l2") is not None]
for target in map(float, sys.argv[2:]):
    hit = next((r for r in records if r["relative_l2"] <= target), None)
    best = min(records, key=lambda r: r["relative_l2"]) if records else None
    print(json.dumps({"run": sys.argv[1], "target": target, "reached": hit is not None,
                      "stage": hit and hit["stage"], "step": hit and hit["step"],
                      "cpu_seconds": hit and round(hit["cpu_seconds"], 3),
                      "best_error": best and best["relative_l2"], "final_cpu_seconds": records and round(records[-1]["cpu_seconds"], 3)}))
