"""Start the parts in order, watch them, stop them in reverse order.

Order: data folder and link secret, Temporal dev server (until a client connects), search
attributes, mail sink, worker, web layer. A part that dies on its own is started again
after a back-off that doubles with each quick failure (a part that stayed up a while starts
the count again); one that keeps failing at once is given up on, the rest stop and the
supervisor exits non-zero. SIGINT or SIGTERM stops everything and exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from common.registration import register_search_attributes
from common.settings import Settings
from devstack import console
from devstack.banner import banner
from devstack.children import Child, ChildSpec, first_exit
from devstack.entrypoints import WEB_APP, WEB_OPTIONS, WORKER_SCRIPT
from devstack.environment import child_environment
from devstack.errors import StartupError
from devstack.lock import DataDirLock
from devstack.mailsink import MailSink
from devstack.options import Options
from devstack.ports import port_is_free, probe_host, wait_until_answers
from devstack.temporal import (
    LOCAL_HOSTS,
    LOOPBACK,
    connect_when_ready,
    dev_server_argv,
    split_address,
    temporal_binary,
)

REPO_ROOT = Path(__file__).resolve().parent.parent

# Restarting a part that died: 1 s, 2 s, 4 s, ... at most a minute apart. A part that ran
# for STEADY_SECONDS before dying had recovered, so its back-off starts again; one that died
# quickly GIVE_UP_AFTER times in a row is broken, not unlucky.
RESTART_DELAY = 1.0
RESTART_DELAY_MAX = 60.0
STEADY_SECONDS = 60.0
GIVE_UP_AFTER = 8
# Each stops the whole run politely, children in reverse order.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Supervisor:
    def __init__(self, settings: Settings, options: Options, root: Path = REPO_ROOT) -> None:
        self.settings = settings
        self.options = options
        self.root = root
        self.log_dir = settings.data_dir / "logs"
        self.children: list[Child] = []
        # Everything started, in start order, so stopping can walk it backwards.
        self._started: list[tuple[str, Callable[[], Awaitable[None]]]] = []
        self._starting: list[asyncio.Future[None]] = []
        self._lock = DataDirLock(settings.data_dir)

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        received: list[tuple[str, float]] = []

        def on_signal(signum: signal.Signals) -> None:
            if stop.is_set():
                # `uv run` forwards the terminal's Ctrl-C, so one press arrives twice.
                if loop.time() - received[0][1] > 1:
                    console.say(f"{signum.name} again: already stopping")
                return
            received.append((signum.name, loop.time()))
            stop.set()

        # SIGHUP too: a terminal closed while it runs stops it as Ctrl-C does.
        for signum in STOP_SIGNALS:
            loop.add_signal_handler(signum, on_signal, signum)
        main = asyncio.create_task(self._start_and_watch(), name="devstack-main")
        stopped = asyncio.create_task(stop.wait(), name="devstack-stop")
        try:
            await asyncio.wait({main, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if main.done():
                code = self._outcome(main)
            else:
                console.say(f"{received[0][0]} received; stopping")
                main.cancel()
                # A startup failure racing the signal no longer matters: we are stopping.
                with contextlib.suppress(asyncio.CancelledError, StartupError):
                    await main
                code = 0
        finally:
            stopped.cancel()
            await self._stop_all()
            self._lock.release()
            for signum in STOP_SIGNALS:
                loop.remove_signal_handler(signum)
        console.say("all stopped")
        return code

    def _outcome(self, main: asyncio.Task[int]) -> int:
        try:
            return main.result()
        except StartupError as error:
            console.say(f"error: {error}")
            for text in error.tail:
                console.say(f"  {text}")
            return 1

    async def _start_and_watch(self) -> int:
        settings, options = self.settings, self.options
        self._prepare()
        env = child_environment(settings)

        server: Child | None = None
        if options.temporal:
            argv = dev_server_argv(temporal_binary(), settings)
            server = await self._spawn(ChildSpec("temporal", argv, settings.data_dir, env))
        client = await connect_when_ready(settings, server)
        console.say(f"Temporal answers on {settings.temporal_address}")
        if server is not None:
            await wait_until_answers(LOOPBACK, settings.temporal_ui_port, server, "the Temporal UI")
        # Every start, not only the first: the dev server ignores --search-attribute
        # flags once its database exists.
        added = await register_search_attributes(client)
        console.say(
            f"search attributes added: {', '.join(added)}"
            if added
            else "search attributes already registered"
        )

        if options.mail:
            sink = MailSink(settings.mail_dir, LOOPBACK, settings.smtp_port)
            await sink.start()
            self._started.append(("mail sink", self._sink_stopper(sink)))
            console.say(f"mail sink listening on {LOOPBACK}:{sink.port}")
            if settings.smtp_host not in LOCAL_HOSTS:
                console.say(
                    f"note: IKU_SMTP_HOST is {settings.smtp_host}; mail goes there, not to the sink"
                )
        if options.worker:
            argv = [sys.executable, WORKER_SCRIPT]
            await self._spawn(ChildSpec("worker", argv, self.root, env))
        if options.web:
            argv = [
                sys.executable,
                "-m",
                "uvicorn",
                WEB_APP,
                "--host",
                settings.web_host,
                "--port",
                str(settings.web_port),
                *WEB_OPTIONS,
            ]
            web = await self._spawn(ChildSpec("web", argv, self.root, env))
            await wait_until_answers(
                probe_host(settings.web_host), settings.web_port, web, "the web layer"
            )

        for text in banner(settings, options):
            console.plain(text)
        if not self.children:
            await asyncio.Event().wait()  # nothing to watch: run until a signal
        return await self._restart_what_dies()

    async def _restart_what_dies(self) -> int:
        """Start again each part that exits on its own; 1 once one keeps failing at once."""
        quick_failures: dict[str, int] = {}
        while True:
            child = await first_exit(self.children)
            uptime = child.uptime()
            failures = 1 if uptime >= STEADY_SECONDS else quick_failures.get(child.name, 0) + 1
            quick_failures[child.name] = failures
            console.say(
                f"{child.name} exited on its own (exit code {child.returncode}) after "
                f"{uptime:.0f} s. Its last lines ({child.log_path}):"
            )
            for text in child.tail():
                console.say(f"  {text}")
            if failures >= GIVE_UP_AFTER:
                console.say(
                    f"{child.name} failed {failures} times in a row within "
                    f"{STEADY_SECONDS:.0f} s of starting; giving up and stopping the rest"
                )
                return 1
            delay = min(RESTART_DELAY * 2 ** (failures - 1), RESTART_DELAY_MAX)
            console.say(f"restarting {child.name} in {delay:.0f} s (attempt {failures})")
            await asyncio.sleep(delay)
            # Shielded, as at the first start: a signal mid-start must not orphan it.
            starting = asyncio.ensure_future(child.start())
            self._starting.append(starting)
            await asyncio.shield(starting)

    def _prepare(self) -> None:
        settings, options = self.settings, self.options
        try:
            self._prepare_data_dir()
        except OSError as err:
            # A file where a folder should be, a folder we may not write: name the path.
            where = err.filename or settings.data_dir
            why = {
                FileExistsError: "it is a file, not a folder",
                NotADirectoryError: "a part of that path is a file, not a folder",
            }.get(type(err), err.strerror or str(err))
            raise StartupError(
                f"the data folder cannot be used: {where}: {why}. "
                "Choose another with --data-dir or IKU_DATA_DIR."
            ) from err
        if options.web:
            try:
                _ensure_signing_keys(settings)
            except Exception as err:  # the CA's refusal, or the bucket away: in a sentence
                raise StartupError(f"the signing keys could not be made ready: {err}") from err
        if options.worker and not (self.root / WORKER_SCRIPT).is_file():
            raise StartupError(
                f"worker.py is missing in {self.root}; pass --no-worker to run without it"
            )
        if options.web and not (self.root / "api" / "app.py").is_file():
            raise StartupError(
                f"api/app.py is missing in {self.root}; pass --no-web to run without it"
            )
        self._check_ports()

    def _prepare_data_dir(self) -> None:
        settings, options = self.settings, self.options
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._lock.acquire()
        # Made once here, before the worker and the web layer both look for it.
        settings.link_secret_value()
        if options.web:
            # Made now, so the banner can say where they are before anyone signs in (and
            # several web processes never race to make them).
            settings.ops_password_value()
            settings.bureau_password_value()
            settings.ops_api_token_value()
            settings.bureau_api_token_value()
            settings.session_secret_value()
            settings.metrics_token_value()

    def _check_ports(self) -> None:
        settings, options = self.settings, self.options
        wanted: list[tuple[str, str, int, str]] = []
        if options.temporal:
            _, port = split_address(settings.temporal_address)
            wanted += [
                ("Temporal", LOOPBACK, port, "IKU_TEMPORAL_ADDRESS"),
                ("the Temporal UI", LOOPBACK, settings.temporal_ui_port, "IKU_TEMPORAL_UI_PORT"),
            ]
        if options.mail:
            wanted.append(("the mail sink", LOOPBACK, settings.smtp_port, "IKU_SMTP_PORT"))
        if options.web:
            wanted.append(("the web layer", settings.web_host, settings.web_port, "IKU_WEB_PORT"))
        seen: dict[int, str] = {}
        for what, host, port, variable in wanted:
            if port in seen:
                raise StartupError(f"{what} and {seen[port]} are both set to port {port}")
            seen[port] = what
            try:
                free = port_is_free(host, port)
            except OSError as err:
                reason = err.strerror or str(err)
                raise StartupError(
                    f"cannot bind {host}:{port}, wanted by {what}: {reason}. Check "
                    f"{variable}{' and IKU_WEB_HOST' if variable == 'IKU_WEB_PORT' else ''}."
                ) from err
            if not free:
                raise StartupError(
                    f"port {port} on {host}, wanted by {what}, is already in use. Is another "
                    f"devstack running? Stop it, or choose another port with {variable}."
                )

    @staticmethod
    def _sink_stopper(sink: MailSink) -> Callable[[], Awaitable[None]]:
        async def stop() -> None:
            await sink.stop()
            console.say("stopped mail sink")

        return stop

    async def _spawn(self, spec: ChildSpec) -> Child:
        child = Child(spec, self.log_dir)
        self.children.append(child)
        self._started.append((spec.name, child.stop))
        # Shielded: a signal arriving mid-start must not leave a process nobody stops.
        starting = asyncio.ensure_future(child.start())
        self._starting.append(starting)
        await asyncio.shield(starting)
        return child

    async def _stop_all(self) -> None:
        await asyncio.gather(*self._starting, return_exceptions=True)
        for name, stop in reversed(self._started):
            try:
                await stop()
            except Exception as error:  # one part failing to stop must not strand the rest
                console.say(f"could not stop {name}: {error}")
        self._started.clear()


def _ensure_signing_keys(settings: Settings) -> None:
    """The local CA and a signing certificate for everyone in the directory who has none:
    the example's officials can initial and sign on the first run. Their first passphrases
    go to <signing_dir>/initial-passphrases (the banner says where). The CRL is published
    again on every start, so it never runs out of date while the local run is used."""
    from common.directory import DirectoryError, load_directory
    from signing.ca import certificate_authority
    from signing.folder import SigningFolder

    folder = SigningFolder(settings)  # the bucket's, when documents are on S3
    folder.fetch_all()
    ca = certificate_authority(settings)
    try:
        people = list(load_directory(settings.directory_file).people)
    except DirectoryError:
        people = []  # the worker reports a broken directory; signing waits for it
    if ca.ensure_people(people) == [] and ca.exists():
        ca.publish_crl()
    folder.publish_ca()


def run(settings: Settings, options: Options) -> int:
    return asyncio.run(Supervisor(settings, options).run())
