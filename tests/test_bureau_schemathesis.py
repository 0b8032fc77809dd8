"""schemathesis against the JSON API's own OpenAPI schema: no input gives a server error.

The live app (uvicorn) runs against the Temporal dev server with a worker, so every
Temporal-backed operation really goes to Temporal; half the cases aim at real processes (one
waiting at step 2, one archived) instead of made-up ids. Cases are generated valid and
invalid, with the ops token (which may do everything), a bounded number per operation.
schemathesis calls the server synchronously, so it runs in a thread while the event loop
keeps serving.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from tests.bureau import started_on_queue, token
from tests.scenario import Scenario
from tests.web import Web

pytestmark = [
    pytest.mark.devserver,
    # schemathesis's own strategies draw from `random`; hypothesis warns about that, not us.
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]

EXAMPLES_PER_OPERATION = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    # The schema says what the API does: what it calls invalid is refused (a limit, a
    # blank title, an unknown query parameter), and an undocumented method gets 405 with
    # an Allow header that names the documented ones.
    negative_data_rejection,
    unsupported_method,
    allow_header_conformance,
]


def fuzz(base_url: str, bearer: str, real_ids: list[str]) -> list[str]:
    """Every operation, positive and negative cases; the failures, as text."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", timeout=30)
    headers = {"Authorization": f"Bearer {bearer}"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert any(op.path == "/api/processes/{workflow_id}" for op in operations)
    for operation in operations:
        # The task links and the health probe are in the schema too: fuzzed for server
        # errors only (their HTML refusals are not described as JSON responses).
        checks = CHECKS if operation.path.startswith("/api/") else [not_a_server_error]
        strategies = []
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies.append(operation.as_strategy(generation_mode=mode))
            if "{workflow_id}" in operation.path:
                strategies += [
                    operation.as_strategy(
                        generation_mode=mode, path_parameters={"workflow_id": wid}
                    )
                    for wid in real_ids
                ]
        run = _runner(operation.label, st.one_of(*strategies), base_url, headers, checks, failures)
        run()
    return failures


def _runner(
    label: str,
    strategy: st.SearchStrategy,
    base_url: str,
    headers: dict[str, str],
    checks: list,
    failures: list[str],
) -> Callable[[], None]:
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=60)
        try:
            case.validate_response(response, checks=checks)
        except (AssertionError, FailureGroup) as err:  # collected: one report in the end
            failures.append(
                f"{label}: {' '.join(str(err).split())[:300]} "
                f"(HTTP {response.status_code}: {response.text[:300]})"
            )

    return run


async def test_schemathesis_finds_no_server_error_in_the_json_api(dev_env, web: Web):
    waiting = await Scenario(dev_env.client, web.settings).start()
    await waiting.walk_to(2)
    archived = await Scenario(dev_env.client, web.settings).start()
    await archived.walk_to_end()
    failures = await asyncio.to_thread(
        fuzz, web.settings.public_base_url, token(web.settings, "ops"), [waiting.id, archived.id]
    )
    await started_on_queue(dev_env.client, web.settings)
    assert failures == [], "\n".join(failures)
