//! The sealed link record: how a BB84 link key travels from the user who
//! established it to the peer (and back to the sender on another session)
//! through the server's relay, which only ever sees public bytes.
//!
//! The record carries the run's public report (its timeline, so both sides
//! can show it), the 32-byte link key sealed twice — to the recipient's
//! X-Wing key and to the sender's own — and the sender's ML-DSA-65
//! signature over everything. Byte layout and a test vector: `docs/BB84.md`,
//! "Sealed link record". The link key is derived from the simulated BB84
//! key and only ever *mixed into* real post-quantum key wrapping.

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::run::RunReport;
use crate::crypto::aead::{Aes256GcmKey, NONCE_LEN};
use crate::crypto::kdf::derive_key32;
use crate::crypto::kem::CIPHERTEXT_LEN;
use crate::crypto::secret::Secret32;
use crate::crypto::sign::{self, SIGNATURE_LEN};
use crate::format::vault::{LINK_ID_LEN, LinkKey};
use crate::identity::{Fingerprint, Identity, PublicIdentity};

/// First bytes of every record.
pub const MAGIC: &[u8; 4] = b"QVLK";
/// Format version.
pub const VERSION: u8 = 1;
/// Bytes before the report: magic, version, two fingerprints, link id, time, report length.
pub const HEADER_LEN: usize = 4 + 1 + 32 + 32 + LINK_ID_LEN + 8 + 4;
/// A sealed 32-byte key: ciphertext and GCM tag.
pub const SEALED_KEY_LEN: usize = 32 + 16;
/// One holder's stanza: X-Wing ciphertext, then the sealed key.
pub const STANZA_LEN: usize = CIPHERTEXT_LEN + SEALED_KEY_LEN;
/// Largest report accepted: a timeline is a few kilobytes (the per-photon
/// table is dropped), and the whole record must fit the relay's 64 KiB.
pub const MAX_REPORT_LEN: usize = 56 * 1024;
/// Fewest BB84 key bits a link key may be derived from.
pub const MIN_KEY_BITS: usize = 256;

/// HKDF label of the link key (salt: the link id; input: the BB84 key bytes).
pub const LABEL_LINK_KEY: &[u8] = b"quantumvault/v1/link/key";
/// HKDF label of a stanza's wrap key (salt: the link id; input: the X-Wing
/// shared secret; the holder's fingerprint is appended to the label).
pub const LABEL_WRAP_KEY: &[u8] = b"quantumvault/v1/link/wrap-key";

/// Why a link could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The run gave no key (it aborted) or too short a key.
    #[error("the BB84 run gave {bits} key bits; a link needs at least 256")]
    KeyTooShort {
        /// Bits the run produced.
        bits: usize,
    },
    /// Not a link record, or cut short.
    #[error("this is not a readable link record ({0})")]
    Malformed(&'static str),
    /// A newer format.
    #[error("link record version {0} is not supported by this version of the app")]
    UnsupportedVersion(u8),
    /// The record names another sender than the identity given to check it.
    #[error("the link record was not made by the expected sender")]
    WrongSender,
    /// Neither stanza is ours.
    #[error("this link record is for someone else")]
    NotForMe,
    /// The signature does not verify.
    #[error("the link record's signature does not verify; it was altered or forged")]
    BadSignature,
    /// The sealed key does not open.
    #[error("the link key could not be unsealed: the record was altered")]
    Tampered,
    /// Encoding or signing failed.
    #[error("the link record could not be made: {0}")]
    Internal(&'static str),
}

/// What opening a record gives.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedLink {
    /// The link key and its id.
    pub link: LinkKey,
    /// Who established it.
    pub sender: Fingerprint,
    /// Who it was established with.
    pub recipient: Fingerprint,
    /// When (Unix seconds, as the sender's clock said).
    pub created_at: i64,
    /// The run's public report (timeline, figures, no per-photon table).
    pub report: RunReport,
}

/// The link key for `link_id`, from the final key of a successful BB84 run.
///
/// # Errors
/// [`LinkError::KeyTooShort`] when the run aborted or gave under 256 bits.
pub fn derive_link_key(link_id: &[u8; LINK_ID_LEN], bb84_key: &[u8], bits: usize) -> Result<LinkKey, LinkError> {
    if bits < MIN_KEY_BITS || bb84_key.len() * 8 < bits {
        return Err(LinkError::KeyTooShort { bits });
    }
    Ok(LinkKey { id: *link_id, key: derive_key32(link_id, bb84_key, LABEL_LINK_KEY) })
}

fn wrap_key(link_id: &[u8; LINK_ID_LEN], shared: &Secret32, holder: &Fingerprint) -> Aes256GcmKey {
    let mut info = Vec::with_capacity(LABEL_WRAP_KEY.len() + 32);
    info.extend_from_slice(LABEL_WRAP_KEY);
    info.extend_from_slice(&holder.0);
    Aes256GcmKey::new(&derive_key32(link_id, shared.expose(), &info))
}

/// Each wrap key seals exactly one message, so a fixed nonce is safe.
const NONCE: [u8; NONCE_LEN] = [0; NONCE_LEN];

/// Builds and signs a record delivering `link` from `sender` to `recipient`.
///
/// # Errors
/// [`LinkError::Internal`] if the report cannot be encoded or is too large,
/// or signing fails.
pub fn seal_link<R: CryptoRng + ?Sized>(
    sender: &Identity,
    recipient: &PublicIdentity,
    link: &LinkKey,
    report: &RunReport,
    created_at: i64,
    rng: &mut R,
) -> Result<Vec<u8>, LinkError> {
    let public = RunReport { photons: None, ..report.clone() };
    let json = serde_json::to_vec(&public).map_err(|_| LinkError::Internal("the report could not be encoded"))?;
    if json.len() > MAX_REPORT_LEN {
        return Err(LinkError::Internal("the report is too large"));
    }
    let me = sender.public().fingerprint();
    let peer = recipient.fingerprint();
    let mut out = Vec::with_capacity(HEADER_LEN + json.len() + 2 * STANZA_LEN + SIGNATURE_LEN);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&me.0);
    out.extend_from_slice(&peer.0);
    out.extend_from_slice(&link.id);
    out.extend_from_slice(&created_at.to_le_bytes());
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(&json);
    let header_end = out.len();
    for (holder, fingerprint) in [(recipient, peer), (sender.public(), me)] {
        let (ct, shared) = holder.kem.encapsulate(rng);
        let sealed = wrap_key(&link.id, &shared, &fingerprint)
            .seal(&NONCE, &out[..header_end], link.key.expose())
            .map_err(|_| LinkError::Internal("the link key could not be sealed"))?;
        out.extend_from_slice(&ct);
        out.extend_from_slice(&sealed);
    }
    let signature = sender
        .signing_key()
        .sign(&out, sign::contexts::LINK_KEY_DELIVERY, rng)
        .map_err(|_| LinkError::Internal("the record could not be signed"))?;
    out.extend_from_slice(&signature);
    Ok(out)
}

fn take<'a>(bytes: &'a [u8], at: usize, len: usize, what: &'static str) -> Result<&'a [u8], LinkError> {
    bytes.get(at..at.checked_add(len).ok_or(LinkError::Malformed(what))?).ok_or(LinkError::Malformed(what))
}

fn array<const N: usize>(bytes: &[u8], at: usize, what: &'static str) -> Result<[u8; N], LinkError> {
    take(bytes, at, N, what)?.try_into().map_err(|_| LinkError::Malformed(what))
}

/// The sender and recipient a record names, without checking anything else
/// (to find the sender's public identity before [`open_link`]).
///
/// # Errors
/// [`LinkError::Malformed`], [`LinkError::UnsupportedVersion`].
pub fn record_parties(record: &[u8]) -> Result<(Fingerprint, Fingerprint), LinkError> {
    if take(record, 0, 4, "no magic")? != MAGIC {
        return Err(LinkError::Malformed("not a link record"));
    }
    let version = array::<1>(record, 4, "no version")?[0];
    if version != VERSION {
        return Err(LinkError::UnsupportedVersion(version));
    }
    Ok((Fingerprint(array(record, 5, "no sender")?), Fingerprint(array(record, 37, "no recipient")?)))
}

/// Verifies a record made by `sender` and unseals the link key for `me`,
/// who may be its recipient or its sender.
///
/// # Errors
/// Every way a record can be wrong has its [`LinkError`]; nothing panics.
pub fn open_link(record: &[u8], me: &Identity, sender: &PublicIdentity) -> Result<OpenedLink, LinkError> {
    let (from, to) = record_parties(record)?;
    if from != sender.fingerprint() {
        return Err(LinkError::WrongSender);
    }
    let signed_len = record.len().checked_sub(SIGNATURE_LEN).ok_or(LinkError::Malformed("too short"))?;
    let (signed, signature) = record.split_at(signed_len);
    sender.sign.verify(signed, sign::contexts::LINK_KEY_DELIVERY, signature).map_err(|_| LinkError::BadSignature)?;

    let id: [u8; LINK_ID_LEN] = array(signed, 69, "no link id")?;
    let created_at = i64::from_le_bytes(array(signed, 69 + LINK_ID_LEN, "no time")?);
    let report_len = u32::from_le_bytes(array(signed, HEADER_LEN - 4, "no report length")?) as usize;
    if report_len > MAX_REPORT_LEN {
        return Err(LinkError::Malformed("report too large"));
    }
    let header_end = HEADER_LEN + report_len;
    if signed.len() != header_end + 2 * STANZA_LEN {
        return Err(LinkError::Malformed("wrong length"));
    }
    let report: RunReport = serde_json::from_slice(take(signed, HEADER_LEN, report_len, "no report")?)
        .map_err(|_| LinkError::Malformed("unreadable report"))?;
    let mine = me.public().fingerprint();
    let slot = if mine == to {
        0
    } else if mine == from {
        1
    } else {
        return Err(LinkError::NotForMe);
    };
    let stanza = take(signed, header_end + slot * STANZA_LEN, STANZA_LEN, "no stanza")?;
    let (ct, sealed) = stanza.split_at(CIPHERTEXT_LEN);
    let shared = me.kem_key().decapsulate(ct).map_err(|_| LinkError::Tampered)?;
    let key: Zeroizing<Vec<u8>> =
        wrap_key(&id, &shared, &mine).open(&NONCE, &signed[..header_end], sealed).map_err(|_| LinkError::Tampered)?;
    let key = Secret32::from_slice(&key).ok_or(LinkError::Tampered)?;
    Ok(OpenedLink { link: LinkKey { id, key }, sender: from, recipient: to, created_at, report })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bb84::{RunParams, run};
    use crate::identity::IdentitySeeds;
    use rand_core::SeedableRng;
    use sha2::{Digest, Sha256};

    type Rng = chacha20::ChaCha20Rng;

    fn people() -> (Identity, Identity, Identity) {
        let mut rng = Rng::from_seed([7; 32]);
        let make = |rng: &mut Rng| IdentitySeeds::generate(1, rng).identity();
        (make(&mut rng), make(&mut rng), make(&mut rng))
    }

    fn established() -> (RunReport, LinkKey) {
        let out = run(&RunParams::default()).expect("default run");
        let key = out.key.expect("a key");
        let link = derive_link_key(&[9; LINK_ID_LEN], &key.to_bytes(), key.len()).expect("long enough");
        (out.report, link)
    }

    #[test]
    fn recipient_and_sender_both_unseal_the_same_key() {
        let (alice, bob, _) = people();
        let (report, link) = established();
        let mut rng = Rng::from_seed([1; 32]);
        let record = seal_link(&alice, bob.public(), &link, &report, 1_700_000_000, &mut rng).expect("seals");
        for me in [&bob, &alice] {
            let opened = open_link(&record, me, alice.public()).expect("opens");
            assert_eq!(opened.link, link);
            assert_eq!(opened.sender, alice.public().fingerprint());
            assert_eq!(opened.recipient, bob.public().fingerprint());
            assert_eq!(opened.created_at, 1_700_000_000);
            assert_eq!(opened.report.timeline, report.timeline);
        }
    }

    #[test]
    fn strangers_forgers_and_tamperers_are_refused() {
        let (alice, bob, carol) = people();
        let (report, link) = established();
        let mut rng = Rng::from_seed([2; 32]);
        let record = seal_link(&alice, bob.public(), &link, &report, 5, &mut rng).expect("seals");
        assert_eq!(open_link(&record, &carol, alice.public()), Err(LinkError::NotForMe));
        assert_eq!(open_link(&record, &bob, carol.public()), Err(LinkError::WrongSender));
        // Carol re-signs Alice's record as herself: it names Alice, so it is refused…
        let forged = {
            let mut f = record[..record.len() - SIGNATURE_LEN].to_vec();
            let sig = carol.signing_key().sign(&f, sign::contexts::LINK_KEY_DELIVERY, &mut rng).expect("signs");
            f.extend_from_slice(&sig);
            f
        };
        assert_eq!(open_link(&forged, &bob, alice.public()), Err(LinkError::BadSignature));
        // …and every flipped byte breaks the signature or the structure.
        for at in [0, 4, 10, 50, 80, HEADER_LEN + 3, record.len() - STANZA_LEN - 5, record.len() - 1] {
            let mut bad = record.clone();
            bad[at] ^= 1;
            assert!(open_link(&bad, &bob, alice.public()).is_err(), "byte {at}");
        }
        for len in [0, 3, 5, 100, record.len() - 1] {
            assert!(open_link(&record[..len], &bob, alice.public()).is_err(), "length {len}");
        }
        let mut newer = record.clone();
        newer[4] = 2;
        assert_eq!(open_link(&newer, &bob, alice.public()), Err(LinkError::UnsupportedVersion(2)));
    }

    #[test]
    fn an_aborted_or_short_run_gives_no_link() {
        assert_eq!(derive_link_key(&[0; 16], &[], 0), Err(LinkError::KeyTooShort { bits: 0 }));
        assert_eq!(derive_link_key(&[0; 16], &[1; 31], 255), Err(LinkError::KeyTooShort { bits: 255 }));
        assert!(derive_link_key(&[0; 16], &[1; 32], 256).is_ok());
    }

    /// The test vector of docs/BB84.md: fixed identities, key, report and RNG.
    #[test]
    fn test_vector() {
        let person = |a: u8, b: u8| {
            IdentitySeeds {
                rotation: 1,
                sign_seed: Secret32::from_bytes([a; 32]),
                kem_seed: Secret32::from_bytes([b; 32]),
            }
            .identity()
        };
        let (alice, bob) = (person(0xA1, 0xA2), person(0xB1, 0xB2));
        let link = derive_link_key(&[0x11; LINK_ID_LEN], &[0x22; 64], 512).expect("long enough");
        assert_eq!(hex::encode(link.key.expose()), "eb04320bfe95958770b292981afe9b485ccdb414f9df24d172662ccf63f6fe6c");
        let report = run(&RunParams { photons: 2000, ..RunParams::default() }).expect("runs").report;
        let mut rng = Rng::from_seed([3; 32]);
        let record = seal_link(&alice, bob.public(), &link, &report, 1_767_225_600, &mut rng).expect("seals");
        assert_eq!(hex::encode(&record[..5]), "51564c4b01");
        assert_eq!(record.len(), 9749);
        assert_eq!(
            hex::encode(Sha256::digest(&record)),
            "b4a27756aee742150fc383980c6f2c8348f9f0ab1b16a5cc41ae32c227ebae95"
        );
        assert_eq!(open_link(&record, &bob, alice.public()).expect("opens").link, link);
    }
}
