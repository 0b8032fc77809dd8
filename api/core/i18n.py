"""The reader's language and the words of the pages: Bahasa Indonesia first, English on request.

Texts are pairs ``(id, en)`` in one table, so no text can exist in one language only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from api.core.i18n_bureau import BUREAU_TEXTS, PROBLEMS, problem_texts
from common.dates import format_when
from common.models import Action, Approval, StepKind
from workflows import sop

Lang = Literal["id", "en"]
LANGS: tuple[Lang, ...] = ("id", "en")
DEFAULT_LANG: Lang = "id"


def negotiate(query_lang: str | None, accept_language: str | None) -> Lang:
    """``?lang=`` wins; else the first of id/en the browser prefers; else Indonesian."""
    if query_lang in LANGS:
        return query_lang  # type: ignore[return-value]
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        # "in" is the withdrawn ISO 639 code for Indonesian that old Android still sends.
        primary = "id" if primary == "in" else primary
        if primary in LANGS and quality > 0:
            ranked.append((-quality, index, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANG  # type: ignore[return-value]


# --- the words of the pages -------------------------------------------------------------

TEXTS: Mapping[str, tuple[str, str]] = {
    "app_name": ("Sistem IKU Kemnaker", "Kemnaker IKU system"),
    "switch_lang": ("English", "Bahasa Indonesia"),
    "sop": ("SOP", "SOP"),
    "sop_no": ("No. SOP", "SOP No."),
    "process": ("Proses", "Process"),
    "step_of": ("Langkah {n} dari {total}", "Step {n} of {total}"),
    "round": ("Putaran {n}", "Round {n}"),
    "asked": ("Diminta kepada", "Asked of"),
    "acting_as": (
        "sebagai {kind} {position} (menggantikan {name})",
        "as {kind} {position} (standing in for {name})",
    ),
    "sent_by": ("Dikirim oleh", "Sent by"),
    "returned_by": ("Dikembalikan oleh", "Returned by"),
    "started_by": ("Dimulai oleh", "Started by"),
    "at_step": ("langkah {n}", "step {n}"),
    "return_note": ("Catatan pengembalian", "Why it was returned"),
    "deadline": ("Tenggat", "Deadline"),
    "days_left": ("sisa {n} hari kerja", "{n} working days left"),
    "day_left": ("sisa 1 hari kerja", "1 working day left"),
    "overdue": ("TERLAMBAT", "OVERDUE"),
    "no_deadline": ("Belum ada tenggat.", "No deadline yet."),
    "documents": ("Dokumen", "Documents"),
    "documents_step": ("Dokumen untuk langkah ini", "Documents for this step"),
    "documents_other": ("Dokumen lain dalam proses ini", "Other documents of this process"),
    "no_documents": ("Belum ada dokumen.", "No documents yet."),
    "version": ("versi {n}", "version {n}"),
    "latest": ("terbaru", "latest"),
    "uploaded_by": (
        "diunggah oleh {name}, langkah {step}, {when}",
        "uploaded by {name}, step {step}, {when}",
    ),
    "download": ("Unduh", "Download"),
    "decision_on": (
        "{what} oleh {name} (langkah {step}), {when}",
        "{what} by {name} (step {step}), {when}",
    ),
    "marks": ("Paraf dan tanda tangan yang berlaku", "Initials and signature in force"),
    "paraf_by": ("Paraf {name} (langkah {step})", "Initialled by {name} (step {step})"),
    "signed_by": ("Ditandatangani {name}", "Signed by {name}"),
    "checklist": ("Lembar Pemeriksaan", "Review checklist"),
    "checklist_hint": (
        "Isi setiap butir. Persetujuan hanya bila semua butir sesuai.",
        "Answer every item. Approval needs every item met.",
    ),
    "ok": ("Sesuai", "Met"),
    "not_ok": ("Tidak sesuai", "Not met"),
    "remark": ("Keterangan (opsional)", "Remark (optional)"),
    "note": ("Catatan", "Note"),
    "note_hint": (
        "Wajib diisi bila dikembalikan untuk diperbaiki.",
        "Required when returning for revision.",
    ),
    "disposisi": ("Disposisi", "Disposisi (written instruction)"),
    "disposisi_hint": (
        "Tuliskan disposisi Anda; wajib diisi.",
        "Write your instruction; required.",
    ),
    "uploads": ("Unggah dokumen", "Upload documents"),
    "uploads_hint": (
        "PDF, Word (.docx), Excel (.xlsx), OpenDocument (.odt/.ods), PNG atau "
        "JPEG; paling besar {size} per berkas.",
        "PDF, Word (.docx), Excel (.xlsx), OpenDocument (.odt/.ods), PNG or JPEG; "
        "at most {size} per file.",
    ),
    "required": ("wajib", "required"),
    "optional": ("opsional", "optional"),
    "keeps_version": ("opsional: versi {n} sudah ada", "optional: version {n} is on file"),
    "for_actions": ("untuk: {actions}", "for: {actions}"),
    "several_files": ("boleh lebih dari satu berkas", "several files allowed"),
    "team": ("Tim Penyusunan", "Drafting team"),
    "team_hint": (
        "Pilih anggota tim sesuai SK Tim, lalu ketuanya.",
        "Choose the members named in the decree, then the leader.",
    ),
    "members": ("Anggota", "Members"),
    "leader": ("Ketua", "Leader"),
    "decide": ("Keputusan", "Decision"),
    "history": ("Riwayat", "History"),
    "link_personal": (
        "Tautan ini khusus untuk Anda. Jangan diteruskan.",
        "This link is personal. Do not forward it.",
    ),
    # results
    "result_title": ("Keputusan diterima", "Decision recorded"),
    "outcome_submitted": ("Terkirim.", "Submitted."),
    "outcome_approved": ("Disetujui.", "Approved."),
    "outcome_approved_paraf": ("Disetujui dan diparaf.", "Approved and initialled."),
    "outcome_approved_signature": ("Disetujui dan ditandatangani.", "Approved and signed."),
    "outcome_returned": ("Dikembalikan untuk diperbaiki.", "Returned for revision."),
    "outcome_handed_over": ("Diserahkan.", "Handed over."),
    "outcome_archived": ("Diarsipkan. Proses selesai.", "Archived. The process is complete."),
    "next": ("Berikutnya", "Next"),
    "next_step": ("Langkah {n} dari {total}: {activity}", "Step {n} of {total}: {activity}"),
    "next_people": ("Ditugaskan kepada", "Assigned to"),
    "next_unassigned": (
        "Belum ada pelaksana; petugas operasional telah diberi tahu.",
        "Nobody holds this role yet; operations have been told.",
    ),
    "next_pending": ("Langkah berikutnya sedang disiapkan.", "The next step is being prepared."),
    "mail_sent": (
        "Mereka menerima email berisi tautan tugas.",
        "They receive an email with their task link.",
    ),
    "archive_done": ("Arsip {name}: {files} berkas.", "Archive {name}: {files} files."),
    "outcome_archive_failed": (
        "Keputusan Anda tercatat, tetapi arsip tidak dapat dibuat: "
        "{error}. Langkah pengarsipan dibuka lagi.",
        "Your decision is recorded, but the archive could not be built: "
        "{error}. The archiving step is open again.",
    ),
    "close_page": ("Anda dapat menutup halaman ini.", "You may close this page."),
    # problems
    "nothing_applied": ("Tidak ada yang diterapkan.", "Nothing was applied."),
    "passphrase_label": ("Passphrase TTE", "Signing passphrase (TTE)"),
    "verify_title": ("Verifikasi dokumen bertanda tangan elektronik", "Verify a signed document"),
    "verify_intro": (
        "Tanda tangan elektronik pada IKU yang tercatat, diperiksa terhadap sertifikat "
        "elektronik kementerian dan daftar pencabutannya.",
        "The electronic signatures on the IKU on record, checked against the ministry's "
        "certificate authority and its revocation list.",
    ),
    "verify_unknown": (
        "Kode verifikasi tidak dikenal atau belum ada dokumen yang ditandatangani.",
        "Unknown verification code, or no signed document yet.",
    ),
    "verify_slow_down": (
        "Terlalu banyak permintaan. Coba lagi sebentar lagi.",
        "Too many requests. Try again in a minute.",
    ),
    "verify_valid": (
        "SAH: semua tanda tangan utuh dan terpercaya, dokumen tidak diubah setelahnya.",
        "VALID: every signature is intact and trusted, and nothing changed after them.",
    ),
    "verify_not_valid": ("TIDAK SAH", "NOT VALID"),
    "verify_changed_after": (
        "Dokumen diubah setelah tanda tangan terakhir.",
        "The document was changed after its last signature.",
    ),
    "verify_signer": ("Penanda tangan", "Signer"),
    "verify_when": ("Waktu", "Time"),
    "verify_state": ("Keadaan", "State"),
    "verify_covers": ("Versi yang disetujui", "Version approved"),
    "verify_paraf": ("Paraf", "Initials (paraf)"),
    "verify_signature": ("Tanda tangan", "Signature"),
    "verify_signer_clock": ("jam server penanda tangan", "the signer's server clock"),
    "verify_intact": ("utuh", "intact"),
    "verify_not_intact": ("tidak utuh", "not intact"),
    "verify_trusted": ("sertifikat terpercaya", "trusted certificate"),
    "verify_not_trusted": ("sertifikat tidak terpercaya", "certificate not trusted"),
    "verify_version": ("versi {n}", "version {n}"),
    "verify_checked": ("Berkas yang Anda unggah", "The file you uploaded"),
    "verify_same": (
        "Berkas ini sama persis dengan dokumen yang tercatat.",
        "This file is exactly the document on record.",
    ),
    "verify_not_same": (
        "Berkas ini BERBEDA dari dokumen yang tercatat.",
        "This file DIFFERS from the document on record.",
    ),
    "verify_upload": ("Periksa salinan", "Check a copy"),
    "verify_upload_hint": (
        "Unggah salinan PDF untuk dibandingkan dengan dokumen yang tercatat.",
        "Upload a PDF copy to compare it with the document on record.",
    ),
    "verify_check": ("Periksa", "Check"),
    "verify_no_file": ("Pilih berkas PDF.", "Choose a PDF file."),
    "verify_not_pdf": (
        "Berkas ini bukan PDF yang dapat dibaca.",
        "This file is not a readable PDF.",
    ),
    "verify_too_large": ("Berkas terlalu besar.", "The file is too large."),
    "passphrase_hint_paraf": (
        "Menyetujui pada langkah ini membubuhkan paraf elektronik Anda pada versi yang "
        "ditampilkan. Ketik passphrase sertifikat elektronik Anda.",
        "Approving here adds your electronic initials (paraf) to the version shown. Type "
        "the passphrase of your signing certificate.",
    ),
    "passphrase_hint_signature": (
        "Menyetujui pada langkah ini menandatangani secara elektronik versi yang telah "
        "diparaf lengkap. Ketik passphrase sertifikat elektronik Anda.",
        "Approving here signs, electronically, the version all three have initialled. Type "
        "the passphrase of your signing certificate.",
    ),
    "passphrase_required": (
        "Ketik passphrase TTE Anda untuk menyetujui pada langkah ini.",
        "Type your signing passphrase to approve at this step.",
    ),
    "passphrase_wrong": (
        "Passphrase TTE salah. Dokumen tidak ditandatangani.",
        "The signing passphrase is wrong. The document was not signed.",
    ),
    "passphrase_throttled": (
        "Terlalu banyak passphrase yang salah. Coba lagi dalam {minutes} menit.",
        "Too many wrong passphrases. Try again in {minutes} minutes.",
    ),
    "no_signing_key": (
        "Anda belum memiliki sertifikat elektronik yang berlaku. Hubungi petugas operasional.",
        "You have no signing certificate in force. Ask ops.",
    ),
    "draft_must_be_pdf": (
        "Draf IKU yang diparaf atau ditandatangani harus berupa PDF.",
        "The Draf IKU to be initialled or signed must be a PDF.",
    ),
    "files_again": (
        "Berkas yang Anda pilih perlu dipilih lagi.",
        "Please choose your files again.",
    ),
    "refused_title": ("Keputusan tidak dapat diterima", "The decision cannot be accepted"),
    "already_decided_title": ("Sudah diputuskan", "Already decided"),
    "decided_by": (
        "Diputuskan oleh {name} pada {when}: {action}.",
        "Decided by {name} on {when}: {action}.",
    ),
    "now_at": (
        "Proses kini pada langkah {n} dari {total} ({role}).",
        "The process is now at step {n} of {total} ({role}).",
    ),
    "now_archived": (
        "Proses sudah selesai dan diarsipkan.",
        "The process is complete and archived.",
    ),
    "now_cancelled": ("Proses dibatalkan: {reason}", "The process was cancelled: {reason}"),
    "link_unknown_title": ("Tautan tidak dikenal", "Unknown link"),
    "link_unknown": (
        "Tautan ini tidak valid atau prosesnya tidak ada. Periksa apakah tautan "
        "tersalin utuh dari email.",
        "This link is not valid, or its process does not exist. Check that the "
        "whole link was copied from the email.",
    ),
    "link_expired_title": ("Tautan kedaluwarsa", "Link expired"),
    "link_expired": (
        "Masa berlaku tautan ini sudah habis (sampai {when}).",
        "This link expired on {when}.",
    ),
    "link_ask_new": (
        "Bila tugas ini masih menunggu Anda, minta Kepala Biro atau petugas "
        "operasional mengirim ulang tautannya.",
        "If this task still waits for you, ask the Head of Bureau or operations "
        "to send the link again.",
    ),
    "link_stale_title": ("Tautan tidak berlaku lagi", "Link no longer valid"),
    "link_stale": (
        "Tugas dalam tautan ini sudah tidak berlaku.",
        "The task of this link is no longer current.",
    ),
    "not_assignee_title": ("Bukan tugas Anda", "Not your task"),
    "not_assignee_now": (
        "Tugas ini tidak (lagi) ditugaskan kepada Anda.",
        "This task is not (or no longer) assigned to you.",
    ),
    "cross_site_title": ("Permintaan ditolak", "Request refused"),
    "cross_site": (
        "Keputusan hanya dapat dikirim dari halaman tugas itu sendiri. Buka lagi "
        "tautan dari email Anda.",
        "A decision can only be sent from the task page itself. Open the link "
        "from your email again.",
    ),
    "form_stale": (
        "Formulir ini tidak berasal dari halaman tugas Anda atau sudah rusak. Buka "
        "lagi tautan dari email Anda.",
        "This form did not come from your task page, or it is damaged. Open the "
        "link from your email again.",
    ),
    "too_large_title": ("Berkas terlalu besar", "File too large"),
    "file_too_large": (
        "Berkas paling besar {size}. Perkecil berkasnya (misalnya simpan ulang "
        "sebagai PDF) lalu kirim lagi.",
        "Files may be at most {size}. Make the file smaller (for example, save it "
        "as PDF) and send it again.",
    ),
    "request_too_large": (
        "Kiriman terlalu besar: paling banyak {count} berkas dan {size} seluruhnya.",
        "The submission is too large: at most {count} files and {size} in all.",
    ),
    "bad_type_title": ("Jenis berkas tidak diterima", "File type not accepted"),
    "bad_type": ("Berkas \u201c{name}\u201d: {reason}", "File \u201c{name}\u201d: {reason}"),
    "empty_file_title": ("Berkas kosong", "Empty file"),
    "empty_file": (
        "Berkas \u201c{name}\u201d kosong (0 byte). Pilih berkas yang benar.",
        "The file \u201c{name}\u201d is empty (0 bytes). Choose the right file.",
    ),
    "bad_form_title": ("Formulir tidak lengkap", "Incomplete form"),
    "bad_form": (
        "Formulir tidak dapat dibaca. Buka lagi tautan dari email Anda.",
        "The form could not be read. Open the link from your email again.",
    ),
    "note_too_long": (
        "Catatan terlalu panjang (paling banyak {n} karakter).",
        "The note is too long (at most {n} characters).",
    ),
    "unknown_kind": (
        "Jenis dokumen yang dilampirkan tidak dikenal.",
        "The attached document kind is unknown.",
    ),
    "unavailable_title": ("Coba lagi", "Try again"),
    "resend_safe": (
        "Mengirim ulang formulir yang sama aman: keputusan hanya diterapkan sekali.",
        "Sending the same form again is safe: a decision is applied only once.",
    ),
    "not_found_title": ("Tidak ditemukan", "Not found"),
    "error_title": ("Terjadi kesalahan", "Something went wrong"),
    # outbox
    "outbox": ("Kotak keluar (email lokal)", "Outbox (local mail)"),
    "outbox_hint": (
        "Semua email yang diterima penampung email lokal, terbaru di atas.",
        "Every message the local mail sink received, newest first.",
    ),
    "outbox_empty": ("Belum ada email.", "No messages yet."),
    "to": ("Kepada", "To"),
    "received": ("Diterima", "Received"),
    "kind": ("Jenis", "Kind"),
    "back_outbox": ("Kembali ke kotak keluar", "Back to the outbox"),
}


# The bureau pages' words and the problems (shared with the JSON API) live in their own
# module; a key may be defined once only.
_TWICE = (
    (TEXTS.keys() & BUREAU_TEXTS.keys())
    | (TEXTS.keys() & PROBLEMS.keys())
    | (BUREAU_TEXTS.keys() & PROBLEMS.keys())
)
if _TWICE:
    raise RuntimeError(f"texts defined twice: {sorted(_TWICE)}")
TEXTS = {**TEXTS, **BUREAU_TEXTS, **PROBLEMS}


def text(lang: Lang, key: str, **values: object) -> str:
    pair = TEXTS[key]
    template = pair[1] if lang == "en" else pair[0]
    return template.format(**values) if values else template


def refusal(lang: Lang, code: str) -> str:
    """A refusal in the workflow's own words (or a problem of the web layer), in the
    reader's language."""
    english, indonesian = problem_texts(code)
    return english if lang == "en" else indonesian


def when(moment: datetime, lang: Lang, timezone: str) -> str:
    return format_when(moment, lang, timezone)


def size(n: int) -> str:
    """A byte count as people read it (the same in both languages, apart from the comma)."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= factor:
            value = n / factor
            return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"
    return f"{n} B"


# --- SOP words --------------------------------------------------------------------------


def role_name(lang: Lang, code: str) -> str:
    role = sop.ROLES.get(code)
    if role is None:
        return code
    return role.name_en if lang == "en" else role.name_id


def doc_kind(lang: Lang, code: str) -> str:
    kind = sop.DOC_KINDS.get(code)
    if kind is None:
        return code
    return kind.name_en if lang == "en" else kind.name_id


def activity(lang: Lang, number: int) -> str:
    step = sop.step(number)
    return step.activity_en if lang == "en" else step.activity_id


_BUTTONS: Mapping[Action, tuple[str, str]] = {
    Action.SUBMIT: ("Kirim", "Submit"),
    Action.APPROVE: ("Setujui", "Approve"),
    Action.RETURN: ("Kembalikan untuk diperbaiki", "Return for revision"),
    Action.HAND_OVER: ("Serahkan", "Hand over"),
    Action.ARCHIVE: ("Arsipkan", "Archive"),
}
_APPROVE_BY_MEANING: Mapping[Approval, tuple[str, str]] = {
    Approval.PARAF: ("Setujui dan paraf", "Approve and initial"),
    Approval.SIGNATURE: ("Setujui dan tandatangani", "Approve and sign"),
}


def button(lang: Lang, action: Action, step_number: int) -> str:
    """The button's words: approving at a paraf or the signature step says so."""
    pair = _BUTTONS[action]
    step = sop.step(step_number)
    if action is Action.APPROVE and step.kind is StepKind.REVIEW:
        pair = _APPROVE_BY_MEANING.get(step.approval, pair)
    return pair[1] if lang == "en" else pair[0]


_ACTIONS_DONE: Mapping[Action, tuple[str, str]] = {
    Action.SUBMIT: ("dikirim", "submitted"),
    Action.APPROVE: ("disetujui", "approved"),
    Action.RETURN: ("dikembalikan untuk diperbaiki", "returned for revision"),
    Action.HAND_OVER: ("diserahkan", "handed over"),
    Action.ARCHIVE: ("diarsipkan", "archived"),
}


def action_done(lang: Lang, action: Action | None, step_number: int | None) -> str:
    """What a recorded decision did, in a few words ("diparaf" at a paraf step)."""
    if action is None:
        return ""
    if action is Action.APPROVE and step_number is not None:
        meaning = sop.step(step_number).approval
        if meaning is Approval.PARAF:
            return "disetujui dan diparaf" if lang == "id" else "approved and initialled"
        if meaning is Approval.SIGNATURE:
            return "disetujui dan ditandatangani" if lang == "id" else "approved and signed"
    pair = _ACTIONS_DONE[action]
    return pair[1] if lang == "en" else pair[0]
