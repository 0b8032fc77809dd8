"""The workflow's calls as its callers know them (``common.workflow_calls``) are the ones
the workflow declares: the same names, taking and giving the same types."""

from __future__ import annotations

from temporalio import workflow

from common import workflow_calls as calls
from workflows.iku import IkuWorkflow

DEFINITION = workflow._Definition.must_from_class(IkuWorkflow)


def test_the_workflow_type_is_the_one_the_callers_start_and_list():
    assert DEFINITION.name == calls.WORKFLOW_TYPE


def test_every_update_takes_and_gives_what_its_callers_send_and_read():
    assert set(DEFINITION.updates) == {u.name for u in calls.UPDATES}
    for update in calls.UPDATES:
        declared = DEFINITION.updates[update.name]
        assert declared.arg_types == [update.arg], update.name
        assert declared.ret_type is update.result, update.name


def test_every_query_gives_what_its_callers_read():
    assert set(DEFINITION.queries) == {q.name for q in calls.QUERIES}
    for query in calls.QUERIES:
        declared = DEFINITION.queries[query.name]
        assert declared.arg_types == [], query.name
        assert declared.ret_type == query.result, query.name
