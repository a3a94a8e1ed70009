"""``benchmarks/peer_bench.py`` compares like with like: the engines' outputs are checked equal
(aslrun's without the SDK metadata it adds, which the peer's results do not carry) before any time
is taken, and the table it prints is the rounds' medians. The peer's own runner is exercised when
its npm packages are installed (``python benchmarks/peer_bench.py`` installs them)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKLOADS = ROOT.parent / "shared" / "bench" / "workloads"


def _peer_bench():
    spec = importlib.util.spec_from_file_location("peer_bench", ROOT / "benchmarks" / "peer_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


peer_bench = _peer_bench()

SDK = {"HttpHeaders": {"Date": "x"}, "HttpStatusCode": 200}


def test_the_sdk_metadata_is_left_out_at_every_depth_and_nothing_else():
    ours = {"validation": {"ExecutedVersion": "$LATEST", "Payload": {"isValid": True}, "StatusCode": 200,
                           "SdkHttpMetadata": SDK, "SdkResponseMetadata": {"RequestId": "r"}},
            "results": [{"Payload": {"SdkHttpMetadata": 1}, "SdkResponseMetadata": {}}]}
    assert peer_bench.without_sdk_metadata(ours) == {
        "validation": {"ExecutedVersion": "$LATEST", "Payload": {"isValid": True}, "StatusCode": 200},
        "results": [{"Payload": {}}]}


def test_equal_outputs_pass_and_each_kind_of_difference_is_named():
    ours = {"w1_loop": [{"n": 1}], "w4_billing": [{"a": 1, "SdkHttpMetadata": SDK}, {"a": 2}]}
    assert peer_bench.compare_outputs(ours, {"w1_loop": [{"n": 1}], "w4_billing": [{"a": 1}, {"a": 2}]}) == []
    problems = peer_bench.compare_outputs(ours, {"w4_billing": [{"a": 1}, {"a": 3}]})
    assert problems == ["w1_loop: the peer gave no outputs",
                        'w4_billing: execution 1: {"a": 2} against {"a": 3}']
    assert peer_bench.compare_outputs({"w1_loop": [1, 2]}, {"w1_loop": [1]}) == [
        "w1_loop: 2 executions against the peer's 1"]


def test_the_table_is_the_median_of_the_rounds_medians_with_their_range_and_the_ratio():
    table = peer_bench.summary({"w4_billing": {"aslrun": [0.3, 0.2, 0.25], "peer": [0.1, 0.2, 0.15]}})
    row = table["w4_billing"]
    assert row["aslrun"] == {"median": 0.25, "min": 0.2, "max": 0.3}
    assert row["peer"] == {"median": 0.15, "min": 0.1, "max": 0.2}
    assert row["ratio"] == pytest.approx(0.6)


@pytest.mark.skipif(not WORKLOADS.is_dir(), reason=f"the shared workloads are not at {WORKLOADS}")
@pytest.mark.skipif(not (ROOT / "benchmarks" / "peer" / "node_modules" / ".bin" / "node").exists(),
                    reason="the peer is not installed (python benchmarks/peer_bench.py installs it with npm)")
def test_the_peers_runner_gives_the_outputs_aslrun_gives():
    names = ["w3_parallel", "w4_billing"]
    theirs = peer_bench.peer_outputs(peer_bench.installed_peer(), WORKLOADS, names)
    ours = peer_bench.AslrunWorkloads(WORKLOADS, names).outputs()
    assert peer_bench.compare_outputs(ours, theirs) == []


def test_the_script_refuses_a_folder_without_workloads(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "peer_bench.py"), "--workloads", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert f"peer_bench: no workloads at {tmp_path}" in done.stderr
