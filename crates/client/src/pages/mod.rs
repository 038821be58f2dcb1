//! A page-level store for SQLite: a VFS whose files are held in memory as fixed-size
//! pages, with the pages each commit changed handed to a [`Sink`] to persist. The browser's
//! sink writes them into IndexedDB (`crate::web`); tests use one that keeps them in memory.
//! Writing a change costs the pages it touched, not the size of the database.
//!
//! Consistency. Nothing is handed over inside SQLite's calls. When the last write lock of
//! any file is released (a commit or rollback has finished), the store asks the sink to
//! call [`PageVfs::take_batch`] once the current synchronous work is done (the browser: a
//! microtask). A batch holds every dirty page of every file and their sizes, so a commit
//! that touched both the main database and the attached `media` lands in one storage
//! transaction; one batch is in flight at a time, so batches land in order. A batch is
//! never taken while a write lock is held, so what is stored is always a committed state.
//! See `schema::configure_paged` for the journal mode this relies on.

mod file;
mod vfs;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::rc::Rc;

use futures_channel::oneshot;

pub use file::PAGE_SIZE;
use file::PagedFile;

/// The file of the main database (visits, answers, outbox, settings).
pub const MAIN_FILE: &str = "zakupka";
/// The file of the attached photos database.
pub const MEDIA_FILE: &str = "zakupka-media";

/// Where batches of pages go.
pub trait Sink {
    /// Called from inside SQLite's call when a write has ended with pages to persist: the
    /// sink arranges for [`PageVfs::take_batch`] to be called after the current
    /// synchronous work (never from inside this call).
    fn schedule(&self);
}

/// The pages of one file that changed, and its size now (pages at or past
/// `size.div_ceil(PAGE_SIZE)` no longer exist).
#[derive(Debug, Clone, PartialEq)]
pub struct FileChange {
    pub name: String,
    pub size: u64,
    pub pages: Vec<(u32, Vec<u8>)>,
}

/// Every change since the last batch, to be stored all or nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Pass back to [`PageVfs::finished`].
    pub seq: u64,
    pub files: Vec<FileChange>,
}

impl Batch {
    pub fn page_count(&self) -> usize {
        self.files.iter().map(|f| f.pages.len()).sum()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the page store cannot be registered with SQLite: {0}")]
pub struct RegisterError(String);

struct InFlight {
    seq: u64,
    pages: Vec<(String, Vec<u32>)>,
}

type Waiter = (u64, oneshot::Sender<Result<(), String>>);

struct State {
    files: BTreeMap<String, Rc<RefCell<PagedFile>>>,
    sink: Rc<dyn Sink>,
    /// Open files holding a RESERVED or stronger lock: a write transaction is under way.
    writers: u32,
    /// A persistent file was written since the last commit was counted.
    uncommitted: bool,
    /// Commits counted so far; a batch carries the count it covers.
    committed: u64,
    /// All commits up to this count are stored.
    durable: u64,
    in_flight: Option<InFlight>,
    scheduled: bool,
    waiters: Vec<Waiter>,
}

impl State {
    fn settle(&mut self, through: u64, result: &Result<(), String>) {
        let (done, waiting) = std::mem::take(&mut self.waiters)
            .into_iter()
            .partition(|(target, _)| *target <= through);
        self.waiters = waiting;
        for (_, tx) in done {
            let _ = tx.send(result.clone());
        }
    }

    /// Counts a finished write transaction; true if the sink must be asked to flush.
    fn commit(&mut self) -> bool {
        if self.writers > 0 || !self.uncommitted {
            return false;
        }
        self.uncommitted = false;
        self.committed += 1;
        !std::mem::replace(&mut self.scheduled, true)
    }
}

/// The page store registered as a SQLite VFS. Cheap to clone; single-threaded: use it and
/// every connection on it from the thread that registered it.
#[derive(Clone)]
pub struct PageVfs(Rc<RefCell<State>>);

impl PageVfs {
    /// Registers a VFS called `name` (open a database with it by that name). The
    /// registration lasts as long as the process.
    pub fn register(name: &str, sink: Rc<dyn Sink>) -> Result<PageVfs, RegisterError> {
        let vfs = PageVfs(Rc::new(RefCell::new(State {
            files: BTreeMap::new(),
            sink,
            writers: 0,
            uncommitted: false,
            committed: 0,
            durable: 0,
            in_flight: None,
            scheduled: false,
            waiters: Vec::new(),
        })));
        vfs::register(name, vfs.clone()).map_err(|e| RegisterError(e.to_string()))?;
        Ok(vfs)
    }

    /// Puts a stored file in place before any connection opens it: `size` in bytes and
    /// its pages by index (missing ones read as zeros).
    pub fn restore(&self, name: &str, size: u64, pages: impl IntoIterator<Item = (u32, Vec<u8>)>) {
        let file = PagedFile::restored(size, pages);
        self.0
            .borrow_mut()
            .files
            .insert(name.to_owned(), Rc::new(RefCell::new(file)));
    }

    /// Forgets every file (after the stored data was deleted). No connection may be open.
    pub fn forget_all(&self) {
        self.0.borrow_mut().files.clear();
    }

    /// A file's whole content as it is now, if it exists.
    pub fn file_bytes(&self, name: &str) -> Option<Vec<u8>> {
        let state = self.0.borrow();
        let file = state.files.get(name)?.borrow();
        let mut bytes = vec![0; file.size() as usize];
        file.read(&mut bytes, 0);
        Some(bytes)
    }

    /// Everything changed since the last batch, unless a write transaction is under way
    /// or a batch is still in flight (then [`Self::finished`] asks for the next one).
    pub fn take_batch(&self) -> Option<Batch> {
        let mut state = self.0.borrow_mut();
        state.scheduled = false;
        if state.writers > 0 || state.in_flight.is_some() {
            return None;
        }
        if state.uncommitted {
            state.uncommitted = false;
            state.committed += 1;
        }
        let mut files = Vec::new();
        let mut taken = Vec::new();
        for (name, file) in &state.files {
            let mut file = file.borrow_mut();
            if !file.persistent || (file.dirty.is_empty() && !file.resized) {
                continue;
            }
            let indices: Vec<u32> = std::mem::take(&mut file.dirty).into_iter().collect();
            file.resized = false;
            let pages = indices
                .iter()
                .filter_map(|&i| file.page(i).map(|p| (i, p.to_vec())))
                .collect();
            files.push(FileChange {
                name: name.clone(),
                size: file.size(),
                pages,
            });
            taken.push((name.clone(), indices));
        }
        let seq = state.committed;
        if files.is_empty() {
            // Nothing left to store: whatever was committed is as stored as it will be.
            state.durable = seq;
            state.settle(seq, &Ok(()));
            return None;
        }
        state.in_flight = Some(InFlight { seq, pages: taken });
        Some(Batch { seq, files })
    }

    /// The sink reports the batch `seq` stored, or not. A failed batch's pages are dirty
    /// again and go with the next one; nothing is retried by itself, so a storage that
    /// keeps failing cannot spin. On success the next batch is asked for if commits came
    /// meanwhile.
    pub fn finished(&self, seq: u64, result: Result<(), String>) {
        let sink = {
            let mut state = self.0.borrow_mut();
            let Some(flight) = state.in_flight.take_if(|f| f.seq == seq) else {
                return;
            };
            if result.is_ok() {
                state.durable = state.durable.max(seq);
            } else {
                for (name, indices) in flight.pages {
                    if let Some(file) = state.files.get(&name) {
                        let mut file = file.borrow_mut();
                        file.dirty.extend(indices);
                        file.resized = true;
                        let size = file.size();
                        file.dirty
                            .retain(|&i| u64::from(i) * (PAGE_SIZE as u64) < size);
                    }
                }
            }
            state.settle(seq, &result);
            let again = result.is_ok()
                && state.committed > seq
                && !std::mem::replace(&mut state.scheduled, true);
            again.then(|| state.sink.clone())
        };
        if let Some(sink) = sink {
            sink.schedule();
        }
    }

    /// Resolves when every write committed so far is stored, or with the storage's error
    /// if the batch that carried one failed.
    pub fn durable(&self) -> impl Future<Output = Result<(), String>> + use<> {
        let rx = {
            let mut state = self.0.borrow_mut();
            let target = state.committed;
            (state.durable < target).then(|| {
                let (tx, rx) = oneshot::channel();
                state.waiters.push((target, tx));
                rx
            })
        };
        async move {
            match rx {
                None => Ok(()),
                Some(rx) => rx
                    .await
                    .unwrap_or_else(|_| Err("the page store was dropped".to_owned())),
            }
        }
    }

    /// Whether every committed write is stored.
    pub fn is_durable(&self) -> bool {
        let state = self.0.borrow();
        state.durable >= state.committed && !state.uncommitted
    }
}
