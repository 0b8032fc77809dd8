"""Addresses nothing answers at: a task link a mail program cut short, a mistyped bureau
address, a wrong method. Outside the JSON API each is a page in the reader's language (with
the way to the other language), never Starlette's ``{"detail": "Not Found"}``; the JSON API
keeps its one problem shape."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from api.app import create_app
from common.settings import Settings
from tests.web import Page

RUN = "0a1b2c3d-0000-4000-8000-000000000000"


@pytest.fixture
async def http(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings)),
        base_url=settings.public_base_url,
        timeout=30,
    ) as client:
        yield client


def page_of(response: httpx.Response, status: int) -> Page:
    assert response.status_code == status, (response.request.url, response.text)
    assert response.headers["content-type"].startswith("text/html"), response.text
    assert "content-security-policy" in response.headers  # the pages' own headers
    return Page.of(response)


@pytest.mark.parametrize("path", ["/t", "/t/", "/t/eyJhbGciOi/dokumen", "/t/abc/def/ghi"])
async def test_a_task_link_cut_short_by_a_mail_program_is_an_unknown_link_page(
    http: httpx.AsyncClient, path: str
):
    page = page_of(await http.get(path), 404)
    assert "Tautan tidak dikenal" in page.text and "tersalin utuh dari email" in page.text
    assert "?lang=en" in page.links  # the same page in English, at the same address
    assert "/proses" not in page.links  # a link's holder is not sent to the bureau pages
    english = page_of(await http.get(path, headers={"Accept-Language": "en-US,en;q=0.9"}), 404)
    assert "Unknown link" in english.text and "?lang=id" in english.links
    assert "Unknown link" in page_of(await http.get(path, params={"lang": "en"}), 404).text


@pytest.mark.parametrize(
    "path",
    [
        "/prosess",  # a typo
        "/proses/iku-2027-kemnaker/bukan-run",  # a run id that is not one
        f"/proses/iku-2027-kemnaker/{RUN}/tidak-ada",
        "/kinerja/angka.pdf",
    ],
)
async def test_a_mistyped_bureau_address_is_a_page_with_the_way_back_to_the_list(
    http: httpx.AsyncClient, path: str
):
    page = page_of(await http.get(path), 404)
    assert "Tidak ditemukan" in page.text and "Tidak ada halaman di alamat ini" in page.text
    assert "/proses" in page.links and "Kembali ke daftar proses" in page.text
    english = page_of(await http.get(path, params={"lang": "en"}), 404)
    assert "There is no page at this address" in english.text
    assert f"{path}?lang=id" in english.links


async def test_a_cut_verification_address_says_the_code_is_unknown(http: httpx.AsyncClient):
    for path in ("/v", "/v/", "/v/kode/lebih"):
        page = page_of(await http.get(path), 404)
        assert "Kode verifikasi tidak dikenal" in page.text, path
        assert "/proses" not in page.links  # the public reader of a QR code


async def test_a_wrong_method_outside_the_api_is_a_page_naming_what_the_address_takes(
    http: httpx.AsyncClient,
):
    for method, path, allowed in (
        ("GET", "/keluar", "POST"),  # sign-out is a form's POST
        ("PUT", "/masuk", "GET"),
        ("DELETE", "/t/bukan-token", "GET"),
    ):
        response = await http.request(method, path)
        page = page_of(response, 405)
        assert allowed in response.headers["allow"], path
        assert "Tidak dapat dibuka dengan cara ini" in page.text, path
        assert "Metode HTTP ini tidak didukung di alamat ini." in page.text, path


async def test_the_json_api_and_the_schema_keep_their_json_answers(http: httpx.AsyncClient):
    for method, path, status, code in (
        ("GET", "/api/tidak-ada", 404, "not_found"),
        ("GET", "/api/processes/iku-2027-x/tidak-ada", 404, "not_found"),
        ("PUT", "/api/processes", 405, "method_not_allowed"),
    ):
        response = await http.request(method, path)
        assert response.status_code == status, path
        assert response.headers["content-type"] == "application/json", path
        assert response.json()["code"] == code, path
    # Every method the address takes, not only the first route's (list and start are two).
    wrong = await http.request("PUT", "/api/processes")
    assert wrong.headers["allow"] == "GET, HEAD, POST"
    for method, path in (("POST", "/openapi.json"), ("GET", "/docs/tidak-ada")):
        response = await http.request(method, path)
        assert response.status_code in (404, 405), path
        assert response.headers["content-type"] == "application/json", path
