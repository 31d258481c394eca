use kenshin_domain::workflow::BadCount;
use kenshin_domain::{ProcessId, Refusal, Status};
use kenshin_store::StoreError;
use thiserror::Error;

/// Why the core refused or failed a request. Every message is one line, saying what and why.
#[derive(Debug, Error)]
pub enum CoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    BadCount(#[from] BadCount),
    #[error("{home} has no office yet: run `kenshin office init --name NAME --me NAME` (or `kenshin demo`)")]
    NoOffice { home: String },
    #[error("{home} has joined an office but has not synced yet: run `kenshin sync --peer HOST:PORT` with a member's laptop")]
    NotSynced { home: String },
    #[error(
        "{member}'s keys are not on this laptop: only members who use this laptop can act here"
    )]
    KeysElsewhere { member: String },
    #[error(
        "{member} has a secret (PIN or passphrase) on this laptop: type it, or set KENSHIN_SECRET"
    )]
    SecretNeeded { member: String },
    #[error("{member}'s secret is wrong ({left} tries left before each try waits)")]
    WrongSecret { member: String, left: u32 },
    #[error("too many wrong secrets for {member} in a row: wait {seconds} s before the next try")]
    SecretWait { member: String, seconds: i64 },
    #[error(transparent)]
    WeakSecret(#[from] kenshin_domain::secret::WeakSecret),
    #[error(transparent)]
    BadSetting(#[from] kenshin_domain::settings::BadSetting),
    #[error(transparent)]
    Year(#[from] kenshin_domain::filing::YearRefusal),
    #[error(transparent)]
    Retention(#[from] kenshin_domain::retention::RetentionRefusal),
    #[error(transparent)]
    Erasure(#[from] kenshin_domain::erasure::ErasureRefusal),
    #[error("the archive of {month} was written but does not check ({problems} problems): it is not counted as filed; export it again")]
    ArchiveNotFiled {
        month: kenshin_domain::dates::Month,
        problems: usize,
    },
    #[error("this list needs confirming before it is imported: {}", .warnings.iter().map(|w| format!("{w:?}")).collect::<Vec<_>>().join("; "))]
    ImportUnconfirmed {
        warnings: Vec<kenshin_domain::lists::ImportWarning>,
    },
    #[error("{member} is this laptop's own member: with a forgotten secret, the laptop joins again with a new invite")]
    ResetHomeMember { member: String },
    #[error("{home} already belongs to the office {office:?}")]
    AlreadyInitialised { home: String, office: String },
    #[error("no member called {0:?} in this office (see `kenshin member list`)")]
    UnknownMember(String),
    #[error("a member called {0:?} is already in the office")]
    DuplicateMember(String),
    #[error("approver authority (決裁権限) is for section members; a contractor cannot have it")]
    ContractorApprover,
    #[error("this laptop holds no data key of the office to seal with toward a relay: an admin makes one (`kenshin office data-key`), and this laptop receives it on its next sync with a member's laptop")]
    NoDataKey,
    #[error("{member} is not an office admin; only an admin may {what}")]
    NotAdmin { member: String, what: &'static str },
    #[error("no batch {0:?} (give its id, a unique start of its id, or its label; see `kenshin batch list`)")]
    UnknownBatch(String),
    #[error("{given:?} matches several batches: {candidates}; give more of the id")]
    AmbiguousBatch { given: String, candidates: String },
    #[error("a batch of process {process} labelled {label:?} already exists ({batch_id})")]
    DuplicateBatch {
        process: String,
        label: String,
        batch_id: String,
    },
    #[error(transparent)]
    BadLabel(#[from] kenshin_domain::batch::BadLabel),
    /// Fields of a form that cannot be taken as typed, each with its place.
    #[error("{}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "))]
    Fields(Vec<kenshin_domain::register::FieldProblem>),
    #[error("{what} must not be empty")]
    Empty { what: Blank },
    #[error(transparent)]
    Import(#[from] kenshin_exchange::Refused),
    #[error(transparent)]
    Report(#[from] kenshin_exchange::ReportError),
    #[error(transparent)]
    Print(#[from] kenshin_exchange::pdf::PdfError),
    #[error(transparent)]
    Archive(#[from] kenshin_exchange::archive::ArchiveError),
    #[error("process {process} batches take no {kind} list (they take: {accepted})")]
    ListNotForProcess {
        process: String,
        kind: String,
        accepted: String,
    },
    #[error("the {kind} list cannot change: step {step} used it and is {status}; send step {step} back first")]
    ListInUse {
        kind: String,
        step: u8,
        status: String,
    },
    #[error("the {kind} list comes after step {step} ({step_name}), which is {status}")]
    ListTooEarly {
        kind: String,
        step: u8,
        step_name: String,
        status: String,
    },
    #[error("step {step} needs the {kind} list first: {how}")]
    MissingList { step: u8, kind: String, how: String },
    #[error("step {step} refused: {why}")]
    Evidence {
        step: u8,
        why: kenshin_domain::decide::EvidenceRefusal,
    },
    #[error("the {kind} list is made by a step, not imported")]
    NotImportable { kind: kenshin_domain::ListKind },
    #[error("an admin cannot remove themselves")]
    RemoveSelf,
    #[error("{file}: not a Kenshin invite file ({why})")]
    BadInvite { file: String, why: String },
    #[error("batch {label} is process {process}; inquiries are logged in a process 4 batch")]
    NotInquiryBatch { label: String, process: ProcessId },
    #[error(
        "no open process 4 batch to log inquiries in: kenshin batch new --process 4 --label LABEL"
    )]
    NoInquiryBatch,
    #[error("batch {label}: the cross-check (step 2) is {}; log new inquiries in a new process 4 batch", .status.as_str())]
    InquiriesClosed { label: String, status: Status },
    #[error("process {process} batches mail nothing, so nothing comes back")]
    MailsNothing { process: ProcessId },
    #[error("batch {label}: returns are recorded after step {step} (send)")]
    ReturnsBeforeSend { label: String, step: u8 },
    #[error("the {} report is for process {} batches; {label} is process {process}", .report.code(), .wants.iter().map(|p| p.code()).collect::<Vec<_>>().join(" / "))]
    ReportNotForProcess {
        report: crate::ReportKind,
        wants: Vec<ProcessId>,
        label: String,
        process: ProcessId,
    },
    #[error("batch {label}: the vouchers are printed once step {step} is verified; it is {}", .status.as_str())]
    PrintBeforeVerify {
        label: String,
        step: u8,
        status: Status,
    },
    #[error(
        "batch {label} (process {process}) prints no vouchers: print an issuing or reissue batch's"
    )]
    NoVouchersToPrint { label: String, process: ProcessId },
    #[error("batch {label} holds no such list (it may have been replaced)")]
    UnknownList { label: String },
    #[error("batch {label} has no {kind} list yet")]
    ReportNeedsList {
        label: String,
        kind: kenshin_domain::ListKind,
    },
    #[error("this archive is of office {office}, not of this laptop's office {mine}: give that office's anchor key with --anchor to check it")]
    OtherOfficeArchive { office: String, mine: String },
    #[error("{what} {address:?} is not HOST:PORT (e.g. 192.168.1.20:7787)")]
    NotAnAddress { what: &'static str, address: String },
    /// A document this laptop cannot judge whole (written by a newer Kenshin, or its meta does not
    /// hold): it is shown, never written to.
    #[error("{}: {why}", .batch.as_ref().map_or("the office document".to_string(), |b| format!("batch {b}")))]
    Closed {
        /// The batch's label; None for the office document.
        batch: Option<String>,
        why: String,
    },
    /// A fault of this program, not of what was asked (a document it wrote and cannot read back).
    #[error("{0}")]
    Internal(String),
    #[error("sync: {0}")]
    Sync(String),
    #[error("a sync engine already runs on {home} (the app, `kenshin serve` or `kenshin sync`): sync from there, or stop it first")]
    EngineRunning { home: String },
    #[error("automerge: {0}")]
    Automerge(Box<automerge::AutomergeError>),
}

impl From<automerge::AutomergeError> for CoreError {
    fn from(e: automerge::AutomergeError) -> Self {
        CoreError::Automerge(Box::new(e))
    }
}

/// A field that was left empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blank {
    OfficeName,
    YourName,
    MemberName,
    Search,
}

impl std::fmt::Display for Blank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Blank::OfficeName => "the office name",
            Blank::YourName => "your name",
            Blank::MemberName => "the member's name",
            Blank::Search => "the search",
        })
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
