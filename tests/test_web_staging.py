"""A decision's files are the store's only once the workflow accepts the decision, and one
task link cannot upload without end.

Real parts: the Temporal dev server, a worker, mail over SMTP, uvicorn, files on disk.
"""

from __future__ import annotations

import hashlib

import pytest

from tests import samples
from tests.scenario import KASUBAG, Scenario
from tests.support import files_under
from tests.web import Web

pytestmark = pytest.mark.devserver

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def test_a_decision_the_workflow_refuses_after_its_files_were_read_keeps_none_of_them(
    dev_env, web: Web
):
    p = await Scenario(dev_env.client, web.settings).start()
    link = await web.link(p.id, KASUBAG)
    page = await web.open(link)
    # The TOR is missing: the form passes the page's own checks, the workflow refuses it.
    konsep = samples.docx("Konsep Rencana Kerja, yang ditolak")
    refused = await web.submit(
        link, page, "submit", files={"konsep_rencana_kerja": [("Konsep.docx", konsep, DOCX)]}
    )
    assert refused.status == 422
    assert "Dokumen yang dipersyaratkan belum dilampirkan" in refused.text
    assert files_under(web.settings.documents_dir) == []  # neither stored nor staged

    # Sent again with both files from the page it got back: accepted, and stored.
    tor = samples.pdf("TOR penyusunan IKU")
    accepted = await web.submit(
        link,
        refused,
        "submit",
        files={
            "konsep_rencana_kerja": [("Konsep.docx", konsep, DOCX)],
            "tor": [("TOR.pdf", tor, PDF)],
        },
    )
    assert accepted.status == 200, accepted.text
    store = web.settings.documents_dir
    assert files_under(store) == sorted(
        store / "sha256" / h[:2] / h for h in (hashlib.sha256(d).hexdigest() for d in (konsep, tor))
    )
    status = await p.status()
    assert {d.ref.sha256 for d in status.documents} == {
        hashlib.sha256(konsep).hexdigest(),
        hashlib.sha256(tor).hexdigest(),
    }


async def test_a_link_that_spent_its_upload_budget_is_refused_with_429(dev_env, web: Web):
    web.settings.link_upload_budget_bytes = 200 * 1024
    p = await Scenario(dev_env.client, web.settings).start()
    link = await web.link(p.id, KASUBAG)
    page = await web.open(link)
    padding = b"%" + b"x" * (90 * 1024)  # a PDF may carry a comment after its end
    heavy = {
        "konsep_rencana_kerja": [("Konsep.pdf", samples.pdf("Konsep") + padding, PDF)],
        "tor": [("TOR.pdf", samples.pdf("TOR") + padding, PDF)],
    }
    first = await web.submit(link, page, "submit", files={"tor": heavy["tor"]})
    assert first.status == 422  # refused by the workflow (a file missing): ~90 KiB spent
    second = await web.submit(link, first, "submit", files=heavy)
    assert second.status == 429
    assert int(second.response.headers["retry-after"]) > 0
    assert "Batas unggahan tercapai" in second.text and "200 KB" in second.text
    assert "Keputusan Anda belum dicatat" in second.text
    assert files_under(web.settings.documents_dir) == []
    status = await p.status()
    assert status.step == 1 and status.documents == []
    # The setting is read on every form: raised, it holds at once.
    web.settings.link_upload_budget_bytes = 10 * 1024 * 1024
    third = await web.submit(link, await web.open(link), "submit", files=heavy)
    assert third.status == 200, third.text
