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

/// What a screen asked while it was drawn, noted so that it is drawn again only when an answer
/// differs (`sameAnswers`). Only reads are noted and asked again; a screen that wrote while it was
/// drawn is not kept. The sync view is left out: it changes every minute and the sync screen
/// refreshes its part in place.
export type Asked = { calls: [string, Record<string, unknown> | undefined, Promise<string>][]; wrote: boolean };
const READS = new Set(["session", "erasures", "working_board", "board", "lists", "recounts", "list_page", "register_page", "inquiry_batches", "returned_count", "closed_years", "retention"]);
/// Every screen being drawn notes every call made meanwhile (two may overlap: more is compared).
const noting = new Set<Asked>();

function invoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  const answer = tauriInvoke<T>(cmd, args);
  if (cmd === "sync_view") return answer;
  // A refused call is never the same answer again: its screen is drawn again.
  const text = READS.has(cmd) ? answer.then((a) => JSON.stringify(a)).catch(() => "\u0000refused") : null;
  for (const asked of noting) {
    if (text) asked.calls.push([cmd, args, text]);
    else asked.wrote = true;
  }
  return answer;
}

/// Draws a screen, noting what it asks; null when it wrote (it is drawn again each time).
export async function noted(draw: () => Promise<void>): Promise<Asked | null> {
  const asked: Asked = { calls: [], wrote: false };
  noting.add(asked);
  try {
    await draw();
  } finally {
    noting.delete(asked);
  }
  return asked.wrote ? null : asked;
}

/// Whether every call a screen made while it was drawn answers the same now.
export async function sameAnswers(asked: Asked): Promise<boolean> {
  try {
    for (const [cmd, args, answer] of asked.calls) {
      if (JSON.stringify(await tauriInvoke(cmd, args)) !== (await answer)) return false;
    }
    return true;
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
