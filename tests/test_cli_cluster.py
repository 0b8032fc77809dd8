"""The iku subcommands a deployment runs against Temporal: registering the search attributes
on a new namespace, making a build current, and the worker's health check. Each runs as its
own process, as in the containers."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from google.protobuf.duration_pb2 import Duration
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
from temporalio.testing import WorkflowEnvironment

from common import search_attributes
from common.settings import Settings

pytestmark = pytest.mark.devserver

IKU = Path(sys.executable).parent / "iku"


async def iku(env: WorkflowEnvironment, *args: str, **settings: str) -> tuple[int, str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IKU_")}
    environ["IKU_TEMPORAL_ADDRESS"] = env.client.service_client.config.target_host
    environ.update({f"IKU_{k.upper()}": v for k, v in settings.items()})
    done = await asyncio.to_thread(
        subprocess.run,
        [str(IKU), *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


async def test_a_new_namespace_gets_every_search_attribute_once(dev_env: WorkflowEnvironment):
    namespace = f"iku-{uuid.uuid4().hex[:8]}"
    await dev_env.client.workflow_service.register_namespace(
        RegisterNamespaceRequest(
            namespace=namespace, workflow_execution_retention_period=Duration(seconds=86400)
        )
    )
    code, out, err = await iku(dev_env, "register-search-attributes", temporal_namespace=namespace)
    assert code == 0, err
    names = sorted(key.name for key in search_attributes.ALL)
    assert out.strip() == f"added: {', '.join(names)}"
    listed = await dev_env.client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    assert set(names) <= set(listed.custom_attributes)

    code, out, _ = await iku(dev_env, "register-search-attributes", temporal_namespace=namespace)
    assert (code, out.strip()) == (0, "all search attributes already present")


async def test_a_namespace_that_never_comes_is_waited_for_then_named(dev_env: WorkflowEnvironment):
    namespace = f"iku-none-{uuid.uuid4().hex[:8]}"
    args = ("register-search-attributes", "--wait", "3")
    code, out, err = await iku(dev_env, *args, temporal_namespace=namespace)
    assert code == 1 and out == ""
    assert "the search attributes could not be added" in err and namespace in err


async def test_the_worker_health_check_sees_a_worker_on_this_host_and_no_other(
    dev_env: WorkflowEnvironment, dev_worker, settings: Settings
):
    code, out, err = await iku(dev_env, "check-worker", task_queue=settings.task_queue)
    assert code == 0, err
    assert f"polls {settings.task_queue}" in out
    code, _, err = await iku(
        dev_env, "check-worker", "--host", "elsewhere", task_queue=settings.task_queue
    )
    assert code == 1
    assert f"no worker on elsewhere polls {settings.task_queue}" in err


async def test_making_a_build_current_needs_versioning_switched_on(dev_env: WorkflowEnvironment):
    code, _, err = await iku(dev_env, "set-current-version")
    assert code == 2
    assert "worker versioning is off: set IKU_WORKER_DEPLOYMENT and IKU_BUILD_ID" in err


async def test_making_a_build_current_gives_up_when_no_worker_of_it_ever_polls(
    dev_env: WorkflowEnvironment,
):
    code, _, err = await iku(
        dev_env,
        "set-current-version",
        "--wait",
        "2",
        worker_deployment=f"iku-{uuid.uuid4().hex[:8]}",
        build_id="v9.9.9",
    )
    assert code == 1
    assert "v9.9.9 could not be made current" in err
