"""What officials and the bureau read, in one place and one order: (Bahasa Indonesia, English).

The pages (``api``), the mails (``activities.notify`` and its templates), the printed record
(``activities.archive``) and the workflow's refusals (``workflows.rules``) all take their
words from here, so a thing has one name everywhere: the button "Kirim" on the page is
"Kirim" in the mail and in the record. Month and day names live in ``common.dates``.
Every entry is a pair, so no text exists in one language only (tests/test_catalogue.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from common.formats import CODE_MAX, REVISION_MAX, SOP_NUMBER_MAX, TITLE_MAX, YEAR_MAX, YEAR_MIN

Lang = Literal["id", "en"]
LANGS: tuple[Lang, ...] = ("id", "en")
DEFAULT_LANG: Lang = "id"
Pair = tuple[str, str]  # (Bahasa Indonesia, English)

# --- the SOP's words ---------------------------------------------------------------------

# What the official does: the buttons, and what the mail and the record call the decision.
ACTIONS: Mapping[str, Pair] = {
    "submit": ("Kirim", "Submit"),
    "approve": ("Setujui", "Approve"),
    "return": ("Kembalikan untuk diperbaiki", "Return for revision"),
    "hand_over": ("Serahkan", "Hand over"),
    "archive": ("Arsipkan", "Archive"),
}
# Approving where the approval is a paraf or the signature says so.
APPROVE_AS: Mapping[str, Pair] = {
    "paraf": ("Setujui dan paraf", "Approve and initial"),
    "signature": ("Setujui dan tandatangani", "Approve and sign"),
}
# What a recorded decision did, in a few words.
ACTIONS_DONE: Mapping[str, Pair] = {
    "submit": ("dikirim", "submitted"),
    "approve": ("disetujui", "approved"),
    "return": ("dikembalikan untuk diperbaiki", "returned for revision"),
    "hand_over": ("diserahkan", "handed over"),
    "archive": ("diarsipkan", "archived"),
}
APPROVED_AS: Mapping[str, Pair] = {
    "paraf": ("disetujui dan diparaf", "approved and initialled"),
    "signature": ("disetujui dan ditandatangani", "approved and signed"),
}
# The acting official's title, as official letters write it before the post.
ACTING: Mapping[str, Pair] = {
    "plh": ("Plh.", "Plh."),
    "plt": ("Plt.", "Plt."),
    "either": ("Plh./Plt.", "Plh./Plt."),
}
# A role named as a label, by its code in ``workflows.sop.ROLES``: "Langkah 2 dari 16
# (Kabag)", "Dikembalikan untuk diperbaiki oleh Karo", a chip, a column of the SOP chart.
# Indonesian: the short title officials write on a disposisi (``Role.short``, the SOP
# table's column heads). English: the words the English SOP text itself uses for the post
# ("forwards it to the Karo", "hands it to the Secretary General", "the drafting team"), so
# a label and the activity under it name one person alike. A title standing alone (a
# person's post) is the full one, ``Role.name_id``/``name_en``.
ROLE_LABELS: Mapping[str, Pair] = {
    "kasubag": ("Kasubbag", "Kasubbag"),
    "kabag": ("Kabag", "Kabag"),
    "karo": ("Karo", "Karo"),
    "sekjen": ("Sekjen", "Secretary General"),
    "menteri": ("Menteri", "Minister"),
    "tim": ("Tim", "Drafting team"),
    "fungsional_umum": ("Fungsional Umum", "General administrative staff"),
}

# What a task mail asks for, with the page's own button words in quotes.
MAIL: Mapping[str, Pair] = {
    "todo_review": (
        "periksa dokumen dan Lembar Pemeriksaan, lalu pilih “{approve}” atau “{return_}”.",
        "review the documents and the review checklist, then choose “{approve}” or “{return_}”.",
    ),
    "todo_handover": (
        "serahkan IKU untuk didokumentasikan: pilih “{hand_over}”.",
        "hand the IKU over for documentation: choose “{hand_over}”.",
    ),
    "todo_archive": (
        "arsipkan IKU: pilih “{archive}”.",
        "archive the IKU: choose “{archive}”.",
    ),
    "todo_submit": (
        "unggah dokumen yang diminta, lalu pilih “{submit}”.",
        "upload the documents asked for, then choose “{submit}”.",
    ),
}


def button_word(action: str, approval: str | None, lang: str) -> str:
    """The button of ``action`` on the task page (and so in the mail and the record):
    approving where the approval is a paraf or the signature says so."""
    if action == "approve" and approval in APPROVE_AS:
        return pick(APPROVE_AS[approval], lang)
    return label(ACTIONS, action, lang)


def done_word(action: str, approval: str | None, lang: str) -> str:
    """What a recorded decision did, in a few words, wherever it is read (the pages beside
    "Keputusan", riwayat.pdf, the manual copy): "disetujui dan diparaf" where the approval
    is a paraf, "dikembalikan untuk diperbaiki"."""
    if action == "approve" and approval in APPROVED_AS:
        return pick(APPROVED_AS[approval], lang)
    return label(ACTIONS_DONE, action, lang)


def todo(kind: str, approval: str | None, lang: str) -> str:
    """What a task mail asks of its reader, by the step's kind."""
    words = {
        "approve": button_word("approve", approval, lang),
        "return_": button_word("return", None, lang),
        "hand_over": button_word("hand_over", None, lang),
        "archive": button_word("archive", None, lang),
        "submit": button_word("submit", None, lang),
    }
    key = {"review": "todo_review", "handover": "todo_handover", "archive": "todo_archive"}
    return text(lang, key.get(kind, "todo_submit"), **words)


# The kinds of mail, as the outbox names them.
NOTICE_KINDS: Mapping[str, Pair] = {
    "task": ("Tugas", "Task"),
    "reminder": ("Pengingat", "Reminder"),
    "escalation": ("Eskalasi", "Escalation"),
    "unassigned": ("Belum ada pelaksana", "Nobody holds the role"),
    "cancelled": ("Pembatalan proses", "Process cancelled"),
    "archived": ("Pengarsipan", "Process archived"),
}

# --- the record's codes --------------------------------------------------------------------

EVENTS: Mapping[str, Pair] = {
    "started": ("Proses dimulai", "Started"),
    "entered": ("Masuk langkah", "Step entered"),
    "unassigned": ("Belum ada pelaksana", "Nobody holds the role"),
    "assigned": ("Ditugaskan", "Assigned"),
    "decided": ("Keputusan", "Decision"),
    "refused": ("Keputusan tidak diterima", "Refused"),
    "reminder": ("Pengingat", "Reminder"),
    "resent": ("Dikirim ulang", "Sent again"),
    # A Plh/Plt appointment began or ended while the task was open.
    "handed_over": ("Berpindah tangan", "Changed hands"),
    "notify_failed": ("Email gagal terkirim", "Mail could not be sent"),
    "overdue": ("Terlambat", "Overdue"),
    "escalation": ("Eskalasi", "Escalation"),
    "cancelled": ("Dibatalkan", "Cancelled"),
    "archived": ("Diarsipkan", "Archived"),
    "archive_failed": ("Arsip gagal dibuat", "Archive failed"),
    "schedule_failed": ("Tenggat belum dapat dihitung", "Deadline could not be computed"),
    # A revised calendar or standard time moved an open task's deadline.
    "deadline_moved": ("Tenggat berubah", "Deadline moved"),
}

STATES: Mapping[str, Pair] = {
    "running": ("Berjalan", "Running"),
    "archived": ("Diarsipkan", "Archived"),
    "cancelled": ("Dibatalkan", "Cancelled"),
    "stopped": ("Dihentikan (Temporal)", "Stopped (Temporal)"),
}

# The workflow's refusals, by code: shown to the person who clicked.
REFUSALS: Mapping[str, Pair] = {
    "draft_not_pdf": (
        "Draf IKU yang diajukan untuk diparaf harus berupa PDF (format lain dapat dilampirkan "
        "sebagai bahan pendukung).",
        "The Draf IKU that goes up for initials (paraf) must be a PDF (other formats may "
        "accompany it as supporting files).",
    ),
    "signature_required": (
        "Persetujuan pada langkah 8-10 berarti memberi paraf elektronik, pada langkah 11 "
        "menandatangani secara elektronik (TTE): lampirkan PDF yang telah diparaf atau "
        "ditandatangani. Persetujuan tanpa PDF bertanda tangan elektronik tidak diterima.",
        "Approving at steps 8-10 means initialling electronically (paraf), at step 11 signing "
        "electronically (TTE): attach the initialled or signed PDF. An approval without an "
        "electronically signed PDF is not accepted.",
    ),
    "signature_not_pdf": (
        "Versi yang ditandatangani bukan PDF yang dapat dibaca.",
        "The signed version is not a readable PDF.",
    ),
    "signature_wrong_version": (
        "Tanda tangan tidak dibubuhkan pada versi yang sedang diperiksa: tandatangani versi "
        "terakhir.",
        "The signature is not on the version under review: sign the current version.",
    ),
    "signature_count": (
        "Versi baru harus menambahkan tepat satu tanda tangan pada versi yang diperiksa.",
        "The new version must add exactly one signature to the version under review.",
    ),
    "signature_invalid": (
        "Ada tanda tangan pada dokumen ini yang tidak sah (dokumen diubah setelah ditandatangani).",
        "A signature in this document is not valid (the document was changed after it).",
    ),
    "signature_untrusted": (
        "Tanda tangan tidak dibuat dengan sertifikat elektronik dari otoritas sertifikat "
        "kementerian ini, atau sertifikatnya telah dicabut.",
        "The signature was not made with a certificate of this ministry's certificate "
        "authority, or the certificate is revoked.",
    ),
    "signature_wrong_signer": (
        "Tanda tangan bukan milik pelaksana tugas ini atau pejabat yang "
        "menggantikannya (Plh./Plt.).",
        "The signature is not by the person this task is assigned to nor their acting official.",
    ),
    "signature_kind": (
        "Pada langkah 8-10 pemeriksa membubuhkan paraf; pada langkah 11 Menteri menandatangani.",
        "At steps 8-10 the approver initials (paraf); at step 11 the Minister signs.",
    ),
    "not_running": ("Proses ini sudah selesai.", "This process has ended."),
    "no_task": (
        "Saat ini tidak ada tugas yang menunggu keputusan.",
        "Nothing is waiting for a decision right now.",
    ),
    "unknown_task": (
        "Tugas ini bukan bagian dari proses ini.",
        "This task does not belong to this process.",
    ),
    "stale_task": (
        "Tugas ini sudah tidak berlaku: proses sudah berlanjut.",
        "This task is no longer current: the process has moved on.",
    ),
    "already_decided": ("Tugas ini sudah diputuskan.", "This task has already been decided."),
    "unassigned": (
        "Belum ada pelaksana untuk tugas ini.",
        "Nobody holds the role for this task.",
    ),
    "not_assignee": (
        "Anda bukan pelaksana tugas ini dan bukan pejabat yang menggantikannya (Plh./Plt.).",
        "You are not assigned to this task, nor acting for someone who is.",
    ),
    "action_not_allowed": (
        "Langkah ini tidak mengizinkan tindakan tersebut.",
        "This step does not allow that action.",
    ),
    "note_required": (
        "Pengembalian harus disertai catatan perbaikan.",
        "A return needs a note saying what to fix.",
    ),
    "disposisi_required": (
        "Persetujuan pada langkah ini berupa disposisi: tuliskan pada catatan.",
        "Approving here gives a disposition: write it in the note.",
    ),
    "checklist_incomplete": (
        "Isi semua butir Lembar Pemeriksaan.",
        "Answer every item of the review checklist.",
    ),
    "checklist_unknown_item": (
        "Lembar Pemeriksaan memuat butir yang tidak dikenal.",
        "The review checklist has an item this step does not know.",
    ),
    "checklist_not_met": (
        "Ada butir Lembar Pemeriksaan yang belum sesuai: kembalikan untuk diperbaiki.",
        "An item of the review checklist is not met: return the document instead.",
    ),
    "own_submission": (
        "Anda tidak dapat menyetujui usulan Anda sendiri.",
        "You cannot approve your own submission.",
    ),
    "attachment_not_allowed": (
        "Dokumen tersebut tidak dapat dilampirkan pada langkah ini.",
        "That document cannot be attached at this step.",
    ),
    "attachment_duplicate": (
        "Lampirkan hanya satu berkas untuk jenis dokumen tersebut.",
        "Attach only one file of that kind.",
    ),
    "documents_missing": (
        "Dokumen yang dipersyaratkan belum dilampirkan.",
        "A required document is missing.",
    ),
    "team_required": (
        "Sebutkan anggota dan ketua Tim Penyusunan.",
        "Name the members of the drafting team and its leader.",
    ),
    "team_not_allowed": (
        "Tim Penyusunan hanya dibentuk pada langkah 5.",
        "The drafting team is named only at step 5.",
    ),
    "parafs_missing": (
        "Versi ini belum diparaf lengkap oleh Kabag, Karo dan Sekjen.",
        "This version does not carry all three initials (paraf).",
    ),
    "document_not_in_store": (
        "Dokumen yang dilampirkan tidak ada di penyimpanan dengan checksum tersebut.",
        "An attached document is not in the document store with that checksum.",
    ),
    "unknown_person": (
        "Orang tersebut tidak terdaftar di direktori.",
        "That person is not in the directory.",
    ),
    "check_unavailable": (
        "Dokumen tidak dapat diperiksa saat ini; silakan coba lagi.",
        "The attached documents could not be checked right now; try again.",
    ),
    "not_authorised": (
        "Hanya Karo atau petugas operasional yang dapat melakukan ini.",
        "Only the Karo or operations may do this.",
    ),
    "via_not_ops": (
        "Hanya petugas operasional yang dapat mencatat keputusan atas nama pejabat.",
        "Only operations may enter a decision for an official.",
    ),
}

# The web layer's own problems, by code (shared with the JSON API).
PROBLEMS: Mapping[str, Pair] = {
    "unknown_host": (
        "Nama server (Host) ini tidak dilayani di sini. Gunakan alamat resmi aplikasi IKU.",
        "This server does not answer to that host name (Host). Use the IKU application's "
        "official address.",
    ),
    "not_found": ("Proses tidak ditemukan.", "No such process."),
    "run_not_found": (
        "Proses ini tidak pernah berjalan dengan nomor run tersebut. Buka proses dari "
        "daftar proses.",
        "This process never ran under that run id. Open the process from the list.",
    ),
    "already_started": (
        "Proses dengan id ini sudah ada.",
        "A process with this id already exists.",
    ),
    "unavailable": (
        "Sistem alur kerja (Temporal) tidak dapat dihubungi saat ini. Coba lagi sebentar lagi.",
        "The workflow system (Temporal) cannot be reached right now. Try again in a moment.",
    ),
    "busy": (
        "Terlalu banyak permintaan untuk proses ini. Coba lagi sebentar lagi.",
        "Too many requests for this process. Try again in a moment.",
    ),
    "waiting": (
        "Keputusan Anda sudah diterima dan sedang menunggu: bagian sistem yang memprosesnya "
        "(worker) belum menjawab. Keputusan akan diterapkan begitu ia kembali, kecuali tugas "
        "ini sudah diputuskan lebih dulu. Mengirim formulir yang sama sekali lagi aman: "
        "keputusan hanya dicatat satu kali.",
        "Your decision has been received and is waiting: the part of the system that applies "
        "it (the worker) has not answered yet. It will be applied as soon as the worker is "
        "back, unless this task was decided first. Sending the same form again is safe: a "
        "decision is applied only once.",
    ),
    "worker_away": (
        "Sistem alur kerja (Temporal) dapat dihubungi, tetapi bagian yang memproses proses "
        "ini (worker) belum menjawab. Tidak ada yang hilang; coba lagi sebentar lagi.",
        "The workflow system (Temporal) answers, but the part that runs this process (the "
        "worker) has not answered yet. Nothing is lost; try again in a moment.",
    ),
    "no_archive": ("Proses ini belum diarsipkan.", "This process has not been archived."),
    "archive_missing": (
        "Arsip proses ini tidak ada (atau belum utuh) di tempat arsip. Hubungi petugas "
        "operasional.",
        "This process's archive is not (or not wholly) in the archive store. Contact operations.",
    ),
    "store_unavailable": (
        "Penyimpanan dokumen tidak dapat dihubungi saat ini: tidak ada yang disimpan dan "
        "keputusan belum dikirim. Coba lagi sebentar lagi; mengirim ulang aman.",
        "The document store cannot be reached right now: nothing was stored and no decision "
        "was sent. Try again in a moment; sending again is safe.",
    ),
    "reporting_unavailable": (
        "Kinerja SOP dan daftar Arsip dibaca dari basis data pelaporan, yang tidak menjawab "
        "saat ini. Proses IKU tidak terpengaruh: keputusan dan tenggat tetap berjalan, dan "
        "peristiwanya masuk ke laporan begitu basis data kembali. Coba lagi sebentar lagi.",
        "SOP performance and the archive list are read from the reporting database, which "
        "does not answer right now. The IKU processes are not affected: decisions and "
        "deadlines go on, and their events reach the reports once the database is back. Try "
        "again in a moment.",
    ),
    "invalid_page_token": (
        "Penanda halaman tidak valid; mulai lagi dari halaman pertama.",
        "The page token is not valid; start again from the first page.",
    ),
    "unauthenticated": (
        "Sertakan token API yang valid (Authorization: Bearer …).",
        "Send a valid API token (Authorization: Bearer …).",
    ),
    "invalid_request": (
        "Permintaan tidak valid; lihat errors untuk rinciannya.",
        "The request is not valid; see errors for details.",
    ),
    "too_large": ("Permintaan terlalu besar.", "The request is too large."),
    "method_not_allowed": (
        "Metode HTTP ini tidak didukung di alamat ini.",
        "This HTTP method is not supported here.",
    ),
    "unsupported_document": ("Jenis berkas tidak diterima.", "The file type is not accepted."),
    "empty_document": ("Berkas kosong.", "The file is empty."),
    "document_unknown": (
        "Dokumen ini bukan bagian dari proses ini.",
        "This document does not belong to this process.",
    ),
    "review_unknown": (
        "Lembar Pemeriksaan ini tidak ada pada proses ini.",
        "This process has no such review checklist.",
    ),
    "document_missing": (
        "Dokumen tidak ada di penyimpanan. Hubungi petugas operasional.",
        "The document is missing from the store. Contact operations.",
    ),
    "reason_required": ("Tuliskan alasannya.", "Give the reason."),
    "confirm_required": (
        "Centang konfirmasi untuk membatalkan proses.",
        "Tick the confirmation to cancel the process.",
    ),
    "error": ("Terjadi kesalahan. Coba lagi nanti.", "Something went wrong. Try again later."),
}

# --- the pages -----------------------------------------------------------------------------

# The task pages, the result page and the outbox.
PAGES: Mapping[str, Pair] = {
    "app_name": ("Sistem IKU Kemnaker", "Kemnaker IKU system"),
    "switch_lang": ("English", "Bahasa Indonesia"),
    "sop": ("SOP", "SOP"),
    "process": ("Proses", "Process"),
    "step_of": ("Langkah {n} dari {total}", "Step {n} of {total}"),
    "round": ("Putaran {n}", "Round {n}"),
    # The person who holds the task, wherever it is named: "Ditugaskan kepada" / "Assigned
    # to" (the bureau's action is "Tugaskan"); the role is "Peran" / "Role".
    "asked": ("Ditugaskan kepada", "Assigned to"),
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
    "upload_budget_title": ("Batas unggahan tercapai", "Upload limit reached"),
    "upload_budget_spent": (
        "Melalui tautan ini sudah diunggah lebih dari {size} dalam 24 jam terakhir, batas "
        "untuk satu tautan. Coba lagi dalam {hours} jam, atau hubungi Biro Perencanaan.",
        "More than {size} has been uploaded through this link in the last 24 hours, the "
        "limit for one link. Try again in {hours} hours, or contact the Planning Bureau "
        "(Biro Perencanaan).",
    ),
    # Electronic signatures (TTE) and the public verification page.
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
    "verify_unsigned": (
        "Berkas ini tidak memuat tanda tangan elektronik.",
        "This file carries no electronic signature.",
    ),
    "verify_no_minister": (
        "Berkas ini belum ditandatangani Menteri: ini draf, bukan IKU yang ditandatangani.",
        "This file is not signed by the Minister: it is a draft, not the signed IKU.",
    ),
    "verify_is_draft": (
        "Berkas ini adalah draf IKU versi {n} yang tercatat, bukan IKU yang ditandatangani.",
        "This file is version {n} of the IKU draft on record, not the signed IKU.",
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
    "verify_as_of": (
        "Diperiksa per {when}, saat IKU bertanda tangan dicatat: sertifikat yang berakhir "
        "atau dicabut sesudahnya tidak membatalkan tanda tangan yang sudah ada.",
        "Checked as of {when}, when the signed IKU was recorded: a certificate that ended or "
        "was revoked since does not undo signatures already made.",
    ),
    # Why a signature is not valid (signing.verify's problem codes).
    "verify_problem_changed": (
        "Isi yang ditandatangani telah diubah.",
        "The signed content was changed.",
    ),
    "verify_problem_revoked": (
        "Sertifikatnya telah dicabut sebelum saat pemeriksaan.",
        "Its certificate had been revoked by the moment checked.",
    ),
    "verify_problem_not_in_force": (
        "Sertifikatnya tidak berlaku pada saat pemeriksaan.",
        "Its certificate was not in force at the moment checked.",
    ),
    "verify_problem_no_current_crl": (
        "Daftar pencabutan sertifikat sudah kedaluwarsa pada saat pemeriksaan.",
        "The certificate revocation list had run out at the moment checked.",
    ),
    "verify_problem_untrusted": (
        "Sertifikatnya bukan sertifikat elektronik dari otoritas sertifikat kementerian ini.",
        "Its certificate was not issued by this ministry's certificate authority.",
    ),
    "verify_problem_disallowed_change": (
        "Dokumen diubah dengan cara yang tidak diizinkan oleh tanda tangan ini.",
        "The document was changed in a way this signature does not allow.",
    ),
    "verify_problem_invalid": ("Tanda tangan tidak sah.", "The signature is not valid."),
    "verify_problem_malformed": (
        "Tanda tangan rusak dan tidak dapat dibaca.",
        "The signature is damaged and cannot be read.",
    ),
    "passphrase_hint_paraf": (
        "Menyetujui pada langkah ini membubuhkan paraf elektronik Anda pada versi yang "
        "ditampilkan. Ketik passphrase sertifikat elektronik Anda.",
        "Approving here adds your electronic initials (paraf) to the version shown. Type the "
        "passphrase of your signing certificate.",
    ),
    "passphrase_hint_signature": (
        "Menyetujui pada langkah ini menandatangani secara elektronik versi yang telah diparaf "
        "lengkap. Ketik passphrase sertifikat elektronik Anda.",
        "Approving here signs, electronically, the version all three have initialled. Type the "
        "passphrase of your signing certificate.",
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
        "You have no signing certificate in force. Contact operations.",
    ),
    "draft_must_be_pdf": (
        "Draf IKU yang diparaf atau ditandatangani harus berupa PDF.",
        "The Draf IKU to be initialled or signed must be a PDF.",
    ),
    "note_of": ("Catatan {role}", "Note from the {role}"),
    "disposisi_of": ("Disposisi {role}", "Disposition of the {role}"),
    "arrival_new_version": (
        "Versi baru oleh {role}: mohon paraf ulang. {role} membuat Draf IKU versi {version} "
        "pada langkah {step}; paraf sebelumnya tidak berlaku untuk versi ini.",
        "New version by the {role}: please initial it again. The {role} made version "
        "{version} of the draft IKU at step {step}; earlier initials do not cover it.",
    ),
    "arrival_reinitial": (
        "Dikirim kembali oleh {role} tanpa perubahan: mohon paraf ulang. Paraf pada versi "
        "ini ditarik ketika versi ini dikembalikan.",
        "Sent up again unchanged by the {role}: please initial it again. The initials on "
        "this version were withdrawn when it was returned.",
    ),
    "next_new_version": (
        "Versi baru oleh {role}: draf kembali ke langkah {step} untuk diparaf ulang.",
        "New version by the {role}: the draft goes back to step {step} to be initialled again.",
    ),
    "next_reinitial": (
        "Draf kembali ke langkah {step} untuk diparaf ulang: paraf pada versi ini ditarik "
        "ketika versi ini dikembalikan.",
        "The draft goes back to step {step} to be initialled again: the initials on this "
        "version were withdrawn when it was returned.",
    ),
    "set_as": (
        "ditetapkan sebagai {kind} pada langkah {step} oleh {name}, {when}",
        "set as the {kind} at step {step} by {name}, {when}",
    ),
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
    "made_by_paraf": (
        "versi berparaf, diparaf oleh {name}, langkah {step}, {when}",
        "initialled version, initialled by {name}, step {step}, {when}",
    ),
    "made_by_signature": (
        "versi bertanda tangan, ditandatangani oleh {name}, langkah {step}, {when}",
        "signed version, signed by {name}, step {step}, {when}",
    ),
    "download": ("Unduh", "Download"),
    "open": ("Buka", "Open"),
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
    "items_not_met": (
        "Butir Lembar Pemeriksaan yang tidak sesuai",
        "Review checklist items not met",
    ),
    "ok": ("Sesuai", "Met"),
    "not_ok": ("Tidak sesuai", "Not met"),
    "remark": ("Keterangan (opsional)", "Remark (optional)"),
    "note": ("Catatan", "Note"),
    "note_hint": (
        "Wajib diisi bila dikembalikan untuk diperbaiki.",
        "Required when returning for revision.",
    ),
    # One box for both answers at a disposisi step: the disposisi when it goes on, what to
    # revise when it comes back (the uploaded disposisi sheet is a document apart).
    "disposisi": (
        "Disposisi atau catatan perbaikan",
        "Disposition or note for revision",
    ),
    "disposisi_hint": (
        "Wajib diisi: disposisi Anda bila diteruskan, apa yang harus diperbaiki bila dikembalikan.",
        "Required: your disposition (written instruction) when sending it on, what must be "
        "revised when returning it.",
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
    "team_search": ("Cari nama atau jabatan", "Search by name or position"),
    "search": ("Cari", "Search"),
    "team_found": (
        "{n} orang cocok dengan “{query}” (yang sudah dipilih tetap tampil).",
        "{n} people match “{query}” (those already chosen stay listed).",
    ),
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
        "Nobody holds the role; operations have been told.",
    ),
    "next_pending": ("Langkah berikutnya sedang disiapkan.", "The next step is being prepared."),
    "mail_sent": (
        "Mereka menerima email berisi tautan tugas.",
        "They receive an email with their task link.",
    ),
    "mail_sent_one": (
        "Ia menerima email berisi tautan tugasnya.",
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
    "nothing_applied": ("Keputusan Anda belum dicatat.", "Your decision has not been recorded."),
    "files_again": (
        "Berkas yang Anda pilih perlu dipilih lagi.",
        "Please choose your files again.",
    ),
    "refused_title": ("Keputusan tidak dapat diterima", "The decision cannot be accepted"),
    # Before a page's title when the form on it came back refused: heard first, in a tab.
    "needs_correction": ("Perlu diperbaiki", "Needs correction"),
    "already_decided_title": ("Sudah diputuskan", "Already decided"),
    "decided_by": (
        "Diputuskan oleh {name} pada {when}: {action}.",
        "Decided by {name} on {when}: {action}.",
    ),
    "decided_by_you": (
        "Anda sudah memutuskan tugas ini pada {when}: {action}.",
        "You decided this task on {when}: {action}.",
    ),
    "nothing_to_do": (
        "Tidak ada lagi yang perlu Anda lakukan pada tautan ini.",
        "There is nothing more for you to do on this link.",
    ),
    "new_task_waits": (
        "Tugas baru menunggu Anda pada langkah {n} ({role}): buka tautan dalam email "
        "terbaru dari sistem IKU.",
        "A new task waits for you at step {n} ({role}): open the link in the newest email "
        "from the IKU system.",
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
        "Bila tugas ini masih menunggu Anda, minta Biro Perencanaan atau petugas "
        "operasional mengirim ulang tautannya.",
        "If this task still waits for you, ask the Planning Bureau or operations "
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
    "not_in_directory": (
        "Anda tidak lagi tercatat aktif di direktori pegawai, sehingga tidak dapat memutuskan "
        "tugas ini. Biro Perencanaan dapat mengalihkannya kepada pemegang peran sekarang.",
        "You are no longer listed as active in the staff directory, so you cannot decide "
        "this task. The Planning Bureau can reassign it to the role's holder now.",
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
    "files_refused_title": ("Berkas tidak dapat diterima", "Files cannot be accepted"),
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
    "sign_directory_unavailable": (
        "Direktori pegawai sedang tidak dapat dibaca, sehingga nama dan jabatan Anda belum "
        "dapat dicantumkan pada tanda tangan. Coba lagi sebentar lagi.",
        "The staff directory cannot be read just now, so your name and position cannot be "
        "put on the signature yet. Try again in a moment.",
    ),
    "waiting_title": ("Keputusan Anda menunggu", "Your decision is waiting"),
    "waiting_check": (
        "Buka lagi tautan dari email Anda nanti untuk melihat apakah keputusan sudah diterapkan.",
        "Open the link from your email again later to see whether it has been applied.",
    ),
    "resend_safe": (
        "Formulir yang sama boleh dikirim ulang: keputusan hanya dicatat satu kali.",
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

# The bureau's pages (and the printed record's header, which names the same things).
BUREAU: Mapping[str, Pair] = {
    # frame
    "bureau_unit": (
        "Biro Perencanaan dan Manajemen Kinerja",
        "Planning and Performance Management Bureau",
    ),
    "nav_processes": ("Proses", "Processes"),
    "list_search": ("Cari kode atau judul", "Search by code or title"),
    "list_search_hint": (
        "mis. kemnaker atau Ketenagakerjaan 2027",
        "e.g. kemnaker or Manpower 2027",
    ),
    "list_found": ("{n} proses cocok dengan “{words}”.", "{n} processes match “{words}”."),
    "list_found_more": (
        "{n} proses pertama yang cocok dengan “{words}”; persempit pencarian untuk melihat "
        "yang lain.",
        "The first {n} processes matching “{words}”; narrow the search to see the others.",
    ),
    "nav_start": ("Mulai proses", "Start a process"),
    "nav_api": ("API", "API"),
    "sign_out": ("Keluar", "Sign out"),
    "kind_ops": ("Operasional", "Operations"),
    "kind_bureau": ("Biro Perencanaan", "Planning Bureau"),
    # Who the ops identity is, wherever the record names it (pages and mails).
    "ops_name": ("Tim Operasional IKU", "IKU operations team"),
    "skip_to_content": ("Langsung ke isi", "Skip to content"),
    "footer": (
        "SOP Penyusunan Indikator Kinerja Utama Kementerian · Kementerian Ketenagakerjaan",
        "SOP: drafting the Ministry's Key Performance Indicators · Ministry of Manpower",
    ),
    # sign-in
    "signin_title": ("Masuk", "Sign in"),
    "signin_lead": (
        "Halaman Biro Perencanaan dan petugas operasional untuk memulai dan "
        "memantau setiap proses penyusunan IKU.",
        "The planning bureau's and operations' pages to start and follow every "
        "IKU drafting process.",
    ),
    "user": ("Nama pengguna", "User name"),
    "password": ("Kata sandi", "Password"),
    "signin_button": ("Masuk", "Sign in"),
    "signin_failed": ("Nama pengguna atau kata sandi salah.", "Wrong user name or password."),
    "signin_throttled": (
        "Terlalu banyak percobaan gagal. Coba lagi dalam {minutes} menit.",
        "Too many failed attempts. Try again in {minutes} minutes.",
    ),
    "signin_stale": (
        "Formulir masuk sudah kedaluwarsa. Silakan coba lagi.",
        "The sign-in form has expired. Please try again.",
    ),
    "signed_out": ("Anda sudah keluar.", "You have signed out."),
    "signin_where": (
        "Kata sandi ada di pengaturan (IKU_BUREAU_PASSWORD, IKU_OPS_PASSWORD) atau "
        "di folder data (bureau-password, ops-password).",
        "Passwords come from settings (IKU_BUREAU_PASSWORD, IKU_OPS_PASSWORD) or "
        "the data folder (bureau-password, ops-password).",
    ),
    # Away from the local run, the sign-in page names no setting nor file.
    "signin_ask_ops": (
        "Belum punya kata sandi atau lupa? Tanyakan kepada petugas operasional.",
        "No password yet, or forgotten it? Ask operations.",
    ),
    # An address nothing answers at (a typo, a link cut short), outside the JSON API.
    "page_unknown": (
        "Tidak ada halaman di alamat ini. Periksa apakah alamatnya tertulis atau tersalin utuh.",
        "There is no page at this address. Check that the whole address was typed or copied.",
    ),
    "method_not_allowed_title": ("Tidak dapat dibuka dengan cara ini", "Not available this way"),
    "csrf_failed": (
        "Formulir ini tidak berasal dari sesi Anda atau sudah kedaluwarsa. Muat "
        "ulang halaman lalu coba lagi. Tidak ada yang diubah.",
        "This form did not come from your session, or it has expired. Reload the "
        "page and try again. Nothing was changed.",
    ),
    # problems
    "forbidden_title": ("Tidak diizinkan", "Not allowed"),
    "conflict_title": ("Tidak dapat dilakukan sekarang", "Cannot be done now"),
    "back_to_list": ("Kembali ke daftar proses", "Back to the list of processes"),
    # list
    "list_title": ("Proses IKU", "IKU processes"),
    "list_lead": (
        "Semua proses penyusunan IKU: yang berjalan dahulu, yang terbaru dimulai di atas; "
        "lalu yang selesai, yang terakhir selesai di atas.",
        "Every IKU drafting process: the running first, the latest started on top; then "
        "those that ended, the latest ended on top.",
    ),
    "running_now": ("Berjalan", "Running"),
    "overdue_now": ("Terlambat", "Overdue"),
    "filters": ("Saring", "Filter"),
    "year": ("Tahun", "Year"),
    "step": ("Langkah", "Step"),
    "role": ("Peran", "Role"),
    "assignee": ("Ditugaskan kepada", "Assigned to"),
    "state": ("Status", "State"),
    "any": ("Semua", "Any"),
    "yes": ("Ya", "Yes"),
    "no": ("Tidak", "No"),
    "apply": ("Terapkan", "Apply"),
    "reset": ("Hapus saringan", "Clear filters"),
    "per_step": ("Proses berjalan per langkah", "Running processes per step"),
    "per_role": ("Proses berjalan per peran", "Running processes per role"),
    "counts_hint": (
        "Menghitung proses yang berjalan sesuai saringan lainnya; klik untuk menyaring.",
        "Counts running processes matching the other filters; click to filter.",
    ),
    "col_process": ("Proses", "Process"),
    "col_position": ("Posisi", "Position"),
    "col_holder": ("Ditugaskan kepada", "Assigned to"),
    "col_started": ("Dimulai", "Started"),
    "no_processes": ("Tidak ada proses yang sesuai.", "No process matches."),
    "next_page": ("Halaman berikutnya", "Next page"),
    "first_page": ("Halaman pertama", "First page"),
    "filter_year": (
        f"Tahun harus {YEAR_MIN}–{YEAR_MAX}; saringan tahun diabaikan.",
        f"The year must be {YEAR_MIN}–{YEAR_MAX}; the year filter is ignored.",
    ),
    "filter_code": (
        "Kode tidak valid; saringan kode diabaikan.",
        "The code is not valid; the code filter is ignored.",
    ),
    "filter_step": (
        "Langkah harus 1–{last}; saringan langkah diabaikan.",
        "The step must be 1–{last}; the step filter is ignored.",
    ),
    "filter_role": (
        "Peran tidak dikenal; saringan peran diabaikan.",
        "Unknown role; the role filter is ignored.",
    ),
    "filter_assignee": (
        "Isian “Ditugaskan kepada” tidak valid; saringan itu diabaikan.",
        "“Assigned to” is not valid; that filter is ignored.",
    ),
    "filter_overdue": (
        "Nilai terlambat tidak valid; saringan diabaikan.",
        "The overdue value is not valid; the filter is ignored.",
    ),
    "filter_state": (
        "Status tidak dikenal; saringan status diabaikan.",
        "Unknown state; the state filter is ignored.",
    ),
    "unassigned_short": ("belum ada pelaksana", "nobody holds the role"),
    "closed_at": ("selesai {when}", "ended {when}"),
    # start
    "start_title": ("Mulai proses penyusunan IKU", "Start an IKU drafting process"),
    "start_lead": (
        "Satu proses untuk satu dokumen IKU. Id proses: iku-<tahun>-<kode>, "
        "dengan -rev<n> untuk revisi. Kasubbag menerima tugas langkah 1 melalui "
        "email.",
        "One process per IKU document. Its id: iku-<year>-<code>, with -rev<n> for "
        "a revision. The Kasubbag receives step 1 by email.",
    ),
    "code": ("Kode", "Code"),
    "code_hint": (
        "Huruf kecil, angka dan tanda hubung, misalnya kemnaker.",
        "Lower-case letters, digits and hyphens, e.g. kemnaker.",
    ),
    "revision": ("Revisi", "Revision"),
    "revision_hint": (
        "0 untuk dokumen pertama; 1, 2, … untuk revisi.",
        "0 for the first document; 1, 2, … for a revision.",
    ),
    "sop_number": ("Nomor SOP", "SOP number"),
    "title": ("Judul", "Title"),
    "title_hint": (
        "Misalnya: IKU Kementerian Ketenagakerjaan 2027.",
        "For example: IKU Kementerian Ketenagakerjaan 2027.",
    ),
    "start_button": ("Mulai proses", "Start the process"),
    # A process id is taken for good (even cancelled, it is not started again): asked once.
    "start_confirm": (
        "Periksa sekali lagi: proses {id} akan dimulai dan Kasubbag menerima email tugas "
        "langkah 1. Id ini tidak dapat dipakai lagi, juga bila prosesnya dibatalkan.",
        "Check once more: process {id} will start and the Kasubbag receives the step 1 task "
        "by email. This id cannot be used again, even if the process is cancelled.",
    ),
    "start_confirm_button": ("Ya, mulai {id}", "Yes, start {id}"),
    "start_invalid": (
        "Periksa isian yang ditandai. Proses belum dimulai.",
        "Check the marked fields. The process has not been started.",
    ),
    "start_bad_year": (f"Tahun {YEAR_MIN}–{YEAR_MAX}.", f"A year from {YEAR_MIN} to {YEAR_MAX}."),
    "start_bad_code": (
        "Diawali huruf kecil atau angka; hanya huruf kecil, angka dan tanda "
        f"hubung; paling panjang {CODE_MAX}.",
        "Starts with a lower-case letter or digit; only lower-case letters, "
        f"digits and hyphens; at most {CODE_MAX}.",
    ),
    "start_bad_revision": (f"Angka 0–{REVISION_MAX}.", f"A number from 0 to {REVISION_MAX}."),
    "start_bad_sop_number": (
        "Nomor SOP yang terdaftar (mis. 1/123/OT.04.00/XI/2026), bukan isian templat "
        f"seperti 1/.../OT.04.00/./...; paling panjang {SOP_NUMBER_MAX} karakter.",
        "The SOP's registered number (e.g. 1/123/OT.04.00/XI/2026), not a template "
        f"placeholder such as 1/.../OT.04.00/./...; at most {SOP_NUMBER_MAX} characters.",
    ),
    "start_bad_title": (
        f"Wajib diisi, paling panjang {TITLE_MAX} karakter.",
        f"Required, at most {TITLE_MAX} characters.",
    ),
    "already_started_as": (
        "Proses {id} sudah ada ({state}); tidak ada proses baru yang dimulai.",
        "Process {id} already exists ({state}); no new process was started.",
    ),
    "use_revision": (
        "Buka proses tersebut, atau mulai revisi dengan nomor revisi 1 atau lebih.",
        "Open that process, or start a revision with revision number 1 or more.",
    ),
    "open_it": ("Buka {id}", "Open {id}"),
    "flow_title": ("Alur SOP", "The SOP's course"),
    "flow_hint": (
        "Setelah dimulai, setiap pelaksana menerima email berisi tautan tugasnya; "
        "posisi proses terlihat di daftar dan di bagan SOP.",
        "Once started, each executor receives an email with a link to their task; "
        "where the process stands shows in the list and on the SOP chart.",
    ),
    "sop_number_hint": (
        "Boleh dikosongkan: proses memakai nomor SOP yang ditetapkan untuk sistem ini "
        "(tercatat \u201cbelum ditetapkan\u201d bila belum ada).",
        "Optional: left blank, the process runs under the SOP number this system is set up "
        "with (recorded as \u201cnot yet registered\u201d if it has none).",
    ),
    # one process
    "started_on": ("Dimulai {when} oleh {name}", "Started {when} by {name}"),
    "ended_on": ("Selesai {when}", "Ended {when}"),
    "now_position": ("Posisi saat ini", "Where it stands"),
    "on_this_page": ("Di halaman ini", "On this page"),
    "now_stopped": (
        "Proses ini dihentikan di Temporal (misalnya di-terminate dari Temporal UI), "
        "bukan diselesaikan menurut SOP. Tidak ada lagi yang dapat dilakukan di "
        "sini; riwayatnya tetap di bawah.",
        "This process was stopped in Temporal (terminated from the Temporal UI, for "
        "example), not ended by the SOP. Nothing more can be done here; its record "
        "stays below.",
    ),
    "held_by": ("Ditugaskan kepada", "Assigned to"),
    "since": ("Sejak", "Since"),
    "escalations_sent": ("Eskalasi terkirim", "Escalations sent"),
    "unassigned_long": (
        "Belum ada pelaksana untuk peran ini: tugaskan seseorang.",
        "Nobody holds the role: assign someone.",
    ),
    # A holder the directory no longer backs (left, inactive, or moved off the role).
    "left_post": (
        "Menurut direktori pegawai, {names} tidak lagi memegang tugas ini (tidak aktif, atau "
        "tidak lagi memegang peran {role}).",
        "By the staff directory, this task is no longer held by {names} (inactive, or no "
        "longer in the role {role}).",
    ),
    "role_now": (
        "Pemegang peran {role} sekarang: {names}. Tugaskan di bawah ini.",
        "The role {role} is now held by {names}. Assign below.",
    ),
    "role_now_nobody": (
        "Tidak ada orang lain yang memegang peran {role} di direktori: tugaskan seseorang.",
        "Nobody else holds the role {role} in the directory: assign someone.",
    ),
    "rounds_returns": (
        "Putaran {round} · {returns} kali dikembalikan",
        "Round {round} · returns: {returns}",
    ),
    "team_named": ("Tim Penyusunan", "Drafting team"),
    "actions": ("Tindakan", "Actions"),
    "resend_title": ("Kirim ulang notifikasi", "Send the notification again"),
    "resend_hint": (
        "Email tugas dikirim lagi kepada pemegang tugas, dengan tautan baru.",
        "The task mail goes again to whoever holds the task, with fresh links.",
    ),
    "resend_button": ("Kirim ulang", "Send again"),
    "assign_title": ("Tugaskan atau alihkan tugas", "Assign or reassign the task"),
    "assign_hint": (
        "Tugas langkah ini diberikan kepada satu orang dari direktori; tenggat tetap.",
        "This step's task goes to one person from the directory; the deadline stays.",
    ),
    "person": ("Orang", "Person"),
    "holds_role": ("memegang peran ini", "holds this role"),
    "reason": ("Alasan", "Reason"),
    "assign_button": ("Tugaskan", "Assign"),
    "cancel_title": ("Batalkan proses", "Cancel the process"),
    "cancel_hint": (
        "Proses berakhir dan semua yang terlibat diberi tahu. Tidak dapat dibatalkan kembali.",
        "The process ends and everyone involved is told. This cannot be undone.",
    ),
    "cancel_confirm": ("Saya yakin proses ini dibatalkan.", "I am sure: cancel this process."),
    "cancel_button": ("Batalkan proses", "Cancel the process"),
    "ops_only": (
        "Menugaskan dan membatalkan hanya dapat dilakukan petugas operasional atau Karo.",
        "Only operations or the Karo can assign and cancel.",
    ),
    "no_actions": (
        "Proses ini sudah selesai; tidak ada tindakan.",
        "This process has ended; there is nothing to do.",
    ),
    "flash_started": ("Proses dimulai.", "The process has started."),
    "flash_started_detail": (
        "Kasubbag menerima tugas langkah 1 melalui email.",
        "The Kasubbag receives step 1 by email.",
    ),
    "flash_in_list": (
        "Proses ini tampil di daftar proses dalam beberapa detik.",
        "It appears in the list of processes within a few seconds.",
    ),
    "flash_resent": ("Notifikasi dikirim ulang.", "The notification was sent again."),
    "flash_assigned": ("Tugas ditugaskan.", "The task was assigned."),
    "flash_cancelled": ("Proses dibatalkan.", "The process was cancelled."),
    "flash_resent_detail": (
        "Langkah {step}: kepada {names}; dicatat atas nama {by}, {when}.",
        "Step {step}: to {names}; recorded as done by {by}, {when}.",
    ),
    "flash_assigned_detail": (
        "Langkah {step}: kepada {name}; dicatat atas nama {by}, {when}.",
        "Step {step}: to {name}; recorded as done by {by}, {when}.",
    ),
    "flash_cancelled_detail": ("Oleh {by}, {when}: {reason}", "By {by}, {when}: {reason}"),
    # the SOP table
    "sop_table": ("Bagan SOP", "The SOP chart"),
    # The SOP table's own box, which scrolls sideways on a narrow screen: a name of its own.
    "sop_table_scroll": ("Tabel Bagan SOP", "SOP chart table"),
    "sop_table_hint": (
        "Tabel SOP sebagaimana disahkan, dengan jalannya proses ini: langkah "
        "selesai, posisi saat ini, putaran dan pengembalian.",
        "The SOP table as approved, with this process's course: steps done, "
        "where it stands, rounds and returns.",
    ),
    "sop_identity": ("Identitas SOP", "About this SOP"),
    "no_sop": ("No. SOP", "SOP No."),
    "approved_on": ("Tanggal pengesahan", "Approved on"),
    "revised_on": ("Tanggal revisi", "Revised on"),
    "approved_by": ("Disahkan oleh", "Approved by"),
    "sop_name": ("Nama SOP", "SOP name"),
    "sop_name_en": ("Nama SOP (bahasa Inggris)", "SOP name (English)"),
    "instansi": ("Instansi", "Agency"),
    "unit": ("Unit kerja", "Unit"),
    "legal_basis": ("Dasar hukum", "Legal basis"),
    "qualification": ("Kualifikasi pelaksana", "Qualification of the executors"),
    "related_sops": ("Keterkaitan", "Related SOPs"),
    "equipment": ("Peralatan/perlengkapan", "Equipment"),
    "warning": ("Peringatan", "Warning"),
    "records": ("Pencatatan dan pendataan", "Records"),
    "col_no": ("No.", "No."),
    "col_activity": ("Kegiatan", "Activity"),
    "col_executors": ("Pelaksana", "Executors"),
    "col_quality": ("Mutu baku", "Quality standard"),
    "col_requires": ("Persyaratan/ Kelengkapan", "Requirements"),
    "col_time": ("Waktu", "Time"),
    "col_output": ("Output", "Output"),
    "col_note": ("Ket.", "Notes"),
    "legend": ("Keterangan", "Legend"),
    "legend_done": ("selesai", "done"),
    "legend_current": ("posisi saat ini", "current position"),
    "legend_returned": ("dikembalikan", "returned"),
    "legend_todo": ("belum", "not yet"),
    # Not in the legend (a stopped process colours no step alone), but said of a step's shape.
    "legend_cancelled": ("dibatalkan", "cancelled"),
    "legend_stopped": ("dihentikan", "stopped"),
    "legend_activity": ("kegiatan", "activity"),
    "legend_review": ("pemeriksaan: Ya/Tidak", "review: Yes/No"),
    "legend_terminal": ("mulai/selesai", "start/end"),
    "older_version": ("(versi lama)", "(older version)"),
    "pass_round": ("Putaran {n}", "Round {n}"),
    "came_back": ("kembali dari langkah {n}", "back from step {n}"),
    "returned_to": ("dikembalikan ke langkah {n}", "returned to step {n}"),
    "took": ("lama {took}", "took {took}"),
    "on_time": ("tepat waktu", "on time"),
    "late": ("terlambat", "overdue"),
    "waiting_for": ("Menunggu", "Waiting for"),
    "running_for": ("berjalan {took}", "open for {took}"),
    "cancelled_here": ("Dibatalkan pada langkah ini", "Cancelled at this step"),
    # Under a holder whose post is not the step's role (a task reassigned): for that role.
    "assigned_for_role": ("ditugaskan untuk peran: {role}", "assigned for the role: {role}"),
    "cancelled_by": (
        "oleh {name}, {when}: {reason}",
        "by {name}, {when}: {reason}",
    ),
    "stopped_here": ("Dihentikan di Temporal pada langkah ini", "Stopped in Temporal at this step"),
    "ev_unassigned_short": ("{when}: belum ada pelaksana", "{when}: nobody holds the role"),
    "ev_assigned_short": (
        "{when}: ditugaskan kepada {name} oleh {by}",
        "{when}: assigned to {name} by {by}",
    ),
    "ev_reminder_short": ("{when}: pengingat terkirim", "{when}: reminder sent"),
    "ev_overdue_short": ("{when}: terlambat", "{when}: overdue"),
    "ev_escalation_short": (
        "{when}: eskalasi {n} kepada {role}",
        "{when}: escalation {n} to {role}",
    ),
    "ev_resent_short": ("{when}: dikirim ulang oleh {by}", "{when}: sent again by {by}"),
    "ev_handed_over_short": (
        "{when}: berpindah tangan kepada {name}",
        "{when}: changed hands, to {name}",
    ),
    "ev_notify_failed_short": ("{when}: email gagal terkirim", "{when}: mail could not be sent"),
    "ev_deadline_moved_short": (
        "{when}: tenggat berubah menjadi {deadline}",
        "{when}: deadline moved to {deadline}",
    ),
    "ev_archive_failed_short": ("{when}: arsip gagal dibuat", "{when}: the archive failed"),
    # documents and marks
    "doc_versions": ("Dokumen dan versinya", "Documents and their versions"),
    "doc_hint": (
        "Setiap versi yang pernah diunggah, dengan keputusan yang menyangkut versi itu.",
        "Every version ever uploaded, with the decisions about that version.",
    ),
    "decisions_on": ("Keputusan atas versi ini", "Decisions on this version"),
    "no_decisions": ("Belum ada keputusan atas versi ini.", "No decision on this version yet."),
    "marks_title": ("Paraf dan tanda tangan", "Initials and signature"),
    "marks_hint": (
        "Setiap paraf dan tanda tangan menyangkut satu versi draf (sha256). Paraf "
        "pada versi yang dikembalikan tidak berlaku lagi, kecuali paraf pejabat yang "
        "membuat versi itu.",
        "Each set of initials (paraf) and the signature concern one version of the draft "
        "(sha256). Initials on a version that was returned no longer stand, except those of "
        "the official who made that version.",
    ),
    "mark_paraf": ("Paraf", "Initials (paraf)"),
    "mark_signature": ("Tanda tangan", "Signature"),
    "mark_in_force": ("berlaku", "in force"),
    "mark_withdrawn": ("tidak berlaku", "no longer stands"),
    "no_marks": ("Belum ada paraf atau tanda tangan.", "No initials or signature yet."),
    "col_mark": ("Tanda", "Mark"),
    "col_by": ("Oleh", "By"),
    "col_version": ("Versi", "Version"),
    "col_when": ("Waktu", "When"),
    "col_standing": ("Keadaan", "Standing"),
    # notices and history
    "notices_title": ("Pengingat dan eskalasi", "Reminders and escalations"),
    "mail_waiting_title": ("Email belum terkirim", "Mail not yet delivered"),
    "mail_waiting_hint": (
        "Server email (SMTP) belum menerima email ini; sistem mencoba lagi dengan jeda yang "
        "makin panjang, dan tiap email dikirim satu kali.",
        "The mail server (SMTP) has not taken these yet; the system tries again at growing "
        "intervals, and each mail is sent once.",
    ),
    "mail_waiting_since": ("menunggu sejak {since}", "waiting since {since}"),
    "mail_retrying": (
        "gagal {n} kali, dicoba lagi {at}",
        "failed {n} times, tried again {at}",
    ),
    "no_notices": ("Belum ada pengingat atau eskalasi.", "No reminder or escalation yet."),
    "history_title": ("Riwayat", "History"),
    "history_hint": (
        "Semua yang dicatat proses, berurutan.",
        "Everything the process recorded, in order.",
    ),
    "col_event": ("Peristiwa", "Event"),
    "col_detail": ("Rincian", "Details"),
    "acting_for": ("selaku {kind}, menggantikan {name}", "as {kind}, standing in for {name}"),
    "entered_via": ("dicatat oleh {name}", "entered by {name}"),
    "to_person": ("kepada {name}", "to {name}"),
    "to_role": ("kepada {role}", "to {role}"),
    "to_step": ("ke langkah {n}", "to step {n}"),
    "escalation_n": ("eskalasi ke-{n}", "escalation {n}"),
    "deadline_now": ("tenggat baru: {deadline}", "new deadline: {deadline}"),
    "deadline_set": ("tenggat: {deadline}", "deadline: {deadline}"),
    "checklist_ok": ("sesuai", "met"),
    "checklist_not_ok": ("tidak sesuai", "not met"),
    # archive
    "archive_title": ("Arsip", "Archive"),
    "archive_hint": (
        "Arsip BagIt proses ini (dokumen, riwayat, paraf dan tanda tangan), "
        "diperiksa ulang setiap kali halaman ini dibuka.",
        "This process's BagIt archive (documents, history, initials and signature), "
        "checked again each time this page opens.",
    ),
    "archive_open": ("Buka arsip dan hasil pemeriksaannya", "Open the archive and its check"),
    "archive_download": ("Unduh arsip (zip)", "Download the archive (zip)"),
    "printable_title": ("Rekaman cetak (PDF)", "Printable record (PDF)"),
    "printable_hint": (
        "Lembar Pemeriksaan setiap pemeriksaan dan seluruh riwayat, dicetak dari catatan proses.",
        "Each review's review checklist (Lembar Pemeriksaan) and the whole history (riwayat), "
        "printed from the process record.",
    ),
    "print_riwayat": ("Riwayat (PDF)", "History (PDF)"),
    "print_review": ("Lembar Pemeriksaan (PDF)", "Review checklist (PDF)"),
    "print_review_of": (
        "Lembar Pemeriksaan langkah {step}, putaran {round} ({action}), {when}",
        "Review checklist, step {step}, round {round} ({action}), {when}",
    ),
    "bag_name": ("Nama arsip", "Archive name"),
    "bag_files": ("Berkas", "Files"),
    "bag_size": ("Ukuran", "Size"),
    "bag_created": ("Dibuat", "Created"),
    "bag_valid": (
        "Arsip utuh: setiap berkas cocok dengan manifest sha256 dan sha512.",
        "The archive is intact: every file matches its sha256 and sha512 manifest.",
    ),
    "bag_invalid": ("Arsip TIDAK utuh", "The archive is NOT intact"),
    "bag_contents": ("Isi arsip", "Contents of the archive"),
    # API docs
    "docs_title": ("Dokumentasi API", "API documentation"),
    "docs_lead": (
        "API JSON di bawah /api untuk operasi yang sama dengan halaman Biro Perencanaan. Kirim "
        "token sebagai Authorization: Bearer <token>.",
        "The JSON API under /api does what the bureau pages do. Send the token as "
        "Authorization: Bearer <token>.",
    ),
    "docs_schema": ("Skema OpenAPI (JSON)", "OpenAPI schema (JSON)"),
    "docs_errors": (
        "Setiap galat berbentuk sama: status, code, message.en, message.id, errors (untuk 422).",
        "Every error has one shape: status, code, message.en, message.id, errors (for 422).",
    ),
    "docs_params": ("Parameter", "Parameters"),
    "docs_body": ("Isi permintaan", "Request body"),
    "docs_responses": ("Jawaban", "Responses"),
    "docs_schemas": ("Skema", "Schemas"),
    "docs_required": ("wajib", "required"),
    "docs_auth": ("Otorisasi", "Authorization"),
}

# The printed record's header: each field of ``workflows.sop.SOP_HEADER`` by the key of its
# label above, so the record and the bureau's SOP table name a field alike.
HEADER_FIELDS: Mapping[str, str] = {
    "instansi": "instansi",
    "unit": "unit",
    "nama_sop": "sop_name",
    "name_en": "sop_name_en",
    "disahkan_oleh": "approved_by",
    "dasar_hukum": "legal_basis",
    "kualifikasi_pelaksana": "qualification",
    "keterkaitan": "related_sops",
    "peralatan": "equipment",
    "peringatan": "warning",
    "pencatatan": "records",
}


def _merged(*tables: Mapping[str, Pair]) -> dict[str, Pair]:
    merged: dict[str, Pair] = {}
    for table in tables:
        twice = merged.keys() & table.keys()
        if twice:
            raise RuntimeError(f"texts defined twice: {sorted(twice)}")
        merged.update(table)
    return merged


# The bureau's insight: the Kinerja SOP page, its exports and the records office's page.
INSIGHT: Mapping[str, Pair] = {
    "nav_insight": ("Kinerja SOP", "SOP performance"),
    "nav_records": ("Arsip", "Archives"),
    "insight_title": ("Kinerja SOP", "SOP performance"),
    "insight_hint": (
        "Seberapa baik SOP dijalankan: waktu kerja tiap langkah terhadap Mutu Baku Waktu, "
        "pengembalian, eskalasi, dan perbandingan antar tahun. Waktu dalam jam kerja.",
        "How well the SOP is kept: each step's working time against its standard time, "
        "returns, escalations, and year against year. Times in working hours.",
    ),
    "insight_bad_filter": ("Saringan tidak dapat dibaca", "A filter could not be read"),
    "insight_bad_filter_hint": (
        "Periksa isian “{field}” (tahun empat angka, tanggal TTTT-BB-HH, tanggal akhir "
        "tidak sebelum tanggal awal), lalu saring lagi.",
        "Check “{field}” (a four-digit year, dates as YYYY-MM-DD, the end not before "
        "the start), then filter again.",
    ),
    "request_refused_title": ("Permintaan tidak dapat diterima", "The request cannot be accepted"),
    "insight_f_tahun": ("Tahun IKU", "IKU year"),
    "records_f_tahun": ("Tahun jatuh tempo retensi", "Year the retention falls due"),
    "insight_f_kode": ("Kode unit", "Unit code"),
    "insight_f_sop": ("Nomor SOP", "SOP number"),
    "insight_f_dari": ("Keputusan sejak", "Decisions from"),
    "insight_f_sampai": ("Keputusan sampai", "Decisions until"),
    "insight_apply": ("Terapkan", "Apply"),
    "insight_export": ("Unduh", "Download"),
    "insight_figures": ("Angka", "Figures"),
    # The whole log, whatever the page's filters (the figures above follow them).
    "insight_events": ("Log peristiwa seluruhnya (tanpa saringan)", "Whole event log (unfiltered)"),
    "insight_chart_time": (
        "Waktu kerja per langkah terhadap standar (jam kerja)",
        "Working time per step against the standard (working hours)",
    ),
    "insight_chart_returns": ("Di mana naskah dikembalikan", "Where drafts are returned"),
    "insight_chart_on_time": (
        "Tepat waktu per peran dari bulan ke bulan (%)",
        "On time per role, month by month (%)",
    ),
    "insight_step": ("Langkah", "Step"),
    "insight_hours": ("jam kerja", "working hours"),
    "insight_role": ("Peran", "Role"),
    "insight_standard": ("Mutu Baku Waktu", "Standard time"),
    "insight_passes": ("Lintasan", "Passes"),
    "insight_median": ("Median", "Median"),
    "insight_p90": ("Persentil 90", "90th percentile"),
    "insight_allowed": ("Waktu yang diberikan", "Time allowed"),
    "insight_on_time": ("Tepat waktu", "On time"),
    "insight_returns": ("Pengembalian", "Returns"),
    "insight_escalations": ("Eskalasi", "Escalations"),
    "insight_acting": ("Oleh Plh./Plt.", "By Plh./Plt."),
    # Why drafts were returned, as the task page names it (PAGES ``items_not_met``).
    "insight_reasons": (
        "Butir Lembar Pemeriksaan yang tidak sesuai",
        "Review checklist items not met",
    ),
    "insight_no_item": ("tanpa butir yang ditandai", "no item marked"),
    "insight_by_month": ("Per bulan", "By month"),
    "insight_longest": (
        "Proses yang berjalan paling lama dan di mana menunggu",
        "Processes running longest and where they wait",
    ),
    "insight_process": ("Proses", "Process"),
    "insight_since": ("Sejak", "Since"),
    "insight_waiting_hours": ("Menunggu (jam kerja)", "Waiting (working hours)"),
    "insight_running_hours": ("Berjalan (jam kerja)", "Running (working hours)"),
    "insight_years": ("Antar tahun", "Year against year"),
    "insight_processes": ("Proses", "Processes"),
    "insight_archived": ("Diarsipkan", "Archived"),
    "insight_cancelled": ("Dibatalkan", "Cancelled"),
    "insight_running": ("Berjalan", "Running"),
    "insight_median_process": (
        "Median lama proses (jam kerja)",
        "Median process time (working hours)",
    ),
    "insight_none": ("Belum ada.", "None yet."),
    "insight_no_data": ("Belum ada data", "No data yet"),
    "records_title": ("Arsip menurut klasifikasi", "Archives by classification"),
    "records_hint": (
        "Retensi menurut Jadwal Retensi Arsip: kapan arsip pindah dari aktif ke inaktif "
        "dan kapan penyusutan akhirnya.",
        "Retention under the Jadwal Retensi Arsip: when an archive moves from active to "
        "inactive, and when its final disposal falls due.",
    ),
    "records_due_inactive": (
        "Pindah dari aktif ke inaktif pada {year}",
        "Moving from active to inactive in {year}",
    ),
    "records_due_final": ("Penyusutan akhir pada {year}", "Final disposal in {year}"),
    "records_classification": ("Kode klasifikasi", "Classification code"),
    "records_number": ("Nomor naskah dinas", "Official number"),
    "records_access": ("Klasifikasi keamanan dan akses", "Access class"),
    "records_archived_year": ("Diarsipkan", "Archived"),
    "records_active": ("Aktif (tahun)", "Active (years)"),
    "records_inactive": ("Inaktif (tahun)", "Inactive (years)"),
    "records_disposition": ("Keterangan penyusutan", "Final disposal"),
    "records_to_inactive": ("Ke inaktif", "To inactive"),
    "records_final": ("Penyusutan", "Disposal"),
    "records_no_rule": ("tidak ada di JRA", "not in the JRA"),
}

# The spreadsheet exports' column headers (XLSX), by the column's name in the CSV (which
# keeps these names, for scripts); the words are the pages' own.
EXPORT_COLUMNS: Mapping[str, Pair] = {
    "process": ("Proses", "Process"),
    "workflow_id": ("ID proses", "Process id"),
    "run_id": ("ID run", "Run id"),
    "seq": ("Urutan", "Sequence"),
    "kind": ("Peristiwa", "Event"),
    "at": ("Waktu", "Time"),
    "year": ("Tahun IKU", "IKU year"),
    "code": ("Kode unit", "Unit code"),
    "sop_number": ("Nomor SOP", "SOP number"),
    "revision": ("Revisi IKU", "IKU revision"),
    "step": ("Langkah", "Step"),
    "role": ("Peran", "Role"),
    "task_id": ("ID tugas", "Task id"),
    "round": ("Putaran", "Round"),
    "person": ("Oleh (ID direktori)", "By (directory id)"),
    "acting_for": ("Atas nama (ID direktori)", "On behalf of (directory id)"),
    "acting_kind": ("Plh./Plt.", "Plh./Plt."),
    "action": ("Keputusan", "Decision"),
    "doc_kind": ("Jenis dokumen", "Document kind"),
    "doc_version": ("Versi dokumen", "Document version"),
    "sha256": ("SHA-256 dokumen", "Document SHA-256"),
    "entered_at": ("Masuk langkah", "Step entered"),
    "clock_start": ("Waktu mulai dihitung", "Clock started"),
    "decided_at": ("Diputuskan", "Decided"),
    "standard_time": ("Mutu Baku Waktu", "Standard time"),
    "deadline": ("Tenggat", "Deadline"),
    "working_hours": ("Waktu kerja (jam kerja)", "Working time (working hours)"),
    "allowed_hours": ("Waktu yang diberikan (jam kerja)", "Time allowed (working hours)"),
    "overdue": ("Terlambat", "Overdue"),
    "escalations": ("Eskalasi", "Escalations"),
    # One header for the return's reasons, in the events and the steps sheets alike.
    "reasons": INSIGHT["insight_reasons"],
    "passes": ("Lintasan", "Passes"),
    "approvals": ("Persetujuan", "Approvals"),
    "returns": ("Pengembalian", "Returns"),
    "measured": ("Lintasan terukur", "Passes measured"),
    "median_hours": ("Median (jam kerja)", "Median (working hours)"),
    "p90_hours": ("Persentil 90 (jam kerja)", "90th percentile (working hours)"),
    "median_allowed_hours": (
        "Median waktu yang diberikan (jam kerja)",
        "Median time allowed (working hours)",
    ),
    "on_time": ("Tepat waktu", "On time"),
    "on_time_share": ("Bagian tepat waktu", "Share on time"),
    "by_acting": ("Oleh Plh./Plt.", "By Plh./Plt."),
    "return_reasons": INSIGHT["insight_reasons"],
    "month": ("Bulan", "Month"),
    "started_at": ("Dimulai", "Started"),
    "since": ("Menunggu sejak", "Waiting since"),
    "running_hours": ("Berjalan (jam kerja)", "Running (working hours)"),
    "waiting_hours": ("Menunggu (jam kerja)", "Waiting (working hours)"),
    "processes": ("Jumlah proses", "Processes"),
    "archived": ("Diarsipkan", "Archived"),
    "cancelled": ("Dibatalkan", "Cancelled"),
    "running": ("Berjalan", "Running"),
    "median_process_hours": (
        "Median lama proses (jam kerja)",
        "Median process time (working hours)",
    ),
}
EXPORT_SHEETS: Mapping[str, Pair] = {
    "steps": ("Per langkah", "By step"),
    "on_time": ("Tepat waktu per peran", "On time by role"),
    "longest": ("Terlama berjalan", "Running longest"),
    "years": ("Antar tahun", "Year against year"),
    "events": ("Peristiwa", "Events"),
    "columns": ("Kolom", "Columns"),
    "column_word": ("Kolom", "Column"),
    "column_csv": ("Nama kolom di CSV", "Column name in the CSV"),
}

# Everything ``text`` can say, by key: a key is defined once.
TEXTS: Mapping[str, Pair] = _merged(PAGES, BUREAU, PROBLEMS, MAIL, INSIGHT)


def pick(pair: Pair, lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def text(lang: str, key: str, **values: object) -> str:
    template = pick(TEXTS[key], lang)
    return template.format(**values) if values else template


def label(table: Mapping[str, Pair], code: str, lang: str = DEFAULT_LANG) -> str:
    """The label of ``code`` in ``lang``; an unknown code is shown as it is."""
    return pick(table.get(code, (code, code)), lang)


def role_label(code: str | None, lang: str = DEFAULT_LANG) -> str:
    """A role named as a label (see ``ROLE_LABELS``); an unknown code as it is."""
    return label(ROLE_LABELS, code or "", lang)


def acting_label(kind: str | None) -> str:
    """Plh or Plt, as the appointment says; a record from before it kept the kind says both."""
    return pick(ACTING.get((kind or "").lower(), ACTING["either"]), DEFAULT_LANG)


def refusal(code: str, lang: str = DEFAULT_LANG) -> str:
    """A refusal of the workflow or a problem of the web layer; an unknown code as it is."""
    return pick(REFUSALS.get(code) or PROBLEMS.get(code) or (code, code), lang)


# --- the archive's own words ---------------------------------------------------------------

# The printed records (signing/printable.py and signing/templates: the Lembar Pemeriksaan
# and riwayat.pdf; activities/ringkasan.py and record_templates/ringkasan.html: the manual
# copy): their headings and labels, and where they say which version a decision was about.
# A section or column the bureau's pages also show takes the page's own pair, so paper and
# screen name it alike ("Riwayat", "Bagan SOP", "Rincian").
RECORD: Mapping[str, Pair] = {
    # sections, as the pages name them
    "history": BUREAU["history_title"],
    "sop_chart": BUREAU["sop_table"],
    "documents": BUREAU["doc_versions"],
    "marks": BUREAU["marks_title"],
    "no_marks": BUREAU["no_marks"],
    "review_sheet": PAGES["checklist"],
    "review_sheet_of": ("Lembar Pemeriksaan — Langkah {n}", "Review checklist — step {n}"),
    "record_title": (
        "Dokumentasi Indikator Kinerja Utama Kementerian",
        "Documentation of the Ministry's Key Performance Indicators",
    ),
    "page_title": ("Arsip {title} — {workflow_id}", "Archive {title} — {workflow_id}"),
    "sop_section": ("Standar Operasional Prosedur", "Standard Operating Procedure"),
    "process_section": PAGES["process"],
    # the frame of every printed sheet ("Halaman 2 dari 5")
    "page": ("Halaman", "Page"),
    "page_of": ("dari", "of"),
    "sop": PAGES["sop"],
    "approved_by": BUREAU["approved_by"],
    # columns and fields
    "col_no": BUREAU["col_no"],
    "col_activity": BUREAU["col_activity"],
    "col_executors": BUREAU["col_executors"],
    "col_passes": (
        "Pelaksanaan (putaran, waktu, keputusan, catatan)",
        "Course (round, time, decision, note)",
    ),
    "pass_round": BUREAU["pass_round"],
    "col_when": BUREAU["col_when"],
    "col_event": BUREAU["col_event"],
    "col_step": BUREAU["step"],
    "col_round": ("Putaran", "Round"),
    "col_by": BUREAU["col_by"],
    "col_detail": BUREAU["col_detail"],
    "col_mark": BUREAU["col_mark"],
    "col_document": PAGES["documents"],
    "col_version": BUREAU["col_version"],
    "col_file": ("Berkas", "File"),
    "col_uploaded": ("Diunggah", "Uploaded"),
    "col_item": ("Butir pemeriksaan", "Checklist item"),
    "col_result": ("Hasil", "Result"),
    "col_remark": ("Keterangan", "Remark"),
    "ok": PAGES["ok"],
    "not_ok": PAGES["not_ok"],
    "decision": PAGES["decide"],
    # The reviewer's words, named as the task page's box: a disposisi or a note.
    "note": PAGES["note"],
    "disposisi": PAGES["disposisi"],
    "reviewer": ("Pemeriksa", "Reviewer"),
    "title": BUREAU["title"],
    # As the archive guide and the exports name them.
    "year": ("Tahun IKU", "IKU year"),
    "code": ("Kode unit", "Unit code"),
    "revision": BUREAU["revision"],
    "workflow_id": ("ID proses (workflow)", "Process id (workflow)"),
    "run_id": ("ID run", "Run id"),
    "state": BUREAU["state"],
    "team": PAGES["team"],
    "leader_of": ("{name} (ketua)", "{name} (leader)"),
    "mark_paraf": BUREAU["mark_paraf"],
    "mark_signature": BUREAU["mark_signature"],
    "standing_in": ("menggantikan {name}", "standing in for {name}"),
    "not_in_archive": ("(versi ini tidak ada di arsip)", "(this version is not in the archive)"),
    "promoted": (
        "ditetapkan sebagai {kind} pada langkah {step} ({name}, {when}) dari {source}",
        "set as the {kind} at step {step} ({name}, {when}) from {source}",
    ),
    "footer_from": ("Dicetak dari arsip elektronik", "Printed from the electronic archive"),
    "footer_rest": (
        "(BagIt, checksum {checksums}), dibuat {created}. Nama, NIP dan jabatan menurut "
        "direktori pegawai pada saat pengarsipan. Catatan ini adalah salinan manual dari "
        "data elektronik tersebut.",
        "(BagIt, checksums {checksums}), made {created}. Names, NIPs and posts as the staff "
        "directory had them when archived. This record is the manual copy of that "
        "electronic data.",
    ),
    "official_number": ("Nomor naskah dinas", "Official number"),
    "printed_at": ("Dicetak pada {when}", "Printed on {when}"),
    "state_at": ("{state} pada {when}", "{state} on {when}"),
    "version_of": ("{document} versi {version}", "{document} version {version}"),
    "reviewed": ("Dokumen yang diperiksa", "Documents reviewed"),
    "uploaded": ("Dokumen yang diunggah pemeriksa", "Documents the reviewer uploaded"),
    "mark_on": ("dibubuhkan pada {version}", "made on {version}"),
    "mark_result": ("menghasilkan {version}", "resulting in {version}"),
    "mark_withdrawn": (
        "ditarik: dikembalikan pada langkah {step} (putaran {round}, {when})",
        "withdrawn: returned at step {step} (round {round}, {when})",
    ),
    "mark_withdrawn_kept": (
        "Versi yang memuat paraf ini tetap tersimpan sebagai {version}.",
        "The version carrying these initials (paraf) is kept as {version}.",
    ),
    "mark_not_recorded": (
        "tidak lagi tercatat dalam catatan proses; versi yang memuatnya tidak dapat ditunjukkan",
        "no longer in the process record; the version carrying it cannot be shown",
    ),
    "decision_reviewed": ("diperiksa: {documents}", "reviewed: {documents}"),
    "decision_result": ("hasil: {documents}", "result: {documents}"),
    "signed_iku": ("IKU yang ditandatangani", "The signed IKU"),
    # One paraf or the signature on one line (bag-info.txt, the archive's guide).
    "signer_line": ("{mark}, langkah {step}: ", "{mark}, step {step}: "),
    "signer_acting": ("({acting} menggantikan {name})", "({acting} standing in for {name})"),
    # The Minister's visible signature stamp (signing/pdf.py). Its QR code opens the
    # verification page, so the stamp names that page's act: "Verifikasi" (verify_title).
    "stamp_signed_by": ("Ditandatangani secara elektronik oleh:", "Signed electronically by:"),
    "stamp_statement": (
        "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat\n"
        "elektronik yang diterbitkan oleh {ca}.",
        "This document has been signed electronically with an electronic certificate\n"
        "issued by {ca}.",
    ),
    "stamp_verify": ("Verifikasi: {url}", "Verify: {url}"),
    # The riwayat prints what the page says.
    "deadline_now": BUREAU["deadline_now"],
    "deadline_set": BUREAU["deadline_set"],
    "on_time": BUREAU["on_time"],
    "late": BUREAU["late"],
}

# The guide inside every archive (data/BACA-SAYA.txt, activities/archive_guide.py): what the
# bag is, what each folder holds, and how to check it offline, Indonesian first.
ARCHIVE_GUIDE: Mapping[str, Pair] = {
    "title": (
        "PANDUAN ARSIP ELEKTRONIK — {sop_name}",
        "GUIDE TO THE ELECTRONIC ARCHIVE — {sop_name}",
    ),
    "what": (
        "Arsip ini adalah dokumentasi (langkah 16 SOP) dari satu proses penyusunan Indikator "
        "Kinerja Utama Kementerian, dalam format BagIt (RFC 8493).",
        "This archive documents (step 16 of the SOP) one process of drafting the Ministry's "
        "Key Performance Indicators (IKU), as a BagIt bag (RFC 8493).",
    ),
    "f_title": ("Judul", "Title"),
    "f_year": ("Tahun IKU", "IKU year"),
    "f_unit": ("Kode unit", "Unit code"),
    "f_number": ("Nomor naskah dinas", "Official number"),
    "f_sop": ("Nomor SOP", "SOP number"),
    "f_workflow": ("ID proses (workflow)", "Process id (workflow)"),
    "f_runs": (
        "ID run (urut, yang terakhir menamai arsip)",
        "Run ids (in order; the last names the bag)",
    ),
    "f_archived": ("Diarsipkan pada", "Archived on"),
    "f_signed": ("IKU yang ditandatangani", "The signed IKU"),
    "f_ca": ("Sidik jari SHA-256 sertifikat CA", "SHA-256 fingerprint of the CA certificate"),
    "none": ("(tidak ada)", "(none)"),
    "folders": ("ISI ARSIP", "CONTENTS"),
    "f_bag_info": (
        "bag-info.txt: keterangan arsip (nomor, tahun, SOP, penanda tangan, sidik jari).",
        "bag-info.txt: what the bag is (number, year, SOP, signers, fingerprints).",
    ),
    "f_manifest": (
        "manifest-sha256.txt, manifest-sha512.txt: checksum setiap berkas di data/.",
        "manifest-sha256.txt, manifest-sha512.txt: the checksum of every file in data/.",
    ),
    "f_dokumen": (
        "data/dokumen/: setiap versi setiap dokumen, per langkah dan jenis "
        "(<langkah>-<jenis>/v<versi>-<awal sha256>-<nama berkas>).",
        "data/dokumen/: every version of every document, by step and kind "
        "(<step>-<kind>/v<version>-<start of sha256>-<file name>).",
    ),
    "f_cetak": (
        "data/cetak/: catatan tercetak: riwayat.pdf dan satu Lembar Pemeriksaan per "
        "pemeriksaan (lembar-pemeriksaan/).",
        "data/cetak/: the printed record: riwayat.pdf (the history) and one review checklist "
        "(Lembar Pemeriksaan) per review (lembar-pemeriksaan/).",
    ),
    "f_ringkasan": (
        "data/ringkasan.html: ringkasan yang dicetak untuk salinan manual.",
        "data/ringkasan.html: the summary printed for the manual copy.",
    ),
    "f_json": (
        "data/riwayat.json, data/status.json, data/sop.json: catatan proses, keadaannya saat "
        "diarsipkan, dan SOP yang dijalankan (JSON).",
        "data/riwayat.json, data/status.json, data/sop.json: the process record, its state "
        "when archived, and the SOP as run (JSON).",
    ),
    "f_tte": (
        "data/tte/: sertifikat CA (ca.pem), daftar sertifikat yang dicabut (crl.pem) dan "
        "laporan validasi tanda tangan saat pengarsipan (validasi.json).",
        "data/tte/: the CA certificate (ca.pem), its certificate revocation list (crl.pem) "
        "and the signatures' validation report at archiving (validasi.json).",
    ),
    "f_no_tte": (
        "Tidak ada data/tte/: penandatanganan elektronik tidak dipasang saat pengarsipan; "
        "tanda tangan tidak dapat diperiksa dari arsip ini saja.",
        "No data/tte/: electronic signing was not set up when archived; signatures cannot "
        "be checked from this bag alone.",
    ),
    "verify": ("CARA MEMERIKSA (TANPA JARINGAN)", "HOW TO CHECK (OFFLINE)"),
    "v_bag": (
        "1. Keutuhan arsip (setiap berkas dihitung ulang):",
        "1. The bag is whole (every file hashed again):",
    ),
    "v_pdfsig": (
        "2. Tanda tangan elektronik dengan pdfsig (poppler), mempercayai CA arsip ini:",
        "2. The electronic signatures with pdfsig (poppler), trusting this bag's CA:",
    ),
    "v_pyhanko": (
        "3. Tanda tangan elektronik dengan pyHanko (pip install pyhanko-cli):",
        "3. The electronic signatures with pyHanko (pip install pyhanko-cli):",
    ),
    "v_pyhanko_crl": (
        "   Sertifikat penanda tangan tidak memuat alamat CRL: pyHanko dan pdfsig tidak "
        "memeriksa crl.pem. Pencabutan diperiksa oleh langkah 4 atau dengan openssl.",
        "   The signers' certificates name no CRL address: pyHanko and pdfsig do not check "
        "crl.pem. Revocation is checked by step 4, or with openssl.",
    ),
    "v_iku": (
        "4. Dengan perintah aplikasi ini, pada saat pengarsipan (CA dan CRL dari arsip):",
        "4. With this application's command, as of the archiving (CA and CRL from the bag):",
    ),
    "v_ca": (
        "5. Sertifikat CA sama dengan yang tercatat (bandingkan sidik jari di atas):",
        "5. The CA certificate is the one recorded (compare the fingerprint above):",
    ),
    "v_withdrawn": (
        "Dokumen yang ditandatangani memuat setiap paraf yang pernah dibubuhkan pada "
        "versi-versi sebelumnya, juga paraf yang kemudian ditarik karena dikembalikan; "
        "mana yang berlaku tercatat di data/cetak/ dan data/riwayat.json.",
        "The signed document carries all initials (paraf) ever added to its earlier versions, "
        "also those later withdrawn by a return; which ones stand is in data/cetak/ and "
        "data/riwayat.json.",
    ),
}

# --- the mails' own sentences --------------------------------------------------------------

# What only a mail says (activities/mail_templates/, through ``activities.notify``): its
# subject line and its sentences. Where a page already says it, the mail takes the page's
# entry instead (``step_of``, ``deadline``, ``note_of``, ``arrival_new_version``,
# ``items_not_met``, ``link_personal``, ``acting_as``, ``assign_title``…; the list is
# ``activities.notify.MAIL_SHARED``). The templates hold layout only: the HTML part and the
# plain-text part of one mail, in either language, take the same entries.
MAIL_TEXT: Mapping[str, Pair] = {
    # The subject, which is also the first line of either part.
    "subject_task": (
        "Mohon tindak lanjut: langkah {n} dari {total} — {short}",
        "Action needed: step {n} of {total} — {short}",
    ),
    "subject_reminder": (
        "Pengingat: langkah {n} dari {total}: {short}",
        "Reminder: step {n} of {total}: {short}",
    ),
    "subject_reminder_due": (
        "Pengingat: tenggat {deadline} — langkah {n} dari {total}: {short}",
        "Reminder: due {deadline} — step {n} of {total}: {short}",
    ),
    "subject_returned": (
        "Dikembalikan untuk diperbaiki: langkah {n} dari {total} — {short}",
        "Returned for revision: step {n} of {total} — {short}",
    ),
    "subject_new_version": (
        "Mohon paraf ulang: versi baru oleh {role} — langkah {n} dari {total}",
        "Please initial again: new version by the {role} — step {n} of {total}",
    ),
    "subject_reinitial": (
        "Mohon paraf ulang: langkah {n} dari {total} — {short}",
        "Please initial again: step {n} of {total} — {short}",
    ),
    "subject_escalation": (
        "Eskalasi ke-{number}: langkah {n} dari {total} terlambat",
        "Escalation {number}: step {n} of {total} is overdue",
    ),
    "subject_unassigned": (
        "{unassigned}: langkah {n} dari {total} ({role})",
        "{unassigned}: step {n} of {total} ({role})",
    ),
    "subject_cancelled": ("Proses IKU {year} dibatalkan", "IKU {year} process cancelled"),
    "subject_archived": ("IKU {year} telah diarsipkan", "IKU {year} has been archived"),
    # Every mail: the greeting, an acting official's capacity, the process, the footer.
    "dear": ("Yth. {name},", "Dear {name},"),
    "acting": ("Anda menerima pesan ini {acting_as}.", "You receive this message {acting_as}."),
    "process_line": ("IKU {year} — {title} (kode {code})", "IKU {year} — {title} (code {code})"),
    "sent_automatically": (
        "Pesan otomatis dari sistem IKU Kementerian Ketenagakerjaan. Mohon tidak membalas "
        "email ini.",
        "An automatic message from the IKU system of the Ministry of Manpower. Please do not "
        "reply to this email.",
    ),
    "no_action": ("Tidak ada tindakan yang diperlukan.", "No action is needed."),
    # A task and its reminder.
    "returned_lead": (
        "Dikembalikan untuk diperbaiki oleh {role} (langkah {step}).",
        "Returned for revision by the {role} (step {step}).",
    ),
    "todo": ("Yang diminta", "What to do"),
    "open_task": ("Buka tugas", "Open the task"),
    # Under the button of the HTML part only (the plain text has no button).
    "button_fallback": (
        "Jika tombol tidak berfungsi, buka alamat ini",
        "If the button does not work, open this address",
    ),
    "link_valid": ("Berlaku sampai {when}.", "Valid until {when}."),
    # An escalation.
    "not_acted_on": ("{step} belum ditindaklanjuti", "{step} has not been acted on"),
    "waiting_on": ("Menunggu", "Waiting on"),
    "overdue_since": (
        "Terlambat sejak tenggat {deadline}.",
        "Overdue since the deadline, {deadline}.",
    ),
    "escalation_ask": (
        "Ini eskalasi ke-{number}. Mohon ingatkan pejabat yang bersangkutan agar segera "
        "menindaklanjuti, atau minta petugas operasional menugaskan pejabat lain.",
        "This is escalation number {number}. Please remind the official to act, or ask the "
        "IKU operations team to assign someone else.",
    ),
    # To operations: a step's role nobody holds.
    "no_holder": (
        "Langkah {n} dari {total} tidak dapat ditugaskan: tidak ada orang dengan peran {role} "
        "({code}) di direktori.",
        "Step {n} of {total} cannot be assigned: nobody in the directory holds the role {role} "
        "({code}).",
    ),
    "no_directory": (
        "Langkah {n} dari {total} tidak dapat ditugaskan: berkas direktori pegawai "
        "(IKU_DIRECTORY_FILE) tidak dapat dibaca, sehingga pemegang peran {role} ({code}) "
        "tidak diketahui. Perbaiki berkas itu terlebih dahulu; log pekerja (logger "
        "iku.directory) menyebut kesalahannya.",
        "Step {n} of {total} cannot be assigned: the staff directory file (IKU_DIRECTORY_FILE) "
        "cannot be read, so who holds the role {role} ({code}) is not known. Fix the file "
        "first; the worker's log (logger iku.directory) names what is wrong.",
    ),
    "assign_on_page": (
        "Tugaskan seseorang di halaman proses ini (formulir “{form}”)",
        "Assign someone on this process's page (the form “{form}”)",
    ),
    "assign_or_cli": (
        "Atau dengan Temporal CLI (ganti p-… dengan id orang dari direktori dan isi alasannya)",
        "Or with the Temporal CLI (replace p-… with a person id from the directory and give "
        "a reason)",
    ),
    "assign_by_cli": (
        "Tugaskan seseorang dengan Temporal CLI (ganti p-… dengan id orang dari direktori dan "
        "isi alasannya)",
        "Assign someone with the Temporal CLI (replace p-… with a person id from the directory "
        "and give a reason)",
    ),
    "fill_role": (
        "Lengkapi juga peran ini di direktori agar proses berikutnya tidak tertunda.",
        "Please also fill this role in the directory, so that later processes are not held up.",
    ),
    # The end of a process, to everyone involved.
    "cancelled": (
        "Proses penyusunan IKU ini dibatalkan.",
        "This IKU drafting process has been cancelled.",
    ),
    "cancelled_at": (
        "Proses penyusunan IKU ini dibatalkan pada langkah {n} dari {total}.",
        "This IKU drafting process has been cancelled at step {n} of {total}.",
    ),
    "links_void": (
        "Tautan tugas dari proses ini tidak berlaku lagi.",
        "Task links of this process no longer work.",
    ),
    "process_page": ("Halaman proses ini", "This process's page"),
    "archived": (
        "Langkah {total} dari {total} selesai: Indikator Kinerja Utama Kementerian yang telah "
        "ditandatangani Menteri sudah diarsipkan. Proses ini selesai.",
        "Step {total} of {total} is done: the Ministry's Key Performance Indicators, signed by "
        "the Minister, have been archived. This process is complete.",
    ),
    "thanks": ("Terima kasih atas kerja samanya.", "Thank you for your cooperation."),
    "archive_page": ("Arsip proses ini", "The archive of this process"),
}
