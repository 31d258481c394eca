use kenshin_domain::workflow::BadCount;
use kenshin_domain::Refusal;
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
    #[error("{home} already belongs to the office {office:?}")]
    AlreadyInitialised { home: String, office: String },
    #[error("no member called {0:?} in this office (see `kenshin member list`)")]
    UnknownMember(String),
    #[error("a member called {0:?} is already in the office")]
    DuplicateMember(String),
    #[error("approver authority (決裁権限) is for section members; a contractor cannot have it")]
    ContractorApprover,
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
    Empty { what: &'static str },
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
    Evidence { step: u8, why: String },
    #[error("{0}")]
    Invalid(String),
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

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
