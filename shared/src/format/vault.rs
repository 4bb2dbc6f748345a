//! The vault file (DESIGN §5): a public preamble with one stanza per
//! recipient, encrypted metadata, a Cobblestone-256 body bound to the
//! header, and an ML-DSA-65 signature trailer. Byte layout: `docs/FORMAT.md`.
//!
//! Decoding releases plaintext only as *pending*: [`VaultDecoder::update`]
//! appends authenticated-so-far plaintext that the caller must hold back
//! (an uncommitted File System Access writable, an OPFS scratch file, or a
//! buffer) until [`VaultDecoder::finish`] returns [`Verified`]; on any error
//! the caller discards it. [`open`] does this for in-memory files and hands
//! out the plaintext only after the signature verified.
//!
//! For the browser's WebCrypto body path, the pieces are public: parse with
//! [`parse_header`], unwrap with [`RawHeader::open`], stream the body
//! through [`crate::format::stream::OpenFramer`] with
//! [`OpenedHeader::body_input_key`] and [`OpenedHeader::header_digest`] as
//! context while hashing the ciphertext ([`BodyDigest`] of
//! [`OpenedHeader::digest_kind`]), then [`OpenedHeader::verify_trailer`].
//!
//! Version 2 (written now) signs a segmented body digest whose segments an
//! external caller may hash itself (WebCrypto): see [`crate::format::body_digest`]
//! and `hash_segments_externally` on the encoder and the decoder. Version 1
//! files stay readable.

use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::crypto::aead::{Aes256GcmKey, NONCE_LEN};
use crate::crypto::kdf::{derive_key32, labels};
use crate::crypto::kem::{self, XWingPublicKey, XWingSecretKey};
use crate::crypto::secret::Secret32;
use crate::crypto::sign::{self, contexts};
pub use crate::format::body_digest::{BodyDigest, DigestKind, SEGMENT_LEN};
use crate::format::bytes::Reader;
use crate::format::stream::{self, Batch, ChunkCipher, OpenFramer, SealFramer, StreamError, StreamKeys};
use crate::identity::{Fingerprint, Identity, Keyring, PublicIdentity};

/// File magic.
pub const MAGIC: &[u8; 4] = b"QVLT";
/// Format version written: 2 (segmented body digest, `docs/FORMAT.md` §5).
pub const VERSION: u8 = 2;
/// The first version, still read: its body digest is one SHA-256 pass.
pub const VERSION_LINEAR_DIGEST: u8 = 1;
/// Suite 1: X-Wing, HKDF-SHA-256, AES-256-GCM, Cobblestone-256, ML-DSA-65, SHA-256.
pub const SUITE: u8 = 1;
/// Trailer magic.
pub const TRAILER_MAGIC: &[u8; 4] = b"QVSG";
/// Trailer length: magic + signature.
pub const TRAILER_LEN: usize = 4 + sign::SIGNATURE_LEN;
/// Most recipients per file (sender included).
pub const MAX_RECIPIENTS: usize = 64;
/// Link-key identifier length.
pub const LINK_ID_LEN: usize = 16;
/// Wrapped file key: 32-byte key + 16-byte tag.
pub const WRAPPED_KEY_LEN: usize = 48;
/// One stanza: fingerprint, link flag, link id, X-Wing ciphertext, wrapped key.
pub const STANZA_LEN: usize = 32 + 1 + LINK_ID_LEN + kem::CIPHERTEXT_LEN + WRAPPED_KEY_LEN;
/// Fixed preamble bytes before the stanzas.
pub const PREAMBLE_FIXED_LEN: usize = 4 + 1 + 1 + 1 + 32 + 2;
/// Longest file name (UTF-8 bytes).
pub const MAX_NAME_LEN: usize = 1024;
/// Longest media type.
pub const MAX_MIME_LEN: usize = 255;
/// Longest note.
pub const MAX_NOTE_LEN: usize = 4096;
/// Longest sealed metadata.
pub const MAX_METADATA_SEALED: usize = 8 + 8 + 6 + MAX_NAME_LEN + MAX_MIME_LEN + MAX_NOTE_LEN + 16;

const HEADER_DIGEST_DOMAIN: &[u8] = b"quantumvault/v1/vault/header";
const SIGNED_MESSAGE_DOMAIN: &[u8] = b"quantumvault/v1/vault/signature";
const ZERO_NONCE: [u8; NONCE_LEN] = [0; NONCE_LEN];

/// Why a vault file could not be made or opened. Each names its cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// Wrong magic.
    #[error("this is not a QuantumVault file")]
    NotAVaultFile,
    /// Newer format version.
    #[error("vault file version {0} is not supported; update QuantumVault")]
    UnsupportedVersion(u8),
    /// Unknown algorithm suite.
    #[error("vault file algorithm suite {0} is not supported; update QuantumVault")]
    UnsupportedSuite(u8),
    /// The public header is structurally invalid.
    #[error("the file header is malformed ({0})")]
    Malformed(&'static str),
    /// None of the stanzas is addressed to this keyring.
    #[error("this file was not shared with you (no recipient entry for your keys)")]
    NotARecipient,
    /// Our stanza needs a BB84 link key we do not have.
    #[error("this file needs the link key shared with its sender, which this device does not have")]
    MissingLinkKey,
    /// Stanza, metadata or header bytes were changed.
    #[error("the file header was tampered with")]
    TamperedHeader,
    /// A body chunk failed to authenticate, or the body belongs to another header.
    #[error("the file content was tampered with, reordered or spliced")]
    TamperedBody,
    /// The file ends early.
    #[error("the file is truncated; download it again")]
    Truncated,
    /// Bytes after the trailer.
    #[error("the file has unexpected data after its signature")]
    TrailingData,
    /// The signature does not verify.
    #[error("the sender's signature does not verify; do not trust this file")]
    BadSignature,
    /// The signer's public identity is not known.
    #[error("the file is signed by an unknown sender ({0})")]
    UnknownSigner(Fingerprint),
    /// The identity supplied for the signer has another fingerprint.
    #[error("the file names sender {found}, not the expected {expected}")]
    WrongSigner {
        /// fingerprint of the identity the caller supplied
        expected: Fingerprint,
        /// fingerprint the file names
        found: Fingerprint,
    },
    /// The plaintext length differs from the metadata (encoder misuse).
    #[error("the content length differs from the size in the metadata")]
    SizeMismatch,
    /// Metadata outside the limits (encoder misuse).
    #[error("the metadata is too large ({0})")]
    MetadataTooLarge(&'static str),
    /// Too many recipients.
    #[error("a file can have at most {MAX_RECIPIENTS} recipients")]
    TooManyRecipients,
    /// A caller that hashes body segments itself missed some (a bug in
    /// the caller, not a property of the file).
    #[error(transparent)]
    SegmentDigests(#[from] crate::format::body_digest::MissingSegments),
    /// Signing failed.
    #[error("signing failed")]
    SigningFailed,
    /// A previous call failed.
    #[error("the decoder already failed")]
    Poisoned,
}

/// File metadata, encrypted in the file (the server never sees it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// File name.
    pub name: String,
    /// Plaintext size in bytes.
    pub size: u64,
    /// Media type, e.g. `application/pdf`.
    pub mime: String,
    /// Last modification, Unix seconds.
    pub modified: i64,
    /// Free text from the sender.
    pub note: String,
}

impl Metadata {
    fn encode(&self) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let mut out = Zeroizing::new(Vec::new());
        out.extend_from_slice(&self.size.to_be_bytes());
        out.extend_from_slice(&self.modified.to_be_bytes());
        for (s, max, what) in
            [(&self.name, MAX_NAME_LEN, "name"), (&self.mime, MAX_MIME_LEN, "type"), (&self.note, MAX_NOTE_LEN, "note")]
        {
            let len = u16::try_from(s.len())
                .ok()
                .filter(|l| usize::from(*l) <= max)
                .ok_or(VaultError::MetadataTooLarge(what))?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        Ok(out)
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader::new(bytes);
        let size = r.u64()?;
        let modified = r.i64()?;
        let mut text = |max: usize| -> Option<String> {
            let len = usize::from(r.u16()?);
            if len > max {
                return None;
            }
            String::from_utf8(r.take(len)?.to_vec()).ok()
        };
        let (name, mime, note) = (text(MAX_NAME_LEN)?, text(MAX_MIME_LEN)?, text(MAX_NOTE_LEN)?);
        if r.remaining() != 0 || stream::ciphertext_len(size).is_none() {
            return None;
        }
        Some(Self { name, size, mime, modified, note })
    }
}

/// A BB84 link key shared with one peer, mixed into that peer's wrap key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkKey {
    /// Public identifier both peers know the key by.
    pub id: [u8; LINK_ID_LEN],
    /// The key.
    pub key: Secret32,
}

/// One recipient of a new file.
#[derive(Debug, Clone)]
pub struct Recipient {
    /// Their public identity (the rotation the file is for).
    pub identity: PublicIdentity,
    /// The link key of our pair, if a BB84 link exists.
    pub link: Option<LinkKey>,
}

/// One parsed stanza.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stanza {
    /// Who it is for.
    pub recipient: Fingerprint,
    /// Link key id, if a link key is mixed in.
    pub link_id: Option<[u8; LINK_ID_LEN]>,
    /// X-Wing ciphertext.
    pub kem_ciphertext: Vec<u8>,
    /// AES-256-GCM(wrap key, file key).
    pub wrapped_key: [u8; WRAPPED_KEY_LEN],
}

fn wrap_key(
    kem_secret: &Secret32,
    link: Option<&LinkKey>,
    sender: &Fingerprint,
    recipient: &Fingerprint,
) -> Aes256GcmKey {
    let mut ikm = Zeroizing::new(kem_secret.expose().to_vec());
    let mut info = labels::VAULT_WRAP_KEY.to_vec();
    info.push(u8::from(link.is_some()));
    info.extend_from_slice(&sender.0);
    info.extend_from_slice(&recipient.0);
    if let Some(l) = link {
        ikm.extend_from_slice(l.key.expose());
        info.extend_from_slice(&l.id);
    }
    Aes256GcmKey::new(&derive_key32(&[], &ikm, &info))
}

fn sub_key(file_key: &Secret32, label: &[u8]) -> Secret32 {
    derive_key32(&[], file_key.expose(), label)
}

/// The public part of a header, parsed but not yet opened.
#[derive(Debug, Clone)]
pub struct RawHeader {
    /// Sender fingerprint.
    pub sender: Fingerprint,
    /// Stanzas in file order.
    pub stanzas: Vec<Stanza>,
    version: u8,
    preamble: Vec<u8>,
    sealed_metadata: Vec<u8>,
    digest: [u8; 32],
}

/// The body digest rule of a file version.
fn digest_kind(version: u8) -> DigestKind {
    if version == VERSION_LINEAR_DIGEST { DigestKind::Linear } else { DigestKind::Segmented }
}

/// Parses the header from the start of a file. `Ok(None)`: more bytes are
/// needed; `Ok(Some((header, n)))`: the header is the first `n` bytes.
///
/// # Errors
/// [`VaultError::NotAVaultFile`], [`VaultError::UnsupportedVersion`],
/// [`VaultError::UnsupportedSuite`], [`VaultError::Malformed`].
pub fn parse_header(buf: &[u8]) -> Result<Option<(RawHeader, usize)>, VaultError> {
    let mut r = Reader::new(buf);
    match r.take(4) {
        Some(m) if m == MAGIC => {}
        Some(_) => return Err(VaultError::NotAVaultFile),
        None => {
            return if MAGIC.starts_with(buf) { Ok(None) } else { Err(VaultError::NotAVaultFile) };
        }
    }
    let Some(version) = r.u8() else {
        return Ok(None);
    };
    if version != VERSION && version != VERSION_LINEAR_DIGEST {
        return Err(VaultError::UnsupportedVersion(version));
    }
    let Some(suite) = r.u8() else { return Ok(None) };
    if suite != SUITE {
        return Err(VaultError::UnsupportedSuite(suite));
    }
    let Some(flags) = r.u8() else { return Ok(None) };
    if flags != 0 {
        return Err(VaultError::Malformed("reserved flags set"));
    }
    let (Some(sender), Some(count)) = (r.array::<32>(), r.u16()) else {
        return Ok(None);
    };
    let count = usize::from(count);
    if count == 0 || count > MAX_RECIPIENTS {
        return Err(VaultError::Malformed("recipient count out of range"));
    }
    let mut stanzas = Vec::with_capacity(count);
    for _ in 0..count {
        let Some(raw) = r.take(STANZA_LEN) else {
            return Ok(None);
        };
        let mut s = Reader::new(raw);
        let (Some(fp), Some(flag), Some(id), Some(ct), Some(wrapped)) = (
            s.array::<32>(),
            s.u8(),
            s.array::<LINK_ID_LEN>(),
            s.take(kem::CIPHERTEXT_LEN),
            s.array::<WRAPPED_KEY_LEN>(),
        ) else {
            return Err(VaultError::Malformed("stanza"));
        };
        let link_id = match flag {
            0 if id == [0; LINK_ID_LEN] => None,
            1 => Some(id),
            _ => return Err(VaultError::Malformed("link flag")),
        };
        if stanzas.iter().any(|x: &Stanza| x.recipient.0 == fp) {
            return Err(VaultError::Malformed("duplicate recipient"));
        }
        stanzas.push(Stanza { recipient: Fingerprint(fp), link_id, kem_ciphertext: ct.to_vec(), wrapped_key: wrapped });
    }
    let preamble_len = r.position();
    let Some(meta_len) = r.u32() else {
        return Ok(None);
    };
    let meta_len = usize::try_from(meta_len).unwrap_or(usize::MAX);
    if !(16..=MAX_METADATA_SEALED).contains(&meta_len) {
        return Err(VaultError::Malformed("metadata length out of range"));
    }
    let Some(sealed) = r.take(meta_len) else {
        return Ok(None);
    };
    let end = r.position();
    let header_bytes = buf.get(..end).ok_or(VaultError::Malformed("length"))?;
    let preamble = buf.get(..preamble_len).ok_or(VaultError::Malformed("length"))?;
    let digest = Sha256::new().chain_update(HEADER_DIGEST_DOMAIN).chain_update(header_bytes).finalize().into();
    Ok(Some((
        RawHeader {
            sender: Fingerprint(sender),
            stanzas,
            version,
            preamble: preamble.to_vec(),
            sealed_metadata: sealed.to_vec(),
            digest,
        },
        end,
    )))
}

/// Longest possible header, for callers that buffer it.
pub const MAX_HEADER_LEN: usize = PREAMBLE_FIXED_LEN + MAX_RECIPIENTS * STANZA_LEN + 4 + MAX_METADATA_SEALED;

impl RawHeader {
    /// Finds our stanza, unwraps the file key and decrypts the metadata.
    /// `link_keys` maps a link id to the key (BB84 links of this device).
    ///
    /// # Errors
    /// [`VaultError::NotARecipient`], [`VaultError::MissingLinkKey`],
    /// [`VaultError::TamperedHeader`].
    pub fn open(
        &self,
        keyring: &Keyring,
        link_keys: &dyn Fn(&[u8; LINK_ID_LEN]) -> Option<Secret32>,
    ) -> Result<OpenedHeader, VaultError> {
        let ours = keyring.kem_seeds();
        let (stanza, kem_key) = self
            .stanzas
            .iter()
            .find_map(|s| {
                ours.iter().find(|(fp, _)| fp == &s.recipient).map(|(_, seed)| (s, XWingSecretKey::from_seed(seed)))
            })
            .ok_or(VaultError::NotARecipient)?;
        let link = match stanza.link_id {
            None => None,
            Some(id) => Some(LinkKey { id, key: link_keys(&id).ok_or(VaultError::MissingLinkKey)? }),
        };
        let ss = kem_key.decapsulate(&stanza.kem_ciphertext).map_err(|_| VaultError::TamperedHeader)?;
        let wk = wrap_key(&ss, link.as_ref(), &self.sender, &stanza.recipient);
        let fk =
            wk.open(&ZERO_NONCE, &stanza.recipient.0, &stanza.wrapped_key).map_err(|_| VaultError::TamperedHeader)?;
        let file_key = Secret32::from_slice(&fk).ok_or(VaultError::TamperedHeader)?;
        let meta_key = Aes256GcmKey::new(&sub_key(&file_key, labels::VAULT_METADATA_KEY));
        let meta = meta_key
            .open(&ZERO_NONCE, &self.preamble, &self.sealed_metadata)
            .map_err(|_| VaultError::TamperedHeader)?;
        let metadata = Metadata::decode(&meta).ok_or(VaultError::TamperedHeader)?;
        let body_len = stream::ciphertext_len(metadata.size).ok_or(VaultError::TamperedHeader)?;
        Ok(OpenedHeader {
            sender: self.sender,
            metadata,
            body_key: sub_key(&file_key, labels::VAULT_BODY_KEY),
            digest: self.digest,
            body_len,
            kind: digest_kind(self.version),
        })
    }

    /// The file's format version (1 or 2).
    #[must_use]
    pub fn version(&self) -> u8 {
        self.version
    }

    /// SHA-256 digest of the header (domain ‖ preamble ‖ metadata section).
    #[must_use]
    pub fn header_digest(&self) -> [u8; 32] {
        self.digest
    }
}

/// A header we could open.
#[derive(Debug)]
pub struct OpenedHeader {
    /// Sender fingerprint (not yet verified: see the trailer).
    pub sender: Fingerprint,
    /// Decrypted metadata (pending until the signature verifies).
    pub metadata: Metadata,
    body_key: Secret32,
    digest: [u8; 32],
    body_len: u64,
    kind: DigestKind,
}

impl OpenedHeader {
    /// How this file's body digest is computed (by its version).
    #[must_use]
    pub fn digest_kind(&self) -> DigestKind {
        self.kind
    }
    /// Cobblestone input key of the body.
    #[must_use]
    pub fn body_input_key(&self) -> &Secret32 {
        &self.body_key
    }
    /// Cobblestone context of the body.
    #[must_use]
    pub fn header_digest(&self) -> &[u8; 32] {
        &self.digest
    }
    /// Exact body ciphertext length.
    #[must_use]
    pub fn body_len(&self) -> u64 {
        self.body_len
    }

    /// Verifies the trailer against the header and the body digest, with the
    /// signer's identity from `lookup` (address book, server).
    ///
    /// # Errors
    /// [`VaultError::Truncated`], [`VaultError::UnknownSigner`],
    /// [`VaultError::WrongSigner`], [`VaultError::BadSignature`].
    pub fn verify_trailer(
        &self,
        body_digest: &[u8; 32],
        trailer: &[u8],
        lookup: &dyn Fn(&Fingerprint) -> Option<PublicIdentity>,
    ) -> Result<Verified, VaultError> {
        if trailer.len() < TRAILER_LEN {
            return Err(VaultError::Truncated);
        }
        if trailer.len() > TRAILER_LEN {
            return Err(VaultError::TrailingData);
        }
        let sig = match trailer.split_at_checked(4) {
            Some((m, sig)) if m == TRAILER_MAGIC => sig,
            _ => return Err(VaultError::BadSignature),
        };
        let signer = lookup(&self.sender).ok_or(VaultError::UnknownSigner(self.sender))?;
        let fp = signer.fingerprint();
        if fp != self.sender {
            return Err(VaultError::WrongSigner { expected: fp, found: self.sender });
        }
        signer
            .sign
            .verify(&signed_message(&self.digest, body_digest), contexts::VAULT_FILE, sig)
            .map_err(|_| VaultError::BadSignature)?;
        Ok(Verified { sender: self.sender, metadata: self.metadata.clone() })
    }
}

fn signed_message(header_digest: &[u8; 32], body_digest: &[u8; 32]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGNED_MESSAGE_DOMAIN.len() + 64);
    m.extend_from_slice(SIGNED_MESSAGE_DOMAIN);
    m.extend_from_slice(header_digest);
    m.extend_from_slice(body_digest);
    m
}

/// Proof that a file's signature verified: only this releases plaintext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Verified sender.
    pub sender: Fingerprint,
    /// Verified metadata.
    pub metadata: Metadata,
}

/// Streaming encoder: header first, then body chunks, then the trailer.
#[derive(Debug)]
pub struct VaultEncoder<'a> {
    sender: &'a Identity,
    framer: SealFramer,
    cipher: stream::Aes256GcmChunkCipher,
    chunk_key: Secret32,
    digest: BodyDigest,
    header_digest: [u8; 32],
    remaining: u64,
    final_written: bool,
}

impl<'a> VaultEncoder<'a> {
    /// Builds the header (returned, write it first). The sender is added as
    /// a recipient if missing, so the sender can always reopen the file.
    ///
    /// # Errors
    /// [`VaultError::TooManyRecipients`], [`VaultError::MetadataTooLarge`].
    pub fn new<R: CryptoRng + ?Sized>(
        sender: &'a Identity,
        recipients: &[Recipient],
        metadata: &Metadata,
        rng: &mut R,
    ) -> Result<(Self, Vec<u8>), VaultError> {
        let sender_fp = sender.public().fingerprint();
        let mut all: Vec<Recipient> = Vec::with_capacity(recipients.len() + 1);
        if !recipients.iter().any(|r| r.identity.fingerprint() == sender_fp) {
            all.push(Recipient { identity: sender.public().clone(), link: None });
        }
        for r in recipients {
            if !all.iter().any(|a| a.identity.fingerprint() == r.identity.fingerprint()) {
                all.push(r.clone());
            }
        }
        if all.len() > MAX_RECIPIENTS {
            return Err(VaultError::TooManyRecipients);
        }
        let file_key = Secret32::random(rng);
        let mut out = Vec::with_capacity(PREAMBLE_FIXED_LEN + all.len() * STANZA_LEN + 512);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[VERSION, SUITE, 0]);
        out.extend_from_slice(&sender_fp.0);
        out.extend_from_slice(&u16::try_from(all.len()).map_err(|_| VaultError::TooManyRecipients)?.to_be_bytes());
        for r in &all {
            let fp = r.identity.fingerprint();
            let (ct, ss) = encapsulate(&r.identity.kem, rng);
            let wk = wrap_key(&ss, r.link.as_ref(), &sender_fp, &fp);
            let wrapped = wk.seal(&ZERO_NONCE, &fp.0, file_key.expose()).map_err(|_| VaultError::SigningFailed)?;
            out.extend_from_slice(&fp.0);
            out.push(u8::from(r.link.is_some()));
            out.extend_from_slice(&r.link.as_ref().map_or([0; LINK_ID_LEN], |l| l.id));
            out.extend_from_slice(&ct);
            out.extend_from_slice(&wrapped);
        }
        let meta_key = Aes256GcmKey::new(&sub_key(&file_key, labels::VAULT_METADATA_KEY));
        let sealed = meta_key
            .seal(&ZERO_NONCE, &out, &metadata.encode()?)
            .map_err(|_| VaultError::MetadataTooLarge("metadata"))?;
        let sealed_len = u32::try_from(sealed.len()).map_err(|_| VaultError::MetadataTooLarge("metadata"))?;
        out.extend_from_slice(&sealed_len.to_be_bytes());
        out.extend_from_slice(&sealed);
        let header_digest: [u8; 32] =
            Sha256::new().chain_update(HEADER_DIGEST_DOMAIN).chain_update(&out).finalize().into();
        let mut salt = [0u8; stream::SALT_LEN];
        rng.fill_bytes(&mut salt);
        let keys = StreamKeys::derive(sub_key(&file_key, labels::VAULT_BODY_KEY).expose(), &salt, &header_digest)
            .map_err(|_| VaultError::SigningFailed)?;
        let framer = SealFramer::new(&keys);
        let mut digest = BodyDigest::new(DigestKind::Segmented);
        digest.update(&framer.header());
        out.extend_from_slice(&framer.header());
        Ok((
            Self {
                sender,
                framer,
                cipher: stream::Aes256GcmChunkCipher::new(&keys),
                chunk_key: keys.aead_key().clone(),
                digest,
                header_digest,
                remaining: metadata.size,
                final_written: false,
            },
            out,
        ))
    }

    /// The body's per-chunk AES-256-GCM key (import it into WebCrypto once).
    #[must_use]
    pub fn chunk_key(&self) -> &Secret32 {
        &self.chunk_key
    }

    /// From now on, full body segments are handed out by
    /// [`Self::take_segments`] for the caller to hash (e.g. WebCrypto)
    /// instead of hashed here; their SHA-256 digests go back, in order,
    /// through [`Self::add_segment_digest`] before [`Self::trailer`].
    pub fn hash_segments_externally(&mut self) {
        self.digest.external();
    }

    /// Full body segments written so far and not yet handed out (external
    /// hashing only).
    pub fn take_segments(&mut self) -> Vec<Vec<u8>> {
        self.digest.take_segments()
    }

    /// The SHA-256 digest of the next segment handed out.
    pub fn add_segment_digest(&mut self, digest: &[u8; 32]) {
        self.digest.add_segment_digest(digest);
    }

    /// External-cipher path: frames more content into chunks for the caller
    /// to seal (e.g. WebCrypto, several in flight), then hand to
    /// [`Self::write_sealed`] in order.
    ///
    /// # Errors
    /// [`VaultError::SizeMismatch`] past the size in the metadata.
    pub fn frame(&mut self, plaintext: &[u8]) -> Result<Batch, VaultError> {
        let n = u64::try_from(plaintext.len()).map_err(|_| VaultError::SizeMismatch)?;
        self.remaining = self.remaining.checked_sub(n).ok_or(VaultError::SizeMismatch)?;
        self.framer.push(plaintext).map_err(|_| VaultError::SizeMismatch)
    }

    /// External-cipher path: the final (short) chunk, once all content was framed.
    ///
    /// # Errors
    /// [`VaultError::SizeMismatch`] if content is missing.
    pub fn frame_final(&mut self) -> Result<Batch, VaultError> {
        if self.remaining != 0 {
            return Err(VaultError::SizeMismatch);
        }
        self.final_written = true;
        self.framer.finish().map_err(|_| VaultError::SizeMismatch)
    }

    /// Appends a sealed batch to `out` and hashes it for the signature.
    /// Batches must be written in the order they were framed.
    ///
    /// # Errors
    /// [`VaultError::SigningFailed`] if a chunk is not sealed.
    pub fn write_sealed(&mut self, batch: Batch, out: &mut Vec<u8>) -> Result<(), VaultError> {
        let start = out.len();
        batch.append_output(out).map_err(|_| VaultError::SigningFailed)?;
        self.digest.update(out.get(start..).unwrap_or(&[]));
        Ok(())
    }

    /// The signature trailer, after the final batch was written.
    ///
    /// # Errors
    /// [`VaultError::SizeMismatch`] before [`Self::frame_final`],
    /// [`VaultError::SigningFailed`].
    pub fn trailer<R: CryptoRng + ?Sized>(self, rng: &mut R) -> Result<Vec<u8>, VaultError> {
        if !self.final_written {
            return Err(VaultError::SizeMismatch);
        }
        let body_digest = self.digest.finalize()?;
        let sig = self
            .sender
            .signing_key()
            .sign(&signed_message(&self.header_digest, &body_digest), contexts::VAULT_FILE, rng)
            .map_err(|_| VaultError::SigningFailed)?;
        let mut t = Vec::with_capacity(TRAILER_LEN);
        t.extend_from_slice(TRAILER_MAGIC);
        t.extend_from_slice(&sig);
        Ok(t)
    }

    fn seal_and_write(&mut self, mut batch: Batch, out: &mut Vec<u8>) -> Result<(), VaultError> {
        self.cipher.seal_batch(&mut batch).map_err(|_| VaultError::SigningFailed)?;
        self.write_sealed(batch, out)
    }

    /// Encrypts more content with the built-in cipher, appending body bytes to `out`.
    ///
    /// # Errors
    /// [`VaultError::SizeMismatch`] past the size in the metadata.
    pub fn update(&mut self, plaintext: &[u8], out: &mut Vec<u8>) -> Result<(), VaultError> {
        for piece in plaintext.chunks(stream::CHUNK_SIZE * stream::DRIVER_BATCH) {
            let batch = self.frame(piece)?;
            self.seal_and_write(batch, out)?;
        }
        Ok(())
    }

    /// Final chunk and signature trailer.
    ///
    /// # Errors
    /// [`VaultError::SizeMismatch`], [`VaultError::SigningFailed`].
    pub fn finish<R: CryptoRng + ?Sized>(mut self, rng: &mut R, out: &mut Vec<u8>) -> Result<(), VaultError> {
        let batch = self.frame_final()?;
        self.seal_and_write(batch, out)?;
        out.extend_from_slice(&self.trailer(rng)?);
        Ok(())
    }
}

fn encapsulate<R: CryptoRng + ?Sized>(pk: &XWingPublicKey, rng: &mut R) -> ([u8; kem::CIPHERTEXT_LEN], Secret32) {
    pk.encapsulate(rng)
}

/// One-shot encryption of an in-memory file.
///
/// # Errors
/// As [`VaultEncoder`].
pub fn seal<R: CryptoRng + ?Sized>(
    sender: &Identity,
    recipients: &[Recipient],
    metadata: &Metadata,
    content: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>, VaultError> {
    let (mut enc, mut out) = VaultEncoder::new(sender, recipients, metadata, rng)?;
    enc.update(content, &mut out)?;
    enc.finish(rng, &mut out)?;
    Ok(out)
}

enum DecState {
    Header(Vec<u8>),
    Body(Box<BodyState>),
    Failed,
}

struct BodyState {
    header: OpenedHeader,
    framer: OpenFramer,
    cipher: Option<stream::Aes256GcmChunkCipher>,
    digest: BodyDigest,
    remaining: u64,
    trailer: Vec<u8>,
    body_finished: bool,
}

/// Streaming decoder. Plaintext it appends is *pending* until
/// [`Self::finish`] (or [`Self::verify`]) succeeds.
///
/// Two ways to drive it: [`Self::update`] + [`Self::finish`] with the
/// built-in AES-GCM; or, for an external chunk cipher (WebCrypto),
/// [`Self::push`] → open the returned batch → [`Self::release`], then
/// [`Self::finish_body`] → open → [`Self::release`], then [`Self::verify`].
pub struct VaultDecoder<'k> {
    keyring: &'k Keyring,
    link_keys: &'k dyn Fn(&[u8; LINK_ID_LEN]) -> Option<Secret32>,
    state: DecState,
    external_segments: bool,
}

impl core::fmt::Debug for VaultDecoder<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("VaultDecoder")
    }
}

fn map_stream(e: StreamError) -> VaultError {
    match e {
        StreamError::Truncated | StreamError::HeaderTruncated => VaultError::Truncated,
        StreamError::Poisoned => VaultError::Poisoned,
        _ => VaultError::TamperedBody,
    }
}

impl<'k> VaultDecoder<'k> {
    /// Decoder for files addressed to `keyring`, with this device's link keys.
    #[must_use]
    pub fn new(keyring: &'k Keyring, link_keys: &'k dyn Fn(&[u8; LINK_ID_LEN]) -> Option<Secret32>) -> Self {
        Self { keyring, link_keys, state: DecState::Header(Vec::new()), external_segments: false }
    }

    /// From now on, full body segments of a version 2 file are handed out
    /// by [`Self::take_segments`] for the caller to hash (e.g. WebCrypto);
    /// their SHA-256 digests go back, in order, through
    /// [`Self::add_segment_digest`] before [`Self::verify`]. Version 1
    /// files are still hashed here (their digest cannot be split).
    pub fn hash_segments_externally(&mut self) {
        self.external_segments = true;
        if let DecState::Body(b) = &mut self.state {
            b.digest.external();
        }
    }

    /// Full body segments received and not yet handed out (external
    /// hashing of a version 2 file only).
    pub fn take_segments(&mut self) -> Vec<Vec<u8>> {
        match &mut self.state {
            DecState::Body(b) => b.digest.take_segments(),
            _ => Vec::new(),
        }
    }

    /// The SHA-256 digest of the next segment handed out.
    pub fn add_segment_digest(&mut self, digest: &[u8; 32]) {
        if let DecState::Body(b) = &mut self.state {
            b.digest.add_segment_digest(digest);
        }
    }

    /// Metadata, once the header has been opened (pending, like the content).
    #[must_use]
    pub fn metadata(&self) -> Option<&Metadata> {
        match &self.state {
            DecState::Body(b) => Some(&b.header.metadata),
            _ => None,
        }
    }

    /// The body's per-chunk AES-256-GCM key, known once the body's
    /// commitment was checked (before the first non-empty batch).
    #[must_use]
    pub fn chunk_key(&self) -> Option<&Secret32> {
        match &self.state {
            DecState::Body(b) => b.framer.aead_key(),
            _ => None,
        }
    }

    fn fail(&mut self, e: VaultError) -> VaultError {
        self.state = DecState::Failed;
        e
    }

    fn guard<T>(&mut self, r: Result<T, VaultError>) -> Result<T, VaultError> {
        r.map_err(|e| self.fail(e))
    }

    /// Feeds file bytes; returns body chunks to open (external-cipher path).
    ///
    /// # Errors
    /// Any [`VaultError`]; afterwards every call returns [`VaultError::Poisoned`].
    pub fn push(&mut self, input: &[u8]) -> Result<Batch, VaultError> {
        let r = self.push_inner(input);
        self.guard(r)
    }

    fn push_inner(&mut self, mut input: &[u8]) -> Result<Batch, VaultError> {
        let mut leftover = Vec::new();
        if let DecState::Header(buf) = &mut self.state {
            let room = MAX_HEADER_LEN.saturating_sub(buf.len()).min(input.len());
            let (head, rest) = input.split_at(room);
            buf.extend_from_slice(head);
            input = rest;
            let (raw, used) = match parse_header(buf)? {
                None if buf.len() >= MAX_HEADER_LEN => {
                    return Err(VaultError::Malformed("header too long"));
                }
                None => return Ok(Batch::default()),
                Some(found) => found,
            };
            leftover = buf.get(used..).unwrap_or(&[]).to_vec();
            let header = raw.open(self.keyring, self.link_keys)?;
            let framer = OpenFramer::new(header.body_key.expose(), &header.digest).map_err(map_stream)?;
            let remaining = header.body_len;
            let mut digest = BodyDigest::new(header.kind);
            if self.external_segments {
                digest.external();
            }
            self.state = DecState::Body(Box::new(BodyState {
                header,
                framer,
                cipher: None,
                digest,
                remaining,
                trailer: Vec::new(),
                body_finished: false,
            }));
        }
        let DecState::Body(b) = &mut self.state else {
            return Err(VaultError::Poisoned);
        };
        let mut batch = b.feed(&leftover)?;
        batch.extend(b.feed(input)?);
        Ok(batch)
    }

    /// Releases an opened batch's plaintext into `pending`, in order; a
    /// failed chunk fails the decoder (earlier chunks' plaintext stays
    /// pending, nothing after it is released).
    ///
    /// # Errors
    /// [`VaultError::TamperedBody`], [`VaultError::Poisoned`].
    pub fn release(&mut self, batch: Batch, pending: &mut Vec<u8>) -> Result<(), VaultError> {
        let r = match &mut self.state {
            DecState::Body(b) => b.framer.release(batch, pending).map_err(map_stream),
            _ => Err(VaultError::Poisoned),
        };
        self.guard(r)
    }

    /// Ends the input: returns the final body chunk to open.
    ///
    /// # Errors
    /// [`VaultError::Truncated`], [`VaultError::NotAVaultFile`], [`VaultError::Poisoned`].
    pub fn finish_body(&mut self) -> Result<Batch, VaultError> {
        let r = match &mut self.state {
            DecState::Failed => Err(VaultError::Poisoned),
            DecState::Header(buf) => Err(if buf.len() < 4 && !MAGIC.starts_with(buf) {
                VaultError::NotAVaultFile
            } else {
                VaultError::Truncated
            }),
            DecState::Body(b) if b.remaining != 0 || b.body_finished => Err(VaultError::Truncated),
            DecState::Body(b) => {
                b.body_finished = true;
                b.framer.finish().map_err(map_stream)
            }
        };
        self.guard(r)
    }

    /// Checks the trailer once the final chunk was released. Only `Ok`
    /// makes the pending plaintext (and metadata) trustworthy.
    ///
    /// # Errors
    /// Any trailer [`VaultError`].
    pub fn verify(&mut self, lookup: &dyn Fn(&Fingerprint) -> Option<PublicIdentity>) -> Result<Verified, VaultError> {
        let state = core::mem::replace(&mut self.state, DecState::Failed);
        match state {
            DecState::Body(b) if b.body_finished => {
                let digest = b.digest.finalize()?;
                b.header.verify_trailer(&digest, &b.trailer, lookup)
            }
            DecState::Failed => Err(VaultError::Poisoned),
            _ => Err(VaultError::Truncated),
        }
    }

    fn open_sync(&mut self, mut batch: Batch, pending: &mut Vec<u8>) -> Result<(), VaultError> {
        if batch.is_empty() {
            return Ok(());
        }
        if let DecState::Body(b) = &mut self.state {
            if b.cipher.is_none() {
                let key = b.framer.aead_key().ok_or(VaultError::Poisoned)?;
                b.cipher = Some(stream::Aes256GcmChunkCipher::from_key(key));
            }
            if let Some(c) = &b.cipher {
                c.open_batch(&mut batch);
            }
        }
        self.release(batch, pending)
    }

    /// Feeds file bytes with the built-in cipher; appends pending plaintext.
    ///
    /// # Errors
    /// Any [`VaultError`]; afterwards every call returns [`VaultError::Poisoned`].
    pub fn update(&mut self, input: &[u8], pending: &mut Vec<u8>) -> Result<(), VaultError> {
        let batch = self.push(input)?;
        self.open_sync(batch, pending)
    }

    /// Ends the file: last plaintext to `pending`, then the signature check.
    ///
    /// # Errors
    /// Any [`VaultError`].
    pub fn finish(
        &mut self,
        pending: &mut Vec<u8>,
        lookup: &dyn Fn(&Fingerprint) -> Option<PublicIdentity>,
    ) -> Result<Verified, VaultError> {
        let batch = self.finish_body()?;
        self.open_sync(batch, pending)?;
        self.verify(lookup)
    }
}

impl BodyState {
    /// Splits `input` into body bytes (framed and hashed) and trailer bytes.
    fn feed(&mut self, input: &[u8]) -> Result<Batch, VaultError> {
        let take = usize::try_from(self.remaining).unwrap_or(usize::MAX).min(input.len());
        let (body, rest) = input.split_at(take);
        self.digest.update(body);
        let batch = self.framer.push(body).map_err(map_stream)?;
        self.remaining -= take as u64;
        if self.trailer.len() + rest.len() > TRAILER_LEN {
            return Err(VaultError::TrailingData);
        }
        self.trailer.extend_from_slice(rest);
        Ok(batch)
    }
}

/// Opens an in-memory vault file. The content is returned only after the
/// signature verified; on any error nothing is released.
///
/// # Errors
/// Any [`VaultError`].
pub fn open(
    file: &[u8],
    keyring: &Keyring,
    link_keys: &dyn Fn(&[u8; LINK_ID_LEN]) -> Option<Secret32>,
    lookup: &dyn Fn(&Fingerprint) -> Option<PublicIdentity>,
) -> Result<(Verified, Zeroizing<Vec<u8>>), VaultError> {
    let mut pending = Zeroizing::new(Vec::new());
    let mut dec = VaultDecoder::new(keyring, link_keys);
    dec.update(file, &mut pending)?;
    let verified = dec.finish(&mut pending, lookup)?;
    Ok((verified, pending))
}
