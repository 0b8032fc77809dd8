"""The words of the bureau pages and the JSON API's problems: ``(id, en)`` pairs.

``api.core.i18n`` merges ``BUREAU_TEXTS`` into its table (a key may be defined once only), so the
templates say everything with the same ``t(...)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from common.dates import format_short
from common.labels import EVENTS, STATES, label
from workflows.rules import REFUSALS

# Codes of the web layer's own problems (the workflow's refusals are in workflows.rules).
# ``api.core.i18n`` merges them into the pages' table too: one text per code, for every reader.
PROBLEMS: Mapping[str, tuple[str, str]] = {
    "not_found": ("Proses tidak ditemukan.", "No such process."),
    "already_started": (
        "Proses dengan id ini sudah ada.",
        "A process with this id already exists.",
    ),
    "unavailable": (
        "Temporal tidak dapat dihubungi saat ini. Coba lagi sebentar lagi.",
        "Temporal cannot be reached right now. Try again in a moment.",
    ),
    "busy": (
        "Terlalu banyak permintaan untuk proses ini. Coba lagi sebentar lagi.",
        "Too many requests for this process. Try again in a moment.",
    ),
    "pending": (
        "Belum ada jawaban dari proses. Kirim lagi: tindakan hanya diterapkan sekali.",
        "The process has not answered yet. Send again: it is applied only once.",
    ),
    "no_archive": ("Proses ini belum diarsipkan.", "This process has not been archived."),
    "archive_missing": (
        "Arsip proses ini tidak ada di folder arsip. Hubungi petugas operasional.",
        "This process's archive is not in the archive folder. Contact operations.",
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


def problem_texts(code: str) -> tuple[str, str]:
    """(English, Bahasa Indonesia) of a refusal or problem code; an unknown code as it is."""
    if code in REFUSALS:
        return REFUSALS[code]
    indonesian, english = PROBLEMS.get(code, (code, code))
    return english, indonesian


def short_when(moment: datetime, lang: str, tz: str = "Asia/Jakarta") -> str:
    return format_short(moment, lang, tz)


def state_name(lang: str, state: str) -> str:
    return label(STATES, state, lang)


def event_name(lang: str, event: str) -> str:
    return label(EVENTS, event, lang)


BUREAU_TEXTS: Mapping[str, tuple[str, str]] = {
    # frame
    "bureau_unit": (
        "Biro Perencanaan dan Manajemen Kinerja",
        "Planning and Performance Management Bureau",
    ),
    "nav_processes": ("Proses", "Processes"),
    "nav_start": ("Mulai proses", "Start a process"),
    "nav_api": ("API", "API"),
    "sign_out": ("Keluar", "Sign out"),
    "kind_ops": ("Operasional", "Operations"),
    "kind_bureau": ("Biro Perencanaan", "Planning Bureau"),
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
        "Semua proses penyusunan IKU, dari visibilitas Temporal.",
        "Every IKU drafting process, from Temporal's visibility.",
    ),
    "running_now": ("Berjalan", "Running"),
    "overdue_now": ("Terlambat", "Overdue"),
    "filters": ("Saring", "Filter"),
    "year": ("Tahun", "Year"),
    "step": ("Langkah", "Step"),
    "role": ("Peran", "Role"),
    "assignee": ("Pelaksana", "Assignee"),
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
    "col_holder": ("Pemegang tugas", "Held by"),
    "col_started": ("Dimulai", "Started"),
    "no_processes": ("Tidak ada proses yang sesuai.", "No process matches."),
    "next_page": ("Halaman berikutnya", "Next page"),
    "first_page": ("Halaman pertama", "First page"),
    "filter_year": (
        "Tahun harus 2000–2100; saringan tahun diabaikan.",
        "The year must be 2000–2100; the year filter is ignored.",
    ),
    "filter_code": (
        "Kode tidak valid; saringan kode diabaikan.",
        "The code is not valid; the code filter is ignored.",
    ),
    "filter_step": (
        "Langkah harus 1–16; saringan langkah diabaikan.",
        "The step must be 1–16; the step filter is ignored.",
    ),
    "filter_role": (
        "Peran tidak dikenal; saringan peran diabaikan.",
        "Unknown role; the role filter is ignored.",
    ),
    "filter_assignee": (
        "Pelaksana tidak valid; saringan pelaksana diabaikan.",
        "The assignee is not valid; the assignee filter is ignored.",
    ),
    "filter_overdue": (
        "Nilai terlambat tidak valid; saringan diabaikan.",
        "The overdue value is not valid; the filter is ignored.",
    ),
    "filter_state": (
        "Status tidak dikenal; saringan status diabaikan.",
        "Unknown state; the state filter is ignored.",
    ),
    "unassigned_short": ("belum ada pelaksana", "nobody assigned"),
    "closed_at": ("selesai {when}", "ended {when}"),
    # start
    "start_title": ("Mulai proses penyusunan IKU", "Start an IKU drafting process"),
    "start_lead": (
        "Satu proses untuk satu dokumen IKU. Id proses: iku-<tahun>-<kode>, "
        "dengan -rev<n> untuk revisi. Kasubbag menerima tugas langkah 1 melalui "
        "email.",
        "One process per IKU document. Its id: iku-<year>-<code>, with -rev<n> for "
        "a revision. The Kasubag receives step 1 by email.",
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
    "start_invalid": (
        "Periksa isian yang ditandai. Proses belum dimulai.",
        "Check the marked fields. The process has not been started.",
    ),
    "start_bad_year": ("Tahun 2000–2100.", "A year from 2000 to 2100."),
    "start_bad_code": (
        "Diawali huruf kecil atau angka; hanya huruf kecil, angka dan tanda "
        "hubung; paling panjang 40.",
        "Starts with a lower-case letter or digit; only lower-case letters, "
        "digits and hyphens; at most 40.",
    ),
    "start_bad_revision": ("Angka 0–99.", "A number from 0 to 99."),
    "start_bad_sop_number": (
        "Wajib diisi, paling panjang 100 karakter.",
        "Required, at most 100 characters.",
    ),
    "start_bad_title": (
        "Wajib diisi, paling panjang 300 karakter.",
        "Required, at most 300 characters.",
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
    "held_by": ("Dipegang oleh", "Held by"),
    "since": ("Sejak", "Since"),
    "escalations_sent": ("Eskalasi terkirim", "Escalations sent"),
    "unassigned_long": (
        "Belum ada pelaksana untuk peran ini: tugaskan seseorang.",
        "Nobody holds this role: assign someone.",
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
        "The Kasubag receives step 1 by email.",
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
    "legal_basis": ("Dasar hukum", "Legal basis"),
    "qualification": ("Kualifikasi pelaksanaan", "Qualification"),
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
    "legend_activity": ("kegiatan", "activity"),
    "legend_review": ("pemeriksaan: Ya/Tidak", "review: Yes/No"),
    "legend_terminal": ("mulai/selesai", "start/end"),
    "older_version": ("(versi lama)", "(older version)"),
    "pass_round": ("Putaran {n}", "Round {n}"),
    "came_back": ("kembali dari langkah {n}", "back from step {n}"),
    "returned_to": ("dikembalikan ke langkah {n}", "returned to step {n}"),
    "took": ("lama {took}", "took {took}"),
    "on_time": ("tepat waktu", "on time"),
    "late": ("melewati tenggat", "past the deadline"),
    "waiting_for": ("Menunggu", "Waiting for"),
    "running_for": ("berjalan {took}", "open for {took}"),
    "cancelled_here": ("Dibatalkan pada langkah ini", "Cancelled at this step"),
    "stopped_here": ("Dihentikan di Temporal pada langkah ini", "Stopped in Temporal at this step"),
    "ev_unassigned_short": ("{when}: belum ada pelaksana", "{when}: nobody holds the role"),
    "ev_assigned_short": (
        "{when}: ditugaskan kepada {name} oleh {by}",
        "{when}: assigned to {name} by {by}",
    ),
    "ev_reminder_short": ("{when}: pengingat terkirim", "{when}: reminder sent"),
    "ev_overdue_short": ("{when}: melewati tenggat", "{when}: past the deadline"),
    "ev_escalation_short": (
        "{when}: eskalasi {n} kepada {role}",
        "{when}: escalation {n} to {role}",
    ),
    "ev_resent_short": ("{when}: dikirim ulang oleh {by}", "{when}: sent again by {by}"),
    "ev_notify_failed_short": ("{when}: email gagal terkirim", "{when}: mail could not be sent"),
    "ev_archive_failed_short": ("{when}: arsip gagal dibuat", "{when}: the archive failed"),
    # documents and marks
    "doc_versions": ("Dokumen dan versinya", "Documents and their versions"),
    "doc_hint": (
        "Setiap versi yang pernah diunggah, dengan keputusan yang menyangkut versi itu.",
        "Every version ever uploaded, with the decisions about that version.",
    ),
    "uploaded": (
        "diunggah {name}, langkah {step}, {when}",
        "uploaded by {name}, step {step}, {when}",
    ),
    "decisions_on": ("Keputusan atas versi ini", "Decisions on this version"),
    "no_decisions": ("Belum ada keputusan atas versi ini.", "No decision on this version yet."),
    "marks_title": ("Paraf dan tanda tangan", "Initials and signature"),
    "marks_hint": (
        "Setiap paraf dan tanda tangan menyangkut satu versi draf (sha256). Paraf "
        "yang versinya dikembalikan tidak berlaku lagi.",
        "Each paraf and the signature concern one version of the draft (sha256). A "
        "paraf on a version that was returned no longer stands.",
    ),
    "mark_paraf": ("Paraf", "Paraf"),
    "mark_signature": ("Tanda tangan", "Signature"),
    "mark_in_force": ("berlaku", "in force"),
    "mark_withdrawn": ("tidak berlaku", "no longer stands"),
    "no_marks": ("Belum ada paraf atau tanda tangan.", "No paraf or signature yet."),
    "col_mark": ("Tanda", "Mark"),
    "col_by": ("Oleh", "By"),
    "col_version": ("Versi", "Version"),
    "col_when": ("Waktu", "When"),
    "col_standing": ("Keadaan", "Standing"),
    # notices and history
    "notices_title": ("Pengingat dan eskalasi", "Reminders and escalations"),
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
    "checklist_ok": ("sesuai", "met"),
    "checklist_not_ok": ("tidak sesuai", "not met"),
    # archive
    "archive_title": ("Arsip", "Archive"),
    "archive_hint": (
        "Arsip BagIt proses ini (dokumen, riwayat, paraf dan tanda tangan), "
        "diperiksa ulang setiap kali halaman ini dibuka.",
        "This process's BagIt archive (documents, history, paraf and signature), "
        "checked again each time this page opens.",
    ),
    "archive_open": ("Buka arsip dan hasil pemeriksaannya", "Open the archive and its check"),
    "archive_download": ("Unduh arsip (zip)", "Download the archive (zip)"),
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
        "API JSON di bawah /api untuk operasi yang sama dengan halaman biro. Kirim "
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


def acting_label(kind: str | None) -> str:
    """Plh or Plt as the record says; records from before it kept the kind say both."""
    return kind.capitalize() if kind else "Plh/Plt"
