"""The signed IKU's official number (nomor naskah dinas) where people read it: the public
verification page of the signed document and its JSON, and the printed record in the
archive. (The process page and the mails: tests/test_insight_pages.py and
tests/test_official_number.py.)"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment

from api.tasks.signing import verification_code
from api.verify import routes
from common.settings import Settings
from signing.ca import CertificateAuthority
from signing.verify import DocumentReport, verify_pdf
from tests.scenario import KABAG, KARO, MENTERI, SEKJEN, Scenario
from tests.signatures import make_keys
from tests.web import SAME_ORIGIN, Web, serve

pytestmark = pytest.mark.devserver


def count_validations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the verification page validated a PDF's signatures (one item, counted
    up; the validation itself runs as ever)."""
    count = [0]

    async def counted(*args: Any, **kwargs: Any) -> DocumentReport:
        count[0] += 1
        return await verify_pdf(*args, **kwargs)

    monkeypatch.setattr(routes, "verify_pdf", counted)
    return count


async def test_the_verification_page_the_json_and_the_printed_record_give_the_iku_s_number(
    dev_env: WorkflowEnvironment, web: Web, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = make_keys(settings.signing_dir)
    p = await Scenario(dev_env.client, settings).start()
    await p.walk_to(8)
    base, code = settings.public_base_url, verification_code(settings, p.id)
    # The officials initial and sign on their task pages (the web layer signs the PDF and
    # gives it the QR link of the verification page).
    for person in (KABAG, KARO, SEKJEN, MENTERI):
        if person == MENTERI:
            # Before the Minister signs there is no signed IKU to verify, nor a number.
            assert (await web.http.get(f"{base}/v/{code}")).status_code == 404
            assert (await p.status()).official_number is None
        link = await web.link(p.id, person, (await p.task()).id)
        done = await web.submit(
            link,
            await web.open(link),
            "approve",
            note="Setuju.",
            passphrase=keys.passphrases[person],
        )
        assert done.status == 200, done.text
    status = await p.until(lambda s: s.official_number is not None)
    assert status.official_number is not None
    number = status.official_number.number
    assert number.startswith("1/SJ/OT.04.00/")

    # The page validates the record's signatures once; a QR code scanned again reads the
    # report kept (the record, its moment and the CA's files unchanged).
    validations = count_validations(monkeypatch)
    page = await web.http.get(f"{base}/v/{code}")
    assert page.status_code == 200, page.text
    assert (await web.http.get(f"{base}/v/{code}")).text == page.text
    assert validations == [1]
    assert f'Nomor naskah dinas: <strong id="official-number">{number}</strong>' in page.text
    assert p.id not in page.text  # still nothing else of the process
    as_json = (await web.http.get(f"{base}/v/{code}/json")).json()
    assert as_json["official_number"] == number
    assert "signatures" in as_json and "valid" in as_json
    # A copy checked against the record: the page still names the record's number.
    iku = [d for d in status.documents if d.kind == "iku"][-1]
    copy = p.store.path_of(iku.ref).read_bytes()
    checked = await web.http.post(
        f"{base}/v/{code}",
        files={"pdf": ("iku.pdf", copy, "application/pdf")},
        headers=SAME_ORIGIN,
    )
    assert checked.status_code == 200 and f'id="official-number">{number}<' in checked.text
    assert validations == [2]  # the copy's; the record's report was kept
    # A new CRL (the CA's periodic one): validated afresh, the signatures as they stood.
    await asyncio.sleep(1.1)  # a CRL dates to the second: a new one differs from the first
    CertificateAuthority(settings.signing_dir).publish_crl()
    again = (await web.http.get(f"{base}/v/{code}/json")).json()
    assert validations == [3] and again["valid"] is True and again["sha256"] == as_json["sha256"]
    # The link secret replaced since, after a leak (none of the old one kept): the QR code
    # printed on the IKU still opens its page.
    replaced = settings.model_copy(
        update={"link_secret": SecretStr("a-new-link-secret-after-a-leak-Hq8Zr3Wm6Tc1Vb4N")}
    )
    async with serve(replaced, dev_env.client) as later:
        again = await web.http.get(f"{later}/v/{code}")
        assert again.status_code == 200 and f'id="official-number">{number}<' in again.text

    # The printed record (ringkasan.html in the archive bag) carries it in its header.
    await p.walk_to_end()
    await p.result()
    archived = await p.status()
    assert archived.archive is not None
    printed = (Path(archived.archive.path) / "data" / "ringkasan.html").read_text(encoding="utf-8")
    assert f'<th>Nomor naskah dinas</th><td id="official-number">{number}</td>' in printed
