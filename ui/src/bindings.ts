// Generated from the Rust types by ts-rs (src-tauri/src/bindings.rs). Do not edit.

export type ProcessId = "1-1" | "1-2" | "2" | "3" | "4" | "5";

export type StepKind = "check" | "make_lists" | "verify" | "approve" | "do" | "data_update" | "data_control" | "inquiries";

export type Action = "do" | "verify" | "approve";

export type Role = "contractor" | "section";

export type Status = "blocked" | "open" | "done" | "sent_back" | "awaiting_verify" | "awaiting_approval" | "verified" | "approved";

export type Waiting = { step: number, needs: Action, 
/**
 * The step was sent back and has not been redone.
 */
sent_back: boolean, };

export type Marking = { "kind": "withdraw", of: string, } | { "kind": "deputy" } | { "kind": "review", of: string, };

export type Ask = "plain" | "withdraw" | "deputy" | "review";

export type Standing = { "standing": "valid" } | { "standing": "flagged", why: string, } | { "standing": "resolved", why: string, by_entry: string, } | { "standing": "invalid", why: string, } | { "standing": "replaced", by_list: string, };

export type Member = { id: string, name: string, role: Role, 
/**
 * 決裁権限: may approve.
 */
approver: boolean, 
/**
 * May add members and invite laptops.
 */
admin: boolean, };

export type RosterEntry = { 
/**
 * Ed25519 public key (hex) that signs this member's entries.
 */
sign_key: string, 
/**
 * X25519 public key (hex) that authenticates this member's laptop on the wire.
 */
noise_key: string, 
/**
 * The admin who added them, `invite:<id>` for a member who joined with an invite, or `None`
 * for the founder (who signs their own entry with the office's anchor key).
 */
added_by: string | null, added_at: string, 
/**
 * Signature (hex) over [`member_payload`] by the key `added_by` names.
 */
signature: string, id: string, name: string, role: Role, 
/**
 * 決裁権限: may approve.
 */
approver: boolean, 
/**
 * May add members and invite laptops.
 */
admin: boolean, };

export type MemberHere = { member: Member, 
/**
 * Whether they have set their own secret (暗証番号) here.
 */
secret: boolean, 
/**
 * The laptop's own member (whose key proves the laptop on the wire).
 */
owner: boolean, };

export type SelfPay = { "kind": "free" } | { "kind": "percent", "value": number } | { "kind": "fixed", "value": number } | { "kind": "insurer_max", "value": number };

export type SelfPayTable = { basic: SelfPay, detailed: SelfPay, extra: SelfPay, dock: SelfPay, };

export type Insurer = { 
/**
 * 保険者番号: 8 digits, the last a check digit (国保: 00 and the 6-digit number).
 */
number: string, 
/**
 * 名称
 */
name: string, 
/**
 * 所在地
 */
address: string, 
/**
 * 電話番号
 */
phone: string, 
/**
 * 契約とりまとめ機関名 (集合A, 集合B, 医師会)
 */
contract_org: string, 
/**
 * Its code, when it has one.
 */
contract_org_code: string, 
/**
 * 支払代行機関番号: 8 digits.
 */
payment_agent_no: string, 
/**
 * 支払代行機関名称
 */
payment_agent_name: string, 
/**
 * 有効期限 for the fiscal year it falls in; other years' vouchers end with their year.
 */
valid_until: string | null, 
/**
 * 窓口での自己負担
 */
self_pay: SelfPayTable, };

export type InsurerForm = { number: string | null, name: string | null, address: string | null, phone: string | null, 
/**
 * `NAME` or `NAME:CODE`.
 */
contract_org: string | null, payment_agent_no: string | null, payment_agent_name: string | null, 
/**
 * A date; empty to end each voucher with its fiscal year.
 */
valid_until: string | null, 
/**
 * `basic=free`, `dock=max:20000円`, ...
 */
self_pay: Array<string>, };

export type OfficeSettings = { 
/**
 * Minutes without a key or the pointer before a window locks.
 */
idle_minutes: number, 
/**
 * 保険者情報, printed on every voucher. Absent from records made before it (so their
 * signed form is unchanged).
 */
insurer: Insurer | null, };

export type SignInView = { members: Array<MemberHere>, 
/**
 * The member id to offer first.
 */
last: string | null, };

export type BatchRef = { 
/**
 * The batch document's id (derived from the rest: see [`crate::signed::batch_id_bytes`]).
 */
batch_id: string, process: ProcessId, label: string, fiscal_year: number, created_by: string, created_at: string, };

export type BatchWarning = { "kind": "same_label", batch_id: string, label: string, } | { "kind": "same_month", batch_id: string, label: string, };

export type BatchProposal = { 
/**
 * 「令和8年5月 月次発行」; the annual issuance by its fiscal year, 「令和8年度 年次発行」.
 */
label: string, warnings: Array<BatchWarning>, };

export type NewBatch = { process: ProcessId, 
/**
 * YYYY-MM: the month the batch is for (its fiscal year follows).
 */
month: string, label: string, };

export type SignOffView = { seq: number, id: string, step: number, action: Action, by: string, by_name: string, at: string, counts: Record<string, number>, note: string | null, send_back: string | null, 
/**
 * What this laptop makes of the entry: valid, flagged, resolved, or invalid (and why).
 */
standing: Standing, 
/**
 * What later changes did to it (改ざんの疑い): deleted, overwritten or altered. It is judged as
 * it was signed all the same.
 */
tampered: Array<string>, 
/**
 * 取下げ・代決・後閲.
 */
marking: Marking | null, };

export type BoardStep = { step: number, ja: string, en: string, kind: StepKind, by_role: Role, 
/**
 * The step whose record this one checks (a verify's work, an approval's verify).
 */
subject: number | null, status: Status, waiting: Array<Waiting>, 
/**
 * The entry that makes the step what it is (who and when).
 */
decisive: SignOffView | null, 
/**
 * Every entry for the step, oldest first.
 */
history: Array<SignOffView>, 
/**
 * 代決 not yet reviewed (後閲待ち).
 */
awaiting_review: boolean, 
/**
 * What the member the board was read for may record at this step now (set by the core, from
 * the rules; the projection itself is the same for every member).
 */
may: Action | null, 
/**
 * And what they may ask besides (取下げ・代決・後閲), set the same way.
 */
asks: Array<Ask>, };

export type BoardBatch = { steps: Array<BoardStep>, 
/**
 * 改ざんの疑い: entries deleted or changed after they were written, and entries that cannot be
 * read, as this laptop found them in the batch's history.
 */
tampering: Array<string>, 
/**
 * The batch document's id (derived from the rest: see [`crate::signed::batch_id_bytes`]).
 */
batch_id: string, process: ProcessId, label: string, fiscal_year: number, created_by: string, created_at: string, };

export type WorkingBoard = { batches: Array<BoardBatch>, 
/**
 * Finished batches of past fiscal years left out.
 */
hidden: number, };

export type ListKind = "targets" | "rehearsal" | "production" | "pullouts" | "postal_counts" | "reissue_requests" | "returned" | "reissues" | "checkup_results" | "coverage_loss";

export type ListRef = { doc_id: string, list_kind: ListKind, 
/**
 * sha256 of the list's canonical rows (hex).
 */
sha256: string, row_count: number, 
/**
 * Who added it, and when; empty and None for a reference written before signing.
 */
by: string, at: string | null, };

export type ListDifference = { against: ListKind, against_rows: number, 
/**
 * Voucher numbers in this list and not in the other (the first [`SHOWN`]), and how many.
 */
added: Array<string>, added_count: number, 
/**
 * In the other list and not in this one.
 */
left_out: Array<string>, left_out_count: number, 
/**
 * Of this list, who the batch's pull-out list takes out, with the reason (voucher number,
 * reason; the first [`SHOWN`]), and how many.
 */
pulled_out: Array<[string, string]>, pulled_out_count: number, };

export type Recount = { 
/**
 * The count's name in the catalogue (`targets`).
 */
count: string, given: bigint, list: ListKind, 
/**
 * The list's rows when the count was given (before any 資格喪失者の削除).
 */
rows: number, differs: boolean, 
/**
 * Rows a deletion of departed persons' rows took from the list since (0: none).
 */
removed: number, };

export type ListPage = { list: ListRef, fields: Array<string>, 
/**
 * Rows matching the search.
 */
total: number, offset: number, rows: Array<Array<string>>, difference: ListDifference | null, 
/**
 * The deletions of departed persons' rows that made the list, newest first.
 */
redacted: Array<RedactedNote>, };

export type Subject = { 
/**
 * 受診券整理番号
 */
voucher_no: string, 
/**
 * 氏名, as written
 */
name: string, 
/**
 * カナ氏名, full width
 */
kana: string, 
/**
 * 生年月日
 */
birth: string, 
/**
 * 性別: "1" 男, "2" 女, "" not given
 */
sex: string, 
/**
 * 郵便番号, 7 digits
 */
postal: string, 
/**
 * 住所, as written
 */
address: string, };

export type EventKind = "pulled_out" | "returned" | "reissued" | "inquiry" | "checkup_taken" | "coverage_lost";

export type VoucherEvent = { kind: EventKind, on: string | null, detail: string, batch_id: string, };

export type VoucherStatus = "listed" | "pulled_out" | "sent" | "returned" | "coverage_lost";

export type RegisterEntry = { 
/**
 * 生年月日 in the era calendar (昭和27年5月3日).
 */
birth_ja: string, 
/**
 * 年度末年齢: the age on the fiscal year's last day, the day the target rule reads it.
 */
age: number, fiscal_year: number, batch_id: string, batch_label: string, process: string, status: VoucherStatus, events: Array<VoucherEvent>, 
/**
 * 受診券整理番号
 */
voucher_no: string, 
/**
 * 氏名, as written
 */
name: string, 
/**
 * カナ氏名, full width
 */
kana: string, 
/**
 * 生年月日
 */
birth: string, 
/**
 * 性別: "1" 男, "2" 女, "" not given
 */
sex: string, 
/**
 * 郵便番号, 7 digits
 */
postal: string, 
/**
 * 住所, as written
 */
address: string, };

export type Found = { total: number, hits: Array<RegisterEntry>, 
/**
 * The page's places whose voucher is not shown (one of a batch this laptop does not hold),
 * counted from the page's first place: they keep their place, so rows after them do not move.
 */
unshown: Array<number>, };

export type NoteKind = "inquiry" | "returned";

export type VoucherNote = { id: string, voucher_no: string, kind: NoteKind, 
/**
 * The day it happened (the call, the return).
 */
on: string, 
/**
 * Who called (医療機関・健診機関); empty for returns.
 */
from: string, 
/**
 * The answer given, or why the mail came back.
 */
text: string, by: string, at: string, };

export type InquiryLogged = { batch_id: string, batch_label: string, note: VoucherNote, voucher: RegisterEntry | null, };

export type Void = { "reason": "coverage_lost" } | { "reason": "reached75" } | { "reason": "expired" } | { "reason": "reissued", by: string, } | { "reason": "pulled_out" } | { "reason": "not_issued" };

export type Verdict = { "verdict": "valid", until: string, } | { "verdict": "void", why: Void, since: string | null, } | { "verdict": "not_target" } | { "verdict": "unsettled", sheets: Array<string>, };

export type VoucherCheck = { 
/**
 * The sheet asked about, as read.
 */
asked: string, 
/**
 * The day asked about (the checkup's).
 */
on: string, verdict: Verdict, 
/**
 * The one-line answer read out on the phone.
 */
line: string, 
/**
 * The sheet that serves on that day, and its 交付年月日.
 */
current_sheet: string | null, issued_on: string | null, self_pay: SelfPayTable | null, contract_org: string | null, 
/**
 * The settings record the answer was made under.
 */
settings_id: string | null, 
/**
 * The voucher as the register has it.
 */
entry: RegisterEntry | null, };

export type NoteField = "voucher" | "from" | "text" | "on";

export type InquiryRequest = { voucher: string, from: string, answer: string, 
/**
 * The day of the call as typed (2026-12-04, 令和8年12月4日); today when empty.
 */
on: string, 
/**
 * The process 4 batch it counts toward (its id); the newest open one when None.
 */
batch: string | null, };

export type ReturnRequest = { 
/**
 * The batch's id.
 */
batch: string, voucher: string, 
/**
 * 宛所不明, 転居先不明, ...
 */
reason: string, 
/**
 * The day it came back as typed; today when empty.
 */
on: string, };

export type ReissueRequestForm = { 
/**
 * The process 3 batch's id.
 */
batch: string, voucher: string, 
/**
 * 紛失, 汚損, ...
 */
reason: string, 
/**
 * The day it was asked for as typed; today when empty.
 */
on: string, };

export type ReturnRecorded = { note: VoucherNote, returned: number | null, };

export type FieldSaid = { field: NoteField, ja: string, en: string, };

export type Refusal = { 
/**
 * Stable across versions and languages (`workflow.verify_own_work`, `store.disk_full`).
 */
code: string, ja: string, en: string, 
/**
 * Each said at its field.
 */
fields: Array<FieldSaid>, 
/**
 * The underlying message (a file system's, SQLite's), shown on hover only.
 */
detail: string | null, };

export type Problem = { line: number, 
/**
 * 1-based column (CSV field), when the problem is in one.
 */
column: number | null, why: string, 
/**
 * The same in Japanese, for the window.
 */
ja: string, };

export type ImportSummary = { batch_id: string, batch_label: string, list_kind: ListKind, list_id: string, rows: number, encoding: string, sha256: string, };

export type ImportWarning = { "warning": "same_rows", held: ListKind, rows: number, at: string | null, } | { "warning": "more_than", kind: ListKind, rows: number, than: ListKind, than_rows: number, };

export type ImportPreview = { summary: ImportSummary | null, 
/**
 * Every problem with the file, by line and column.
 */
problems: Array<Problem>, 
/**
 * What to ask before importing it (the same rows again, more rows than the list they come from).
 */
warnings: Array<ImportWarning>, 
/**
 * The first rows as they will be stored (field names first), when the file reads.
 */
sample: Array<Array<string>>, };

export type Cell = string | number;

export type Table = { 
/**
 * Sheet name in XLSX (31 characters at most).
 */
title: string, headers: Array<string>, rows: Array<Array<Cell>>, };

export type FileOut = "xlsx" | "csv_cp932" | "csv_utf8";

export type Session = { office: string, home: string, me: Member, members: Array<RosterEntry>, 
/**
 * Whether `me` has set their own secret on this laptop (the window asks until they have).
 */
secret: boolean, 
/**
 * The members who are deputies (代決者) now, by id.
 */
deputies: Array<string>, 
/**
 * Who can sign in on this laptop (the header's chooser).
 */
here: Array<MemberHere>, 
/**
 * Idle time before the window locks.
 */
idle_seconds: number, 
/**
 * The office's settings (an admin changes them on the sync screen).
 */
settings: OfficeSettings, };

export type RecordRequest = { batch: string, step: number, action: Action, 
/**
 * By the catalogue's names (`envelopes`), 0 or more.
 */
counts: Record<string, number>, note: string | null, send_back: string | null, 
/**
 * 取下げ・代決・後閲, or a plain entry.
 */
ask: Ask, };

export type ExportRequest = { 
/**
 * `postal-counts`, `pullouts`, ...
 */
kind: string, batch: string, 
/**
 * A spreadsheet, or CSV in Shift_JIS or UTF-8.
 */
out: FileOut, 
/**
 * The chosen file's token (see `files`).
 */
file: string, };

export type Named = { id: string, name: string, };

export type ArchiveDoubt = { "doubt": "no_sign_offs" } | { "doubt": "month_open", last_day: string, };

export type Exported = { month: string, batches: number, signoffs: number, lists: number, notes: number, 
/**
 * Lookups in the register (照会記録) that month.
 */
lookups: number, bytes: number, 
/**
 * What to ask before filing it (no sign-off in it, the month not over yet).
 */
doubts: Array<ArchiveDoubt>, };

export type ArchiveFiled = { exported: Exported, written: boolean, };

export type ArchiveCheck = { office: string, office_name: string, anchor: string, month: string, exported_by: Named, files: number, signoffs: number, problems: Array<string>, };

export type ClosedYear = { fiscal_year: number, 
/**
 * 令和7年度.
 */
year_ja: string, 
/**
 * Who closed it (their name).
 */
by: string, at: string, };

export type RetentionYear = { fiscal_year: number, 
/**
 * 令和元年度.
 */
year_ja: string, batches: number, kept_until: string, 
/**
 * Past its keeping on the day the list was made.
 */
due: boolean, closed: boolean, deleted: boolean, 
/**
 * The rule, in the office's words.
 */
rule: string, };

export type Retention = { 
/**
 * Fiscal years, oldest first (five years from the next).
 */
years: Array<RetentionYear>, 
/**
 * Persons who left the insurer (to the end of the fiscal year after).
 */
departed: DepartedDue, };

export type DepartedDue = { 
/**
 * Losses of coverage on or before this day are due.
 */
lost_by: string, 
/**
 * Persons (a voucher of a fiscal year) still in a list here.
 */
persons: number, 
/**
 * The fiscal years of their vouchers.
 */
years: Array<number>, 
/**
 * Fiscal years whose lists hold them and which are not closed yet (close them first).
 */
open_years: Array<number>, rule: string, };

export type RedactedNote = { 
/**
 * Persons who lost coverage on or before this day were deleted.
 */
lost_by: string, rows_before: number, removed: number, by_name: string, at: string, };

export type SyncSettings = { 
/**
 * Where other laptops reach this one (HOST:PORT).
 */
listen: string, 
/**
 * Announce this laptop and find the office's others on the LAN (mDNS).
 */
lan: boolean, 
/**
 * 同期停止: a contractor on the road works offline until they resume.
 */
paused: boolean, 
/**
 * Laptops dialled besides those found on the LAN (HOST:PORT), for networks without mDNS.
 */
peers: Array<string>, };

export type SyncFault = { "kind": "port_in_use", listen: string, } | { "kind": "listen", listen: string, why: string, } | { "kind": "lan", why: string, } | { "kind": "engine_running" } | { "kind": "engine", why: string, };

export type PeerView = { member: string, 
/**
 * The member's name, or the id when the roster does not hold them (a relay).
 */
name: string, role: Role | null, address: string | null, connected: boolean, last_seen: number | null, last_synced: number | null, 
/**
 * Documents that differ between the two laptops, as far as this one knows.
 */
pending: number, };

export type SyncWarning = { "kind": "unsent", since: number, } | { "kind": "unseen", member: string, since: number | null, };

export type SyncStanding = { 
/**
 * The peer this laptop was last in sync with, and when.
 */
last_with: string | null, last_at: number | null, 
/**
 * 未同期の記録: this laptop's own entries not yet sent (see [`standing`]).
 */
unsent: number, warnings: Array<SyncWarning>, };

export type SyncRefusal = { "kind": "other_office" } | { "kind": "not_member", member: string, } | { "kind": "removed", name: string, } | { "kind": "wrong_key", name: string, } | { "kind": "invite", why: string, } | { "kind": "other", why: string, };

export type Refused = { address: string, by_peer: boolean, why: SyncRefusal, };

export type SyncProgress = { held: number, of: number, bytes: number, };

export type SyncView = { settings: SyncSettings, running: boolean, 
/**
 * Where other laptops reach this one, while listening.
 */
listening: string | null, faults: Array<SyncFault>, peers: Array<PeerView>, refused: Array<Refused>, standing: SyncStanding, 
/**
 * The documents this laptop holds of those it knows of (while the engine runs).
 */
progress: SyncProgress, };

export type Opening = { "state": "locked" } | { "state": "no_office" } | { "state": "joining" } | { "state": "sign_in" } | { "state": "ready", session: Session, };

export type Joined = { office_name: string, member: string, name: string, 
/**
 * The invite's 照合番号 (see [`InviteFile::fingerprint`]).
 */
fingerprint: string, };

export type InviteMade = { name: string, file: string, fingerprint: string, };

export type CertificateView = { office_name: string, member_name: string, batches: Array<string>, documents: number, vouchers: number, synced_with: string, 
/**
 * Empty when it was destroyed on an admin's order (no sync first).
 */
synced_at: string, destroyed_at: string, 
/**
 * Whether an admin ordered it (消去命令).
 */
ordered: boolean, 
/**
 * Handed back to a section laptop on its last connection (else the file is the way).
 */
handed_back: boolean, 
/**
 * The file it was saved to; None when it could not be (the window then shows `text`, for
 * copying: the home is gone, and the certificate must not be).
 */
saved: string | null, text: string, };

export type RemovedLaptopView = { member_id: string, name: string, role: Role, ordered_at: string | null, };

export type ErasuresView = { removed: Array<RemovedLaptopView>, certificates: Array<CertificateView>, };

export type Chosen = { 
/**
 * What a command is given to name the file.
 */
token: string, 
/**
 * Its name, to show.
 */
name: string, };

export const LIST_KIND_JA: Record<ListKind, string> = {
  "targets": "対象者リスト",
  "rehearsal": "リハーサルデータ",
  "production": "本番リスト",
  "pullouts": "引抜き者リスト",
  "postal_counts": "郵便番号別件数リスト",
  "reissue_requests": "電子申請CSV",
  "returned": "返送リスト",
  "reissues": "再発行分",
  "checkup_results": "受診結果",
  "coverage_loss": "資格喪失者リスト",
};

export const COUNT_JA: Record<string, string> = {
  "targets": "対象者数",
  "production": "本番件数",
  "pulled_out": "引抜き数",
  "to_send": "発送予定数",
  "envelopes": "封入数",
  "sent": "発送数",
  "blank": "白紙数",
  "requested": "申請数",
  "issued": "発行数",
  "inquiries": "問合せ件数",
  "returned": "返戻数",
};

export const FIELD_JA: Record<string, string> = {
  "address": "住所",
  "application_no": "申請番号",
  "applied_on": "申請日",
  "birth": "生年月日",
  "checked_on": "受診日",
  "count": "件数",
  "insurer_no": "保険者番号",
  "kana": "カナ氏名",
  "lost_on": "喪失日",
  "name": "氏名",
  "postal": "郵便番号",
  "reason": "理由",
  "returned_on": "返送日",
  "sex": "性別",
  "sheet_no": "再発行番号",
  "valid_until": "有効期限",
  "voucher_no": "受診券整理番号",
};

export const REPORT_JA: Record<string, string> = {
  "postal-counts": "郵便番号別件数",
  "pullouts": "引抜き者リスト",
  "returned": "返送一覧",
  "age-check": "年齢確認",
  "reissues": "再発行分",
  "reissue-check": "再発行可否",
  "encouragement": "受診勧奨対象者",
  "encouragement-counts": "受診勧奨 郵便番号別件数",
  "inquiries": "問合せ突き合わせ",
  "vouchers": "受診券 印刷分",
};

export const PROCESSES: ProcessId[] = ["1-1", "1-2", "2", "3", "4", "5"];

export const BATCH_LABEL_MAX = 40;
