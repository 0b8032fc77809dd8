"""SOP "Penyusunan Indikator Kinerja Utama Kementerian" as data.

Hold this module against the SOP table (``shared/seed/000_…txt``, read in
``shared/docs/SOP.md``): one ``Step`` per numbered row, in order, with its executor, its
activity text, its Persyaratan (requires) and Output (produces), where approving and
returning lead, and the defaults the source leaves blank (its time column says only
"menit"). Nothing about a particular step is written anywhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta, timezone

from common.models import Action, Approval, StepKind


@dataclass(frozen=True)
class Role:
    code: str
    name_id: str
    name_en: str
    short: str  # as officials write it on a disposisi
    superior: str | None
    pool: bool = False  # every member is asked, any one may act


ROLES: dict[str, Role] = {
    r.code: r
    for r in (
        Role("kasubag", "Kepala Subbagian", "Head of Subdivision", "Kasubbag", "kabag"),
        Role("kabag", "Kepala Bagian", "Head of Division", "Kabag", "karo"),
        Role(
            "karo",
            "Kepala Biro Perencanaan dan Manajemen Kinerja",
            "Head of the Planning and Performance Management Bureau",
            "Karo",
            "sekjen",
        ),
        Role("sekjen", "Sekretaris Jenderal", "Secretary General", "Sekjen", "menteri"),
        Role("menteri", "Menteri", "Minister", "Menteri", None),
        Role("tim", "Tim Penyusunan", "Drafting team", "Tim", "kasubag", pool=True),
        Role(
            "fungsional_umum",
            "Fungsional Umum",
            "General administrative staff",
            "Fungsional Umum",
            "kasubag",
            pool=True,
        ),
    )
}

# The owner of this SOP: may cancel a process and assign its tasks, like ops.
OWNER_ROLE = "karo"
# The role whose members are named by the step that forms the team (step 5).
TEAM_ROLE = "tim"
# The SOP runs on Jakarta time; Indonesia keeps no daylight saving, so a fixed offset is
# exact and lets workflow code tell "today" without reading a time zone database.
WIB = timezone(timedelta(hours=7), "WIB")


@dataclass(frozen=True)
class DocKind:
    code: str
    name_id: str
    name_en: str


DOC_KINDS: dict[str, DocKind] = {
    d.code: d
    for d in (
        DocKind("konsep_rencana_kerja", "Konsep Rencana Kerja", "Draft work plan"),
        DocKind("tor", "TOR (Kerangka Acuan Kerja)", "Terms of reference"),
        DocKind("rencana_kerja", "Rencana Kerja", "Work plan"),
        DocKind("disposisi", "Disposisi", "Disposition (written instruction)"),
        DocKind("sk", "Konsep SK", "Draft decree"),
        DocKind("sk_tim", "SK Tim Penyusunan", "Decree forming the drafting team"),
        DocKind("bahan", "Bahan", "Material"),
        DocKind("draf_iku", "Draf Indikator Kinerja Utama", "Draft IKU"),
        DocKind("iku", "Indikator Kinerja Utama (ditandatangani)", "Signed IKU"),
        DocKind("catatan_perbaikan", "Catatan perbaikan", "Revision notes"),
        DocKind("dokumentasi_iku", "Dokumentasi IKU", "IKU documentation (archive)"),
    )
}


def doc_name(code: str, lang: str = "id") -> str:
    """A document kind as the SOP table names it; an unknown code as it is."""
    kind = DOC_KINDS.get(code)
    if kind is None:
        return code
    return kind.name_en if lang == "en" else kind.name_id


@dataclass(frozen=True)
class Upload:
    """A document a decision at this step attaches."""

    kind: str
    actions: tuple[Action, ...]
    required: bool = False
    multiple: bool = False


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    text_id: str
    text_en: str


# Lembar Pemeriksaan: what a reviewer confirms before deciding.
PROPOSAL_CHECKLIST = (
    ChecklistItem(
        "kelengkapan",
        "Berkas usulan lengkap (Konsep Rencana Kerja dan TOR)",
        "The proposal is complete (draft work plan and TOR)",
    ),
    ChecklistItem(
        "selaras_renstra",
        "Usulan selaras dengan Rencana Strategis Kementerian",
        "The proposal is consistent with the Ministry's Strategic Plan",
    ),
    ChecklistItem(
        "tor_memadai",
        "TOR memuat latar belakang, tujuan, keluaran dan jadwal",
        "The TOR states background, objectives, outputs and schedule",
    ),
)
DRAFT_CHECKLIST = (
    ChecklistItem(
        "format_lengkap",
        "Draf IKU lengkap dan sesuai format",
        "The draft IKU is complete and in the required format",
    ),
    ChecklistItem(
        "selaras_sasaran",
        "Indikator selaras dengan sasaran strategis Renstra",
        "The indicators match the strategic targets of the Strategic Plan",
    ),
    ChecklistItem(
        "definisi_formula",
        "Setiap indikator memiliki definisi, formula dan sumber data",
        "Every indicator has a definition, a formula and a data source",
    ),
    ChecklistItem(
        "target_terukur", "Target terukur dan realistis", "Targets are measurable and realistic"
    ),
    ChecklistItem(
        "tata_naskah",
        "Sesuai Tata Naskah Dinas (Permenaker No. 3 Tahun 2019)",
        "Follows the official correspondence rules (Permenaker 3/2019)",
    ),
)

_ITEMS = {item.code: item for item in (*PROPOSAL_CHECKLIST, *DRAFT_CHECKLIST)}


def item_text(code: str, lang: str = "id") -> str:
    """A Lembar Pemeriksaan item as the checklist words it; an unknown code (an item no
    longer in the SOP) as it is."""
    item = _ITEMS.get(code)
    if item is None:
        return code
    return item.text_en if lang == "en" else item.text_id


_DRAFT = ("draf_iku",)
_IKU = ("iku",)
_FORWARD_REVIEW = (Action.APPROVE,)
_REVIEW_NOTES = Upload("catatan_perbaikan", (Action.RETURN,))


@dataclass(frozen=True)
class Step:
    number: int
    role: str
    kind: StepKind
    activity_id: str  # the SOP's own words
    activity_en: str
    requires: tuple[str, ...]  # Persyaratan/Kelengkapan
    produces: tuple[str, ...]  # Output
    next: int | None  # where submitting, approving or handing over leads (None: the end)
    on_return: int | None = None  # where returning leads (reviews only)
    approval: Approval = Approval.NONE
    uploads: tuple[Upload, ...] = ()
    # Output kinds that, when approving without a new file, are the version under review
    # (the approved Konsep becomes the Rencana Kerja; the signed draft becomes the IKU).
    promotes: dict[str, str] = field(default_factory=dict)
    checklist: tuple[ChecklistItem, ...] = ()
    escalate_to: str | None = None
    related_sop: tuple[str, ...] = ()
    standard_time: str = "2d"  # working days ("d") or working hours ("h")
    names_team: bool = False  # step 5 names the Tim Penyusunan
    # The document under review whose exact version a paraf or the signature concerns, and
    # whose parafs a return withdraws (the Draf IKU at steps 7-11).
    draft: str | None = None

    def activity(self, lang: str = "id") -> str:
        return self.activity_en if lang == "en" else self.activity_id

    def short(self, lang: str = "id") -> str:
        """The activity's first sentence: what is asked, without the branches ("Memeriksa
        usulan"). A page's heading and a mail's subject."""
        return re.split(r"[.;]\s", self.activity(lang), maxsplit=1)[0].rstrip(".;")

    @property
    def signs(self) -> bool:
        """Approving here is an electronic paraf or the Minister's signature (8–11)."""
        return self.approval in (Approval.PARAF, Approval.SIGNATURE)

    @property
    def actions(self) -> tuple[Action, ...]:
        return {
            StepKind.SUBMIT: (Action.SUBMIT,),
            StepKind.REVIEW: (Action.APPROVE, Action.RETURN),
            StepKind.HANDOVER: (Action.HAND_OVER,),
            StepKind.ARCHIVE: (Action.ARCHIVE,),
        }[self.kind]

    @property
    def reviewed_kinds(self) -> tuple[str, ...]:
        """The documents a review looks at: what the step requires."""
        return self.requires if self.kind is StepKind.REVIEW else ()


STEPS: tuple[Step, ...] = (
    Step(
        1,
        "kasubag",
        StepKind.SUBMIT,
        "Mengajukan usulan penyusunan Indikator Kinerja Utama Kementerian kepada Kabag",
        "Submits the proposal to draft the Ministry's IKU to the Kabag",
        requires=("konsep_rencana_kerja", "tor"),
        produces=("konsep_rencana_kerja", "tor"),
        next=2,
        uploads=(
            Upload("konsep_rencana_kerja", (Action.SUBMIT,), required=True),
            Upload("tor", (Action.SUBMIT,), required=True),
        ),
        escalate_to="kabag",
        standard_time="3d",
    ),
    Step(
        2,
        "kabag",
        StepKind.REVIEW,
        "Memeriksa usulan. Jika setuju menyampaikan kepada Karo Perencanaan dan MK, "
        "jika tidak setuju dikembalikan kepada Kasubbag untuk diperbaiki",
        "Reviews the proposal; if approved, forwards it to the Karo, "
        "otherwise returns it to the Kasubbag for revision",
        requires=("konsep_rencana_kerja", "tor"),
        produces=("rencana_kerja", "disposisi"),
        next=3,
        on_return=1,
        approval=Approval.DISPOSISI,
        uploads=(
            Upload("rencana_kerja", _FORWARD_REVIEW),
            Upload("disposisi", _FORWARD_REVIEW),
            _REVIEW_NOTES,
        ),
        promotes={"rencana_kerja": "konsep_rencana_kerja"},
        checklist=PROPOSAL_CHECKLIST,
        escalate_to="karo",
    ),
    Step(
        3,
        "karo",
        StepKind.REVIEW,
        "Memeriksa usulan. Jika setuju memerintahkan Kabag untuk membentuk Tim Penyusunan, "
        "jika tidak setuju dikembalikan kepada Kabag PP untuk diperbaiki",
        "Reviews the proposal; if approved, orders the Kabag to form the drafting team, "
        "otherwise returns it to the Kabag for revision",
        requires=("rencana_kerja", "disposisi"),
        produces=("rencana_kerja", "disposisi"),
        next=4,
        on_return=2,
        approval=Approval.DISPOSISI,
        uploads=(
            Upload("rencana_kerja", _FORWARD_REVIEW),
            Upload("disposisi", _FORWARD_REVIEW),
            _REVIEW_NOTES,
        ),
        checklist=PROPOSAL_CHECKLIST,
        escalate_to="sekjen",
    ),
    Step(
        4,
        "kabag",
        StepKind.SUBMIT,
        "Kabag memerintahkan Kasubbag untuk membentuk Tim Penyusunan",
        "The Kabag orders the Kasubbag to form the drafting team",
        requires=("disposisi",),
        produces=("disposisi", "sk"),
        next=5,
        approval=Approval.DISPOSISI,
        uploads=(Upload("disposisi", (Action.SUBMIT,)), Upload("sk", (Action.SUBMIT,))),
        escalate_to="karo",
        standard_time="1d",
    ),
    Step(
        5,
        "kasubag",
        StepKind.SUBMIT,
        "Membentuk Tim Penyusunan",
        "Forms the drafting team",
        requires=("disposisi", "sk"),
        produces=("disposisi", "sk_tim"),
        next=6,
        uploads=(
            Upload("sk_tim", (Action.SUBMIT,), required=True),
            Upload("disposisi", (Action.SUBMIT,)),
        ),
        escalate_to="kabag",
        related_sop=("SOP Pembentukan Tim",),
        standard_time="3d",
        names_team=True,
    ),
    Step(
        6,
        "tim",
        StepKind.SUBMIT,
        "Mengumpulkan bahan dan menyusun draf Indikator Kinerja Utama Kementerian "
        "dan menyerahkan kepada Kasubbag",
        "Collects material, drafts the Ministry's IKU and hands it to the Kasubbag",
        requires=("sk_tim", "bahan"),
        produces=_DRAFT,
        next=7,
        uploads=(
            Upload("draf_iku", (Action.SUBMIT,), required=True),
            Upload("bahan", (Action.SUBMIT,), multiple=True),
        ),
        escalate_to="kasubag",
        related_sop=("SOP Pengumpulan Bahan", "SOP Pembuatan Bahan"),
        standard_time="10d",
    ),
    Step(
        7,
        "kasubag",
        StepKind.REVIEW,
        "Memeriksa konsep draf Indikator Kinerja Utama Kementerian. Jika setuju menyampaikan "
        "kepada Kabag, jika tidak setuju dikembalikan kepada Tim Penyusunan untuk diperbaiki",
        "Reviews the draft IKU; if approved, forwards it to the Kabag, "
        "otherwise returns it to the drafting team for revision",
        requires=_DRAFT,
        produces=_DRAFT,
        draft="draf_iku",
        next=8,
        on_return=6,
        uploads=(Upload("draf_iku", _FORWARD_REVIEW), _REVIEW_NOTES),
        checklist=DRAFT_CHECKLIST,
        escalate_to="kabag",
    ),
    Step(
        8,
        "kabag",
        StepKind.REVIEW,
        "Memeriksa draf Indikator Kinerja Utama Kementerian. Jika setuju memberi paraf dan "
        "menyampaikan kepada Karo Perencanaan dan MK untuk diperiksa, jika tidak setuju "
        "dikembalikan kepada Kasubbag untuk diperbaiki",
        "Reviews the draft IKU; if approved, initials it and forwards it to the Karo, "
        "otherwise returns it to the Kasubbag for revision",
        requires=_DRAFT,
        produces=_DRAFT,
        draft="draf_iku",
        next=9,
        on_return=7,
        approval=Approval.PARAF,
        uploads=(Upload("draf_iku", _FORWARD_REVIEW), _REVIEW_NOTES),
        checklist=DRAFT_CHECKLIST,
        escalate_to="karo",
    ),
    Step(
        9,
        "karo",
        StepKind.REVIEW,
        "Memeriksa draf Indikator Kinerja Utama Kementerian. Jika setuju memberi paraf dan "
        "menyampaikan kepada Sekretaris Jenderal untuk diperiksa, jika tidak setuju "
        "dikembalikan kepada Kabag untuk diperbaiki",
        "Reviews the draft IKU; if approved, initials it and forwards it to the Secretary "
        "General, otherwise returns it to the Kabag for revision",
        requires=_DRAFT,
        produces=_DRAFT,
        draft="draf_iku",
        next=10,
        on_return=8,
        approval=Approval.PARAF,
        uploads=(Upload("draf_iku", _FORWARD_REVIEW), _REVIEW_NOTES),
        checklist=DRAFT_CHECKLIST,
        escalate_to="sekjen",
    ),
    Step(
        10,
        "sekjen",
        StepKind.REVIEW,
        "Memeriksa draf Indikator Kinerja Utama Kementerian. Jika setuju memberi paraf dan "
        "menyampaikan kepada Menteri untuk diperiksa, jika tidak setuju dikembalikan kepada "
        "Karo Perencanaan untuk diperbaiki",
        "Reviews the draft IKU; if approved, initials it and forwards it to the Minister, "
        "otherwise returns it to the Karo for revision",
        requires=_DRAFT,
        produces=_DRAFT,
        draft="draf_iku",
        next=11,
        on_return=9,
        approval=Approval.PARAF,
        uploads=(Upload("draf_iku", _FORWARD_REVIEW), _REVIEW_NOTES),
        checklist=DRAFT_CHECKLIST,
        escalate_to="menteri",
    ),
    Step(
        11,
        "menteri",
        StepKind.REVIEW,
        "Memeriksa draf Indikator Kinerja Utama Kementerian. Jika setuju menandatangani dan "
        "menyerahkan kepada Sekretaris Jenderal untuk didokumentasikan, jika tidak setuju "
        "dikembalikan kepada Sekretaris Jenderal untuk diperbaiki",
        "Reviews the draft IKU; if approved, signs it and hands it to the Secretary General "
        "for documentation, otherwise returns it to the Secretary General for revision",
        requires=_DRAFT,
        produces=_IKU,
        draft="draf_iku",
        next=12,
        on_return=10,
        approval=Approval.SIGNATURE,
        uploads=(Upload("iku", _FORWARD_REVIEW), _REVIEW_NOTES),
        promotes={"iku": "draf_iku"},
        checklist=DRAFT_CHECKLIST,
        escalate_to="sekjen",
        standard_time="5d",
    ),
    Step(
        12,
        "sekjen",
        StepKind.HANDOVER,
        "Menyerahkan Indikator Kinerja Utama Kementerian kepada Karo Perencanaan dan MK "
        "untuk didokumentasikan",
        "Hands the IKU to the Karo for documentation",
        requires=_IKU,
        produces=_IKU,
        next=13,
        escalate_to="karo",
        standard_time="1d",
    ),
    Step(
        13,
        "karo",
        StepKind.HANDOVER,
        "Menyerahkan Indikator Kinerja Utama Kementerian kepada Kabag untuk didokumentasikan",
        "Hands the IKU to the Kabag for documentation",
        requires=_IKU,
        produces=_IKU,
        next=14,
        escalate_to="sekjen",
        standard_time="1d",
    ),
    Step(
        14,
        "kabag",
        StepKind.HANDOVER,
        "Menyerahkan Indikator Kinerja Utama Kementerian kepada Kasubbag untuk didokumentasikan",
        "Hands the IKU to the Kasubbag for documentation",
        requires=_IKU,
        produces=_IKU,
        next=15,
        escalate_to="karo",
        standard_time="1d",
    ),
    Step(
        15,
        "kasubag",
        StepKind.HANDOVER,
        "Menyerahkan Indikator Kinerja Utama Kementerian kepada Fungsional Umum untuk "
        "didokumentasikan",
        "Hands the IKU to the general administrative staff for documentation",
        requires=_IKU,
        produces=_IKU,
        next=16,
        escalate_to="kabag",
        standard_time="1d",
    ),
    Step(
        16,
        "fungsional_umum",
        StepKind.ARCHIVE,
        "Mendokumentasikan Indikator Kinerja Utama Kementerian",
        "Documents (archives) the IKU",
        requires=_IKU,
        produces=("dokumentasi_iku",),
        next=None,
        escalate_to="kasubag",
        related_sop=("SOP Pendokumentasian",),
    ),
)

STEP_BY_NUMBER: dict[int, Step] = {s.number: s for s in STEPS}


def step(number: int) -> Step:
    return STEP_BY_NUMBER[number]


PARAF_STEPS: tuple[int, ...] = tuple(s.number for s in STEPS if s.approval is Approval.PARAF)
SIGNATURE_STEP: int = next(s.number for s in STEPS if s.approval is Approval.SIGNATURE)
# Who signs the IKU (the Minister): the role a certificate gives the TTE field's signer.
ROLE_OF_SIGNATURE: str = next(s.role for s in STEPS if s.approval is Approval.SIGNATURE)


# The header block of the SOP (Kemnaker, Setjen, Biro Perencanaan dan Manajemen Kinerja).
SOP_HEADER: dict[str, str | list[str]] = {
    "instansi": "Kementerian Ketenagakerjaan Republik Indonesia",
    "unit": "Sekretariat Jenderal — Biro Perencanaan dan Manajemen Kinerja",
    "nama_sop": "Penyusunan Indikator Kinerja Utama Kementerian",
    "name_en": "Drafting the Ministry's Key Performance Indicators (IKU)",
    "disahkan_oleh": "Kepala Biro Perencanaan",
    "dasar_hukum": [
        "UU No. 39 Tahun 2008 tentang Kementerian Negara",
        "PP No. 47 Tahun 2009 tentang Kementerian Negara",
        "Permenaker No. 8 Tahun 2018 tentang Perubahan atas Permenaker No. 13 Tahun 2015 "
        "tentang Organisasi dan Tata Kerja Kementerian",
        "Permenaker No. 07 Tahun 2017 tentang Pedoman Penyusunan SOP AP Kemnaker",
        "Permenaker No. 03 Tahun 2019 tentang Tata Naskah Dinas di Kementerian",
    ],
    "kualifikasi_pelaksana": [
        "Memiliki kemampuan penyusunan Indikator Kinerja Utama Kementerian",
        "Memahami aspek-aspek penyusunan Indikator Kinerja Utama Kementerian",
        "Memahami tata cara penyusunan Indikator Kinerja Utama Kementerian",
    ],
    "keterkaitan": [
        "SOP Pembentukan Tim",
        "SOP Pengumpulan Bahan",
        "SOP Pembuatan Bahan",
        "SOP Pendokumentasian",
    ],
    "peralatan": [
        "Berkas pendukung penyusunan Indikator Kinerja Utama Kementerian",
        "Lembar Pemeriksaan",
        "Komputer/Printer/Scanner",
    ],
    "peringatan": "Teliti kesesuaian setelah menuangkan dalam lembar pemeriksaan berkas",
    "pencatatan": "Disimpan sebagai data elektronik dan manual",
}
