// Typed calls to the app's commands (src-tauri/src/lib.rs). Each refusal arrives as a Refusal (code, Japanese, English).
import { invoke } from "@tauri-apps/api/core";
import type {
  ArchiveCheck,
  ArchiveFiled,
  BatchProposal,
  BatchRef,
  BoardBatch,
  ExportRequest,
  Found,
  ImportPreview,
  ImportSummary,
  InquiryLogged,
  InquiryRequest,
  InviteMade,
  Joined,
  ListKind,
  ListPage,
  ListRef,
  NewBatch,
  Opening,
  ProcessId,
  RecordRequest,
  ReturnRecorded,
  ReturnRequest,
  Role,
  Session,
  SignInView,
  SignOffView,
  SyncSettings,
  SyncView,
  Table,
} from "./bindings";

export const api = {
  session: () => invoke<Session>("session"),
  opening: () => invoke<Opening>("opening"),
  createOffice: (officeName: string, myName: string) => invoke<Session>("create_office", { officeName, myName }),
  openDemo: () => invoke<Session>("open_demo"),
  joinOffice: (path: string, peer: string) => invoke<Joined>("join_office", { path, peer }),
  removeMember: (memberId: string) => invoke<Session>("remove_member", { memberId }),
  setDeputy: (memberId: string, deputy: boolean) => invoke<Session>("set_deputy", { memberId, deputy }),
  makeInvite: (name: string, role: Role, approver: boolean, path: string) =>
    invoke<InviteMade>("make_invite", { name, role, approver, path }),
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
  listPage: (batch: string, list: string, search: string, offset: number, limit: number) =>
    invoke<ListPage>("list_page", { batch, list, search, offset, limit }),
  registerPage: (query: string, offset: number, limit: number) =>
    invoke<Found>("register_page", { query, offset, limit }),
  inquiryBatches: () => invoke<BatchRef[]>("inquiry_batches"),
  returnedCount: (batch: string) => invoke<number>("returned_count", { batch }),
  recordReturn: (request: ReturnRequest) => invoke<ReturnRecorded>("record_return", { request }),
  logInquiry: (request: InquiryRequest) => invoke<InquiryLogged>("log_inquiry", { request }),
  previewImport: (kind: ListKind, batch: string, path: string) =>
    invoke<ImportPreview>("preview_import", { kind, batch, path }),
  importList: (kind: ListKind, batch: string, path: string, confirmed: boolean) =>
    invoke<ImportSummary>("import_list", { kind, batch, path, confirmed }),
  reportTable: (kind: string, batch: string) => invoke<Table>("report_table", { kind, batch }),
  exportReport: (request: ExportRequest) => invoke<string>("export_report", { request }),
  archiveExport: (month: string, path: string, passphrase: string, confirmed: boolean) =>
    invoke<ArchiveFiled>("archive_export", { month, path, passphrase, confirmed }),
  archiveVerify: (path: string, passphrase: string) => invoke<ArchiveCheck>("archive_verify", { path, passphrase }),
  printPdf: (kind: string, batch: string, path: string) => invoke<string>("print_pdf", { kind, batch, path }),
  syncView: () => invoke<SyncView>("sync_view"),
  syncSettings: (settings: SyncSettings) => invoke<SyncView>("sync_settings", { settings }),
  syncNow: () => invoke<SyncView>("sync_now"),
};
