"""Typesetting and signature checks run in the worker's pool of processes, off its GIL; a
worker killed outright leaves none of them behind."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from activities.cpu import SIGNATURES, TYPESETTING, in_process

ROOT = Path(__file__).resolve().parent.parent


async def test_the_work_runs_in_another_process_and_its_answer_comes_back() -> None:
    typesetting = await in_process(TYPESETTING, os.getpid)
    signatures = await in_process(SIGNATURES, os.getpid)
    # A pool of its own each: a signature check never queues behind a typesetting job.
    assert len({os.getpid(), typesetting, signatures}) == 3
    assert await in_process(SIGNATURES, sorted, [3, 1, 2]) == [1, 2, 3]


def test_a_worker_killed_with_sigkill_leaves_no_pool_process_behind(tmp_path: Path) -> None:
    script = tmp_path / "killed.py"
    script.write_text(
        textwrap.dedent(
            """
            import asyncio, os, signal
            from activities.cpu import TYPESETTING, in_process

            async def main():
                print(await in_process(TYPESETTING, os.getpid), flush=True)
                os.kill(os.getpid(), signal.SIGKILL)

            if __name__ == "__main__":
                asyncio.run(main())
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == -9
    child = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Path(f"/proc/{child}").exists(), "the pool's process outlived the worker"
