// Typed calls to the app's commands (src-tauri/src/lib.rs). Each refusal arrives as a Refusal (code, Japanese, English).
import { invoke as tauriInvoke } from "@tauri-apps/api/core";
import type {
  ArchiveCheck,
  ClosedYear,
  Retention,
  ArchiveFiled,
  BatchProposal,
  BatchRef,
  BoardBatch,
  CertificateView,
  Chosen,
  ExportRequest,
  Found,
  ImportPreview,
  ImportSummary,
  InquiryLogged,
  InquiryRequest,
  InsurerForm,
  InviteMade,
  Joined,
  ListKind,
  ListPage,
  ListRef,
  OfficeSettings,
  NewBatch,
  Opening,
  ProcessId,
  Recount,
  RecordRequest,
  ReissueRequestForm,
  ReturnRecorded,
  ReturnRequest,
  Role,
  Session,
  SignInView,
  SignOffView,
  SyncSettings,
  SyncView,
  Table,
  VoucherCheck,
  ErasuresView,
  WorkingBoard,
} from "./bindings";

/// What the shown screen has read since it was drawn (the latest answer to each call), so that it is
/// drawn again, when shown again, only if an answer differs (`sameAnswers`). Any other call while it
/// is shown (a write, a preview, a lookup), or more reads than are worth asking again, and it is
/// drawn afresh. The sync view is left out: it changes every minute and the sync screen refreshes its
/// part in place.
export type Asked = { calls: Map<string, [string, Record<string, unknown> | undefined, Promise<string>]>; fresh: boolean };
const READS = new Set(["session", "erasures", "working_board", "board", "lists", "recounts", "list_page", "register_page", "inquiry_batches", "returned_count", "closed_years", "retention"]);
const MOST_READS = 16;
let shown: Asked | null = null;

/// Notes what the screen now shown reads (null: nothing).
export function showing(asked: Asked | null): void {
  shown = asked;
}

export function isShowing(asked: Asked): boolean {
  return shown === asked;
}

export function asked(): Asked {
  return { calls: new Map(), fresh: false };
}

function invoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  const answer = tauriInvoke<T>(cmd, args);
  if (!shown || cmd === "sync_view") return answer;
  const key = `${cmd} ${JSON.stringify(args ?? null)}`;
  if (!READS.has(cmd) || (!shown.calls.has(key) && shown.calls.size >= MOST_READS)) shown.fresh = true;
  // A refused call is never the same answer again: its screen is drawn again.
  else shown.calls.set(key, [cmd, args, answer.then((a) => JSON.stringify(a)).catch(() => "\u0000refused")]);
  return answer;
}

/// Forgets the shown screen's reads of `cmd`: it no longer shows their answers (a new search).
export function forgetReads(cmd: string): void {
  for (const key of shown?.calls.keys() ?? []) if (key.startsWith(`${cmd} `)) shown?.calls.delete(key);
}

/// Whether every call the screen made answers the same now.
export async function sameAnswers(asked: Asked): Promise<boolean> {
  if (asked.fresh) return false;
  try {
    const now = await Promise.all([...asked.calls.values()].map(async ([cmd, args, answer]) => JSON.stringify(await tauriInvoke(cmd, args)) === (await answer)));
    return now.every(Boolean);
  } catch {
    return false;
  }
}

export const api = {
  session: () => invoke<Session>("session"),
  opening: () => invoke<Opening>("opening"),
  createOffice: (officeName: string, myName: string) => invoke<Session>("create_office", { officeName, myName }),
  openDemo: () => invoke<Session>("open_demo"),
  chooseFile: (ext: string[], save: string | null) => invoke<Chosen | null>("choose_file", { ext, save }),
  joinOffice: (file: string, peer: string) => invoke<Joined>("join_office", { file, peer }),
  removeMember: (memberId: string, erase: boolean) => invoke<Session>("remove_member", { memberId, erase }),
  erasures: () => invoke<ErasuresView>("erasures"),
  workingBoard: (all: boolean) => invoke<WorkingBoard>("working_board", { all }),
  orderErasure: (memberId: string) => invoke<ErasuresView>("order_erasure", { memberId }),
  saveErasedCertificate: (file: string) => invoke<string>("save_erased_certificate", { file }),
  leaveOffice: (file: string) => invoke<CertificateView>("leave_office", { file }),
  checkCertificate: (file: string) => invoke<CertificateView>("check_certificate", { file }),
  setDeputy: (memberId: string, deputy: boolean) => invoke<Session>("set_deputy", { memberId, deputy }),
  setSettings: (settings: OfficeSettings) => invoke<Session>("set_settings", { settings }),
  setInsurer: (form: InsurerForm) => invoke<Session>("set_insurer", { form }),
  checkVoucher: (voucher: string, on: string) => invoke<VoucherCheck>("check_voucher", { voucher, on }),
  resetMember: (memberId: string) => invoke<Session>("reset_member", { memberId }),
  changeRole: (memberId: string, role: Role, approver: boolean) => invoke<Session>("change_role", { memberId, role, approver }),
  makeInvite: (name: string, role: Role, approver: boolean, file: string) =>
    invoke<InviteMade>("make_invite", { name, role, approver, file }),
  unlock: (passphrase: string) => invoke<Opening>("unlock", { passphrase }),
  actAs: (memberId: string, secretGiven: string | null, newSecret: string | null) =>
    invoke<Session>("act_as", { memberId, secretGiven, newSecret }),
  changeSecret: (current: string, newSecret: string) => invoke<Session>("change_secret", { current, newSecret }),
  lock: () => invoke<null>("lock"),
  signInView: () => invoke<SignInView>("sign_in_view"),
  board: () => invoke<BoardBatch[]>("board"),
  proposeBatch: (process: ProcessId, month: string, label: string | null) =>
    invoke<BatchProposal>("propose_batch", { process, month, label }),
  newBatch: (request: NewBatch) => invoke<BatchRef>("new_batch", { request }),
  record: (request: RecordRequest) => invoke<SignOffView>("record", { request }),
  lists: (batch: string) => invoke<ListRef[]>("lists", { batch }),
  recounts: (batch: string, counts: Record<string, number>) => invoke<Recount[]>("recounts", { batch, counts }),
  listPage: (batch: string, list: string, search: string, offset: number, limit: number) =>
    invoke<ListPage>("list_page", { batch, list, search, offset, limit }),
  registerPage: (query: string, offset: number, limit: number) =>
    invoke<Found>("register_page", { query, offset, limit }),
  inquiryBatches: () => invoke<BatchRef[]>("inquiry_batches"),
  returnedCount: (batch: string) => invoke<number>("returned_count", { batch }),
  recordReturn: (request: ReturnRequest) => invoke<ReturnRecorded>("record_return", { request }),
  requestReissue: (request: ReissueRequestForm) => invoke<ImportSummary>("request_reissue", { request }),
  logInquiry: (request: InquiryRequest) => invoke<InquiryLogged>("log_inquiry", { request }),
  previewImport: (kind: ListKind, batch: string, file: string) =>
    invoke<ImportPreview>("preview_import", { kind, batch, file }),
  importList: (kind: ListKind, batch: string, file: string, confirmed: boolean) =>
    invoke<ImportSummary>("import_list", { kind, batch, file, confirmed }),
  reportTable: (kind: string, batch: string) => invoke<Table>("report_table", { kind, batch }),
  exportReport: (request: ExportRequest) => invoke<string>("export_report", { request }),
  archiveExport: (month: string, file: string, passphrase: string, confirmed: boolean) =>
    invoke<ArchiveFiled>("archive_export", { month, file, passphrase, confirmed }),
  archiveVerify: (file: string, passphrase: string) => invoke<ArchiveCheck>("archive_verify", { file, passphrase }),
  yearClose: (fiscalYear: number) => invoke<ClosedYear[]>("year_close", { fiscalYear }),
  closedYears: () => invoke<ClosedYear[]>("closed_years"),
  retention: () => invoke<Retention>("retention"),
  purgeYear: (fiscalYear: number) => invoke<Retention>("purge_year", { fiscalYear }),
  purgeDeparted: () => invoke<Retention>("purge_departed"),
  printPdf: (kind: string, batch: string, file: string) => invoke<string>("print_pdf", { kind, batch, file }),
  syncView: () => invoke<SyncView>("sync_view"),
  syncSettings: (settings: SyncSettings) => invoke<SyncView>("sync_settings", { settings }),
  syncNow: () => invoke<SyncView>("sync_now"),
};
