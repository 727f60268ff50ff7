//! The protobuf wire format, read without a schema: a message is a sequence of (field number,
//! wire value) pairs. Varints, 64- and 32-bit fixed values and length-delimited bytes are
//! returned; groups (deprecated, never written by Kubernetes) are skipped whole.

/// One field's value as it is on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WireValue<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1.
    Fixed64(u64),
    /// Wire type 2: a string, bytes, a message or a packed repeated scalar.
    Bytes(&'a [u8]),
    /// Wire type 5.
    Fixed32(u32),
    /// Wire type 3, a group, skipped up to its end.
    Group,
}

/// Why bytes are not a protobuf message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(super) enum WireError {
    /// The data ends inside a field.
    #[error("unexpected end of data")]
    Truncated,
    /// A varint runs past 10 bytes.
    #[error("varint overflows 64 bits")]
    VarintOverflow,
    /// Field number 0 or beyond 2^29 - 1.
    #[error("illegal field number {0}")]
    FieldNumber(u64),
    /// Wire type 6 or 7, or an end-group without its start.
    #[error("illegal wire type {0}")]
    WireType(u8),
    /// Groups nested deeper than anyone writes them.
    #[error("groups nested too deeply")]
    GroupDepth,
}

/// Reads the fields of one message.
#[derive(Debug, Clone)]
pub(super) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

/// How deeply groups may nest when skipped.
const MAX_GROUP_DEPTH: usize = 32;

impl<'a> Reader<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    /// The next field, or `None` at the end of the data.
    pub(super) fn next_field(&mut self) -> Result<Option<(u32, WireValue<'a>)>, WireError> {
        if self.pos == self.data.len() {
            return Ok(None);
        }
        let (number, wire_type) = self.key()?;
        let value = match wire_type {
            0 => WireValue::Varint(self.varint()?),
            1 => WireValue::Fixed64(u64::from_le_bytes(self.array()?)),
            2 => {
                let len = self.varint()?;
                WireValue::Bytes(self.take(len)?)
            }
            3 => {
                self.skip_group(number, 0)?;
                WireValue::Group
            }
            5 => WireValue::Fixed32(u32::from_le_bytes(self.array()?)),
            other => return Err(WireError::WireType(other)),
        };
        Ok(Some((number, value)))
    }

    /// A field key: its number and wire type.
    fn key(&mut self) -> Result<(u32, u8), WireError> {
        let key = self.varint()?;
        let number = key >> 3;
        let number = u32::try_from(number)
            .ok()
            .filter(|number| (1..1 << 29).contains(number))
            .ok_or(WireError::FieldNumber(number))?;
        // The mask keeps the value below 8.
        Ok((number, (key & 7) as u8))
    }

    /// Skips the rest of group `number`, up to its end-group key.
    fn skip_group(&mut self, number: u32, depth: usize) -> Result<(), WireError> {
        if depth >= MAX_GROUP_DEPTH {
            return Err(WireError::GroupDepth);
        }
        loop {
            if self.pos == self.data.len() {
                return Err(WireError::Truncated);
            }
            let (inner, wire_type) = self.key()?;
            match wire_type {
                0 => {
                    self.varint()?;
                }
                1 => {
                    self.array::<8>()?;
                }
                2 => {
                    let len = self.varint()?;
                    self.take(len)?;
                }
                3 => self.skip_group(inner, depth + 1)?,
                4 if inner == number => return Ok(()),
                5 => {
                    self.array::<4>()?;
                }
                other => return Err(WireError::WireType(other)),
            }
        }
    }

    /// A varint of at most 10 bytes (bits past 64 are dropped, as Go's decoder does).
    pub(super) fn varint(&mut self) -> Result<u64, WireError> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let byte = *self.data.get(self.pos).ok_or(WireError::Truncated)?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
            if byte < 0x80 {
                return Ok(value);
            }
        }
        Err(WireError::VarintOverflow)
    }

    fn take(&mut self, len: u64) -> Result<&'a [u8], WireError> {
        let remaining = self.data.len() - self.pos;
        let len = usize::try_from(len)
            .ok()
            .filter(|len| *len <= remaining)
            .ok_or(WireError::Truncated)?;
        let bytes = &self.data[self.pos..self.pos + len];
        self.pos += len;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let bytes = self.take(N as u64)?;
        let mut array = [0; N];
        array.copy_from_slice(bytes);
        Ok(array)
    }

    /// Whether every byte has been read.
    pub(super) fn is_empty(&self) -> bool {
        self.pos == self.data.len()
    }

    /// A fixed 64-bit value (a packed `double`).
    pub(super) fn fixed64(&mut self) -> Result<u64, WireError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(data: &[u8]) -> Result<Vec<(u32, WireValue<'_>)>, WireError> {
        let mut reader = Reader::new(data);
        let mut out = Vec::new();
        while let Some(field) = reader.next_field()? {
            out.push(field);
        }
        Ok(out)
    }

    #[test]
    fn reads_every_wire_type() {
        let data = [
            0x08, 0x96, 0x01, // 1: varint 150
            0x11, 1, 0, 0, 0, 0, 0, 0, 0, // 2: fixed64 1
            0x1a, 0x02, b'h', b'i', // 3: bytes "hi"
            0x25, 2, 0, 0, 0, // 4: fixed32 2
            0x2b, 0x08, 0x01, 0x2c, // 5: a group holding 1: varint 1
            0x30, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, // 6: u64::MAX
        ];
        assert_eq!(
            fields(&data).unwrap(),
            [
                (1, WireValue::Varint(150)),
                (2, WireValue::Fixed64(1)),
                (3, WireValue::Bytes(b"hi")),
                (4, WireValue::Fixed32(2)),
                (5, WireValue::Group),
                (6, WireValue::Varint(u64::MAX)),
            ]
        );
    }

    #[test]
    fn refuses_malformed_data() {
        assert_eq!(fields(&[0x08]), Err(WireError::Truncated));
        assert_eq!(fields(&[0x0a, 0x05, b'a']), Err(WireError::Truncated));
        assert_eq!(fields(&[0x09, 0, 0]), Err(WireError::Truncated));
        assert_eq!(fields(&[0x00, 0x01]), Err(WireError::FieldNumber(0)));
        assert_eq!(fields(&[0x0e]), Err(WireError::WireType(6)));
        assert_eq!(fields(&[0x0c]), Err(WireError::WireType(4)));
        assert_eq!(fields(&[0x0b, 0x08]), Err(WireError::Truncated));
        assert_eq!(
            fields(&[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01
            ]),
            Err(WireError::VarintOverflow)
        );
        assert_eq!(fields(&[0x0b; 40]), Err(WireError::GroupDepth));
        let huge_length = [0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
        assert_eq!(fields(&huge_length), Err(WireError::Truncated));
    }
}
