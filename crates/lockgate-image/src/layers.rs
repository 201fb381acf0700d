//! Reading one layer blob into the cache and the file tree, in one streaming pass:
//! blob → digest check → decompression (gzip, zstd or none, told by magic bytes) → size
//! and ratio limits → diff ID check → copy into the cache → tar headers into the tree's
//! changes. Memory stays bounded whatever the layer's size: nothing holds more than a
//! buffer of it, and the zstd window is capped by the decoder at 100 MiB.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::rc::Rc;

use crate::cache::Cache;
use crate::digest::{Digest, VerifyingReader, invalid};
use crate::tar_stream::{Seekable, Sequential, TarStream};
use crate::tree::{FileTree, LayerChanges, TreeLimits};

/// Limits on what decompression may produce.
#[derive(Debug, Clone, Copy)]
pub struct SizeLimits {
    /// Uncompressed bytes of all layers together.
    pub max_image_bytes: u64,
    /// A layer that expands more than this many times (beyond the first 64 MiB) is a
    /// decompression bomb: real layers compress 2 to 10 times.
    pub max_ratio: u64,
}

impl Default for SizeLimits {
    fn default() -> Self {
        SizeLimits {
            max_image_bytes: 32 << 30,
            max_ratio: 200,
        }
    }
}

/// What is known of a layer blob before it is read.
#[derive(Debug, Clone)]
pub struct LayerBlob {
    /// The compressed blob's digest and size, when the manifest gives them (docker-save
    /// archives of the old format do not).
    pub digest: Option<Digest>,
    pub size: Option<u64>,
    /// The uncompressed content's digest, from the image config.
    pub diff_id: Digest,
    /// Names the layer in messages.
    pub name: String,
}

/// Adds a layer to `tree`: from the cache when its diff ID is there (then `open` is not
/// called), else by streaming the blob `open` returns. `budget` is what is left of the
/// image's uncompressed size limit.
pub fn add_layer<'a>(
    tree: &mut FileTree,
    cache: &Cache,
    layer: &LayerBlob,
    open: impl FnOnce() -> io::Result<Box<dyn Read + 'a>>,
    limits: &SizeLimits,
    tree_limits: &TreeLimits,
    budget: &mut u64,
) -> io::Result<bool> {
    let cached = cache.layer_path(&layer.diff_id);
    let mut changes = tree.begin_layer(layer.name.clone());
    if let Ok(file) = File::open(&cached) {
        let mut stream = TarStream::new(Seekable::new(BufReader::new(file))?);
        let indexed = index_entries(&mut stream, &mut changes, tree_limits);
        // Every cached layer ends with the end-of-archive marker (added when the original
        // had none); one without it was cut short (the cache is written without a sync,
        // so a crash can leave that) and is read again from its blob.
        if indexed.is_ok() && stream.saw_end_marker() {
            *budget = budget.saturating_sub(stream.position());
            tree.apply(changes, cached).map_err(invalid)?;
            return Ok(true);
        }
        drop(stream);
        let _ = std::fs::remove_file(&cached);
        changes = tree.begin_layer(layer.name.clone());
    }
    let blob = open()?;
    let temporary = stream_into_cache(
        blob,
        layer,
        cache,
        &mut changes,
        limits,
        tree_limits,
        budget,
    )?;
    // Only a layer the tree accepts is kept.
    tree.apply(changes, cached.clone()).map_err(invalid)?;
    temporary.commit(&cached)?;
    Ok(false)
}

fn index_entries<R: crate::tar_stream::Forward>(
    stream: &mut TarStream<R>,
    changes: &mut LayerChanges,
    limits: &TreeLimits,
) -> io::Result<()> {
    while let Some(entry) = stream.next_entry()? {
        changes.add(&entry, limits).map_err(invalid)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn stream_into_cache(
    blob: Box<dyn Read + '_>,
    layer: &LayerBlob,
    cache: &Cache,
    changes: &mut LayerChanges,
    limits: &SizeLimits,
    tree_limits: &TreeLimits,
    budget: &mut u64,
) -> io::Result<crate::cache::Temporary> {
    let compressed_read = Rc::new(Cell::new(0u64));
    let compressed = VerifyingReader::new(
        blob,
        layer.digest.clone(),
        layer.size,
        format!("{} (compressed)", layer.name),
    );
    let counted = Counting {
        inner: compressed,
        count: compressed_read.clone(),
    };
    let mut buffered = BufReader::with_capacity(64 << 10, counted);
    let mut temporary = cache.temporary()?;
    // The block ends every borrow of `buffered` and of the cache file.
    let produced = {
        let decompressed = decompressor(&mut buffered, &layer.name)?;
        let limited = Limited {
            inner: decompressed,
            produced: 0,
            budget: *budget,
            compressed: compressed_read,
            max_ratio: limits.max_ratio,
            name: layer.name.clone(),
        };
        let verified = VerifyingReader::new(
            limited,
            Some(layer.diff_id.clone()),
            None,
            format!("{} (uncompressed)", layer.name),
        );
        let writer = io::BufWriter::with_capacity(256 << 10, temporary.file()?);
        let mut stream = TarStream::new(Sequential(Tee {
            inner: verified,
            copy: writer,
        }));
        index_entries(&mut stream, changes, tree_limits).map_err(|e| context(e, &layer.name))?;
        // The rest (end marker, padding) belongs to the digest too.
        stream.drain().map_err(|e| context(e, &layer.name))?;
        let produced = stream.position();
        let complete = stream.saw_end_marker();
        let Sequential(Tee { inner, mut copy }) = stream.into_inner();
        drop(inner);
        if !complete {
            // The cache's completeness check relies on the marker (see `add_layer`).
            copy.write_all(&[0u8; 1024])?;
        }
        copy.into_inner().map_err(io::IntoInnerError::into_error)?;
        produced
    };
    // Decompressors may stop at the end of their data: the compressed digest needs every
    // byte of the blob.
    io::copy(&mut buffered, &mut io::sink()).map_err(|e| context(e, &layer.name))?;
    *budget = budget.saturating_sub(produced);
    Ok(temporary)
}

fn context(error: io::Error, name: &str) -> io::Error {
    if error.to_string().contains(name) {
        error
    } else {
        io::Error::new(error.kind(), format!("{name}: {error}"))
    }
}

/// A decompressing reader chosen by the stream's first bytes.
fn decompressor<'a, R: BufRead + 'a>(
    input: &'a mut R,
    name: &str,
) -> io::Result<Box<dyn Read + 'a>> {
    let head = input.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(flate2::bufread::MultiGzDecoder::new(input)))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Ok(Box::new(ZstdFrames::new(input)))
    } else if head.len() >= 4 && head[..4] == [0x04, 0x22, 0x4d, 0x18] {
        Err(invalid(format!(
            "{name} is lz4-compressed, which the OCI image spec does not allow"
        )))
    } else {
        Ok(Box::new(input))
    }
}

/// Every zstd frame of a stream, one after another (`zstd:chunked` layers hold many),
/// skipping skippable frames. One frame decoder is reused; the input is lent to it per
/// call, so it is never lost between frames.
struct ZstdFrames<R> {
    input: R,
    decoder: ruzstd::decoding::FrameDecoder,
    in_frame: bool,
}

impl<R: BufRead> ZstdFrames<R> {
    fn new(input: R) -> Self {
        ZstdFrames {
            input,
            decoder: ruzstd::decoding::FrameDecoder::new(),
            in_frame: false,
        }
    }
}

impl<R: BufRead> Read for ZstdFrames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use ruzstd::decoding::BlockDecodingStrategy;
        use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.in_frame {
                while self.decoder.can_collect() < buf.len() && !self.decoder.is_finished() {
                    let wanted = buf.len() - self.decoder.can_collect();
                    self.decoder
                        .decode_blocks(&mut self.input, BlockDecodingStrategy::UptoBytes(wanted))
                        .map_err(|e| invalid(format!("zstd: {e}")))?;
                }
                let count = self.decoder.read(buf)?;
                if count > 0 {
                    return Ok(count);
                }
                self.in_frame = false;
            }
            if self.input.fill_buf()?.is_empty() {
                return Ok(0);
            }
            match self.decoder.reset(&mut self.input) {
                Ok(()) => self.in_frame = true,
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                    length,
                    ..
                })) => {
                    let wanted = u64::from(length);
                    let skipped = io::copy(&mut (&mut self.input).take(wanted), &mut io::sink())?;
                    if skipped < wanted {
                        return Err(invalid("a zstd skippable frame is truncated".into()));
                    }
                }
                Err(e) => return Err(invalid(format!("zstd: {e}"))),
            }
        }
    }
}

/// Counts the bytes read through it into a shared cell (the compressed size, which the
/// ratio limit needs while decompression runs).
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(buf)?;
        self.count.set(self.count.get() + count as u64);
        Ok(count)
    }
}

/// Stops decompression past the image's size budget or the bomb ratio.
struct Limited<R> {
    inner: R,
    produced: u64,
    budget: u64,
    compressed: Rc<Cell<u64>>,
    max_ratio: u64,
    name: String,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(buf)?;
        self.produced += count as u64;
        if self.produced > self.budget {
            return Err(invalid(format!(
                "{} expands past the image size limit ({} bytes uncompressed); raise it with --max-image-size if the image is really that large",
                self.name, self.budget
            )));
        }
        const FREE: u64 = 64 << 20;
        let compressed = self.compressed.get().max(1);
        if self.produced > FREE && self.produced / compressed > self.max_ratio {
            return Err(invalid(format!(
                "{} is a decompression bomb: {} bytes expanded to more than {} ({}× the limit ratio)",
                self.name, compressed, self.produced, self.max_ratio
            )));
        }
        Ok(count)
    }
}

/// Copies what is read into a writer (the cache file).
struct Tee<R, W> {
    inner: R,
    copy: W,
}

impl<R: Read, W: Write> Read for Tee<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(buf)?;
        self.copy.write_all(&buf[..count])?;
        Ok(count)
    }
}
