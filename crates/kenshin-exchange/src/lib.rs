//! Files in and out: municipal CSV imports (CP932 or UTF-8, auto-detected) checked whole with
//! `file:line:column` problems, reports as CSV or XLSX, and the synthetic data generator.

pub mod decode;
pub mod import;
pub mod report;
pub mod synth;

pub use decode::TextEncoding;
pub use import::{import, Imported, Problem, Refused};
pub use report::{Cell, ReportError, Table};
