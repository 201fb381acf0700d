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
use std::path::PathBuf;

use crate::tar_stream::{EntryKind, TarEntry};

/// What the tree holds at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    File,
    Directory,
    Symlink(String),
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
    content: Option<(usize, u64)>,
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

/// The squashed file system. Paths are relative to `/`, without a leading slash.
#[derive(Debug, Default)]
pub struct FileTree {
    nodes: BTreeMap<String, Node>,
    /// The cached uncompressed tar of each layer, for reading content.
    layer_files: Vec<PathBuf>,
    /// Files removed or replaced by a later layer (see [`FileTree::hidden_files`]).
    hidden: Vec<(String, Node)>,
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
    entries: Vec<(String, Entry)>,
}

#[derive(Debug)]
enum Entry {
    Node(Node),
    HardLink { target: String, mode: u32 },
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
    pub fn apply(&mut self, changes: LayerChanges, cached: PathBuf) -> Result<(), String> {
        for directory in &changes.opaque {
            self.remove_children(directory);
        }
        for path in &changes.deletions {
            if let Some(old) = self.nodes.remove(path) {
                self.hide(path.clone(), old);
            }
            self.remove_children(path);
        }
        for (path, entry) in changes.entries {
            let node = match entry {
                Entry::Node(node) => node,
                Entry::HardLink { target, mode } => {
                    let Some(linked) = self.nodes.get(&target).filter(|n| n.is_file()) else {
                        return Err(format!(
                            "{}: entry `{path}` is a hard link to `{target}`, which is not a file in the image (a hard link out of the image is refused)",
                            changes.name
                        ));
                    };
                    Node {
                        mode,
                        layer: changes.layer,
                        ..linked.clone()
                    }
                }
            };
            // A file replacing a directory replaces what the directory held.
            if node.kind != NodeKind::Directory
                && self
                    .nodes
                    .get(&path)
                    .is_some_and(|old| old.kind == NodeKind::Directory)
            {
                self.remove_children(&path);
            }
            if let Some(old) = self.nodes.insert(path.clone(), node) {
                self.hide(path, old);
            }
            if self.nodes.len() + self.hidden.len() > self.limits.max_entries {
                return Err(format!(
                    "{}: the image holds more than {} files (the limit is there to bound memory; raise it with --max-image-files)",
                    changes.name, self.limits.max_entries
                ));
            }
        }
        self.layer_files.push(cached);
        Ok(())
    }

    fn remove_children(&mut self, directory: &str) {
        let prefix = if directory.is_empty() {
            String::new()
        } else {
            format!("{directory}/")
        };
        let doomed: Vec<String> = self
            .nodes
            .range(prefix.clone()..)
            .take_while(|(path, _)| path.starts_with(&prefix))
            .map(|(path, _)| path.clone())
            .collect();
        for path in doomed {
            if let Some(old) = self.nodes.remove(&path) {
                self.hide(path, old);
            }
        }
    }

    /// Keeps a file a later layer removed or replaced: its content is still in the layer
    /// that added it, for anyone who pulls the image.
    fn hide(&mut self, path: String, node: Node) {
        if node.is_file() && node.size > 0 && node.content.is_some() {
            self.hidden.push((path, node));
        }
    }

    /// Regular files that a later layer deleted or replaced, with the node as the layer
    /// that added it held it (`node.layer`). Not in [`FileTree::iter`].
    pub fn hidden_files(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.hidden.iter().map(|(path, node)| (path.as_str(), node))
    }

    /// Every path and node, sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.nodes.iter().map(|(path, node)| (path.as_str(), node))
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node at `path` itself (a symlink is not followed).
    pub fn get(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path.trim_start_matches('/'))
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
            let Some(node) = self.nodes.get(&current) else {
                if pending.is_empty() {
                    return None;
                }
                continue;
            };
            if let NodeKind::Symlink(target) = &node.kind {
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
        let Some(node) = self.nodes.get(&resolved).filter(|n| n.is_file()) else {
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
        let Some((layer, offset)) = node.content else {
            return Ok(Vec::new());
        };
        let wanted = node.size.min(limit);
        let path = self.layer_files.get(layer).ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, "the layer of a file is missing")
        })?;
        let mut file = File::open(path)?;
        file.seek(SeekFrom::Start(offset))?;
        let mut content = Vec::with_capacity(usize::try_from(wanted).unwrap_or(0));
        file.take(wanted).read_to_end(&mut content)?;
        if (content.len() as u64) < wanted {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "cached layer {} is shorter than its index says; clear the image cache",
                    path.display()
                ),
            ));
        }
        Ok(content)
    }
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
        let link = String::from_utf8_lossy(&entry.link).into_owned();
        let node = |kind| Node {
            kind,
            mode: entry.mode,
            uid: entry.uid,
            gid: entry.gid,
            size: entry.size,
            layer: self.layer,
            content: None,
        };
        let change = match entry.kind {
            EntryKind::File => Entry::Node(Node {
                content: Some((self.layer, entry.data_offset)),
                ..node(NodeKind::File)
            }),
            EntryKind::Directory => Entry::Node(node(NodeKind::Directory)),
            EntryKind::Special => Entry::Node(node(NodeKind::Special)),
            EntryKind::Symlink => {
                if escapes(parent, &link) {
                    return Err(format!(
                        "{}: symlink `{path}` points to `{}`, outside the image root",
                        self.name,
                        printable(&link)
                    ));
                }
                Entry::Node(node(NodeKind::Symlink(link)))
            }
            EntryKind::HardLink => {
                let target = safe_path(&link, limits).map_err(|why| {
                    format!(
                        "{}: hard link `{path}` to `{}`: the target {why}",
                        self.name,
                        printable(&link)
                    )
                })?;
                Entry::HardLink {
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
