//! The page store as a SQLite VFS, on the helper traits of `rsqlite-vfs` (re-exported by
//! sqlite-wasm-rs as `sqlite_wasm_rs::vfs`).

use std::cell::RefCell;
use std::rc::Rc;

use rsqlite_vfs::{
    AccessMode, FileKind, LockLevel, OpenAccess, OpenOptions, OpenRequest, OpenedFile, OsCallback,
    RegisterVfsError, SQLiteIoMethods, SQLiteVfs, SyncOptions, VfsError, VfsErrorCode, VfsFile,
    VfsResult, VfsStore, register_vfs,
};

use super::file::PagedFile;
use super::{PageVfs, State};

pub(super) struct Data {
    vfs: PageVfs,
    os: Box<dyn OsCallback>,
    last_error: RefCell<Option<VfsError>>,
}

/// One open file. Locks are this handle's: the store has one connection per file (the
/// browser tab that holds the Web Lock), so they only tell when a write is under way.
pub(super) struct Handle {
    file: Rc<RefCell<PagedFile>>,
    state: Rc<RefCell<State>>,
    lock: LockLevel,
    read_only: bool,
}

impl Handle {
    fn writable(&self) -> VfsResult<()> {
        if self.read_only {
            return Err(VfsError::new(
                VfsErrorCode::ReadOnly,
                "file is read-only".into(),
            ));
        }
        Ok(())
    }

    fn touched(&self) {
        if self.file.borrow().persistent {
            self.state.borrow_mut().uncommitted = true;
        }
    }

    /// Leaves a write lock: when it was the last one, the write is over.
    fn release_write(&self) {
        let sink = {
            let mut state = self.state.borrow_mut();
            state.writers = state.writers.saturating_sub(1);
            state.commit().then(|| state.sink.clone())
        };
        if let Some(sink) = sink {
            sink.schedule();
        }
    }
}

impl VfsFile for Handle {
    fn read(&mut self, buf: &mut [u8], offset: u64) -> VfsResult<usize> {
        Ok(self.file.borrow().read(buf, offset))
    }

    fn write(&mut self, buf: &[u8], offset: u64) -> VfsResult<()> {
        self.writable()?;
        self.file.borrow_mut().write(buf, offset).map_err(|_| {
            VfsError::new(
                VfsErrorCode::NoMemory,
                "no memory for the file's pages".into(),
            )
        })?;
        self.touched();
        Ok(())
    }

    fn truncate(&mut self, size: u64) -> VfsResult<()> {
        self.writable()?;
        self.file.borrow_mut().truncate(size);
        self.touched();
        Ok(())
    }

    /// Durability comes from the batch after the write, not from here.
    fn sync(&mut self, _options: SyncOptions) -> VfsResult<()> {
        Ok(())
    }

    fn size(&self) -> VfsResult<u64> {
        Ok(self.file.borrow().size())
    }

    fn lock(&mut self, level: LockLevel) -> VfsResult<()> {
        if level > self.lock {
            if level >= LockLevel::Reserved && self.lock < LockLevel::Reserved {
                self.state.borrow_mut().writers += 1;
            }
            self.lock = level;
        }
        Ok(())
    }

    fn unlock(&mut self, level: LockLevel) -> VfsResult<()> {
        if level < self.lock {
            let was_writing = self.lock >= LockLevel::Reserved;
            self.lock = level;
            if was_writing && level < LockLevel::Reserved {
                self.release_write();
            }
        }
        Ok(())
    }

    fn check_reserved_lock(&self) -> VfsResult<bool> {
        Ok(self.lock >= LockLevel::Reserved)
    }
}

pub(super) struct Pages;

impl VfsStore for Pages {
    type File = Handle;
    type AppData = Data;

    fn record_error(data: &Data, error: VfsError) {
        data.last_error.replace(Some(error));
    }

    fn last_error(data: &Data) -> Option<VfsError> {
        data.last_error.borrow().clone()
    }

    fn open_file(data: &Data, request: OpenRequest<'_>) -> VfsResult<OpenedFile<Handle>> {
        let options = request.options;
        let state = data.vfs.0.clone();
        let file = match request.filename {
            // A temporary file SQLite names none: private to this handle.
            None => Rc::new(RefCell::new(PagedFile::new(false))),
            Some(name) => {
                let name = name.path();
                let mut s = state.borrow_mut();
                match s.files.get(name) {
                    Some(_) if options.exclusive() => {
                        return Err(VfsError::new(
                            VfsErrorCode::CantOpen,
                            format!("file already exists: {name:?}").into(),
                        ));
                    }
                    Some(file) => file.clone(),
                    None if options.create() => {
                        // Only databases are persisted: journals stay in memory (the
                        // store runs with journal_mode=MEMORY, so there are none anyway).
                        let persistent = options.kind() == Some(FileKind::MainDb);
                        let file = Rc::new(RefCell::new(PagedFile::new(persistent)));
                        s.files.insert(name.to_owned(), file.clone());
                        file
                    }
                    None => {
                        return Err(VfsError::new(
                            VfsErrorCode::CantOpen,
                            format!("file not found: {name:?}").into(),
                        ));
                    }
                }
            }
        };
        Ok(OpenedFile {
            file: Handle {
                file,
                state,
                lock: LockLevel::None,
                read_only: options.access() == OpenAccess::ReadOnly,
            },
            access: options.access(),
        })
    }

    fn close_file(
        data: &Data,
        name: Option<&str>,
        file: Handle,
        options: OpenOptions,
    ) -> VfsResult<()> {
        if file.lock >= LockLevel::Reserved {
            file.release_write();
        }
        if let (Some(name), true) = (name, options.delete_on_close()) {
            let mut state = data.vfs.0.borrow_mut();
            if state
                .files
                .get(name)
                .is_some_and(|current| Rc::ptr_eq(current, &file.file))
            {
                state.files.remove(name);
            }
        }
        Ok(())
    }

    fn access(data: &Data, name: &str, _mode: AccessMode) -> VfsResult<bool> {
        Ok(data.vfs.0.borrow().files.contains_key(name))
    }

    fn full_pathname(_data: &Data, name: &str) -> VfsResult<String> {
        Ok(name.to_owned())
    }

    fn delete_file(data: &Data, name: &str, _sync_dir: bool) -> VfsResult<()> {
        let mut state = data.vfs.0.borrow_mut();
        match state.files.get(name).map(|f| f.borrow().persistent) {
            None => Err(VfsError::new(
                VfsErrorCode::IoDeleteNoEntry,
                format!("file not found: {name:?}").into(),
            )),
            // SQLite deletes journals, never a database; the stored pages are not
            // dropped behind the sink's back.
            Some(true) => Err(VfsError::new(
                VfsErrorCode::IoDelete,
                format!("{name:?} is a stored database").into(),
            )),
            Some(false) => {
                state.files.remove(name);
                Ok(())
            }
        }
    }
}

pub(super) struct Io;

impl SQLiteIoMethods for Io {
    type Store = Pages;
}

struct Vfs;

impl SQLiteVfs<Io> for Vfs {
    type Os = dyn OsCallback;

    fn os(data: &Data) -> &Self::Os {
        &*data.os
    }
}

#[cfg(target_arch = "wasm32")]
fn os() -> Box<dyn OsCallback> {
    Box::new(sqlite_wasm_rs::WasmOsCallback)
}

#[cfg(not(target_arch = "wasm32"))]
fn os() -> Box<dyn OsCallback> {
    Box::new(NativeOs)
}

/// The clock, sleep and randomness SQLite asks a VFS for, on desktop (tests).
#[cfg(not(target_arch = "wasm32"))]
struct NativeOs;

#[cfg(not(target_arch = "wasm32"))]
impl OsCallback for NativeOs {
    fn sleep(&self, dur: std::time::Duration) {
        std::thread::sleep(dur);
    }

    fn random(&self, buf: &mut [u8]) -> usize {
        // Only names temporary files here; a hash of the clock is random enough for that.
        use std::hash::{BuildHasher, RandomState};
        for chunk in buf.chunks_mut(8) {
            let n = RandomState::new()
                .hash_one(std::time::Instant::now())
                .to_le_bytes();
            chunk.copy_from_slice(&n[..chunk.len()]);
        }
        buf.len()
    }

    fn epoch_timestamp_in_ms(&self) -> VfsResult<i64> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|_| VfsError::new(VfsErrorCode::Error, "clock before 1970".into()))?;
        Ok(now.as_millis() as i64)
    }
}

pub(super) fn register(name: &str, vfs: PageVfs) -> Result<(), RegisterVfsError> {
    let data = Data {
        vfs,
        os: os(),
        last_error: RefCell::new(None),
    };
    // SAFETY: `Vfs`, `Io` and `Pages` use the default file layout and callbacks of
    // rsqlite-vfs with `Data` as app data; the registration is kept for the process's life
    // (`into_raw`), and the store is single-threaded: its `Rc`s are only touched by SQLite
    // calls on the thread that opened the connection (the browser's only thread; in
    // tests, one VFS name per test thread).
    let registration = unsafe { register_vfs::<Io, Vfs>(name, data, false)? };
    let _ = registration.into_raw();
    Ok(())
}
