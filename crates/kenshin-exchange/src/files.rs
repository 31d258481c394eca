//! Writing a file people will rely on: the whole file or nothing.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` through a temporary file beside it, synced and then renamed over it,
/// so a crash or a full disk leaves either the old file or the new one, never half of one.
pub fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let tmp = dir.join(format!(
        ".{}.{}.part",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Why a sealed export could not be made or opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("a passphrase for an export needs at least 8 characters")]
    ShortPassphrase,
    #[error("{0} is not a sealed export (a zip holding one AES-encrypted file)")]
    NotSealed(String),
    #[error("{0}: the passphrase is wrong")]
    WrongPassphrase(String),
    #[error("{0}: {1}")]
    Zip(String, String),
}

/// Seals an export for carrying: a zip holding the file `name`, encrypted with AES-256 under
/// `passphrase` (WinZip AES, which 7-Zip and most archivers open), so it can go on a USB stick or
/// by mail without the personal data in it being readable on the way.
pub fn seal(name: &str, bytes: &[u8], passphrase: &str) -> Result<Vec<u8>, SealError> {
    if passphrase.chars().count() < 8 {
        return Err(SealError::ShortPassphrase);
    }
    let zip_err = |e: zip::result::ZipError| SealError::Zip(name.to_string(), e.to_string());
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .with_aes_encryption(zip::AesMode::Aes256, passphrase);
    zip.start_file(name, options).map_err(zip_err)?;
    zip.write_all(bytes)
        .map_err(|e| SealError::Zip(name.to_string(), e.to_string()))?;
    Ok(zip.finish().map_err(zip_err)?.into_inner())
}

/// An export as it is carried (the one policy of the CLI and the window): with a passphrase, sealed
/// holding the file under its own name and kept under a name ending in `.zip`; without, as it is.
pub fn carried(
    path: &Path,
    bytes: Vec<u8>,
    passphrase: Option<&str>,
) -> Result<(PathBuf, Vec<u8>), SealError> {
    let Some(passphrase) = passphrase else {
        return Ok((path.to_path_buf(), bytes));
    };
    let name = path
        .file_name()
        .map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned());
    let sealed = seal(&name, &bytes, passphrase)?;
    let zipped = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    let path = if zipped {
        path.to_path_buf()
    } else {
        path.with_file_name(format!("{name}.zip"))
    };
    Ok((path, sealed))
}

/// Whether `bytes` are a sealed export (see [`seal`]) rather than the export itself.
pub fn is_sealed(bytes: &[u8]) -> bool {
    zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .is_ok_and(|mut z| z.len() == 1 && z.by_index_raw(0).is_ok_and(|f| f.encrypted()))
}

/// Opens a sealed export: the name and bytes of the file inside.
pub fn unseal(file: &str, bytes: &[u8], passphrase: &str) -> Result<(String, Vec<u8>), SealError> {
    if !is_sealed(bytes) {
        return Err(SealError::NotSealed(file.to_string()));
    }
    let zip_err = |e: zip::result::ZipError| SealError::Zip(file.to_string(), e.to_string());
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(zip_err)?;
    let mut inner = match z.by_index_decrypt(0, passphrase.as_bytes()) {
        Ok(f) => f,
        Err(zip::result::ZipError::InvalidPassword) => {
            return Err(SealError::WrongPassphrase(file.to_string()))
        }
        Err(e) => return Err(zip_err(e)),
    };
    let name = inner.name().to_string();
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut inner, &mut out)
        .map_err(|e| SealError::Zip(file.to_string(), e.to_string()))?;
    Ok((name, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_is_carried_sealed_under_a_zip_name_or_as_it_is() {
        let plain = carried(Path::new("/out/引抜き.csv"), b"a,b".to_vec(), None).unwrap();
        assert_eq!(plain, (PathBuf::from("/out/引抜き.csv"), b"a,b".to_vec()));
        let (path, bytes) = carried(
            Path::new("/out/引抜き.csv"),
            b"a,b".to_vec(),
            Some("秋の事跡 2026"),
        )
        .unwrap();
        assert_eq!(path, PathBuf::from("/out/引抜き.csv.zip"));
        assert_eq!(
            unseal("x", &bytes, "秋の事跡 2026").unwrap(),
            ("引抜き.csv".to_string(), b"a,b".to_vec())
        );
        for name in ["/out/事跡.zip", "/out/事跡.ZIP"] {
            let (path, _) = carried(Path::new(name), Vec::new(), Some("秋の事跡 2026")).unwrap();
            assert_eq!(path, PathBuf::from(name));
        }
    }

    #[test]
    fn whole_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.zip");
        super::write_whole(&path, b"one").unwrap();
        super::write_whole(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert!(super::write_whole(&dir.path().join("no/such/dir/a.zip"), b"x").is_err());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
    }

    #[test]
    fn sealed_exports_open_only_with_their_passphrase() {
        let secret = "山田 太郎,城南市富士見5丁目".repeat(20);
        let sealed = super::seal("事跡.zip", secret.as_bytes(), "春の健診 2026").unwrap();
        assert!(super::is_sealed(&sealed));
        assert!(!super::is_sealed(secret.as_bytes()));
        let needle = "山田".as_bytes();
        assert!(!sealed.windows(needle.len()).any(|w| w == needle));
        let (name, bytes) = super::unseal("a.zip", &sealed, "春の健診 2026").unwrap();
        assert_eq!(
            (name.as_str(), bytes.as_slice()),
            ("事跡.zip", secret.as_bytes())
        );
        assert!(matches!(
            super::unseal("a.zip", &sealed, "秋の健診 2026"),
            Err(super::SealError::WrongPassphrase(_))
        ));
        assert!(matches!(
            super::seal("x", b"x", "short"),
            Err(super::SealError::ShortPassphrase)
        ));
    }
}
