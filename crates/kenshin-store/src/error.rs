use thiserror::Error;

/// What can go wrong reading or writing a home.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("cannot create the home folder {path}: {source}")]
    CreateHome {
        path: String,
        source: std::io::Error,
    },
    #[error("home {path}: {why}")]
    Key { path: String, why: String },
    #[error("database: {0}")]
    Sqlite(rusqlite::Error),
    /// SQLite rolled the transaction back: nothing of it was written.
    #[error("the disk is full: nothing was written; free some space on it and try again")]
    DiskFull,
    #[error("document {doc}: {source}")]
    Automerge {
        doc: String,
        source: Box<automerge::AutomergeError>,
    },
    #[error("document {doc} is not a valid {what}: {why}")]
    Shape {
        doc: String,
        what: &'static str,
        why: String,
    },
    #[error("document {0} is not in this home")]
    MissingDocument(String),
    #[error("this home was written by a newer Kenshin (schema {found}, this build reads up to {supported})")]
    NewerSchema { found: i64, supported: i64 },
    #[error("the home {path} was made by an earlier development build (schema {found}) whose documents are unsigned; start a new home (an empty folder, or `kenshin demo`)")]
    OlderSchema { path: String, found: i64 },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => StoreError::DiskFull,
            _ => StoreError::Sqlite(e),
        }
    }
}
