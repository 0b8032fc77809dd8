"""Every version of each document a process holds, with the decisions about that version and
the paraf or signature on it: the task page and the bureau's process page show the same facts,
each with its own links and its own way of writing a date."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.core.downloads import opens_inline
from api.core.i18n import Lang, action_done, doc_kind, size, text
from common.filetypes import EXTENSIONS
from common.models import Action, Document, HistoryEvent, StatusView
from workflows import sop

# A draft's version made at 8–11 is the one its paraf or signature was put on, by the web
# process as the official approved: said so, not "uploaded".
_MADE_BY = {
    **{
        ("draf_iku", step.number): "made_by_paraf"
        for step in sop.STEPS
        if step.signs and step.number != sop.SIGNATURE_STEP
    },
    ("iku", sop.SIGNATURE_STEP): "made_by_signature",
}


@dataclass(frozen=True)
class Versions:
    lang: Lang
    name: Callable[[str | None], str]  # a person id as the page names people
    when: Callable[[datetime], str]
    url: Callable[[Document], str]  # where this version downloads from, on this page

    def groups(self, status: StatusView, kinds: Iterable[str]) -> list[dict[str, Any]]:
        """One group per kind the process holds, in the order given, newest version first."""
        found = []
        for kind in kinds:
            versions = sorted(
                (d for d in status.documents if d.kind == kind), key=lambda d: -d.version
            )
            if versions:
                found.append(
                    {
                        "kind": kind,
                        "label": doc_kind(self.lang, kind),
                        "versions": [
                            self.version(status, d, i == 0) for i, d in enumerate(versions)
                        ],
                    }
                )
        return found

    def version(self, status: StatusView, doc: Document, latest: bool) -> dict[str, Any]:
        decisions = [
            {
                "step": h.step,
                "round": h.round,
                "who": self.name(h.person),
                "what": action_done(self.lang, h.action, h.step),
                "when": self.when(h.at),
                "returned": h.action is Action.RETURN,
            }
            for h in status.history
            if h.event is HistoryEvent.DECIDED
            and any(v.kind == doc.kind and v.version == doc.version for v in h.documents)
        ]
        marks = [
            m
            for m in [*status.parafs, *([status.signature] if status.signature else [])]
            if m.sha256 == doc.ref.sha256 and m.document_kind == doc.kind
        ]
        return {
            "version": doc.version,
            "latest": latest,
            "name": doc.ref.name,
            "size": size(doc.ref.size),
            "media": EXTENSIONS.get(doc.ref.media_type, doc.ref.media_type).lstrip(".").upper(),
            "sha256": doc.ref.sha256,
            "by": self.name(doc.by),
            "step": doc.step,
            "when": self.when(doc.at),
            "made": text(
                self.lang,
                _MADE_BY.get((doc.kind, doc.step), "uploaded_by"),
                name=self.name(doc.by),
                step=doc.step,
                when=self.when(doc.at),
            ),
            # Set as this kind by an approval, without a new upload: said, not hidden in
            # "uploaded by".
            "set_as": text(
                self.lang,
                "set_as",
                kind=doc_kind(self.lang, doc.kind),
                step=doc.promoted.step,
                name=self.name(doc.promoted.by),
                when=self.when(doc.promoted.at),
            )
            if doc.promoted
            else "",
            "url": self.url(doc),
            # A PDF or an image opens in the browser; a download link is offered beside it.
            "inline": opens_inline(doc.ref.media_type),
            "download_url": self.url(doc) + "?unduh=1",
            "decisions": decisions,
            "marks": [
                text(self.lang, "paraf_by", name=self.name(m.person), step=m.step)
                if m.kind == "paraf"
                else text(self.lang, "signed_by", name=self.name(m.person))
                for m in marks
            ],
        }
