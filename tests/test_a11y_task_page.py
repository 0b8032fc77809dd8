"""An official on a phone whose form comes back refused lands on what to put right: the field
the refusal is about is marked invalid, tied to the refusal on top, and has the cursor
(``autofocus``: the task pages run no script), and the page's title says it needs correcting.
A team search comes back with the cursor in its search box, not at the top.

Real parts: the Temporal dev server, a worker, mail over SMTP, uvicorn.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from common.settings import Settings
from tests import samples
from tests.scenario import KABAG, KASUBAG, TIM_KETUA, Scenario
from tests.signatures import Keys, make_keys
from tests.web import Page, Web

pytestmark = pytest.mark.devserver

PDF = "application/pdf"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def tags(page: Page) -> list[tuple[str, dict[str, str]]]:
    parser = _Tags()
    parser.feed(page.response.text)
    return parser.tags


def focused(page: Page) -> dict[str, str]:
    """The one element that takes the cursor when the page opens."""
    found = [a for _, a in tags(page) if "autofocus" in a]
    assert len(found) == 1, found
    return found[0]


def title(page: Page) -> str:
    found = re.search(r"<title>(.*?)</title>", page.response.text, re.S)
    assert found is not None
    return found.group(1)


def tied_to_the_refusal(attrs: dict[str, str]) -> None:
    assert attrs.get("aria-invalid") == "true", attrs
    assert "form-error" in attrs.get("aria-describedby", "").split(), attrs


def the_refusal_has_its_id(page: Page) -> None:
    alerts = [a for t, a in tags(page) if t == "div" and a.get("role") == "alert"]
    assert [a.get("id") for a in alerts] == ["form-error"]


async def at(dev_env, web: Web, step: int, person: str) -> tuple[Scenario, str]:
    p = await Scenario(dev_env.client, web.settings).start()
    await p.walk_to(step)
    return p, await web.link(p.id, person, (await p.task()).id)


@pytest.fixture
def keys(settings: Settings) -> Keys:
    return make_keys(settings.signing_dir)


async def test_a_wrong_passphrase_puts_the_cursor_back_in_the_passphrase(
    dev_env, web: Web, keys: Keys
):
    p, link = await at(dev_env, web, 8, KABAG)
    page = await web.open(link)
    assert not [a for _, a in tags(page) if "autofocus" in a]  # a page first opened: the top
    assert not title(page).startswith("Perlu diperbaiki")
    wrong = await web.submit(link, page, "approve", note="Setuju.", passphrase="bukan")
    assert wrong.status == 422 and "Passphrase TTE salah" in wrong.text
    the_refusal_has_its_id(wrong)
    passphrase = focused(wrong)
    assert passphrase["id"] == "passphrase"
    tied_to_the_refusal(passphrase)
    # Its hint is still read with it.
    assert passphrase["aria-describedby"].split() == ["passphrase-hint", "form-error"]
    assert title(wrong).startswith("Perlu diperbaiki: ")
    english = await web.submit(
        link, wrong, "approve", passphrase="bukan", headers={"Accept-Language": "en"}
    )
    assert title(english).startswith("Needs correction: ")
    assert (await p.task()).step == 8


async def test_a_refused_file_type_puts_the_cursor_at_the_files(dev_env, web: Web):
    p = await Scenario(dev_env.client, web.settings).start()
    link = await web.link(p.id, KASUBAG)
    page = await web.open(link)
    refused = await web.submit(
        link,
        page,
        "submit",
        files={
            "konsep_rencana_kerja": [("Konsep.pdf", samples.pdf("Konsep"), PDF)],
            "tor": [("TOR.pdf", samples.disguised_exe(), PDF)],
        },
    )
    assert refused.status == 415 and "TOR.pdf" in refused.text
    the_refusal_has_its_id(refused)
    (group,) = [a for t, a in tags(refused) if t == "fieldset" and a.get("id") == "unggah"]
    tied_to_the_refusal(group)
    first = focused(refused)
    assert first["type"] == "file" and first["name"] == "doc.konsep_rencana_kerja"
    tied_to_the_refusal(first)
    assert title(refused).startswith("Perlu diperbaiki: ")


async def test_a_team_without_a_leader_puts_the_cursor_at_the_leader(dev_env, web: Web):
    _, link = await at(dev_env, web, 5, KASUBAG)
    page = await web.open(link)
    sk_tim = {"sk_tim": [("SK Tim.pdf", samples.pdf("SK Tim"), PDF)]}
    refused = await web.submit(link, page, "submit", files=sk_tim, team=[TIM_KETUA])
    assert refused.status == 422 and "Sebutkan anggota dan ketua" in refused.text
    the_refusal_has_its_id(refused)
    (team,) = [a for t, a in tags(refused) if t == "fieldset" and a.get("id") == "tim"]
    tied_to_the_refusal(team)
    leader = focused(refused)
    assert leader["name"] == "team_leader" and leader["type"] == "radio"
    tied_to_the_refusal(leader)
    # Nobody ticked at all: the first person of the list.
    nobody = await web.submit(link, refused, "submit", files=sk_tim)
    assert nobody.status == 422
    assert focused(nobody)["name"] == "team_member"


async def test_an_approval_with_an_item_not_met_puts_the_cursor_on_that_item(dev_env, web: Web):
    p, link = await at(dev_env, web, 2, KABAG)
    page = await web.open(link)
    refused = await web.submit(
        link, page, "approve", note="Setuju.", checklist={"kelengkapan": False}
    )
    assert refused.status == 422
    the_refusal_has_its_id(refused)
    (checklist,) = [
        a for t, a in tags(refused) if t == "fieldset" and a.get("id") == "lembar-pemeriksaan"
    ]
    tied_to_the_refusal(checklist)
    item = focused(refused)
    assert (item["name"], item["value"]) == ("cl.kelengkapan", "not_ok")
    assert "checked" in item
    tied_to_the_refusal(item)
    # A disposisi left blank: the note.
    blank = await web.submit(link, refused, "approve", note=" ", checklist={"kelengkapan": True})
    assert blank.status == 422 and "disposisi" in blank.text
    note = focused(blank)
    assert note["id"] == "note"
    tied_to_the_refusal(note)
    assert (await p.task()).step == 2


async def test_a_team_search_comes_back_with_the_cursor_in_the_search_box(dev_env, web: Web):
    _, link = await at(dev_env, web, 5, KASUBAG)
    page = await web.open(link)
    assert [a for t, a in tags(page) if t == "fieldset" and a.get("id") == "tim"]
    found = await web.search_team(link, page, "analis kinerja")
    assert found.status == 200
    box = focused(found)
    assert box["id"] == "cari" and box["value"] == "analis kinerja"
    assert "aria-invalid" not in box
    assert not title(found).startswith("Perlu diperbaiki")
    # An empty search (everyone again) comes back there too.
    assert focused(await web.search_team(link, found, ""))["id"] == "cari"
    # A search leaves no fragment to post to: the next refusal's field gets the cursor.
    (search,) = [a for t, a in tags(found) if t == "button" and a.get("name") == "cari_tim"]
    assert "formaction" not in search
    sk_tim = {"sk_tim": [("SK Tim.pdf", samples.pdf("SK Tim"), PDF)]}
    refused = await web.submit(link, found, "submit", files=sk_tim, team=[TIM_KETUA])
    assert refused.status == 422
    assert focused(refused)["name"] == "team_leader"
