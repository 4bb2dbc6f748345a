//! Cleaning up after an interrupted change. `state.json` is the commit
//! point, so anything that disagrees with it is either a leftover of a change
//! that never committed (newer rotation) or a file the last committed change
//! had not yet removed (older rotation). Both go — but only once the file
//! `state.json` names is present: nothing that could still be needed is
//! removed.

use super::Drive;
use super::common::{b, check_distinct, check_pair, classified, foreign, p, read_pair, read_state};
use super::error::{DriveError, DriveRole};
use super::layout::{self, Name};
use super::state::State;

/// What [`recover_interrupted`] did and saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Files removed (paths inside their drive), primary first.
    pub removed: Vec<String>,
    /// Files that are not QuantumVault's; left alone.
    pub foreign: Vec<String>,
    /// Whether the backup drive holds the backup of the current rotation
    /// (`None` when no backup drive was given).
    pub backup_current: Option<bool>,
}

/// Run on every open, before anything else reads the drives: removes the
/// leftovers of an interrupted change and returns the state it checked
/// them against.
///
/// # Errors
/// Everything [`super::unlock()`] reports about a missing or damaged
/// `state.json`, swapped drives, a backup of another pair, I/O.
pub async fn recover_interrupted<D: Drive>(
    primary: &D,
    backup: Option<&D>,
) -> Result<(State, RecoveryReport), DriveError> {
    let mut report = RecoveryReport::default();
    if let Some(backup) = backup {
        check_distinct(primary, backup).await?;
    }
    let state = read_state(primary).await?;
    let names = classified(primary, "", DriveRole::Primary).await?.unwrap_or_default();
    report.foreign = foreign(&names);
    let current = layout::token(state.rotation);
    let has_current = names.iter().any(|(n, _)| *n == current);
    for (name, kind) in &names {
        let stale = match kind {
            Name::Temp => true,
            Name::Token(r) => *r != state.rotation && has_current,
            _ => false,
        };
        if stale {
            p(primary.remove(name).await)?;
            report.removed.push(name.clone());
        }
    }
    if let Some(backup) = backup {
        let pair = read_pair(backup).await?;
        check_pair(&state, &pair)?;
        let inside = classified(backup, layout::BACKUP_DIR, DriveRole::Backup).await?.unwrap_or_default();
        report.foreign.extend(foreign(&inside).into_iter().map(|n| format!("{}/{n}", layout::BACKUP_DIR)));
        let has_current = inside.iter().any(|(_, k)| *k == Name::Backup(state.rotation));
        report.backup_current = Some(has_current);
        for (name, kind) in &inside {
            let stale = match kind {
                Name::Temp => true,
                Name::Backup(r) => *r != state.rotation && has_current,
                _ => false,
            };
            if stale {
                let path = format!("{}/{name}", layout::BACKUP_DIR);
                b(backup.remove(&path).await)?;
                report.removed.push(path);
            }
        }
    }
    Ok((state, report))
}
