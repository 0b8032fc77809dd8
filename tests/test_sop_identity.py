"""The SOP's registered number: a setting of the deployment, never the template's blank."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from common.models import ProcessInput
from common.settings import Settings
from common.sop_identity import header_line, is_placeholder
from tests.bureau import signed_in
from tests.scenario import KASUBAG, Scenario
from tests.web import Web

PLACEHOLDER = "1/.../OT.04.00/./..."


@pytest.mark.parametrize(
    "number",
    [PLACEHOLDER, "1/…/OT.04.00/XI/2026", "1//OT.04.00", "1/-/OT.04.00/XI/2026", "x/x"],
)
def test_the_templates_blanks_are_not_a_number(number: str) -> None:
    assert is_placeholder(number)
    with pytest.raises(ValidationError, match="placeholder"):
        ProcessInput(year=2027, code="k", title="t", started_by=KASUBAG, sop_number=number)
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(sop_number=number)


@pytest.mark.parametrize("number", ["1/123/OT.04.00/XI/2026", "KEP.12/OT.04.00/2026", ""])
def test_a_registered_number_or_none_at_all_is_taken(number: str) -> None:
    assert not is_placeholder(number)
    given = ProcessInput(year=2027, code="k", title="t", started_by=KASUBAG, sop_number=number)
    assert given.sop_number == number


def test_the_header_line_names_the_number_and_its_dates() -> None:
    line = header_line("1/123/OT.04.00/XI/2026", date(2026, 11, 2), date(2027, 1, 15), "id")
    assert line == "No. 1/123/OT.04.00/XI/2026; disahkan 2 November 2026; revisi 15 Januari 2027"
    assert header_line("", None, None, "en") == "No. (not yet registered)"


async def test_a_process_started_without_a_number_runs_under_the_registered_one(
    ts_env, ts_worker, settings, mail
):
    p = await Scenario(ts_env.client, settings).start()
    assert p.process.sop_number == ""
    status = await p.status()
    assert status.process.sop_number == settings.sop_number == "1/123/OT.04.00/XI/2026"
    (task_mail,) = await mail.wait_for(p.id, "task")
    text = task_mail.get_body(("plain",)).get_content()
    assert "(No. 1/123/OT.04.00/XI/2026; disahkan 2 November 2026)" in text


@pytest.mark.devserver
async def test_the_task_page_and_the_bureau_page_head_with_the_sop_line_of_the_mail(
    dev_env, web: Web
):
    p = await Scenario(dev_env.client, web.settings).start()
    s = web.settings
    line = header_line(s.sop_number, s.sop_approved_on, s.sop_revised_on, "id")
    assert line == "No. 1/123/OT.04.00/XI/2026; disahkan 2 November 2026"
    page = await web.open(await web.link(p.id, KASUBAG))  # the link as mailed
    assert line in page.text
    (task_mail,) = web.task_mails(p.id, KASUBAG)
    assert line in task_mail.get_body(("plain",)).get_content()
    async with signed_in(web, "bureau") as biro:
        shown = await biro.page(f"/proses/{p.id}")
        assert line in shown.text and "2 November 2026" in shown.text
