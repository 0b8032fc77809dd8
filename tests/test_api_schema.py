"""The OpenAPI schema says what the JSON API does: its limits, and the problems each
operation can answer with."""

from __future__ import annotations

import re

from api.app import create_app
from common.settings import Settings


def schema(tmp_path) -> dict:
    return create_app(Settings(data_dir=tmp_path)).openapi()


def test_every_operation_names_the_problems_it_can_answer_with(tmp_path):
    spec = schema(tmp_path)
    operations = [
        (path, method, op)
        for path, item in spec["paths"].items()
        if path.startswith("/api/")
        for method, op in item.items()
    ]
    assert len(operations) >= 10
    for path, method, op in operations:
        for status in ("400", "401", "422", "503"):
            answer = op["responses"].get(status)
            assert answer is not None, (method, path, status)
            assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/Problem")
            assert answer["description"], (method, path, status)
    decide = spec["paths"]["/api/processes/{workflow_id}/decide"]["post"]["responses"]
    assert {"403", "404", "409"} <= decide.keys()


def test_the_limits_and_the_blank_rule_are_in_the_schema(tmp_path):
    components = schema(tmp_path)["components"]["schemas"]
    start = components["StartBody"]["properties"]
    for name, limit in (("title", 300), ("sop_number", 100)):
        # An optional field (the SOP number: left out, the deployment's) is "this or null".
        field = next((f for f in start[name].get("anyOf", []) if "maxLength" in f), start[name])
        assert field["maxLength"] == limit
        visible = re.compile(field["pattern"])
        assert visible.search("12/OT") and not visible.search("   \u200b")
        assert "trimmed" in field["description"]
    reason = components["CancelBody"]["properties"]["reason"]
    assert reason["maxLength"] == 1000 and "pattern" in reason
    note = components["DecideBody"]["properties"]["note"]
    assert note["maxLength"] == 4000 and "trimmed" in note["description"]
