//! The recovery code: 32 random bytes shown once at set-up (Emergency Kit),
//! from which the backup file's ML-KEM-1024 decapsulation key derives.
//!
//! Text form: Crockford base32 (digits and letters without I, L, O, U), 52
//! data characters + 4 checksum characters = 56, in 14 groups of 4 joined by
//! `-`. The checksum is the first 20 bits of
//! `SHA-256("quantumvault/v1/recovery-code" ‖ bytes)`, so a mistyped or
//! swapped character is reported as a typo (missed with probability 2⁻²⁰)
//! before any slow backup decryption is attempted. Parsing is forgiving the
//! Crockford way: case-insensitive, `I`/`L` read as `1`, `O` as `0`, and
//! spaces and hyphens are ignored.

use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::crypto::backup_kem::{MlKemPublicKey, MlKemSecretKey, SEED_LEN};
use crate::crypto::kdf::{hkdf_sha256, labels};
use crate::crypto::secret::{Secret, Secret32};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const DATA_CHARS: usize = 52;
const CHECK_CHARS: usize = 4;
/// Characters in a code, without separators.
pub const CODE_CHARS: usize = DATA_CHARS + CHECK_CHARS;
const CHECKSUM_DOMAIN: &[u8] = b"quantumvault/v1/recovery-code";

/// Why a typed recovery code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RecoveryCodeError {
    /// A character that is not in the code's alphabet.
    #[error(
        "character {position} ('{character}') is not used in recovery codes; check it against your Emergency Kit"
    )]
    InvalidCharacter {
        /// 1-based position among the code's characters
        position: usize,
        /// the character as typed
        character: char,
    },
    /// Too few or too many characters.
    #[error("a recovery code has {CODE_CHARS} characters, this one has {got}")]
    WrongLength {
        /// characters found (separators not counted)
        got: usize,
    },
    /// The checksum does not match: some character is mistyped.
    #[error(
        "this recovery code contains a typo; compare it character by character with your Emergency Kit"
    )]
    Typo,
}

/// A recovery code (32 secret bytes).
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode(Secret32);

impl core::fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RecoveryCode(redacted)")
    }
}

fn checksum(bytes: &[u8; 32]) -> u32 {
    let h = Sha256::new()
        .chain_update(CHECKSUM_DOMAIN)
        .chain_update(bytes)
        .finalize();
    (u32::from(h[0]) << 12) | (u32::from(h[1]) << 4) | (u32::from(h[2]) >> 4)
}

impl RecoveryCode {
    /// A fresh code.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self(Secret32::random(rng))
    }

    /// From its 32 bytes (tests, vectors).
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Secret32::from_bytes(bytes))
    }

    /// The 32 bytes.
    #[must_use]
    pub fn as_secret(&self) -> &Secret32 {
        &self.0
    }

    /// Text for the Emergency Kit, e.g. `7K3Q-…` (14 groups of 4).
    #[must_use]
    pub fn to_text(&self) -> Zeroizing<String> {
        let mut chars = Zeroizing::new(Vec::with_capacity(CODE_CHARS));
        // 256 bits → 52 symbols of 5 bits (the last padded with 4 zero bits).
        let mut acc: u32 = 0;
        let mut bits = 0u32;
        for &b in self.0.expose() {
            acc = (acc << 8) | u32::from(b);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                chars.push(ALPHABET[((acc >> bits) & 31) as usize]);
            }
            acc &= (1 << bits) - 1;
        }
        if bits > 0 {
            chars.push(ALPHABET[((acc << (5 - bits)) & 31) as usize]);
        }
        let sum = checksum(self.0.expose());
        for i in (0..CHECK_CHARS).rev() {
            chars.push(ALPHABET[((sum >> (5 * i)) & 31) as usize]);
        }
        acc.zeroize();
        let mut out = Zeroizing::new(String::with_capacity(CODE_CHARS + CODE_CHARS / 4));
        for (i, group) in chars.chunks(4).enumerate() {
            if i > 0 {
                out.push('-');
            }
            for &c in group {
                out.push(char::from(c));
            }
        }
        out
    }

    /// Parses a typed code.
    ///
    /// # Errors
    /// [`RecoveryCodeError`] naming the problem.
    pub fn parse(text: &str) -> Result<Self, RecoveryCodeError> {
        let mut values = Zeroizing::new(Vec::with_capacity(CODE_CHARS));
        for ch in text.chars() {
            if ch == '-' || ch.is_whitespace() {
                continue;
            }
            let up = match ch.to_ascii_uppercase() {
                'I' | 'L' => '1',
                'O' => '0',
                c => c,
            };
            let pos = ALPHABET.iter().position(|&a| char::from(a) == up);
            match pos {
                // 32 symbols, so the position fits in u8.
                Some(v) => values.push(u8::try_from(v).unwrap_or(0)),
                None => {
                    return Err(RecoveryCodeError::InvalidCharacter {
                        position: values.len() + 1,
                        character: ch,
                    });
                }
            }
        }
        if values.len() != CODE_CHARS {
            return Err(RecoveryCodeError::WrongLength { got: values.len() });
        }
        let mut bytes = [0u8; 32];
        let mut acc: u32 = 0;
        let mut bits = 0u32;
        let mut n = 0usize;
        for &v in values.iter().take(DATA_CHARS) {
            acc = (acc << 5) | u32::from(v);
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                if let Some(slot) = bytes.get_mut(n) {
                    *slot = ((acc >> bits) & 0xFF) as u8;
                }
                n += 1;
                acc &= (1 << bits) - 1;
            }
        }
        // 52 × 5 = 260 bits: the last 4 must be the zero padding.
        let pad_ok = acc == 0;
        let mut sum = 0u32;
        for &v in values.iter().skip(DATA_CHARS) {
            sum = (sum << 5) | u32::from(v);
        }
        let ok = pad_ok && sum == checksum(&bytes);
        let code = Self::from_bytes(bytes);
        bytes.zeroize();
        if ok {
            Ok(code)
        } else {
            Err(RecoveryCodeError::Typo)
        }
    }

    /// The ML-KEM-1024 decapsulation key of the backup:
    /// seed (d ‖ z) = HKDF-SHA-256(salt = "", ikm = code bytes,
    /// info = [`labels::RECOVERY_MLKEM_SEED`], 64 bytes).
    #[must_use]
    pub fn backup_secret_key(&self) -> MlKemSecretKey {
        let okm = hkdf_sha256(&[], self.0.expose(), labels::RECOVERY_MLKEM_SEED, SEED_LEN);
        let seed = okm
            .ok()
            .and_then(|o| Secret::<SEED_LEN>::from_slice(&o))
            .unwrap_or_else(|| Secret::from_bytes([0; SEED_LEN]));
        MlKemSecretKey::from_seed(&seed)
    }

    /// The matching encapsulation key, kept in the token so later rotations
    /// can write new backups without asking for the code.
    #[must_use]
    pub fn backup_public_key(&self) -> MlKemPublicKey {
        self.backup_secret_key().public_key()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code() -> RecoveryCode {
        RecoveryCode::from_bytes(core::array::from_fn(|i| (i as u8).wrapping_mul(37)))
    }

    #[test]
    fn round_trip_and_forgiving_input() {
        let c = code();
        let text = c.to_text();
        assert_eq!(text.len(), 56 + 13);
        assert_eq!(RecoveryCode::parse(&text), Ok(c.clone()));
        let sloppy = text
            .to_lowercase()
            .replace('-', " ")
            .replace('0', "o")
            .replace('1', "l");
        assert_eq!(RecoveryCode::parse(&sloppy), Ok(c));
        for b in [[0u8; 32], [0xFF; 32]] {
            let c = RecoveryCode::from_bytes(b);
            assert_eq!(RecoveryCode::parse(&c.to_text()), Ok(c));
        }
    }

    #[test]
    fn every_single_substitution_and_swap_is_a_typo() {
        let text: Vec<char> = code().to_text().chars().filter(|c| *c != '-').collect();
        for i in 0..text.len() {
            for &a in ALPHABET {
                let a = char::from(a);
                if a == text[i] {
                    continue;
                }
                let mut t = text.clone();
                t[i] = a;
                let s: String = t.into_iter().collect();
                assert_eq!(
                    RecoveryCode::parse(&s),
                    Err(RecoveryCodeError::Typo),
                    "pos {i} -> {a}"
                );
            }
            if i + 1 < text.len() && text[i] != text[i + 1] {
                let mut t = text.clone();
                t.swap(i, i + 1);
                let s: String = t.into_iter().collect();
                assert_eq!(RecoveryCode::parse(&s), Err(RecoveryCodeError::Typo));
            }
        }
    }

    #[test]
    fn bad_characters_and_lengths() {
        let text = code().to_text();
        assert_eq!(
            RecoveryCode::parse(&text.replacen(|c: char| c.is_ascii_alphanumeric(), "U", 1)),
            Err(RecoveryCodeError::InvalidCharacter {
                position: 1,
                character: 'U'
            })
        );
        assert_eq!(
            RecoveryCode::parse(&text[..text.len() - 1]),
            Err(RecoveryCodeError::WrongLength { got: 55 })
        );
        assert_eq!(
            RecoveryCode::parse(""),
            Err(RecoveryCodeError::WrongLength { got: 0 })
        );
        assert!(matches!(
            RecoveryCode::parse("é"),
            Err(RecoveryCodeError::InvalidCharacter { .. })
        ));
    }

    #[test]
    fn distinct_codes_distinct_backup_keys() {
        let a = code().backup_public_key();
        let b = RecoveryCode::from_bytes([9; 32]).backup_public_key();
        assert_ne!(a, b);
        assert_eq!(a, code().backup_public_key());
    }
}
