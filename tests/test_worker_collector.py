"""A worker keeping thousands of processes is paused by the cyclic garbage collector less
often and more briefly (bench/README.md): what it loaded before polling is frozen, never
walked by a full collection again; its youngest generation is collected seldom enough that
what an activation drops dies there instead of being promoted; a full collection waits for
ten times as many of the middle generation's; and every pause is timed on the worker's
Prometheus endpoint, by generation. Run in a process of its own: the
collector's settings are the whole interpreter's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.metrics import parse, value
from tests.support import free_port
from worker import GC_PAUSE, MIDDLE_COLLECTIONS_PER_FULL, YOUNG_GENERATION_ALLOCATIONS

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import gc, json, sys, urllib.request
import worker
from common.settings import Settings
from common.temporal import worker_runtime

bind = sys.argv[1]
before = len(gc.get_objects(generation=2))
runtime = worker_runtime(Settings(), metrics_bind=bind)
worker.collect_garbage_seldom(runtime.metric_meter)
found = {
    "threshold": gc.get_threshold(),
    "frozen": gc.get_freeze_count(),
    "before": before,
    "walked_by_a_full_collection": len(gc.get_objects(generation=2)),
}
for _ in range(4 * worker.YOUNG_GENERATION_ALLOCATIONS):  # cycles, as activations leave
    cycle = []
    cycle.append(cycle)
found["metrics"] = urllib.request.urlopen(f"http://{bind}/metrics").read().decode()
print(json.dumps(found))
"""


def test_the_worker_freezes_what_it_loaded_collects_seldom_and_times_every_pause() -> None:
    bind = f"127.0.0.1:{free_port()}"
    out = subprocess.run(
        [sys.executable, "-c", PROBE, bind], cwd=ROOT, capture_output=True, text=True, check=True
    )
    found = json.loads(out.stdout)

    assert found["threshold"][0] == YOUNG_GENERATION_ALLOCATIONS > 700
    assert found["threshold"][2] == MIDDLE_COLLECTIONS_PER_FULL > 10
    # The SDK, pydantic, the activities' libraries: all out of every full collection's walk.
    assert found["frozen"] > 100_000
    assert found["walked_by_a_full_collection"] < found["before"] / 100
    # 200,000 cycles: about four collections of the youngest generation, each timed.
    samples = parse(found["metrics"])
    young = value(samples, f"{GC_PAUSE}_count", generation="0", service="iku-worker")
    assert 2 <= young <= 5
    assert 0 < value(samples, f"{GC_PAUSE}_sum") < 10
