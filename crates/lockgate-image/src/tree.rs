//! The image's file system after every layer is applied, held as an index (path → type,
//! mode, owner, size, and where the content sits in a cached layer), never extracted to
//! disk: so no entry, however crafted, can write outside the cache, and a symlink is only
//! ever followed inside the image.
//!
//! Layers apply as the OCI image spec says: `.wh.<name>` deletes `<name>` from the layers
//! below, `.wh..wh..opq` empties its directory of what the layers below put there, and a
//! later entry replaces an earlier one. Entries that would escape the root (`..` in a
//! name, a symlink whose target climbs above `/`, a hard link to a path the image does not
//! hold) make the image refused with an error that names the layer and entry.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Bound;
use std::path::PathBuf;

use crate::tar_stream::{EntryKind, TarEntry};

/// What the tree holds at a path. A symlink's target is [`FileTree::symlink_target`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    File,
    Directory,
    Symlink,
    /// Devices and FIFOs.
    Special,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    /// Permission bits including setuid (0o4000), setgid (0o2000) and sticky.
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub size: u64,
    /// Index of the layer that put it there (0 = the base layer).
    pub layer: usize,
    /// Where the content sits: the layer whose cached tar holds it and the offset there.
    /// Hard links share their target's.
    content: Option<(u32, u64)>,
    /// A symlink's target, in the arena of the tree (or of the layer's changes) that
    /// holds the node.
    link: Text,
}

impl Node {
    pub fn is_file(&self) -> bool {
        self.kind == NodeKind::File
    }

    pub fn is_setuid(&self) -> bool {
        self.is_file() && self.mode & 0o4000 != 0
    }

    pub fn is_setgid(&self) -> bool {
        self.is_file() && self.mode & 0o2000 != 0
    }
}

/// Limits that keep a hostile image from taking the machine's memory.
#[derive(Debug, Clone, Copy)]
pub struct TreeLimits {
    pub max_entries: usize,
    pub max_path_len: usize,
}

impl Default for TreeLimits {
    fn default() -> Self {
        TreeLimits {
            max_entries: 2_000_000,
            max_path_len: 4096,
        }
    }
}

/// A string kept in an [`Arena`]: where it starts and how long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Text {
    start: u32,
    len: u32,
}

/// Strings stored end to end in one buffer. An image holds tens of thousands of paths:
/// one `String` each (24 bytes, plus the allocator's rounding and bookkeeping) would cost
/// more than the paths themselves.
#[derive(Debug, Default)]
struct Arena(String);

impl Arena {
    fn push(&mut self, text: &str) -> Result<Text, String> {
        let start = u32::try_from(self.0.len()).ok();
        let len = u32::try_from(text.len()).ok();
        let (Some(start), Some(len)) = (start, len) else {
            return Err("the image's paths take more than 4 GiB".to_string());
        };
        if start.checked_add(len).is_none() {
            return Err("the image's paths take more than 4 GiB".to_string());
        }
        self.0.push_str(text);
        Ok(Text { start, len })
    }

    fn get(&self, text: Text) -> &str {
        let start = text.start as usize;
        self.0.get(start..start + text.len as usize).unwrap_or("")
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// A path of the tree and what is there.
#[derive(Debug, Clone)]
struct Entry {
    path: Text,
    node: Node,
}

/// The squashed file system. Paths are relative to `/`, without a leading slash.
///
/// Held compactly, because it is the one part of a scan that grows with the image: every
/// path and symlink target in one arena, and the entries in a vector sorted by path
/// (binary search for lookups, ranges for directories), about 70 bytes per entry plus
/// its path. A layer's changes are merged in when the layer ends.
#[derive(Debug, Default)]
pub struct FileTree {
    arena: Arena,
    /// Sorted by path, one per path.
    entries: Vec<Entry>,
    /// The cached uncompressed tar of each layer, for reading content.
    layer_files: Vec<PathBuf>,
    /// Files removed or replaced by a later layer (see [`FileTree::hidden_files`]).
    hidden: Vec<Entry>,
    limits: TreeLimits,
}

/// The changes one layer makes, collected while its tar streams by, applied at its end
/// (whiteouts first: they only hide what the layers below hold).
#[derive(Debug, Default)]
pub struct LayerChanges {
    layer: usize,
    name: String,
    deletions: Vec<String>,
    opaque: Vec<String>,
    /// Paths, symlink and hard link targets of `entries`.
    arena: Arena,
    entries: Vec<(Text, Change)>,
}

#[derive(Debug)]
enum Change {
    Node(Node),
    HardLink { target: Text, mode: u32 },
}

/// While a layer is applied: which entries of the layers below it removed (they are
/// dropped when the layer's entries are merged in), and how many are left.
struct Removed {
    flags: Vec<bool>,
    live: usize,
}

impl Removed {
    fn mark(&mut self, index: usize) -> bool {
        match self.flags.get_mut(index) {
            Some(flag) if !*flag => {
                *flag = true;
                self.live -= 1;
                true
            }
            _ => false,
        }
    }

    fn is_live(&self, index: usize) -> bool {
        self.flags.get(index).is_some_and(|flag| !flag)
    }
}

impl FileTree {
    pub fn new(limits: TreeLimits) -> Self {
        FileTree {
            limits,
            ..FileTree::default()
        }
    }

    /// Starts collecting the changes of the next layer. `name` names it in errors.
    pub fn begin_layer(&self, name: String) -> LayerChanges {
        LayerChanges {
            layer: self.layer_files.len(),
            name,
            ..LayerChanges::default()
        }
    }

    /// Applies a layer whose entries went through [`LayerChanges::add`]; `cached` is its
    /// uncompressed tar, where file content is read from.
    ///
    /// The entries apply one after another, as they came in the tar: each sees the tree
    /// as the layers below left it and as this layer's earlier entries changed it. They
    /// are kept in a map of their own (`added`) while the tree's entries that they remove
    /// are only marked, and both are merged, in path order, at the end.
    pub fn apply(&mut self, changes: LayerChanges, cached: PathBuf) -> Result<(), String> {
        let LayerChanges {
            layer,
            name,
            deletions,
            opaque,
            arena,
            mut entries,
        } = changes;
        let mut removed = Removed {
            flags: vec![false; self.entries.len()],
            live: self.entries.len(),
        };
        for directory in &opaque {
            self.remove_children(directory, &mut removed, &mut BTreeMap::new(), &entries)?;
        }
        for path in &deletions {
            if let Some(index) = self.position(path)
                && removed.mark(index)
            {
                self.hide_entry(index);
            }
            self.remove_children(path, &mut removed, &mut BTreeMap::new(), &entries)?;
        }
        // The layer's paths, each to its entry (the last one in the tar wins); a hard link
        // entry is replaced by the node it makes once resolved.
        let mut added: BTreeMap<&str, usize> = BTreeMap::new();
        for index in 0..entries.len() {
            let Some((path, change)) = entries.get(index) else {
                break;
            };
            let path = arena.get(*path);
            let node = match change {
                Change::Node(node) => node.clone(),
                Change::HardLink { target, mode } => {
                    let target = arena.get(*target);
                    let linked = match added.get(target) {
                        Some(&earlier) => node_of(&entries, earlier),
                        None => self
                            .position(target)
                            .filter(|&index| removed.is_live(index))
                            .and_then(|index| self.entries.get(index))
                            .map(|entry| &entry.node),
                    };
                    let Some(linked) = linked.filter(|n| n.is_file()) else {
                        return Err(format!(
                            "{name}: entry `{path}` is a hard link to `{target}`, which is not a file in the image (a hard link out of the image is refused)"
                        ));
                    };
                    Node {
                        mode: *mode,
                        layer,
                        link: Text::default(),
                        ..linked.clone()
                    }
                }
            };
            let below = self.position(path).filter(|&index| removed.is_live(index));
            let current_kind = match added.get(path) {
                Some(&earlier) => node_of(&entries, earlier).map(|n| n.kind),
                None => below
                    .and_then(|index| self.entries.get(index))
                    .map(|e| e.node.kind),
            };
            // A file replacing a directory replaces what the directory held.
            if node.kind != NodeKind::Directory && current_kind == Some(NodeKind::Directory) {
                self.remove_children(path, &mut removed, &mut added, &entries)?;
            }
            let replaced = added.insert(path, index);
            if let Some(old) = replaced.and_then(|earlier| node_of(&entries, earlier)) {
                self.hide(path, old.clone())?;
            } else if let Some(index) = below
                && removed.mark(index)
            {
                self.hide_entry(index);
            }
            if removed.live + added.len() + self.hidden.len() > self.limits.max_entries {
                return Err(format!(
                    "{name}: the image holds more than {} files (the limit is there to bound memory; raise it with --max-image-files)",
                    self.limits.max_entries
                ));
            }
            if let Some(entry) = entries.get_mut(index) {
                entry.1 = Change::Node(node);
            }
        }
        self.merge(&removed, added, &entries, &arena)
            .map_err(|why| format!("{name}: {why}"))?;
        self.layer_files.push(cached);
        Ok(())
    }

    /// Removes everything under `directory`, from the layers below (marked in `removed`)
    /// and from the layer being applied (`added`), hiding the files in path order.
    fn remove_children(
        &mut self,
        directory: &str,
        removed: &mut Removed,
        added: &mut BTreeMap<&str, usize>,
        layer_entries: &[(Text, Change)],
    ) -> Result<(), String> {
        let prefix = if directory.is_empty() {
            String::new()
        } else {
            format!("{directory}/")
        };
        let first = self
            .entries
            .partition_point(|e| self.arena.get(e.path) < prefix.as_str());
        let below: Vec<usize> = (first..self.entries.len())
            .take_while(|&i| {
                self.entries
                    .get(i)
                    .is_some_and(|e| self.arena.get(e.path).starts_with(&prefix))
            })
            .filter(|&i| removed.is_live(i))
            .collect();
        let doomed: Vec<&str> = added
            .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
            .take_while(|(path, _)| path.starts_with(&prefix))
            .map(|(path, _)| *path)
            .collect();
        // Both lists are sorted and never share a path (an added path's entry below is
        // already marked): merge them, so files are hidden in path order.
        let (mut below, mut doomed) = (below.into_iter().peekable(), doomed.into_iter().peekable());
        loop {
            let take_below = match (below.peek(), doomed.peek()) {
                (Some(&index), Some(path)) => self
                    .entries
                    .get(index)
                    .is_some_and(|e| self.arena.get(e.path) < *path),
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if take_below {
                if let Some(index) = below.next()
                    && removed.mark(index)
                {
                    self.hide_entry(index);
                }
            } else if let Some(path) = doomed.next()
                && let Some(old) = added
                    .remove(path)
                    .and_then(|index| node_of(layer_entries, index))
            {
                self.hide(path, old.clone())?;
            }
        }
        Ok(())
    }

    /// Keeps a file a later layer removed or replaced: its content is still in the layer
    /// that added it, for anyone who pulls the image.
    fn hide_entry(&mut self, index: usize) {
        if let Some(entry) = self.entries.get(index)
            && is_hideable(&entry.node)
        {
            let entry = entry.clone();
            self.hidden.push(entry);
        }
    }

    /// [`FileTree::hide_entry`] for a node of the layer being applied.
    fn hide(&mut self, path: &str, node: Node) -> Result<(), String> {
        if is_hideable(&node) {
            let path = self.arena.push(path)?;
            self.hidden.push(Entry {
                path,
                node: Node {
                    link: Text::default(),
                    ..node
                },
            });
        }
        Ok(())
    }

    /// Merges the layer's entries (`added`, in the layer's arena) with the entries below
    /// that it left, in path order; then drops the arena's dead strings once they are most
    /// of it.
    fn merge(
        &mut self,
        removed: &Removed,
        added: BTreeMap<&str, usize>,
        layer_entries: &[(Text, Change)],
        layer_arena: &Arena,
    ) -> Result<(), String> {
        let below = std::mem::take(&mut self.entries);
        let mut merged = Vec::with_capacity(removed.live + added.len());
        let mut below = below
            .into_iter()
            .zip(removed.flags.iter())
            .filter(|(_, gone)| !**gone)
            .map(|(entry, _)| entry)
            .peekable();
        let mut added = added.into_iter().peekable();
        loop {
            let take_below = match (below.peek(), added.peek()) {
                (Some(entry), Some((path, _))) => self.arena.get(entry.path) < *path,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if take_below {
                merged.extend(below.next());
            } else if let Some((path, index)) = added.next() {
                let Some(mut node) = node_of(layer_entries, index).cloned() else {
                    continue;
                };
                let path = self.arena.push(path)?;
                if node.kind == NodeKind::Symlink {
                    node.link = self.arena.push(layer_arena.get(node.link))?;
                }
                merged.push(Entry { path, node });
            }
        }
        self.entries = merged;
        self.hidden.shrink_to_fit();
        let needed: usize = self
            .entries
            .iter()
            .chain(&self.hidden)
            .map(|e| e.path.len as usize + e.node.link.len as usize)
            .sum();
        if self.arena.len() > 2 * needed + 4096 {
            self.compact_arena()?;
        }
        // Growing by doubling leaves up to half of it unused: the tree is kept to the end.
        self.arena.0.shrink_to_fit();
        Ok(())
    }

    /// Copies the strings still in use into a new arena (replaced and removed entries
    /// leave theirs behind).
    fn compact_arena(&mut self) -> Result<(), String> {
        let mut arena = Arena::default();
        for entry in self.entries.iter_mut().chain(self.hidden.iter_mut()) {
            entry.path = arena.push(self.arena.get(entry.path))?;
            if entry.node.link.len > 0 {
                entry.node.link = arena.push(self.arena.get(entry.node.link))?;
            }
        }
        self.arena = arena;
        Ok(())
    }

    /// The index of the entry at `path` (normalised, without a leading slash).
    fn position(&self, path: &str) -> Option<usize> {
        self.entries
            .binary_search_by(|e| self.arena.get(e.path).cmp(path))
            .ok()
    }

    /// Regular files that a later layer deleted or replaced, with the node as the layer
    /// that added it held it (`node.layer`). Not in [`FileTree::iter`].
    pub fn hidden_files(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.hidden
            .iter()
            .map(|e| (self.arena.get(e.path), &e.node))
    }

    /// The `index`th of [`FileTree::hidden_files`] (for parallel walks by index).
    pub fn hidden_file(&self, index: usize) -> Option<(&str, &Node)> {
        self.hidden
            .get(index)
            .map(|e| (self.arena.get(e.path), &e.node))
    }

    pub fn hidden_len(&self) -> usize {
        self.hidden.len()
    }

    /// Every path and node, sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.entries
            .iter()
            .map(|e| (self.arena.get(e.path), &e.node))
    }

    /// The `index`th of [`FileTree::iter`] (for parallel walks by index).
    pub fn entry(&self, index: usize) -> Option<(&str, &Node)> {
        self.entries
            .get(index)
            .map(|e| (self.arena.get(e.path), &e.node))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The node at `path` itself (a symlink is not followed).
    pub fn get(&self, path: &str) -> Option<&Node> {
        self.position(path.trim_start_matches('/'))
            .and_then(|index| self.entries.get(index))
            .map(|e| &e.node)
    }

    /// The target of a symlink node of this tree, as the layer wrote it.
    pub fn symlink_target(&self, node: &Node) -> Option<&str> {
        (node.kind == NodeKind::Symlink).then(|| self.arena.get(node.link))
    }

    /// The path `path` leads to once every symlink on the way is followed inside the
    /// image, as a process in the container would see it; `None` when it leads nowhere
    /// or loops.
    pub fn resolve(&self, path: &str) -> Option<String> {
        const MAX_HOPS: usize = 40;
        let mut hops = 0;
        let mut pending: Vec<String> = components(path).rev().map(str::to_string).collect();
        let mut resolved: Vec<String> = Vec::new();
        while let Some(part) = pending.pop() {
            if part == ".." {
                resolved.pop();
                continue;
            }
            resolved.push(part);
            let current = resolved.join("/");
            // Layers need not hold an entry for every parent directory: a missing one is
            // an implicit directory, unless it is the end of the path.
            let Some(node) = self.get(&current) else {
                if pending.is_empty() {
                    return None;
                }
                continue;
            };
            if let Some(target) = self.symlink_target(node) {
                hops += 1;
                if hops > MAX_HOPS {
                    return None;
                }
                resolved.pop();
                if target.starts_with('/') {
                    resolved.clear();
                }
                pending.extend(components(target).rev().map(str::to_string));
            }
        }
        Some(resolved.join("/"))
    }

    /// Reads a file's content (following symlinks), at most `limit` bytes; `Ok(None)` when
    /// the path is not a regular file or it is larger than `limit`.
    pub fn read(&self, path: &str, limit: u64) -> io::Result<Option<Vec<u8>>> {
        let Some(resolved) = self.resolve(path) else {
            return Ok(None);
        };
        let Some(node) = self.get(&resolved).filter(|n| n.is_file()) else {
            return Ok(None);
        };
        if node.size > limit {
            return Ok(None);
        }
        self.read_node(node).map(Some)
    }

    /// Reads a regular file's whole content (the caller checked its size).
    pub fn read_node(&self, node: &Node) -> io::Result<Vec<u8>> {
        self.read_node_prefix(node, node.size)
    }

    /// Reads at most the first `limit` bytes of a regular file (to tell a binary file
    /// from text without reading all of it).
    pub fn read_node_prefix(&self, node: &Node, limit: u64) -> io::Result<Vec<u8>> {
        let mut content = Vec::new();
        self.read_node_into(node, limit, &mut content)?;
        Ok(content)
    }

    /// A regular file's content as a seekable reader, for formats read in pieces (an
    /// executable's section headers and one section) rather than whole.
    pub fn open_node(&self, node: &Node) -> io::Result<NodeReader> {
        let Some((layer, offset)) = node.content else {
            return Ok(NodeReader {
                file: None,
                start: 0,
                size: 0,
                position: 0,
            });
        };
        let path = self.layer_files.get(layer as usize).ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, "the layer of a file is missing")
        })?;
        Ok(NodeReader {
            file: Some(File::open(path)?),
            start: offset,
            size: node.size,
            position: 0,
        })
    }

    /// [`FileTree::read_node_prefix`] into `content` (cleared first), so that a caller
    /// reading many files reuses one buffer rather than allocating one per file.
    pub fn read_node_into(&self, node: &Node, limit: u64, content: &mut Vec<u8>) -> io::Result<()> {
        content.clear();
        let Some((layer, offset)) = node.content else {
            return Ok(());
        };
        let wanted = node.size.min(limit);
        let path = self.layer_files.get(layer as usize).ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, "the layer of a file is missing")
        })?;
        let mut file = File::open(path)?;
        file.seek(SeekFrom::Start(offset))?;
        content.reserve(usize::try_from(wanted).unwrap_or(0));
        file.take(wanted).read_to_end(content)?;
        if (content.len() as u64) < wanted {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "cached layer {} is shorter than its index says; clear the image cache",
                    path.display()
                ),
            ));
        }
        Ok(())
    }
}

/// One file's content inside its cached layer: reads and seeks stay within the file.
#[derive(Debug)]
pub struct NodeReader {
    file: Option<File>,
    /// Where the content starts in the layer file, and its length.
    start: u64,
    size: u64,
    /// The position within the content.
    position: u64,
}

impl Read for NodeReader {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let remaining = self.size.saturating_sub(self.position);
        let Some(file) = self.file.as_mut() else {
            return Ok(0);
        };
        if remaining == 0 || buffer.is_empty() {
            return Ok(0);
        }
        let wanted = buffer
            .len()
            .min(usize::try_from(remaining).unwrap_or(usize::MAX));
        file.seek(SeekFrom::Start(self.start + self.position))?;
        let read = file.read(&mut buffer[..wanted])?;
        self.position += read as u64;
        Ok(read)
    }
}

impl Seek for NodeReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(offset) => Some(offset),
            SeekFrom::End(delta) => self.size.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.position.checked_add_signed(delta),
        };
        let target = target.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )
        })?;
        // Past the end reads nothing, as for a file.
        self.position = target;
        Ok(target)
    }
}

/// The node a layer entry makes (`None` for a hard link not yet resolved).
fn node_of(entries: &[(Text, Change)], index: usize) -> Option<&Node> {
    match entries.get(index) {
        Some((_, Change::Node(node))) => Some(node),
        _ => None,
    }
}

/// Whether a removed or replaced node is worth keeping: a regular file with content.
fn is_hideable(node: &Node) -> bool {
    node.is_file() && node.size > 0 && node.content.is_some()
}

impl LayerChanges {
    /// Records one tar entry of the layer; refuses the ones that would escape the root.
    pub fn add(&mut self, entry: &TarEntry, limits: &TreeLimits) -> Result<(), String> {
        let raw = String::from_utf8_lossy(&entry.path);
        let path = safe_path(&raw, limits)
            .map_err(|why| format!("{}: entry `{}` {why}", self.name, printable(&raw)))?;
        let (parent, file_name) = match path.rsplit_once('/') {
            Some((parent, name)) => (parent, name),
            None => ("", path.as_str()),
        };
        if file_name == ".wh..wh..opq" {
            self.opaque.push(parent.to_string());
            return Ok(());
        }
        if let Some(hidden) = file_name.strip_prefix(".wh.") {
            if hidden.is_empty() {
                return Err(format!(
                    "{}: a whiteout names nothing (`{path}`)",
                    self.name
                ));
            }
            self.deletions.push(join(parent, hidden));
            return Ok(());
        }
        if path.is_empty() {
            return Ok(()); // the root directory itself
        }
        let link = String::from_utf8_lossy(&entry.link);
        let layer = u32::try_from(self.layer)
            .map_err(|_| format!("{}: the image has too many layers", self.name))?;
        let node = |kind| Node {
            kind,
            mode: entry.mode,
            uid: entry.uid,
            gid: entry.gid,
            size: entry.size,
            layer: self.layer,
            content: None,
            link: Text::default(),
        };
        let change = match entry.kind {
            EntryKind::File => Change::Node(Node {
                content: Some((layer, entry.data_offset)),
                ..node(NodeKind::File)
            }),
            EntryKind::Directory => Change::Node(node(NodeKind::Directory)),
            EntryKind::Special => Change::Node(node(NodeKind::Special)),
            EntryKind::Symlink => {
                if escapes(parent, &link) {
                    return Err(format!(
                        "{}: symlink `{path}` points to `{}`, outside the image root",
                        self.name,
                        printable(&link)
                    ));
                }
                let target = self
                    .arena
                    .push(&link)
                    .map_err(|why| format!("{}: {why}", self.name))?;
                Change::Node(Node {
                    link: target,
                    ..node(NodeKind::Symlink)
                })
            }
            EntryKind::HardLink => {
                let target = safe_path(&link, limits).map_err(|why| {
                    format!(
                        "{}: hard link `{path}` to `{}`: the target {why}",
                        self.name,
                        printable(&link)
                    )
                })?;
                let target = self
                    .arena
                    .push(&target)
                    .map_err(|why| format!("{}: {why}", self.name))?;
                Change::HardLink {
                    target,
                    mode: entry.mode,
                }
            }
        };
        if self.entries.len() >= limits.max_entries {
            return Err(format!(
                "{}: the layer holds more than {} entries (the limit is there to bound memory)",
                self.name, limits.max_entries
            ));
        }
        let path = self
            .arena
            .push(&path)
            .map_err(|why| format!("{}: {why}", self.name))?;
        self.entries.push((path, change));
        Ok(())
    }
}

/// Normalises an entry name (`./usr/bin/`, `/etc//passwd`) to `usr/bin`, `etc/passwd`,
/// or says why it is refused.
fn safe_path(raw: &str, limits: &TreeLimits) -> Result<String, &'static str> {
    if raw.len() > limits.max_path_len {
        return Err("has a name longer than the path limit");
    }
    let mut parts = Vec::new();
    for part in components(raw) {
        if part == ".." {
            return Err("climbs out of the image root with `..` (path traversal)");
        }
        parts.push(part);
    }
    Ok(parts.join("/"))
}

/// The components of a path, without empty and `.` ones.
fn components(path: &str) -> impl DoubleEndedIterator<Item = &str> {
    path.split('/').filter(|p| !p.is_empty() && *p != ".")
}

/// Whether a symlink in `parent` to `target` climbs above the root. Absolute targets start
/// from the image root: that is where the container sees them.
fn escapes(parent: &str, target: &str) -> bool {
    let mut depth: usize = if target.starts_with('/') {
        0
    } else {
        components(parent).count()
    };
    for part in components(target) {
        if part == ".." {
            let Some(up) = depth.checked_sub(1) else {
                return true;
            };
            depth = up;
        } else {
            depth += 1;
        }
    }
    false
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}/{name}")
    }
}

/// A name for messages: control characters escaped, at most 200 characters.
fn printable(text: &str) -> String {
    text.chars()
        .take(200)
        .flat_map(char::escape_debug)
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::tar_stream::{Sequential, TarStream, testing::*};

    /// Applies each archive as a layer, keeping the bytes in files under a temp dir.
    fn tree_of(layers: &[Vec<u8>]) -> Result<FileTree, String> {
        let dir = std::env::temp_dir().join(format!(
            "lockgate-tree-test-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let limits = TreeLimits::default();
        let mut tree = FileTree::new(limits);
        for (index, bytes) in layers.iter().enumerate() {
            let file = dir.join(format!("{index}.tar"));
            std::fs::write(&file, bytes).unwrap();
            let mut changes = tree.begin_layer(format!("layer {}", index + 1));
            let mut stream = TarStream::new(Sequential(&bytes[..]));
            while let Some(entry) = stream.next_entry().map_err(|e| e.to_string())? {
                changes.add(&entry, &limits)?;
            }
            tree.apply(changes, file)?;
        }
        Ok(tree)
    }

    fn paths(tree: &FileTree) -> Vec<&str> {
        tree.iter().map(|(p, _)| p).collect()
    }

    #[test]
    fn whiteouts_and_opaque_directories_hide_lower_layers() {
        let base = archive(&[
            Item::dir("etc"),
            Item::file("etc/secret", b"old"),
            Item::file("etc/keep", b"keep"),
            Item::dir("var/cache"),
            Item::file("var/cache/a", b"a"),
            Item::file("var/cache/b", b"b"),
        ]);
        let upper = archive(&[
            Item::file("etc/.wh.secret", b""),
            Item::file("var/cache/.wh..wh..opq", b""),
            Item::file("var/cache/c", b"c"),
        ]);
        let tree = tree_of(&[base, upper]).unwrap();
        assert_eq!(
            paths(&tree),
            ["etc", "etc/keep", "var/cache", "var/cache/c"]
        );
        assert_eq!(tree.read("/etc/keep", 100).unwrap().unwrap(), b"keep");
        assert_eq!(tree.read("var/cache/c", 100).unwrap().unwrap(), b"c");
        assert_eq!(tree.get("var/cache/c").unwrap().layer, 1);
        // What the upper layer hid is still there to be read from the lower one.
        let hidden: Vec<(&str, usize)> = tree.hidden_files().map(|(p, n)| (p, n.layer)).collect();
        assert_eq!(
            hidden,
            [("var/cache/a", 0), ("var/cache/b", 0), ("etc/secret", 0)]
        );
        let (_, secret) = tree
            .hidden_files()
            .find(|(p, _)| *p == "etc/secret")
            .unwrap();
        assert_eq!(tree.read_node(secret).unwrap(), b"old");
    }

    #[test]
    fn later_entries_replace_earlier_ones_and_files_replace_directories() {
        let base = archive(&[Item::dir("opt/app"), Item::file("opt/app/x", b"x")]);
        let upper = archive(&[Item::file("opt/app", b"now a file")]);
        let tree = tree_of(&[base, upper]).unwrap();
        assert_eq!(paths(&tree), ["opt/app"]);
        assert_eq!(tree.read("opt/app", 100).unwrap().unwrap(), b"now a file");
    }

    #[test]
    fn symlinks_resolve_inside_the_image() {
        let layer = archive(&[
            Item::dir("bin"),
            Item::file("bin/busybox", b"ELF"),
            Item::symlink("bin/sh", "busybox"),
            Item::symlink("usr/bin/sh", "/bin/sh"),
            Item::symlink("loop", "loop"),
        ]);
        let tree = tree_of(&[layer]).unwrap();
        assert_eq!(tree.resolve("usr/bin/sh").unwrap(), "bin/busybox");
        assert_eq!(tree.read("/usr/bin/sh", 10).unwrap().unwrap(), b"ELF");
        assert_eq!(tree.resolve("loop"), None);
    }

    #[test]
    fn hostile_entries_are_refused() {
        let traversal = archive(&[Item::file("../../etc/cron.d/evil", b"x")]);
        let error = tree_of(&[traversal]).unwrap_err();
        assert!(
            error.contains("path traversal") && error.contains("layer 1"),
            "{error}"
        );

        let escaping = archive(&[Item::symlink("etc/x", "../../../host")]);
        assert!(
            tree_of(&[escaping])
                .unwrap_err()
                .contains("outside the image root")
        );

        let outside = archive(&[Item::hardlink("etc/shadow-copy", "/etc/shadow")]);
        assert!(tree_of(&[outside]).unwrap_err().contains("hard link"));

        let absolute = archive(&[Item::file("/etc/passwd", b"root")]);
        let tree = tree_of(&[absolute]).unwrap();
        assert_eq!(paths(&tree), ["etc/passwd"]);
    }

    #[test]
    fn hard_links_share_content_and_keep_their_mode() {
        let layer = archive(&[
            Item::file("bin/real", b"binary"),
            Item::hardlink("bin/su", "bin/real").mode(0o4755),
        ]);
        let tree = tree_of(&[layer]).unwrap();
        let su = tree.get("bin/su").unwrap();
        assert!(su.is_setuid());
        assert_eq!(tree.read_node(su).unwrap(), b"binary");
    }

    #[test]
    fn entries_of_one_layer_apply_in_tar_order() {
        let base = archive(&[Item::dir("srv"), Item::file("srv/old", b"old")]);
        let upper = archive(&[
            // Added, then replaced in the same layer: the first copy is hidden.
            Item::file("srv/twice", b"first"),
            Item::file("srv/twice", b"second"),
            // A hard link to a file this layer added.
            Item::hardlink("srv/link", "srv/twice").mode(0o2755),
            // A directory of this layer with a child, then replaced by a file: the child
            // goes with it.
            Item::dir("tmp/d"),
            Item::file("tmp/d/child", b"child"),
            Item::dir("tmp"),
            Item::file("tmp/d", b"now a file"),
            Item::symlink("srv/current", "twice"),
        ]);
        let tree = tree_of(&[base, upper]).unwrap();
        assert_eq!(
            paths(&tree),
            [
                "srv",
                "srv/current",
                "srv/link",
                "srv/old",
                "srv/twice",
                "tmp",
                "tmp/d"
            ]
        );
        assert_eq!(tree.read("srv/twice", 100).unwrap().unwrap(), b"second");
        assert_eq!(tree.read("srv/current", 100).unwrap().unwrap(), b"second");
        let link = tree.get("srv/link").unwrap();
        assert!(link.is_setgid() && link.layer == 1);
        assert_eq!(tree.read_node(link).unwrap(), b"second");
        assert_eq!(tree.read("tmp/d", 100).unwrap().unwrap(), b"now a file");
        let symlink = tree.get("/srv/current").unwrap();
        assert_eq!(tree.symlink_target(symlink), Some("twice"));
        let hidden: Vec<(&str, Vec<u8>)> = tree
            .hidden_files()
            .map(|(p, n)| (p, tree.read_node(n).unwrap()))
            .collect();
        assert_eq!(
            hidden,
            [
                ("srv/twice", b"first".to_vec()),
                ("tmp/d/child", b"child".to_vec())
            ]
        );
        assert_eq!(tree.hidden_len(), 2);
        assert_eq!(tree.hidden_file(1).unwrap().0, "tmp/d/child");
        assert_eq!(tree.entry(0).unwrap().0, "srv");
        assert!(tree.entry(7).is_none());
    }

    #[test]
    fn many_layers_replacing_the_same_files_keep_the_index_small() {
        let names: Vec<String> = (0..50).map(|i| format!("usr/lib/file-{i:03}")).collect();
        let layers: Vec<Vec<u8>> = (0..20)
            .map(|_| {
                let mut items = vec![Item::dir("usr"), Item::dir("usr/lib")];
                items.extend(names.iter().map(|n| Item::file(n, b"")));
                items.push(Item::symlink("usr/lib/latest", "file-000"));
                archive(&items)
            })
            .collect();
        let tree = tree_of(&layers).unwrap();
        assert_eq!(tree.len(), 53);
        assert_eq!(tree.get("usr/lib/file-049").unwrap().layer, 19);
        assert_eq!(tree.resolve("usr/lib/latest").unwrap(), "usr/lib/file-000");
        // Replaced paths leave dead strings in the arena; it is compacted when they are
        // most of it.
        let live: usize = tree.iter().map(|(p, _)| p.len()).sum::<usize>() + "file-000".len();
        assert!(tree.arena.len() <= 2 * live + 4096, "{}", tree.arena.len());
    }

    #[test]
    fn entry_limit_is_enforced() {
        let items: Vec<String> = (0..20).map(|i| format!("f{i}")).collect();
        let layer = archive(&items.iter().map(|p| Item::file(p, b"")).collect::<Vec<_>>());
        let mut tree = FileTree::new(TreeLimits {
            max_entries: 10,
            max_path_len: 100,
        });
        let mut changes = tree.begin_layer("layer 1".into());
        let mut stream = TarStream::new(Sequential(&layer[..]));
        let mut error = None;
        while let Some(entry) = stream.next_entry().unwrap() {
            if let Err(e) = changes.add(&entry, &tree.limits) {
                error = Some(e);
                break;
            }
        }
        let error = error.unwrap();
        assert!(error.contains("more than 10 entries"), "{error}");
        // Over several layers, the tree's own count stops it.
        tree = FileTree::new(TreeLimits {
            max_entries: 10,
            max_path_len: 100,
        });
        let mut result = Ok(());
        for chunk in items.chunks(5) {
            let layer = archive(&chunk.iter().map(|p| Item::file(p, b"")).collect::<Vec<_>>());
            let mut changes = tree.begin_layer("layer".into());
            let mut stream = TarStream::new(Sequential(&layer[..]));
            while let Some(entry) = stream.next_entry().unwrap() {
                changes.add(&entry, &tree.limits).unwrap();
            }
            result = tree.apply(changes, PathBuf::from("/nonexistent"));
            if result.is_err() {
                break;
            }
        }
        assert!(result.unwrap_err().contains("more than 10 files"));
    }
}
