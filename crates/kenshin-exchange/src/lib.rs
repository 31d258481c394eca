//! Files in and out: municipal CSV imports (CP932 or UTF-8, auto-detected) checked whole with
//! `file:line:column` problems, reports as CSV or XLSX, the monthly archive (zip) and print PDFs, and the synthetic data generator.

pub mod archive;
pub mod decode;
pub mod files;
pub mod import;
pub mod pdf;
pub mod print;
pub mod report;
pub mod synth;

pub use decode::TextEncoding;
pub use files::{carried, is_sealed, seal, unseal, write_whole, SealError};
pub use import::{import, Imported, Problem, Refused};
pub use report::{Cell, FileOut, ReportError, Table};
