//! A minimal DER reader for the two facts OpenSSL's Rust API does not expose: a certificate's
//! SubjectPublicKeyInfo exactly as encoded, and its basicConstraints `cA` flag.

use crate::error::{Error, Result};

const SEQUENCE: u8 = 0x30;
const BOOLEAN: u8 = 0x01;
const OBJECT_IDENTIFIER: u8 = 0x06;
const OCTET_STRING: u8 = 0x04;
/// `[0] EXPLICIT Version` in a TBSCertificate.
const VERSION: u8 = 0xa0;
/// `[3] EXPLICIT Extensions` in a TBSCertificate.
const EXTENSIONS: u8 = 0xa3;
/// 2.5.29.19, id-ce-basicConstraints, as DER content octets.
const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];

/// The DER SubjectPublicKeyInfo (tag and length included) of a DER certificate: the bytes Go
/// exposes as `RawSubjectPublicKeyInfo`.
pub(crate) fn subject_public_key_info(cert: &[u8]) -> Result<&[u8]> {
    Ok(tbs_fields(cert)?.spki)
}

/// Whether a DER certificate carries basicConstraints with `cA` TRUE.
pub(crate) fn is_ca(cert: &[u8]) -> Result<bool> {
    let Some(extensions) = tbs_fields(cert)?.extensions else {
        return Ok(false);
    };
    let mut list = Reader::new(expect(extensions, SEQUENCE)?);
    while let Some(extension) = list.next_expected(SEQUENCE)? {
        let mut fields = Reader::new(extension);
        let oid = fields.next_expected(OBJECT_IDENTIFIER)?.unwrap_or_default();
        if oid != BASIC_CONSTRAINTS {
            continue;
        }
        let mut value = fields.next()?;
        if value.as_ref().is_some_and(|tlv| tlv.tag == BOOLEAN) {
            value = fields.next()?; // that was the `critical` flag
        }
        let constraints = match value {
            Some(tlv) if tlv.tag == OCTET_STRING => tlv.content,
            _ => return Err(malformed("basicConstraints without a value")),
        };
        let mut constraints = Reader::new(expect(constraints, SEQUENCE)?);
        return Ok(match constraints.next()? {
            Some(tlv) if tlv.tag == BOOLEAN => tlv.content.first().is_some_and(|b| *b != 0),
            _ => false, // cA is DEFAULT FALSE
        });
    }
    Ok(false)
}

/// The fields of a TBSCertificate this module needs.
struct TbsFields<'a> {
    /// The whole SubjectPublicKeyInfo TLV.
    spki: &'a [u8],
    /// The content of `[3] EXPLICIT`: a DER `SEQUENCE OF Extension`.
    extensions: Option<&'a [u8]>,
}

fn tbs_fields(cert: &[u8]) -> Result<TbsFields<'_>> {
    let certificate = expect(cert, SEQUENCE)?;
    let tbs = expect(certificate, SEQUENCE)?;
    let mut fields = Reader::new(tbs);
    let mut field = fields.next()?;
    if field.as_ref().is_some_and(|tlv| tlv.tag == VERSION) {
        field = fields.next()?;
    }
    // `field` is serialNumber; step over it, signature, issuer, validity and subject.
    for _ in 0..5 {
        if field.is_none() {
            break;
        }
        field = fields.next()?;
    }
    let spki = match field {
        Some(tlv) if tlv.tag == SEQUENCE => tlv.whole,
        _ => return Err(malformed("no SubjectPublicKeyInfo")),
    };
    let mut extensions = None;
    while let Some(tlv) = fields.next()? {
        if tlv.tag == EXTENSIONS {
            extensions = Some(tlv.content);
        }
    }
    Ok(TbsFields { spki, extensions })
}

/// One DER tag-length-value.
struct Tlv<'a> {
    tag: u8,
    content: &'a [u8],
    /// Tag, length and content together.
    whole: &'a [u8],
}

/// The content of the TLV at the front of `input`, which must have tag `tag`.
fn expect(input: &[u8], tag: u8) -> Result<&[u8]> {
    let (tlv, _) = tlv(input)?;
    if tlv.tag != tag {
        return Err(malformed("unexpected tag"));
    }
    Ok(tlv.content)
}

/// Reads one TLV from the front of `input`, returning it and the bytes after it. Only
/// single-byte tags and definite lengths occur in certificates; anything else is refused.
fn tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8])> {
    let [tag, first, after @ ..] = input else {
        return Err(malformed("truncated header"));
    };
    if tag & 0x1f == 0x1f {
        return Err(malformed("multi-byte tag"));
    }
    let (length, header) = if first & 0x80 == 0 {
        (usize::from(*first), 2)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || after.len() < count {
            return Err(malformed("bad length"));
        }
        let length = after[..count]
            .iter()
            .fold(0usize, |acc, byte| (acc << 8) | usize::from(*byte));
        (length, 2 + count)
    };
    let end = header
        .checked_add(length)
        .filter(|end| *end <= input.len())
        .ok_or_else(|| malformed("length past the end"))?;
    let tlv = Tlv {
        tag: *tag,
        content: &input[header..end],
        whole: &input[..end],
    };
    Ok((tlv, &input[end..]))
}

/// Iterates the TLVs of a constructed value's content.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(content: &'a [u8]) -> Self {
        Reader { rest: content }
    }

    /// The next TLV, or `None` at the end.
    fn next(&mut self) -> Result<Option<Tlv<'a>>> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let (tlv, rest) = tlv(self.rest)?;
        self.rest = rest;
        Ok(Some(tlv))
    }

    /// The content of the next TLV, which must have tag `tag`.
    fn next_expected(&mut self, tag: u8) -> Result<Option<&'a [u8]>> {
        match self.next()? {
            None => Ok(None),
            Some(tlv) if tlv.tag == tag => Ok(Some(tlv.content)),
            Some(_) => Err(malformed("unexpected tag")),
        }
    }
}

fn malformed(reason: &str) -> Error {
    Error::invalid("certificate DER", reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ca, LEAF_VALIDITY, issue_client};

    #[test]
    fn finds_the_public_key_info_and_the_ca_flag() {
        let ca = Ca::generate("nave-ca").unwrap();
        let ca_der = ca.certificate().to_der().unwrap();
        let spki = ca
            .certificate()
            .public_key()
            .unwrap()
            .public_key_to_der()
            .unwrap();
        assert_eq!(subject_public_key_info(&ca_der).unwrap(), spki.as_slice());
        assert!(is_ca(&ca_der).unwrap());

        let leaf = issue_client(&ca, "alice", &[], LEAF_VALIDITY).unwrap();
        let leaf_der = openssl::x509::X509::from_pem(leaf.cert_pem.as_bytes())
            .unwrap()
            .to_der()
            .unwrap();
        assert!(!is_ca(&leaf_der).unwrap());
    }

    #[test]
    fn truncated_or_corrupt_input_is_an_error_not_a_panic() {
        let ca = Ca::generate("nave-ca").unwrap();
        let der = ca.certificate().to_der().unwrap();
        for len in 0..der.len() {
            assert!(
                subject_public_key_info(&der[..len]).is_err(),
                "prefix of {len} accepted"
            );
        }
        for at in 0..der.len() {
            let mut corrupt = der.clone();
            corrupt[at] ^= 0xff;
            let _ = subject_public_key_info(&corrupt);
            let _ = is_ca(&corrupt);
        }
        assert!(
            tlv(&[0x30, 0x80, 0x00, 0x00]).is_err(),
            "indefinite length accepted"
        );
        assert!(
            tlv(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_err(),
            "5-byte length accepted"
        );
    }
}
