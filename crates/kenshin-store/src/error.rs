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
    #[error("home {path}: the passphrase is wrong")]
    WrongPassphrase { path: String },
    #[error("a passphrase needs at least 8 characters")]
    ShortPassphrase,
    /// A member's sealed signing key that this build cannot read (not one it wrote).
    #[error("a member's sealed key: {0}")]
    BadSealedKey(String),
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

/// Whether SQLite's last failure on `conn` was the disk running out of space. SQLite says so
/// itself (SQLITE_FULL) for the database and its log, but only "disk I/O error" when the space
/// runs out while it makes the WAL index, as the first read after opening does.
pub(crate) fn out_of_space(conn: &rusqlite::Connection) -> bool {
    // SAFETY: the handle belongs to `conn`, which is alive for the call; the call only reads the
    // errno SQLite kept from the connection's last failed system call.
    let errno = unsafe { rusqlite::ffi::sqlite3_system_errno(conn.handle()) };
    std::io::Error::from_raw_os_error(errno).kind() == std::io::ErrorKind::StorageFull
}
