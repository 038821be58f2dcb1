//! One file of the page store: its bytes held as fixed-size pages, and which pages changed
//! since they were last handed to the sink.

use std::collections::BTreeSet;

/// The unit of persistence. SQLite's own page size is 4096 by default and the store never
/// changes it, so one SQLite page is one stored page; other sizes still work, a write
/// then touching several pages or part of one.
pub const PAGE_SIZE: usize = 4096;

#[derive(Default)]
pub(crate) struct PagedFile {
    pages: Vec<Box<[u8]>>,
    size: u64,
    /// Pages written since the last batch was taken.
    pub(crate) dirty: BTreeSet<u32>,
    /// The size changed since the last batch (a shrink must delete stored pages).
    pub(crate) resized: bool,
    /// Persisted (a database) or held in memory only (journals, temporary files).
    pub(crate) persistent: bool,
}

fn page_count(size: u64) -> usize {
    size.div_ceil(PAGE_SIZE as u64) as usize
}

impl PagedFile {
    pub(crate) fn new(persistent: bool) -> Self {
        PagedFile {
            persistent,
            ..Self::default()
        }
    }

    /// A file as it was stored: `pages` by index; missing ones read as zeros.
    pub(crate) fn restored(size: u64, pages: impl IntoIterator<Item = (u32, Vec<u8>)>) -> Self {
        let mut file = PagedFile::new(true);
        file.pages = (0..page_count(size)).map(|_| zeroed()).collect();
        for (index, bytes) in pages {
            if let Some(page) = file.pages.get_mut(index as usize) {
                let n = bytes.len().min(PAGE_SIZE);
                page[..n].copy_from_slice(&bytes[..n]);
            }
        }
        file.size = size;
        file
    }

    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    pub(crate) fn page(&self, index: u32) -> Option<&[u8]> {
        self.pages.get(index as usize).map(|p| &p[..])
    }

    /// Reads from `offset`; returns how many bytes there were (short at the end).
    pub(crate) fn read(&self, buf: &mut [u8], offset: u64) -> usize {
        if offset >= self.size {
            return 0;
        }
        let len = buf.len().min((self.size - offset) as usize);
        let mut done = 0;
        while done < len {
            let at = offset as usize + done;
            let (index, within) = (at / PAGE_SIZE, at % PAGE_SIZE);
            let n = (PAGE_SIZE - within).min(len - done);
            buf[done..done + n].copy_from_slice(&self.pages[index][within..within + n]);
            done += n;
        }
        len
    }

    /// Writes at `offset`, growing the file as needed, and marks the pages touched.
    pub(crate) fn write(
        &mut self,
        buf: &[u8],
        offset: u64,
    ) -> Result<(), std::collections::TryReserveError> {
        let end = offset + buf.len() as u64;
        let needed = page_count(end);
        if needed > self.pages.len() {
            self.pages.try_reserve(needed - self.pages.len())?;
            self.pages.resize_with(needed, zeroed);
        }
        let mut done = 0;
        while done < buf.len() {
            let at = offset as usize + done;
            let (index, within) = (at / PAGE_SIZE, at % PAGE_SIZE);
            let n = (PAGE_SIZE - within).min(buf.len() - done);
            self.pages[index][within..within + n].copy_from_slice(&buf[done..done + n]);
            self.dirty.insert(index as u32);
            done += n;
        }
        if end > self.size {
            self.size = end;
            self.resized = true;
        }
        Ok(())
    }

    /// Shrinks (or, as SQLite may ask, grows with zeros) to `size` bytes.
    pub(crate) fn truncate(&mut self, size: u64) {
        let keep = page_count(size);
        self.pages.resize_with(keep, zeroed);
        // Bytes past the end of a kept partial page read as zeros if the file grows again.
        let tail = (size % PAGE_SIZE as u64) as usize;
        if tail != 0 {
            if let Some(last) = self.pages.last_mut() {
                last[tail..].fill(0);
            }
            self.dirty.insert(keep as u32 - 1);
        }
        self.dirty.retain(|&i| (i as usize) < keep);
        if size != self.size {
            self.size = size;
            self.resized = true;
        }
    }
}

fn zeroed() -> Box<[u8]> {
    vec![0u8; PAGE_SIZE].into_boxed_slice()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_across_pages_read_back_and_mark_each_page() {
        let mut f = PagedFile::new(true);
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        f.write(&data, 100).unwrap();
        assert_eq!(f.size(), 10_100);
        assert_eq!(f.dirty.iter().copied().collect::<Vec<_>>(), vec![0, 1, 2]);
        let mut back = vec![0u8; 10_000];
        assert_eq!(f.read(&mut back, 100), 10_000);
        assert_eq!(back, data);
        // Short read at the end of the file.
        let mut tail = [9u8; 50];
        assert_eq!(f.read(&mut tail, 10_080), 20);
        assert_eq!(f.read(&mut tail, 20_000), 0);
    }

    #[test]
    fn truncation_forgets_dirty_pages_past_the_end_and_zeroes_the_tail() {
        let mut f = PagedFile::new(true);
        f.write(&[7u8; 3 * PAGE_SIZE], 0).unwrap();
        f.dirty.clear();
        f.resized = false;
        f.truncate(PAGE_SIZE as u64 + 10);
        assert!(f.resized);
        assert_eq!(f.dirty.iter().copied().collect::<Vec<_>>(), vec![1]);
        f.truncate(2 * PAGE_SIZE as u64);
        let mut b = [1u8; 20];
        assert_eq!(f.read(&mut b, PAGE_SIZE as u64 + 5), 20);
        assert_eq!(&b[..5], &[7u8; 5]);
        assert_eq!(&b[5..], &[0u8; 15]);
    }

    #[test]
    fn a_restored_file_reads_as_stored() {
        let mut page = vec![3u8; PAGE_SIZE];
        page[0] = 1;
        let f = PagedFile::restored(2 * PAGE_SIZE as u64, [(1, page.clone()), (9, vec![5; 10])]);
        assert!(f.dirty.is_empty());
        assert_eq!(f.page(1), Some(&page[..]));
        assert_eq!(f.page(0), Some(&[0u8; PAGE_SIZE][..]));
        assert_eq!(f.page(2), None);
    }
}
