"""PyTorch's OpInfo samples (float32, CPU), replayed against rtensor.

The samples, PyTorch's outputs and gradients were exported by scripts/export_opinfo.py into
tests/data/opinfo_samples.npz; tests/opinfo_replay.py replays them (criteria in its docstring).
tests/data/opinfo_passing.json lists the samples that passed when it was last updated
(``scripts/opinfo_sweep.py --update``) and the pass-rate floor. The sweep fails when a listed
sample stops passing or a pass rate drops below its floor; samples that newly pass are reported
as a warning (update the list to lock them in). The per-op report is written to
``target/opinfo_report.{json,md}`` (or the directory in ``RTENSOR_OPINFO_REPORT``).
"""

import json
import os
import warnings
from pathlib import Path

import numpy as np
import opinfo_replay as rp
import pytest
import rtensor

REPORT_DIR = Path(os.environ.get("RTENSOR_OPINFO_REPORT",
                                 Path(__file__).resolve().parent.parent / "target"))


@pytest.fixture(scope="module")
def result():
    return rp.sweep()


@pytest.fixture(scope="module")
def recorded():
    return json.loads(rp.PASSING.read_text())


def test_passing_list_matches_data(recorded):
    assert recorded["data_sha256"] == rp.data_digest(), (
        "tests/data/opinfo_samples.npz changed since opinfo_passing.json was written: run "
        "scripts/opinfo_sweep.py --update")


def test_opinfo_sweep(result, recorded):
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    (REPORT_DIR / "opinfo_report.json").write_text(json.dumps(rp.report_json(result), indent=1))
    (REPORT_DIR / "opinfo_report.md").write_text(rp.markdown(result))
    by_id = {o["id"]: o for o in result["ops"]}
    regressions, new = [], []
    now = rp.passing_sets(result)
    for op_id, sets in recorded["passing"].items():
        op = by_id.get(op_id)
        for which, col in (("fwd", 0), ("bwd", 1)):
            for i in sets[which]:
                out = op["samples"][i][col] if op and i < len(op["samples"]) else ("gone", "")
                if out != "pass":
                    regressions.append(f"{op_id}#{i} {which}: {rp.kind(out)}: {out[1]}")
    for op_id, sets in now.items():
        old = recorded["passing"].get(op_id, {"fwd": [], "bwd": []})
        for which in ("fwd", "bwd"):
            new += [f"{op_id}#{i} {which}" for i in sets[which] if i not in old[which]]
    if new:
        warnings.warn(f"{len(new)} OpInfo samples pass that tests/data/opinfo_passing.json does "
                      f"not list (run scripts/opinfo_sweep.py --update): {', '.join(new[:30])}",
                      stacklevel=1)
    assert not regressions, f"{len(regressions)} OpInfo samples no longer pass:\n" + "\n".join(
        regressions[:60])
    t = result["totals"]
    assert t["fwd_rate"] >= recorded["floor"]["fwd"], t
    assert t["bwd_rate"] >= recorded["floor"]["bwd"], t


def test_sweep_covers_the_recorded_samples(result):
    meta = result["meta"]
    assert [o["id"] for o in result["ops"]] == [o["id"] for o in meta["ops"]]
    n = sum(len(o["samples"]) for o in meta["ops"])
    assert result["totals"]["fwd_total"] == n > 3000
    assert result["totals"]["bwd_total"] == sum(
        s["grads"] is not None for o in meta["ops"] for s in o["samples"])


# ----- the comparison itself must be able to fail -----


def test_compare_rejects_wrong_results():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    want = rp.Ref("float32", a)
    assert rp.compare(want, rtensor.tensor(a)) is None
    assert rp.compare(want, rtensor.tensor(a + 1e-3))[0] == "value"
    assert rp.compare(want, rtensor.tensor(a * (1 + 0.5e-4) + 0.5e-5)) is None
    assert rp.compare(want, rtensor.tensor(a * (1 + 3e-4)))[0] == "value"
    assert rp.compare(want, rtensor.tensor(a.reshape(3, 2)))[0] == "shape"
    assert rp.compare(want, rtensor.tensor(a.astype(np.float64)))[0] == "dtype"
    assert rp.compare(want, rtensor.tensor(a), values=False) is None
    assert rp.compare((want, 3), (rtensor.tensor(a),))[0] == "structure"
    assert rp.compare((want, 3), (rtensor.tensor(a), 4))[0] == "value"
    assert rp.compare(2.0, 2.0 + 1e-3)[0] == "value"
    assert rp.compare(float("nan"), float("nan")) is None
    assert rp.compare(True, 1)[0] == "structure"
    n = rp.Ref("float32", np.array([np.nan, np.inf], np.float32))
    assert rp.compare(n, rtensor.tensor(np.array([np.nan, np.inf], np.float32))) is None
    assert rp.compare(n, rtensor.tensor(np.array([0.0, np.inf], np.float32)))[0] == "value"
    i = rp.Ref("int64", np.array([1, 2]))
    assert rp.compare(i, rtensor.tensor(np.array([1, 3])))[0] == "value"


def test_replay_detects_a_wrong_op():
    """A passing sample fails when the op is swapped for a wrong one, forward and backward."""
    meta, bufs = rp.load()
    dec = rp.Decoder(meta, bufs)
    op = next(o for o in meta["ops"] if o["id"] == "sin")
    s = next(s for s in op["samples"] if s["grads"] is not None)
    assert rp.run_sample(op, s, dec, rp.op_callable("sin", s["form"])) == ("pass", "pass")
    fwd, bwd = rp.run_sample(op, s, dec, lambda i, a, k: rtensor.cos(i, *a, **k))
    assert fwd[0] == "value" and bwd[0] == "forward_failed"
    # right values, wrong gradient: sin computed as a detached copy plus x - x.detach()
    fwd, bwd = rp.run_sample(op, s, dec, lambda i, a, k: rtensor.sin(i.detach()) + 2 * (
        i - i.detach()))
    assert fwd == "pass" and bwd[0] == "grad_value"
    assert rp.run_sample(op, s, dec, None)[0][0] == "missing"
