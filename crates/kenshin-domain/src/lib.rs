//! Kenshin's business rules, with no IO: the process catalogue of the voucher business and the
//! workflow state derived from each batch's append-only sign-off log.

pub mod catalogue;
pub mod fiscal;
pub mod lists;
pub mod workflow;

pub use catalogue::{process, processes, Action, Process, ProcessId, Role, Step, StepKind};
pub use fiscal::fiscal_year;
pub use lists::ListKind;
pub use workflow::{check, derive, Member, Proposal, Refusal, SignOff, Status, StepState};
