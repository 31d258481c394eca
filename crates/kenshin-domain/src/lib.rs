//! Kenshin's business rules, with no IO: the process catalogue of the voucher business and the
//! workflow state derived from each batch's append-only sign-off log, the age rule, dates in the era
//! calendar, the rows lists hold and the counts that must reconcile.

pub mod age;
pub mod batch;
pub mod catalogue;
pub mod dates;
pub mod decide;
pub mod erasure;
pub mod evidence;
pub mod filing;
pub mod fiscal;
pub mod lists;
pub mod reconcile;
pub mod register;
pub mod retention;
pub mod roster;
pub mod rows;
pub mod said;
pub mod secret;
pub mod settings;
pub mod signed;
pub mod sync;
pub mod text;
pub mod trust;
pub mod voucher;
pub mod workflow;

pub use batch::BatchRef;
pub use catalogue::{process, processes, Action, Process, ProcessId, Role, Step, StepKind};
pub use fiscal::fiscal_year;
pub use lists::{ListKind, ListRef};
pub use roster::RosterEntry;
pub use workflow::{
    check, derive, finished, may, Member, Proposal, Refusal, SignOff, Status, StepState,
};
