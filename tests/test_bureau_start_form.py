"""The start form says what the server asks: the SOP number may be left blank, and then the
process runs under the number this system is set up with.

Real parts: the Temporal dev server, a worker, uvicorn serving the app.
"""

from __future__ import annotations

import pytest

from tests.bureau import signed_in, unique_code
from tests.scenario import Scenario
from tests.web import Web

pytestmark = pytest.mark.devserver


async def test_the_sop_number_is_optional_on_the_start_form_as_it_is_on_the_server(
    dev_env, web: Web
):
    async with signed_in(web, "bureau") as biro:
        form = await biro.page("/proses/baru")
        fields = {f.name: f for f in form.fields}
        # Year, code and title must be given; the SOP number need not.
        assert all("required" in fields[name].attrs for name in ("year", "code", "title"))
        sop_number = fields["sop_number"]
        assert "required" not in sop_number.attrs
        # The hint says what a blank number means, and is tied to the field.
        assert sop_number.attrs["aria-describedby"] == "h-sop_number"
        assert 'id="h-sop_number">Boleh dikosongkan: proses memakai nomor SOP' in (
            form.response.text
        )
        english = await biro.page("/proses/baru", lang="en")
        assert "Optional: left blank, the process runs under the SOP number" in english.text

        # Left blank, the server starts the process under the deployment's number.
        wid = await biro.start(year=2027, code=unique_code("kemnaker"), title="IKU", sop_number="")

    p = Scenario.attach(dev_env.client, web.settings, wid)
    status = await p.until(lambda s: s.process.sop_number != "")
    assert status.process.sop_number == web.settings.sop_number == "1/123/OT.04.00/XI/2026"


async def test_a_refused_sop_number_keeps_its_hint_and_points_to_its_error(dev_env, web: Web):
    async with signed_in(web, "bureau") as biro:
        form = await biro.page("/proses/baru")
        typed = {
            "year": "2027",
            "code": unique_code("kemnaker"),
            "revision": "0",
            "sop_number": "1/.../OT.04.00/./...",  # the SOP template's placeholder
            "title": "IKU 2027",
        }
        refused = await biro.post("/proses/baru", typed, form)
        assert refused.status == 422 and "bukan isian templat" in refused.text
        field = next(f for f in refused.fields if f.name == "sop_number")
        assert field.attrs["aria-describedby"] == "h-sop_number e-sop_number"
        assert field.attrs["aria-invalid"] == "true" and "required" not in field.attrs
