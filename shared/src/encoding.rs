//! Crockford base32, the human-facing text encoding of fingerprints and
//! recovery codes: no I, L, O or U, so it survives reading aloud and
//! handwriting.

use zeroize::Zeroizing;

/// The 32 symbols, value order.
pub const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Bytes → symbols, most significant bit first; the last symbol is padded
/// with zero bits. The buffer is wiped on drop (recovery codes are secret).
#[must_use]
pub fn crockford_symbols(bytes: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(bytes.len() * 8 / 5 + 1));
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(CROCKFORD[((acc >> bits) & 31) as usize]);
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(CROCKFORD[((acc << (5 - bits)) & 31) as usize]);
    }
    out
}

/// Symbols in groups of four joined by `-` (wiped on drop).
#[must_use]
pub fn grouped(symbols: &[u8]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(symbols.len() + symbols.len() / 4));
    for (i, group) in symbols.chunks(4).enumerate() {
        if i > 0 {
            out.push('-');
        }
        out.extend(group.iter().map(|&c| char::from(c)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(crockford_symbols(&[]).as_slice(), b"");
        assert_eq!(crockford_symbols(&[0xFF]).as_slice(), b"ZW");
        assert_eq!(crockford_symbols(&[0, 0, 0, 0, 0]).as_slice(), b"00000000");
        assert_eq!(crockford_symbols(b"\x84\x21\x08\x42\x10").as_slice(), b"GGGGGGGG");
        assert_eq!(grouped(b"ABCDEFGHJ").as_str(), "ABCD-EFGH-J");
    }
}
