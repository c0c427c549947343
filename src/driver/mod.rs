//! The one way through: every stream, whatever its size, is read into a spool, cut into *windows*
//! of whole documents ([`WINDOW_BYTES`] by default; a chart's usual stream is one window), run a
//! window at a time through the one pipeline (`apply::inject_part`: plan, overlays, changed
//! documents, checksums, output checks) in memory proportional to the window plus a small index of
//! the documents, and written as a [`View`] (`krm` reads its items back from the stream view).
//!
//! 1. [`read`] takes stdin into a spool (`store`, see [`WHOLE_BYTES`]), cut into documents as it
//!    comes in where [`crate::stream::split`] cuts them, indexed (`Entry`) and checked as
//!    [`Stream::read`] checks a stream (UTF-8, `---` with content, the document size limit).
//! 2. Pass 1 ([`Spool::index`]) reads every document's identifying fields once, for the whole
//!    stream: the profile's targets, the ConfigMaps, the releases and the `direct::Hint`s.
//! 3. The ConfigMap pass runs the pipeline on the ConfigMaps for the hash of each ConfigMap the
//!    stream changes, which `checksum/config` follows in any window; a stream of one window skips
//!    it (the window finds its own) unless direct edits need the hashes first.
//! 4. Pass 2 runs the pipeline on each window's documents plus, as context, their releases' chart
//!    ConfigMaps (the plan reads a workload's ConfigMap; only their own window writes, counts and
//!    reports them); direct edits (`apply::direct`, not for `export`) rewrite a document's text
//!    where they can. The output is spooled, for stdout only when every window succeeded.
//!
//! A window is a [`Stream`] of its documents, each with the stream's line numbers and
//! [`crate::stream::Document::number`], so that lines, findings and `--explain` read the same at
//! any window size; `Layout` maps the window's indices to the stream's. Once the stream-wide facts
//! are known the windows are independent: they are rendered one per core at a time (`pool`).
//!
//! The driver adds up from the windows what the run reports: the plan's findings (back in stage
//! order), overlay `expect` counts (checked at the end; when one fails, the windows run again to
//! find the nearest document and the hooks), conflicts, the output checks, `--explain`. Failures
//! take this precedence: the plan's conflicts, then the overlays' problems, then the output checks;
//! among input errors (a document that does not parse), the first window's.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Read, Write};
use std::ops::Range;
use std::sync::{Mutex, PoisonError};

use crate::error::{Error, Result};
use crate::overlay::{self, Overlays, RuleTally};
use crate::profile::{ChartProfile, Choice, Role, Targets};
use crate::report::{Finding, Severity};
use crate::stream::{MAX_DOCUMENT_BYTES, Stream, emit, split};
use crate::values::Values;

use crate::apply::{self, Context, Part, Pass, direct};

mod pool;
mod store;
mod view;

use pool::{in_order, parallel_windows};
use store::Store;
pub use view::View;

/// The label Helm charts give every object of a release (chart 0.4.2 does).
const RELEASE_LABEL: &str = "release";

/// The default window size. Peak memory follows it (the edited documents' values, drafts and
/// minimal edits, per window in flight); the time hardly does.
pub const WINDOW_BYTES: usize = 64 * 1024;

/// A stream up to this size is held in memory with its output, on one thread (threads cost more
/// than they save there); a bigger one goes to a temporary file, so memory follows the window.
pub const WHOLE_BYTES: usize = 256 * 1024;

/// The variable that sets both [`Budget`] sizes, in bytes (tests use 1: one document per window).
pub const WINDOW_ENV: &str = "POLYAXON_PR_WINDOW_BYTES";

/// The sizes: [`WINDOW_ENV`] for both when set, else [`WHOLE_BYTES`] and [`WINDOW_BYTES`].
pub fn window_bytes() -> Result<Budget> {
    match std::env::var(WINDOW_ENV) {
        Err(_) => Ok(Budget {
            whole: WHOLE_BYTES,
            window: WINDOW_BYTES,
        }),
        Ok(text) => text
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .map(|n| Budget {
                whole: n,
                window: n,
            })
            .ok_or_else(|| {
                Error::input(format!(
                    "{WINDOW_ENV}={text:?}: not a window size; give a number of bytes (at least \
                     1), or unset it for the default of {WINDOW_BYTES}"
                ))
            }),
    }
}

/// How [`read`] takes a stream.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Up to this many bytes the stream is read whole.
    pub whole: usize,
    /// A bigger one is processed in windows of whole documents up to this many bytes.
    pub window: usize,
}

/// One document of a spooled stream, or a run of empty ones, so the index does not grow with them.
#[derive(Debug, Clone, Default)]
struct Entry {
    /// Offset and length in the spool file (the same as in the stream).
    start: u64,
    len: usize,
    /// 1-based line of the stream where the chunk starts.
    first_line: usize,
    /// The stream's number of the (first) document ([`crate::stream::Document::number`]).
    number: usize,
    /// How many documents the entry holds: more than one only for a run of empty ones.
    chunks: usize,
    /// Set by pass 1: the document is a ConfigMap.
    config_map: bool,
    /// Set by pass 1 for a document with metadata: its Helm release ([`RELEASE_LABEL`]) as an id.
    release: Option<Option<u32>>,
    /// Set by pass 1 when the overlays loaded (even without rules): its [`direct::hint`].
    hint: Option<Option<direct::Hint>>,
}

/// A stream spooled (in memory or to a temporary file), with its index.
pub struct Spool {
    /// In memory when the stream fits the whole budget (its output is held there too).
    file: Store,
    docs: Vec<Entry>,
    /// The stream is only whitespace (it becomes [`emit::EMPTY_OUTPUT`]).
    blank: bool,
    budget: usize,
    /// Set by [`Spool::index`].
    facts: Option<Facts>,
}

/// Read stdin into a spool (see [`Budget`]); errors are a whole stream's (UTF-8, [`Stream::read`]).
pub fn read(stdin: &mut dyn Read, budget: Budget) -> Result<Spool> {
    read_in_blocks(stdin, budget, READ_BLOCK)
}

/// [`read`], a stream bigger than the whole budget `block` bytes at a time (the tests cut
/// streams into blocks of a few bytes, so that separators and lines straddle blocks).
fn read_in_blocks(stdin: &mut dyn Read, budget: Budget, block: usize) -> Result<Spool> {
    let Budget {
        whole,
        window: budget,
    } = budget;
    let limit = u64::try_from(whole).unwrap_or(u64::MAX).saturating_add(1);
    // Room for a block from the start (reserved, untouched): a stream that fits is not regrown.
    let mut mem = Vec::new();
    let first = usize::try_from(limit)
        .unwrap_or(usize::MAX)
        .min(block.saturating_add(1));
    reserve(&mut mem, first)?;
    crate::memory::fallibly(|| stdin.take(limit).read_to_end(&mut mem)).map_err(read_error)?;
    let in_memory = mem.len() <= whole;
    let mut reader = Reader {
        spool: Spool {
            file: Store::new(in_memory)?,
            docs: Vec::new(),
            blank: true,
            budget,
            facts: None,
        },
        buf: mem,
        cut: 0,
        base: 0,
        scan: 0,
        searched: 0,
        line: 1,
        chunks: 0,
        in_empty_run: false,
        utf8: None,
        dash: None,
        size: None,
    };
    reader.cut_complete()?;
    // A stream held in memory was read to its end.
    if !in_memory {
        reader.read_blocks(stdin, block)?;
    }
    reader.finish()
}

/// How much of a stream bigger than the whole budget is read from stdin at a time.
const READ_BLOCK: usize = 256 * 1024;

fn read_error(e: std::io::Error) -> Error {
    Error::io("cannot read the stream from stdin", e)
}

/// Room for `bytes` more of the stream in `buf`, or the error of a read out of memory.
fn reserve(buf: &mut Vec<u8>, bytes: usize) -> Result<()> {
    crate::memory::fallibly(|| buf.try_reserve(bytes))
        .map_err(|_| read_error(std::io::ErrorKind::OutOfMemory.into()))
}

fn not_utf8(offset: usize) -> Error {
    Error::input(format!(
        "stdin: the stream is not UTF-8 (invalid byte at offset {offset}); Kubernetes manifests \
         must be UTF-8"
    ))
}

/// The incremental splitter: `buf` holds the stream from the current chunk's start (`base`, line
/// `line`) on; `scan` starts the next unexamined line, `searched` is how far its end was sought.
struct Reader {
    spool: Spool,
    buf: Vec<u8>,
    /// Where the current chunk starts in `buf`: what is before it is recorded (and spooled,
    /// unless the stream is held in memory, where `buf` becomes the spool).
    cut: usize,
    base: u64,
    scan: usize,
    searched: usize,
    line: usize,
    /// Documents cut so far.
    chunks: usize,
    /// The last entry is a run of empty documents, which an empty document joins.
    in_empty_run: bool,
    /// The first problem of each kind, reported at the end in a whole stream's order.
    utf8: Option<usize>,
    dash: Option<String>,
    size: Option<String>,
}

impl Reader {
    /// Read the rest of the stream `block` bytes at a time into the one buffer, which keeps only
    /// the chunk being read: its memory is touched once, not grown with the stream.
    fn read_blocks(&mut self, stdin: &mut dyn Read, block: usize) -> Result<()> {
        loop {
            self.compact();
            let filled = self.buf.len();
            // It grows (a regrowth copies) only for a document longer than half a block.
            if self.buf.capacity() - filled < block.div_ceil(2) {
                reserve(&mut self.buf, block)?;
            }
            let room = block.min(self.buf.capacity() - filled);
            // `read_to_end` fills the room whole unless the stream ends (a pipe gives at most its
            // buffer a read), and does not zero it first.
            let limit = u64::try_from(room).unwrap_or(u64::MAX);
            crate::memory::fallibly(|| stdin.take(limit).read_to_end(&mut self.buf))
                .map_err(read_error)?;
            if self.buf.len() == filled {
                return Ok(());
            }
            self.cut_complete()?;
        }
    }

    /// Cut off every chunk a separator line in `buf` ends, found as [`split::split`] finds them.
    fn cut_complete(&mut self) -> Result<()> {
        // The chunks cut off are spooled with one write per call, not one per chunk.
        let buf = std::mem::take(&mut self.buf);
        let mut chunk_start = self.cut;
        loop {
            // Resume the last search (lines may be megabytes long); a `\n---` may straddle its end.
            let from = self.scan.max(self.searched.saturating_sub(3));
            let found = match buf[self.scan..].starts_with(b"---") {
                true => Some(self.scan),
                false => split::DASH_LINES.find(&buf[from..]).map(|i| from + i + 1),
            };
            let Some(start) = found else {
                // Every complete line is examined; the last one may still grow into a `---`.
                if let Some(nl) = memchr::memrchr(b'\n', &buf[from..]) {
                    self.scan = from + nl + 1;
                }
                self.searched = buf.len();
                break;
            };
            let line_from = match start == self.scan {
                true => start.max(self.searched),
                false => start,
            };
            let Some(nl) = memchr::memchr(b'\n', &buf[line_from..]) else {
                // The rest of that line is still to come.
                self.scan = start;
                self.searched = buf.len();
                break;
            };
            let end = line_from + nl + 1;
            // A separator at the start of the current chunk (or of the stream) ends no chunk.
            if start > chunk_start
                && std::str::from_utf8(&buf[start..end - 1]).is_ok_and(split::is_separator)
            {
                self.record(&buf[chunk_start..start]);
                chunk_start = start;
            }
            self.scan = end;
        }
        let written = match self.spool.file.in_memory() {
            true => Ok(()),
            false => self.spool.file.write_all(&buf[self.cut..chunk_start]),
        };
        self.buf = buf;
        self.cut = chunk_start;
        written
    }

    fn compact(&mut self) {
        self.buf.drain(..self.cut);
        self.scan -= self.cut;
        self.searched = self.searched.saturating_sub(self.cut);
        self.cut = 0;
    }

    /// Record one chunk (the caller spools it).
    fn record(&mut self, bytes: &[u8]) {
        let start = self.base;
        let first_line = self.line;
        self.base += bytes.len() as u64;
        self.line += memchr::memchr_iter(b'\n', bytes).count();
        if self.utf8.is_some() {
            return;
        }
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let offset = usize::try_from(start).unwrap_or(usize::MAX);
                self.utf8 = Some(offset.saturating_add(e.valid_up_to()));
                return;
            }
        };
        let index = self.chunks;
        self.chunks += 1;
        if (self.dash.is_none() && dashes(text))
            || (self.size.is_none() && bytes.len() > MAX_DOCUMENT_BYTES)
        {
            let (dash, size) = crate::stream::chunk_errors(text, index, first_line);
            self.dash = self.dash.take().or_else(|| dash.map(|e| e.to_string()));
            self.size = self.size.take().or_else(|| size.map(|e| e.to_string()));
        }
        self.spool.blank &= text.trim().is_empty();
        // No document content (separator, blank lines, comments)? Only short chunks are looked
        // at: a long one is never empty in practice, and its entry is small beside its text.
        let empty = text.len() <= 1024 && split::split(text).iter().all(|c| c.body.is_empty());
        match self.spool.docs.last_mut() {
            // A run stays within a window's budget: a window reads its documents whole.
            Some(run)
                if empty && self.in_empty_run && run.len + bytes.len() <= self.spool.budget =>
            {
                run.len += bytes.len();
                run.chunks += 1;
            }
            _ => self.spool.docs.push(Entry {
                start,
                len: bytes.len(),
                first_line,
                number: index,
                chunks: 1,
                ..Entry::default()
            }),
        }
        self.in_empty_run = empty;
    }

    fn finish(mut self) -> Result<Spool> {
        let buf = std::mem::take(&mut self.buf);
        let (cut, scan) = (self.cut, self.scan);
        let tail = &buf[scan..];
        // A last line without a newline may be a separator too.
        if scan > cut
            && !tail.is_empty()
            && std::str::from_utf8(tail).is_ok_and(split::is_separator)
        {
            self.record(&buf[cut..scan]);
            self.record(tail);
        } else if cut < buf.len() {
            self.record(&buf[cut..]);
        }
        match self.spool.file.in_memory() {
            true => self.spool.file = Store::Memory(buf),
            false => self.spool.file.write_all(&buf[cut..])?,
        }
        if let Some(offset) = self.utf8 {
            return Err(not_utf8(offset));
        }
        if let Some(message) = self.dash.or(self.size) {
            return Err(Error::input(message));
        }
        self.spool.file.flush()?;
        Ok(self.spool)
    }
}

/// Whether a chunk has a line starting with `---` besides its opening separator: only then can
/// its content start with `---` (what [`Stream::read`] refuses), so only then is it cut to see.
fn dashes(text: &str) -> bool {
    let first = text.split_inclusive('\n').next().unwrap_or_default();
    let opening = first.trim_start_matches('\u{feff}').trim_end_matches('\n');
    let rest = &text[first.len()..];
    (opening.starts_with("---") && !split::is_separator(opening))
        || rest.starts_with("---")
        || split::DASH_LINES.find(rest.as_bytes()).is_some()
}

/// What pass 1 learns about the whole stream.
#[derive(Debug, Default)]
struct Facts {
    /// The profile's targets (stream indices), when the profile loaded.
    targets: Targets,
    /// The first document whose metadata cannot be read (reported where the plan would).
    meta_error: Option<Error>,
    /// Some document has a `# Source:` header: Helm 3 sent the stream ([`Stream::helm3`]).
    helm3: bool,
    /// A stream of one window: what the line scanner read of each document's identifying
    /// fields (by index), which the first window opened takes instead of scanning them again.
    scans: Mutex<BTreeMap<usize, Option<crate::stream::Meta>>>,
}

impl Spool {
    fn threads(&self, windows: usize) -> usize {
        match self.file.in_memory() {
            true => 1,
            false => parallel_windows(windows),
        }
    }

    fn windows(&self) -> Vec<Range<usize>> {
        self.pack(self.docs.iter().map(|d| d.len))
    }

    /// Consecutive items of sizes `lens`, up to the budget at a time (at least one): their ranges.
    fn pack(&self, lens: impl Iterator<Item = usize>) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let (mut start, mut bytes, mut end) = (0, 0, 0);
        for (index, len) in lens.enumerate() {
            if index > start && bytes + len > self.budget {
                out.push(start..index);
                start = index;
                bytes = 0;
            }
            bytes += len;
            end = index + 1;
        }
        if start < end {
            out.push(start..end);
        }
        out
    }

    /// The text of a window of the documents `held` (sorted), packed together, and its layout.
    fn load(&self, held: Vec<usize>) -> Result<(Cow<'_, str>, Layout)> {
        let mut text = Cow::Borrowed("");
        // A run of consecutive documents is one read.
        for run in held.chunk_by(|a, b| *b == a + 1) {
            let docs = &self.docs[run[0]..=run[run.len() - 1]];
            let bytes = self
                .file
                .read_at(docs[0].start, docs.iter().map(|d| d.len).sum())?;
            let invalid = |e: std::str::Utf8Error| {
                not_utf8(usize::try_from(docs[0].start).unwrap_or(usize::MAX) + e.valid_up_to())
            };
            let part = match bytes {
                Cow::Borrowed(bytes) => Cow::Borrowed(std::str::from_utf8(bytes).map_err(invalid)?),
                Cow::Owned(bytes) => {
                    Cow::Owned(String::from_utf8(bytes).map_err(|e| invalid(e.utf8_error()))?)
                }
            };
            match text.is_empty() {
                true => text = part,
                false => text.to_mut().push_str(&part),
            }
        }
        Ok((text, Layout { held }))
    }

    /// Read a window's text as a stream with the stream's lines and numbers (empty runs merged).
    fn open<'t>(&self, text: &'t str, layout: &Layout) -> Result<Stream<'t>> {
        let mut stream = Stream::read(text)?;
        // In held order: merging a run renumbers only the documents after it.
        for (local, &index) in layout.held.iter().enumerate() {
            let Some(entry) = self.docs.get(index) else {
                continue;
            };
            stream.merge_empty_run(local, entry.chunks);
            let Some(doc) = stream.docs.get_mut(local) else {
                continue;
            };
            doc.number = entry.number;
            if let Some(scan) = self.facts.as_ref().and_then(|f| {
                let mut scans = f.scans.lock().unwrap_or_else(PoisonError::into_inner);
                scans.remove(&index)
            }) {
                doc.seed_scan(scan);
            }
            let shift = entry.first_line as isize - doc.chunk.first_line as isize;
            doc.chunk.first_line = entry.first_line;
            doc.chunk.body_line = (doc.chunk.body_line as isize + shift).max(1) as usize;
        }
        Ok(stream)
    }

    /// Pass 1: with `--strict`, parse every document (an error stops here, as before anything
    /// else); read each document's `profile` roles, release, whether it is a ConfigMap and, with
    /// `overlays` (even without rules: the GPU injection is a direct edit too), its `direct::Hint`.
    /// Windows are read on every core, in stream order: the first error is a sequential pass's.
    pub fn index(
        &mut self,
        strict: bool,
        profile: Option<&ChartProfile>,
        overlays: Option<&Overlays>,
    ) -> Result<()> {
        let mut facts = Facts::default();
        let windows = self.windows();
        let mut indexed = Vec::new();
        let mut releases: HashMap<String, u32> = HashMap::new();
        // A document's metadata: whether it is a ConfigMap, its roles, its hint, its release.
        type Read = (bool, Vec<Role>, Option<direct::Hint>, Option<String>);
        let single = windows.len() == 1;
        // A window: whether it holds a Helm 3 header, its documents, and (one window) their scans.
        type Window = (
            bool,
            Vec<(usize, Result<Option<Read>>)>,
            BTreeMap<usize, Option<crate::stream::Meta>>,
        );
        let read = |number: usize| -> Result<Window> {
            let window = &windows[number];
            let (text, layout) = self.load(window.clone().collect())?;
            let mut stream = self.open(&text, &layout)?;
            if strict {
                stream.parse_all()?;
            }
            let helm3 = stream.helm3();
            let mut docs = Vec::with_capacity(window.len());
            for index in window.clone() {
                let Some(doc) = layout.local(index).and_then(|i| stream.docs.get(i)) else {
                    continue;
                };
                let found = doc.meta_ref().map(|meta| {
                    meta.map(|meta| {
                        let roles = profile.map_or_else(Vec::new, |p| p.roles_of(meta).collect());
                        let hint = overlays.and_then(|o| direct::hint(o, meta));
                        let release = meta.labels.get(RELEASE_LABEL).cloned();
                        (meta.kind == "ConfigMap", roles, hint, release)
                    })
                });
                let failed = found.is_err();
                docs.push((index, found));
                if failed {
                    break;
                }
            }
            let scans = match single {
                true => window
                    .clone()
                    .filter_map(|i| Some((i, stream.docs.get_mut(layout.local(i)?)?.take_scan())))
                    .collect(),
                false => BTreeMap::new(),
            };
            Ok((helm3, docs, scans))
        };
        in_order(windows.len(), self.threads(windows.len()), &read, |read| {
            let (helm3, docs, scans) = read?;
            facts.helm3 |= helm3;
            facts.scans = Mutex::new(scans);
            for (index, found) in docs {
                if facts.meta_error.is_some() {
                    break;
                }
                match found {
                    Ok(Some((config_map, roles, hint, release))) => {
                        let next = u32::try_from(releases.len()).unwrap_or(u32::MAX);
                        let id = release.map(|name| *releases.entry(name).or_insert(next));
                        indexed.push((index, config_map, overlays.is_some().then_some(hint), id));
                        for role in roles {
                            facts.targets.roles.entry(role).or_default().push(index);
                        }
                    }
                    Ok(None) => {}
                    Err(e) => facts.meta_error = Some(e),
                }
            }
            Ok(())
        })?;
        for (index, config_map, hint, release) in indexed {
            let doc = &mut self.docs[index];
            (doc.config_map, doc.hint, doc.release) = (config_map, hint, Some(release));
        }
        self.facts = Some(facts);
        Ok(())
    }

    /// The chart ConfigMaps the documents `own` need as context: their releases' (one for a window
    /// of one release, however many the stream has), all if a document has no release label.
    fn context(&self, facts: &Facts, own: &mut dyn Iterator<Item = usize>) -> Vec<usize> {
        let config_maps = facts.targets.of(Role::ConfigMap);
        if config_maps.len() < 2 {
            return config_maps.to_vec();
        }
        let mut releases = BTreeSet::new();
        for index in own {
            match self.docs.get(index).and_then(|d| d.release) {
                None => {}
                Some(None) => return config_maps.to_vec(),
                Some(Some(release)) => {
                    releases.insert(release);
                }
            }
        }
        config_maps
            .iter()
            .copied()
            .filter(|&cm| match self.docs[cm].release {
                Some(Some(release)) => releases.contains(&release),
                _ => true,
            })
            .collect()
    }

    /// Helm 3 sent the stream (known after [`Spool::index`]).
    pub fn helm3(&self) -> bool {
        self.facts.as_ref().is_some_and(|f| f.helm3)
    }

    /// Post-render the spooled stream (the ConfigMap pass, then every window, written as `view`):
    /// the findings, output and explanation, or the error holding a failed run's findings.
    pub fn inject(
        &self,
        values: &Values,
        profile: &ChartProfile,
        overlays: &Overlays,
        strict: bool,
        explain: bool,
        view: View,
    ) -> Result<Injected> {
        let facts = self.facts.as_ref().ok_or_else(|| {
            Error::input("internal: the spooled stream was not indexed".to_string())
        })?;
        if let Some(err) = &facts.meta_error {
            return Err(Error::input(err.to_string()));
        }
        // Generic only if no document plays a chart role: Helm 4's `separate` strategy (Flux)
        // post-renders the hooks without the ConfigMap, and hook Jobs still take core scheduling.
        let generic = facts.targets.roles.values().all(Vec::is_empty);
        let windows = self.windows();
        // No direct edits for an export, whose patches name the changed objects.
        let direct = view != View::Export;
        // What the windows share, made once: the generic GPU injection, the direct edits' units.
        let gpu = generic
            .then(|| crate::plan::gpu::Generic::from(values))
            .flatten();
        let units = direct
            .then(|| direct::Direct::new(overlays, gpu.as_ref().map(direct::Adds::gpu), explain))
            .flatten();
        let known = match windows.len() == 1 && units.is_none() {
            true => None,
            false => {
                let shared = (generic, gpu.as_ref());
                Some(self.config_map_pass(values, profile, overlays, facts, shared)?)
            }
        };
        let mut sum = Part::default();
        let mut output = Store::new(self.file.in_memory())?;
        if windows.len() > 1 {
            // A stream's edits add a tenth to a half of it (the GPU job: about a third).
            let bytes: usize = self.docs.iter().map(|d| d.len).sum();
            output.reserve(bytes + bytes / 2)?;
        }
        // Without `--explain` nothing is written to it: no temporary file is opened for it.
        let mut explained = Store::new(self.file.in_memory() || !explain)?;
        let none = BTreeSet::new();
        let threads = self.threads(windows.len());
        let pass =
            |window: &Range<usize>,
             first: bool,
             sweep: &BTreeSet<usize>,
             then: &mut dyn FnMut(&Stream<'_>, &Layout, &mut Part) -> Result<()>| {
                let settings = Pass {
                    first,
                    config_maps: known.as_deref(),
                    sweep,
                    direct,
                    gpu: gpu.as_ref(),
                    units: units.as_ref(),
                };
                let owns: &dyn Fn(usize) -> bool = &|i| window.contains(&i);
                let run = (window.clone(), owns, generic, &settings);
                self.run_window(run, values, profile, overlays, facts, then)
            };
        // A window of pass 2: its part, and what the view writes of it with its `--explain` text
        // unless the part failed (rendered even when an earlier window failed, then dropped below).
        let render = |number: usize| -> Result<(Part, Rendered)> {
            let window = &windows[number];
            let mut rendered = Ok(None);
            let part = pass(window, number == 0, &none, &mut |stream, layout, part| {
                if part.failed() {
                    return Ok(());
                }
                let own = |i: usize| window.contains(&layout.global(i));
                let edges = (number == 0, number + 1 == windows.len());
                rendered =
                    render_window(stream, &own, part, view, explain, threads == 1, edges).map(Some);
                Ok(())
            })?;
            Ok((part, rendered))
        };
        // Added up in stream order: the output, findings and first error are a sequential run's.
        let mut lines = (0, 0);
        let mut hooks = Vec::new();
        in_order(windows.len(), threads, &render, |result| {
            let (part, rendered) = result?;
            if !sum.failed()
                && !part.failed()
                && let Some(window) = rendered?
            {
                match &window.diff {
                    Some(diff) => {
                        output.write_owned(view::write_hunks(diff, lines.0, lines.1))?;
                        lines = (lines.0 + diff.old_lines, lines.1 + diff.new_lines);
                    }
                    None => output.write_owned(window.out)?,
                }
                explained.write_owned(window.explain)?;
                hooks.extend(window.hooks);
            }
            sum.add(part);
            Ok(())
        })?;
        let sweep = overlay::unmet(overlays, &sum.tally.rules);
        if !sweep.is_empty() && !sum.plan_failed && sum.overlay_error.is_none() {
            for window in &windows {
                sum.add_sweep(pass(window, false, &sweep, &mut |_, _, _| Ok(()))?);
            }
        }
        let findings = sum.judge(overlays, strict)?;
        output.flush()?;
        explained.flush()?;
        let empty = output.is_empty();
        let prefix = match view {
            View::Stream => String::new(),
            View::Diff if empty => String::new(),
            View::Diff => view::DIFF_HEADER.to_string(),
            View::Export => crate::export::head(self.documents(), &hooks, empty),
        };
        if self.blank && view == View::Stream {
            output = Store::Memory(emit::EMPTY_OUTPUT.into());
        }
        Ok(Injected {
            findings,
            prefix,
            output,
            explained,
        })
    }

    /// How many documents the stream holds (a run of empty ones counts each).
    fn documents(&self) -> usize {
        self.docs.iter().map(|d| d.chunks).sum()
    }

    /// The ConfigMap pass: name and patched hash of each ConfigMap the stream changes, in order.
    /// Its errors are left to pass 2, which fails on them: no hash missing here is used.
    fn config_map_pass(
        &self,
        values: &Values,
        profile: &ChartProfile,
        overlays: &Overlays,
        facts: &Facts,
        (generic, gpu): (bool, Option<&crate::plan::gpu::Generic>),
    ) -> Result<Vec<(String, String)>> {
        let maps: Vec<usize> = (0..self.docs.len())
            .filter(|&i| self.docs[i].config_map)
            .collect();
        let mut found = Vec::new();
        let none = BTreeSet::new();
        for group in self.pack(maps.iter().map(|&i| self.docs[i].len)) {
            let own: BTreeSet<usize> = maps[group].iter().copied().collect();
            let settings = Pass {
                first: false,
                config_maps: None,
                sweep: &none,
                direct: false,
                gpu,
                units: None,
            };
            let owns: &dyn Fn(usize) -> bool = &|i| own.contains(&i);
            let mut hashes = Ok(Vec::new());
            let ran = self.run_window(
                (own.iter().copied(), owns, generic, &settings),
                values,
                profile,
                overlays,
                facts,
                &mut |_, layout, part| {
                    if !part.failed() {
                        hashes = apply::changed_config_maps(&part.changed).map(|own| {
                            let global = |(i, n, h)| (layout.global(i), n, h);
                            own.into_iter().map(global).collect()
                        });
                    }
                    Ok(())
                },
            );
            if ran.is_ok() {
                found.extend(hashes?);
            }
        }
        found.sort_by_key(|(index, _, _)| *index);
        Ok(found
            .into_iter()
            .map(|(_, name, hash)| (name, hash))
            .collect())
    }

    /// Run the pipeline on one window (the documents it owns by stream index and the test for
    /// them, with their [`Spool::context`]) and hand the stream and its part to `then`.
    fn run_window(
        &self,
        (own_docs, own, generic, settings): (
            impl Iterator<Item = usize> + Clone,
            &dyn Fn(usize) -> bool,
            bool,
            &Pass<'_>,
        ),
        values: &Values,
        profile: &ChartProfile,
        overlays: &Overlays,
        facts: &Facts,
        then: &mut dyn FnMut(&Stream<'_>, &Layout, &mut Part) -> Result<()>,
    ) -> Result<Part> {
        let context = self.context(facts, &mut own_docs.clone());
        let held: BTreeSet<usize> = own_docs.chain(context).collect();
        let (text, layout) = self.load(held.into_iter().collect())?;
        let stream = self.open(&text, &layout)?;
        let choice = restrict(generic, &facts.targets, &layout);
        let ctx = Context {
            choice: &choice,
            own: &|i| own(layout.global(i)),
            hints: &|i| self.docs.get(layout.global(i)).and_then(|d| d.hint),
            pass: settings,
        };
        let mut part = apply::inject_part(&stream, values, profile, overlays, &ctx)?;
        then(&stream, &layout, &mut part)?;
        Ok(part)
    }
}

/// What a window's view wrote (none when its part failed), or the error writing it gave.
type Rendered = Result<Option<Window>>;

/// A window rendered for its view: the text to write (the stream's documents, or patch items),
/// or its diff; its `--explain` text; the hooks an export left out.
#[derive(Default)]
struct Window {
    out: String,
    diff: Option<view::DiffPart>,
    explain: String,
    hooks: Vec<String>,
}

/// Render a window's own documents (`own`) for `view`, from its part; the window is the
/// stream's first and/or last (a diff's context stops there).
fn render_window(
    stream: &Stream<'_>,
    own: &dyn Fn(usize) -> bool,
    part: &mut Part,
    view: View,
    explain: bool,
    parallel: bool,
    (first, last): (bool, bool),
) -> Result<Window> {
    // Taken: the part waits, without them, for the windows before it to be written.
    let (changed, patches) = (
        std::mem::take(&mut part.changed),
        std::mem::take(&mut part.patches),
    );
    let mut window = Window::default();
    if explain {
        window.explain = apply::explain(stream, &patches)?;
    }
    if view == View::Export {
        (window.out, window.hooks) = crate::export::patch_items(&changed, &patches)?;
        return Ok(window);
    }
    let out = emit::write_own(
        stream,
        &changed,
        std::mem::take(&mut part.direct),
        own,
        parallel,
    )?;
    if view == View::Stream {
        window.out = out;
        return Ok(window);
    }
    let before: String = stream
        .docs
        .iter()
        .filter(|d| own(d.index))
        .map(|d| d.raw())
        .collect();
    let (before, after) = crate::stream::mask::secret_values(&before, &out)?;
    window.diff = Some(view::diff_part(&before, &after, first, last));
    Ok(window)
}

/// How a window numbers its documents: its document `i` is `held[i]` (sorted stream indices).
struct Layout {
    held: Vec<usize>,
}

impl Layout {
    fn global(&self, local: usize) -> usize {
        self.held.get(local).copied().unwrap_or(usize::MAX)
    }

    fn local(&self, index: usize) -> Option<usize> {
        self.held.binary_search(&index).ok()
    }
}

/// The whole stream's choice, with its targets among the window's documents in its numbers.
fn restrict(generic: bool, targets: &Targets, layout: &Layout) -> Choice {
    if generic {
        return Choice::Generic;
    }
    let roles = targets
        .roles
        .iter()
        .map(|(role, docs)| {
            let docs = docs.iter().filter_map(|&i| layout.local(i)).collect();
            (*role, docs)
        })
        .collect();
    Choice::Chart(Targets { roles })
}

/// A window's part, and the windows' parts added up.
impl Part {
    /// Whether this window (or one added to it) failed, or stopped before its output was written.
    fn failed(&self) -> bool {
        self.plan_failed
            || self.overlay_error.is_some()
            || self.late_error.is_some()
            || self.tally.rules.iter().any(|r| !r.failures.is_empty())
            || self
                .check_findings
                .iter()
                .any(|f| f.severity == Severity::Error)
    }

    /// Add a window's part (its findings, errors and rule tallies; not its output).
    fn add(&mut self, part: Part) {
        self.plan_findings.extend(part.plan_findings);
        self.plan_failed |= part.plan_failed;
        self.overlay_error = self.overlay_error.take().or(part.overlay_error);
        self.late_error = self.late_error.take().or(part.late_error);
        let rules = self.tally.rules.len().max(part.tally.rules.len());
        self.tally.rules.resize_with(rules, RuleTally::default);
        for (sum, tally) in self.tally.rules.iter_mut().zip(part.tally.rules) {
            sum.matched += tally.matched;
            sum.described.extend(tally.described);
            sum.failures.extend(tally.failures);
        }
        self.check_findings.extend(part.check_findings);
    }

    /// Add a sweep's nearest documents (the first nearest wins a tie, as in one run) and hooks.
    fn add_sweep(&mut self, part: Part) {
        for (sum, tally) in self.tally.rules.iter_mut().zip(part.tally.rules) {
            sum.any_hook |= tally.any_hook;
            sum.nearest = overlay::nearest(sum.nearest.take().into_iter().chain(tally.nearest));
        }
    }

    /// The run's findings, or its error, with the precedence of one run over the whole stream.
    fn judge(mut self, overlays: &Overlays, strict: bool) -> Result<Vec<Finding>> {
        // Stage by stage, each stage's findings in stream order (the windows are).
        self.plan_findings.sort_by_key(|(stage, _)| *stage);
        let mut findings: Vec<Finding> = self.plan_findings.into_iter().map(|(_, f)| f).collect();
        if self.plan_failed {
            return Err(crate::plan::conflicts(findings));
        }
        if let Some(err) = self.overlay_error {
            return Err(err);
        }
        overlay::judge(overlays, self.tally.rules)?;
        if let Some(err) = self.late_error {
            return Err(err);
        }
        findings.extend(self.check_findings);
        let failing = findings
            .iter()
            .filter(|f| {
                f.severity == Severity::Error || (strict && f.severity == Severity::Warning)
            })
            .count();
        if failing > 0 {
            return Err(Error::Validation {
                summary: format!("{failing} problem(s) in the patched output; nothing was written"),
                findings,
            });
        }
        Ok(findings)
    }
}

/// A spooled stream post-rendered.
pub struct Injected {
    /// The warnings to report.
    pub findings: Vec<Finding>,
    /// What the view writes before the windows' output (a diff's or an export's header).
    prefix: String,
    /// The output ([`emit::EMPTY_OUTPUT`] for a blank stream).
    output: Store,
    explained: Store,
}

impl Injected {
    /// Copy the `--explain` text to `out`.
    pub fn explain_to(&self, out: &mut dyn Write) -> std::io::Result<()> {
        self.explained.copy_to(out)
    }

    /// Copy the output stream to `out` (a file store a MiB at a time, or by the kernel).
    pub fn output_to<W: Write + ?Sized>(&self, out: &mut W) -> std::io::Result<()> {
        out.write_all(self.prefix.as_bytes())?;
        self.output.copy_to(out)
    }

    /// [`Injected::output_to`] the process's stdout (nothing written to it yet, or flushed).
    pub fn output_to_stdout(&self) -> std::io::Result<()> {
        let mut stdout = std::io::stdout().lock();
        self.output_to(&mut stdout)?;
        stdout.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MINI: &str = include_str!("../plan/testdata/mini-polyaxon.yaml");

    /// `text` post-rendered with `values` through the driver: its findings and output, or the
    /// error that failed the run.
    fn post_render(
        text: &str,
        values: serde_json::Value,
        strict: bool,
    ) -> Result<(Vec<Finding>, String, String)> {
        let budget = Budget {
            whole: usize::MAX,
            window: WINDOW_BYTES,
        };
        let mut spool = read(&mut text.as_bytes(), budget)?;
        let profile = ChartProfile::builtin()?;
        let overlays = Overlays::default();
        spool.index(false, Some(&profile), Some(&overlays))?;
        let values = Values::from_json(values);
        let injected = spool.inject(&values, &profile, &overlays, strict, true, View::Stream)?;
        let (mut output, mut explained) = (Vec::new(), Vec::new());
        injected.output_to(&mut output).unwrap();
        injected.explain_to(&mut explained).unwrap();
        let text = |bytes| String::from_utf8(bytes).unwrap();
        Ok((injected.findings, text(output), text(explained)))
    }

    /// A window takes as context the chart ConfigMaps of its own documents' releases only (the
    /// `release` label), so many releases in one stream do not make every window hold them all.
    #[test]
    fn a_window_takes_its_own_releases_config_map() {
        let one = include_str!("../../tests/fixtures/polyaxon-0.4.2/helm3/defaults.yaml");
        let release = |n: usize| {
            one.replace("polyaxon-polyaxon", &format!("r{n}-polyaxon"))
                .replace("release: polyaxon", &format!("release: r{n}"))
                .replace("release: \"polyaxon\"", &format!("release: \"r{n}\""))
        };
        let text = format!("{}{}", release(0), release(1));
        let budget = Budget {
            whole: usize::MAX,
            window: WINDOW_BYTES,
        };
        let mut spool = read(&mut text.as_bytes(), budget).unwrap();
        let profile = ChartProfile::builtin().unwrap();
        spool.index(false, Some(&profile), None).unwrap();
        let facts = spool.facts.as_ref().unwrap();
        let config_maps = facts.targets.of(Role::ConfigMap).to_vec();
        assert_eq!(config_maps.len(), 2, "one config ConfigMap per release");
        let half = spool.docs.len() / 2;
        let second = spool.context(facts, &mut (half..spool.docs.len()));
        assert_eq!(second, [config_maps[1]]);
        let first = spool.context(facts, &mut (0..half));
        assert_eq!(first, [config_maps[0]]);
        let both = spool.context(facts, &mut (0..spool.docs.len()));
        assert_eq!(both, config_maps);
    }

    #[test]
    fn checksums_follow_the_config_map() {
        let (_, output, explained) =
            post_render(MINI, serde_json::json!({"apiHost": "h"}), false).unwrap();
        let stream = Stream::read(&output).unwrap();
        let cm = emit::to_yaml(stream.docs[0].value().unwrap().unwrap()).unwrap();
        let api = stream.docs[1].value().unwrap().unwrap();
        let hash = apply::sha256_hex(&cm);
        assert_eq!(api["metadata"]["annotations"]["checksum/config"], hash);
        assert_eq!(
            api["spec"]["template"]["metadata"]["annotations"]["checksum/config"],
            hash
        );
        let original = Stream::read(MINI).unwrap();
        let changed = (0..stream.docs.len())
            .filter(|&i| stream.docs[i].raw() != original.docs[i].raw())
            .count();
        assert_eq!(
            changed, 2,
            "documents without the annotation stay untouched"
        );
        assert!(explained.contains("<- checksum/config"), "{explained}");
        assert!(
            explained.contains("add /data/POLYAXON_API_HOST \"h\"  <- apiHost"),
            "{explained}"
        );
    }

    #[test]
    fn no_op_patches_leave_documents_unchanged() {
        let (_, output, _) =
            post_render(MINI, serde_json::json!({"adminViewEnabled": true}), false).unwrap();
        assert_eq!(output, MINI);
    }

    #[test]
    fn chart_defects_warn_and_fail_with_strict() {
        let values = serde_json::json!({"persistence": {"outputs": {"o": {"hostPath": "/h", "mountPath": "/o"}}}});
        let (findings, _, _) = post_render(MINI, values.clone(), false).unwrap();
        assert!(
            findings
                .iter()
                .any(|f| f.severity == Severity::Warning && f.message.contains("`DUP`"))
        );
        let err = post_render(MINI, values, true).unwrap_err();
        assert_eq!(err.exit_code(), 1);
    }

    /// Lines that make the splitter's decisions: separators (with comments, spaces, CR), lines
    /// that only look like one, content, comments, block scalars, `...`.
    fn line() -> impl Strategy<Value = &'static str> {
        proptest::sample::select(vec![
            "---",
            "--- # c",
            "---  ",
            "---\r",
            "--- {a: 1}",
            " ---",
            "----",
            "a: 1",
            "b: x\r",
            "# c",
            "",
            "  ",
            "s: |",
            "  ---",
            "...",
            "\u{feff}k: v",
            "# Source: c/t.yaml",
            "  # Source: x",
            "\u{feff}---",
            "\t#x",
        ])
    }

    /// Stdin that gives at most `step` bytes per read, as a pipe may.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    fn spooled(text: &str, budget: usize) -> Result<Spool> {
        spooled_in_steps(text, budget, usize::MAX)
    }

    fn spooled_in_steps(text: &str, budget: usize, step: usize) -> Result<Spool> {
        spooled_in_blocks(text, budget, step, READ_BLOCK)
    }

    /// `text` read `step` bytes a read, `block` bytes a block.
    fn spooled_in_blocks(text: &str, budget: usize, step: usize, block: usize) -> Result<Spool> {
        let mut stdin = Trickle {
            bytes: text.as_bytes(),
            step,
        };
        let budget = Budget {
            whole: budget,
            window: budget,
        };
        let spool = read_in_blocks(&mut stdin, budget, block)?;
        assert!(!spool.file.in_memory(), "{text:?} fits in {budget:?}");
        Ok(spool)
    }

    proptest! {
        /// The incremental reader cuts where `split` cuts a whole stream, counts lines as it
        /// does, and refuses what `Stream::read` refuses, with the same message.
        #[test]
        fn the_reader_cuts_and_checks_as_a_whole_stream_is(
            lines in proptest::collection::vec(line(), 1..24),
            newline in any::<bool>(),
            step in 1usize..9,
            block in 1usize..12,
        ) {
            let mut text = lines.join("\n");
            if newline {
                text.push('\n');
            }
            prop_assume!(text.len() > 1);
            match (Stream::read(&text), spooled_in_blocks(&text, 1, step, block)) {
                (Ok(stream), Ok(spool)) => {
                    // Spooled whole, byte for byte, whatever the blocks.
                    prop_assert_eq!(spool.file.read_at(0, text.len())?, text.as_bytes());
                    prop_assert_eq!(stream.docs.len(), spool.docs.len());
                    for (doc, entry) in stream.docs.iter().zip(&spool.docs) {
                        prop_assert_eq!(doc.chunk.span.start as u64, entry.start);
                        prop_assert_eq!(doc.chunk.span.len(), entry.len);
                        prop_assert_eq!(doc.chunk.first_line, entry.first_line);
                    }
                    prop_assert_eq!(spool.blank, text.trim().is_empty());
                }
                (Err(whole), Err(windowed)) => {
                    prop_assert_eq!(whole.to_string(), windowed.to_string());
                }
                (whole, windowed) => {
                    prop_assert!(
                        false,
                        "whole {:?}, windowed {:?}",
                        whole.err().map(|e| e.to_string()),
                        windowed.err().map(|e| e.to_string())
                    );
                }
            }
        }
    }

    #[test]
    fn a_window_numbers_its_documents_as_the_stream_does() {
        let text = "a: 1\n---\n# Source: b\nb: 2\n---\nc: 3\n---\nd: 4\n";
        let spool = spooled(text, 1).unwrap();
        assert_eq!(spool.windows(), vec![0..1, 1..2, 2..3, 3..4]);
        let (window, layout) = spool.load(vec![1, 3]).unwrap();
        assert_eq!(window, "---\n# Source: b\nb: 2\n---\nd: 4\n");
        let stream = spool.open(&window, &layout).unwrap();
        assert_eq!(stream.docs.len(), 2);
        assert_eq!(stream.docs[1].source(), "document 4");
        assert_eq!(stream.docs[1].chunk.first_line, 7);
        assert_eq!(stream.docs[1].chunk.body_line, 8);
        assert_eq!(stream.docs[0].chunk.body_line, 4);
        assert_eq!(layout.global(1), 3);
    }

    #[test]
    fn a_window_of_named_documents_is_packed() {
        let text = "---\n# Source: a\na: 1\n---\n# Source: b\nb: 2\n---\n# Source: c\n\nc: 3\n";
        let spool = spooled(text, 1).unwrap();
        let (window, layout) = spool.load(vec![0, 2]).unwrap();
        assert_eq!(window, "---\n# Source: a\na: 1\n---\n# Source: c\n\nc: 3\n");
        assert_eq!(
            (layout.global(1), layout.local(2), layout.local(1)),
            (2, Some(1), None)
        );
        let stream = spool.open(&window, &layout).unwrap();
        assert_eq!(stream.docs[1].source(), "c");
        assert_eq!(stream.docs[1].chunk.first_line, 7);
        assert_eq!(stream.docs[1].chunk.body_line, 10);
    }

    #[test]
    fn a_stream_that_fits_is_held_in_memory() {
        let budget = |whole| Budget { whole, window: 1 };
        let spool = read(&mut "a: 1\n".as_bytes(), budget(5)).unwrap();
        assert!(spool.file.in_memory());
        assert_eq!(*spool.file.read_at(0, 5).unwrap(), *b"a: 1\n");
        assert!(
            !read(&mut "a: 1\n".as_bytes(), budget(4))
                .unwrap()
                .file
                .in_memory()
        );
    }

    #[test]
    fn in_order_hands_results_on_in_order_and_stops_at_the_first_error() {
        for threads in 1..5 {
            for count in 0..9 {
                let mut seen = Vec::new();
                in_order(count, threads, &|i| i * 10, |r| {
                    seen.push(r);
                    Ok(())
                })
                .unwrap();
                assert_eq!(seen, (0..count).map(|i| i * 10).collect::<Vec<_>>());
            }
            let mut seen = Vec::new();
            let err = in_order(9, threads, &|i| i, |r| {
                seen.push(r);
                match r {
                    4 => Err(Error::input("four".to_string())),
                    _ => Ok(()),
                }
            });
            assert_eq!(err.unwrap_err().to_string(), "four");
            assert_eq!(seen, vec![0, 1, 2, 3, 4]);
        }
    }

    #[test]
    fn a_job_that_panics_on_a_worker_panics_the_caller() {
        let run = std::panic::catch_unwind(|| {
            in_order(4, 2, &|i| assert_ne!(i, 3, "job three"), |()| Ok(()))
        });
        let panic = run.unwrap_err();
        let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(message.contains("job three"), "{message}");
    }

    #[test]
    fn windows_are_smaller_than_what_is_read_whole() {
        let text = "a: 1\n---\nb: 2\n---\nc: 3\n";
        // 5, 9 and 9 bytes: one more than the whole limit is spooled, in windows of 14 bytes.
        let budget = Budget {
            whole: 22,
            window: 14,
        };
        let spool = read(&mut text.as_bytes(), budget).unwrap();
        assert!(!spool.file.in_memory());
        assert_eq!(spool.windows(), vec![0..2, 2..3]);
    }
}
