#!/usr/bin/env python
"""Replay the recorded OpInfo samples (tests/data/opinfo_samples.npz) against rtensor and report.
Needs no torch:

    PYTHONPATH=python /work/venv/bin/python scripts/opinfo_sweep.py [--markdown PATH]
        [--json PATH] [--update]

``--markdown`` / ``--json`` write the report (pass rates per op and in total, failures by
cause, missing ops); ``--update`` rewrites tests/data/opinfo_passing.json, the list of passing
samples and the pass-rate floor that tests/test_opinfo_sweep.py holds rtensor to (run it after a
fix makes more samples pass, or after re-exporting the data).
"""

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import opinfo_replay  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--markdown", type=Path)
    p.add_argument("--json", type=Path)
    p.add_argument("--update", action="store_true")
    a = p.parse_args(argv)
    t0 = time.perf_counter()
    result = opinfo_replay.sweep()
    dt = time.perf_counter() - t0
    t = result["totals"]
    print(f"forward {t['fwd_pass']}/{t['fwd_total']} ({100 * t['fwd_rate']:.1f}%), backward "
          f"{t['bwd_pass']}/{t['bwd_total']} ({100 * t['bwd_rate']:.1f}%) in {dt:.1f} s")
    if a.markdown:
        a.markdown.write_text(opinfo_replay.markdown(result))
    if a.json:
        a.json.write_text(json.dumps(opinfo_replay.report_json(result), indent=1))
    if a.update:
        floor = {k: math.floor(t[f"{k}_rate"] * 1000) / 1000 for k in ("fwd", "bwd")}
        doc = {"data_sha256": opinfo_replay.data_digest(), "floor": floor,
               "passing": opinfo_replay.passing_sets(result)}
        rows = ",\n".join(f" {json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}"
                           for k, v in doc["passing"].items())
        opinfo_replay.PASSING.write_text(
            f'{{"data_sha256": "{doc["data_sha256"]}",\n"floor": {json.dumps(floor)},\n'
            f'"passing": {{\n{rows}\n}}}}\n')
        print(f"wrote {opinfo_replay.PASSING} (floor {floor})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
