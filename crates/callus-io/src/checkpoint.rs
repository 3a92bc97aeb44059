//! Checkpoint files: a [`Checkpoint`] (the whole state of a run after a day, callus-sim) as
//! `restart/checkpoint.bin` in a run's folder, written atomically (a temporary file, then a
//! rename), so the last complete checkpoint survives any interruption.
//!
//! Layout: the magic line `callus checkpoint\n`, the format number (u32, little-endian), the
//! FNV-1a checksum of the payload (u64, little-endian), then the payload: the checkpoint as CBOR
//! (RFC 8949, by ciborium: self-describing, so a file of another layout fails naming the field,
//! and floats keep every bit).

use std::io::Read;
use std::path::Path;

use callus_sim::Checkpoint;

use crate::atomic::write_atomically;
use crate::error::file;
use crate::fnv::Fnv1a;
use crate::IoError;

/// The first bytes of a checkpoint file.
const MAGIC: &[u8] = b"callus checkpoint\n";

/// The layout of the file and its payload; a change of either is a new number (2: the run record
/// keeps the first day's mechanics unknowns).
pub const FORMAT: u32 = 2;

fn checksum(payload: &[u8]) -> u64 {
    let mut hash = Fnv1a::new();
    hash.update(payload);
    hash.finish()
}

fn refuse(path: &Path, message: impl Into<String>) -> IoError {
    IoError::Checkpoint {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Writes `checkpoint` to `path` (atomically).
pub fn write_checkpoint(path: &Path, checkpoint: &Checkpoint) -> Result<(), IoError> {
    let mut payload = Vec::new();
    ciborium::into_writer(checkpoint, &mut payload)
        .map_err(|e| refuse(path, format!("cannot encode the checkpoint: {e}")))?;
    let mut bytes = Vec::with_capacity(MAGIC.len() + 12 + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT.to_le_bytes());
    bytes.extend_from_slice(&checksum(&payload).to_le_bytes());
    bytes.extend_from_slice(&payload);
    write_atomically(path, &bytes)
}

/// Reads the checkpoint of `path`; a file that is not a whole checkpoint of this format is
/// refused, naming the file and what to do.
pub fn read_checkpoint(path: &Path) -> Result<Checkpoint, IoError> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(file(path))?;
    let fresh = "delete it, or run again without --resume";
    let Some(rest) = bytes.strip_prefix(MAGIC) else {
        return Err(refuse(path, format!("not a callus checkpoint; {fresh}")));
    };
    if rest.len() < 12 {
        return Err(refuse(
            path,
            format!("the checkpoint is truncated; {fresh}"),
        ));
    }
    let format = u32::from_le_bytes(rest[..4].try_into().expect("4 bytes"));
    if format != FORMAT {
        return Err(refuse(
            path,
            format!("a checkpoint of format {format}; this callus reads format {FORMAT}: {fresh}"),
        ));
    }
    let sum = u64::from_le_bytes(rest[4..12].try_into().expect("8 bytes"));
    let payload = &rest[12..];
    if checksum(payload) != sum {
        return Err(refuse(
            path,
            format!("the checkpoint is damaged (its checksum does not match); {fresh}"),
        ));
    }
    ciborium::from_reader(payload).map_err(|e| {
        refuse(
            path,
            format!("the checkpoint cannot be read ({e}); {fresh}"),
        )
    })
}
