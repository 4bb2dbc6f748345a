//! The names QuantumVault uses on the two drives, and how to tell them
//! apart from anything else in the folders.
//!
//! ```text
//! primary/                      backup/
//!   state.json   (commit point)   .system_backup/
//!   token_{r}.bin                   pair.json      (pair id; written once)
//!   audit.log                       backup_{r}.enc
//! ```

/// The commit point of every change on the primary.
pub const STATE: &str = "state.json";
/// The drive audit log on the primary.
pub const AUDIT: &str = "audit.log";
/// The backup folder inside the backup drive's chosen folder.
pub const BACKUP_DIR: &str = ".system_backup";
/// The pair marker on the backup drive (`.system_backup/pair.json`).
pub const PAIR: &str = ".system_backup/pair.json";
/// Suffix of our own temporary files ([`super::native::FolderDrive`]).
pub const TEMP_SUFFIX: &str = ".qvtmp";
/// Suffix of Chromium's swap files for `createWritable()`; a crash can leave them.
pub const CRSWAP_SUFFIX: &str = ".crswap";

/// `token_{r}.bin`.
#[must_use]
pub fn token(rotation: u32) -> String {
    format!("token_{rotation}.bin")
}

/// `.system_backup/backup_{r}.enc`.
#[must_use]
pub fn backup(rotation: u32) -> String {
    format!("{BACKUP_DIR}/backup_{rotation}.enc")
}

/// What a name in one of our folders is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name {
    /// `state.json`
    State,
    /// `audit.log`
    Audit,
    /// `token_{r}.bin`
    Token(u32),
    /// `.system_backup`
    BackupDir,
    /// `pair.json` (inside `.system_backup`)
    Pair,
    /// `backup_{r}.enc` (inside `.system_backup`)
    Backup(u32),
    /// A temporary file of an interrupted write.
    Temp,
    /// Not ours.
    Foreign,
}

/// A canonical decimal rotation number (no sign, no leading zeros).
fn rotation(text: &str) -> Option<u32> {
    if text.is_empty() || (text.len() > 1 && text.starts_with('0')) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Classifies one name found in a folder. `in_backup_dir` says whether the
/// folder is `.system_backup` (where backups live) or a drive's own folder.
#[must_use]
pub fn classify(name: &str, in_backup_dir: bool) -> Name {
    if name.ends_with(TEMP_SUFFIX) || name.ends_with(CRSWAP_SUFFIX) {
        return Name::Temp;
    }
    if in_backup_dir {
        if name == "pair.json" {
            return Name::Pair;
        }
        return name
            .strip_prefix("backup_")
            .and_then(|r| r.strip_suffix(".enc"))
            .and_then(rotation)
            .map_or(Name::Foreign, Name::Backup);
    }
    match name {
        STATE => Name::State,
        AUDIT => Name::Audit,
        BACKUP_DIR => Name::BackupDir,
        _ => name
            .strip_prefix("token_")
            .and_then(|r| r.strip_suffix(".bin"))
            .and_then(rotation)
            .map_or(Name::Foreign, Name::Token),
    }
}

/// Names that operating systems put into folders by themselves; they are
/// neither ours nor a sign that the user picked the wrong folder.
#[must_use]
pub fn is_os_noise(name: &str) -> bool {
    matches!(
        name,
        ".DS_Store"
            | "Thumbs.db"
            | "desktop.ini"
            | ".Spotlight-V100"
            | ".Trashes"
            | ".fseventsd"
            | "System Volume Information"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drive_layout_names() {
        assert_eq!(classify(&token(7), false), Name::Token(7));
        assert_eq!(classify("token_07.bin", false), Name::Foreign);
        assert_eq!(classify("token_-1.bin", false), Name::Foreign);
        assert_eq!(classify("token_4294967296.bin", false), Name::Foreign);
        assert_eq!(classify("backup_3.enc", true), Name::Backup(3));
        assert_eq!(backup(3), ".system_backup/backup_3.enc");
        assert_eq!(classify("backup_3.enc", false), Name::Foreign);
        assert_eq!(classify("state.json.qvtmp", false), Name::Temp);
        assert_eq!(classify("token_1.bin.crswap", false), Name::Temp);
        assert_eq!(classify("notes.txt", false), Name::Foreign);
        assert_eq!(classify("pair.json", true), Name::Pair);
        assert_eq!(classify(STATE, false), Name::State);
    }
}
