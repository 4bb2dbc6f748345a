//! Every [`DriveError`] in plain, actionable words. Most messages come
//! from `shared` already; this adds what only the page knows: which group
//! of a mistyped recovery code is wrong, and what to click next.

use shared::drive::{DriveError, IoErrorKind};
use shared::encoding::CROCKFORD;
use shared::format::token::TokenError;
use shared::recovery::{RecoveryCode, RecoveryCodeError};

use super::run::capitalised;

/// Characters per group in the printed code.
const GROUP: usize = 4;

/// The group (1-based) holding the `position`-th character (1-based).
fn group_of(position: usize) -> usize {
    (position.saturating_sub(1)) / GROUP + 1
}

/// Finds the group of a code with a failed checksum by trying every
/// one-character change and every swap of neighbours (about 1,800 cheap
/// checksums): if all the corrections that make the checksum pass lie in
/// one group, that group is the typo. `None` when it cannot say.
pub fn locate_typo(typed: &str) -> Option<usize> {
    let chars: Vec<char> = typed.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let mut groups: Vec<usize> = Vec::new();
    let mut try_fix = |candidate: &[char], group: usize| {
        let text: String = candidate.iter().collect();
        if RecoveryCode::parse(&text).is_ok() && !groups.contains(&group) {
            groups.push(group);
        }
    };
    let mut work = chars.clone();
    for i in 0..chars.len() {
        for &c in CROCKFORD {
            let c = char::from(c);
            if c.eq_ignore_ascii_case(&chars[i]) {
                continue;
            }
            work[i] = c;
            try_fix(&work, group_of(i + 1));
        }
        work[i] = chars[i];
        if i + 1 < chars.len() && chars[i] != chars[i + 1] {
            work.swap(i, i + 1);
            // A swap across two groups is reported by the first one.
            try_fix(&work, group_of(i + 1));
            work.swap(i, i + 1);
        }
    }
    match groups.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// The message for a recovery-code error; `typed` is the code as typed.
pub fn recovery_code_message(e: &RecoveryCodeError, typed: &str) -> String {
    match e {
        RecoveryCodeError::InvalidCharacter { position, character } => format!(
            "Character {position} (“{character}”, in group {}) is not used in recovery codes. Check group {} against your Emergency Kit.",
            group_of(*position),
            group_of(*position)
        ),
        RecoveryCodeError::WrongLength { got } => format!(
            "A recovery code has {} characters in {} groups of {GROUP}; this one has {got}. Check for a missing or an extra group.",
            shared::recovery::CODE_CHARS,
            shared::recovery::CODE_CHARS / GROUP
        ),
        RecoveryCodeError::Typo => match locate_typo(typed) {
            Some(g) => format!(
                "This recovery code contains a typo, most likely in group {g}. Compare group {g} character by character with your Emergency Kit."
            ),
            None => "This recovery code contains a typo. Compare it group by group with your Emergency Kit (I and L count as 1, O as 0)."
                .to_owned(),
        },
    }
}

/// The message for any drive error. `typed_code` is the recovery code as
/// typed, when the operation took one.
pub fn explain(e: &DriveError, typed_code: Option<&str>) -> String {
    match e {
        DriveError::RecoveryCodeTypo(c) => recovery_code_message(c, typed_code.unwrap_or_default()),
        DriveError::Token { source: TokenError::PinRequired, .. } => {
            "This primary drive is protected by a PIN. Enter the PIN and try again.".to_owned()
        }
        DriveError::Token { source: TokenError::WrongPin, .. } => {
            "Wrong PIN. Check it and try again; if you forgot it, restore from your backup drive onto a new folder."
                .to_owned()
        }
        DriveError::WrongPassphrase => {
            "Wrong passphrase (or the backup file was modified). Check Caps Lock and try again.".to_owned()
        }
        DriveError::Io { role, source } if source.kind == IoErrorKind::NotAllowed => format!(
            "QuantumVault may not use the {role} ({}). Choose the folder again and allow access when the browser asks.",
            source.path
        ),
        DriveError::Io { role, source } => {
            let path = if source.path.is_empty() { String::new() } else { format!(" ({})", source.path) };
            format!("Could not use the {role}{path}: {}.", source.detail)
        }
        other => capitalised(&other.to_string()),
    }
}
