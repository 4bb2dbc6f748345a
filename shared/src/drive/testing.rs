//! An in-memory [`Drive`] that can "lose power" after the N-th mutating
//! step, for crash tests (also usable by the app's tests with the
//! `drive-testing` feature).
//!
//! Model: the durable state is a map of files plus a set of folders. Each
//! mutating step — writing a temporary file, renaming it over its target,
//! removing a file, creating a folder — is applied whole or not at all,
//! like a journaling file system. [`Drive::write_atomic`] is *two* steps
//! (temp write, rename), so a crash between them leaves a `.qvtmp` file just
//! as a real folder (or Chromium's `.crswap`) would. After the power goes,
//! every call fails; [`MemDrive::reboot`] gives a drive on the durable state.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use super::error::{IoError, IoErrorKind};
use super::layout::TEMP_SUFFIX;
use super::{Drive, Entry, Relation};

/// A power switch shared by the drives of one "machine".
#[derive(Debug, Default)]
pub struct Power {
    budget: Cell<Option<usize>>,
    steps: Cell<usize>,
    off: Cell<bool>,
}

impl Power {
    /// Power that never fails.
    #[must_use]
    pub fn unlimited() -> Rc<Self> {
        Rc::new(Self::default())
    }

    /// Power that fails at the mutating step with index `n` (0-based): `n`
    /// steps complete, the next one does not happen.
    #[must_use]
    pub fn failing_after(n: usize) -> Rc<Self> {
        let p = Self::default();
        p.budget.set(Some(n));
        Rc::new(p)
    }

    /// Mutating steps completed so far.
    #[must_use]
    pub fn steps(&self) -> usize {
        self.steps.get()
    }

    /// Whether the power went out.
    #[must_use]
    pub fn is_off(&self) -> bool {
        self.off.get()
    }

    fn check(&self, path: &str) -> Result<(), IoError> {
        if self.off.get() {
            return Err(IoError::new(IoErrorKind::PowerLoss, path, "power lost"));
        }
        Ok(())
    }

    fn step(&self, path: &str) -> Result<(), IoError> {
        self.check(path)?;
        if self.budget.get() == Some(0) {
            self.off.set(true);
            return Err(IoError::new(IoErrorKind::PowerLoss, path, "power lost"));
        }
        if let Some(b) = self.budget.get() {
            self.budget.set(Some(b - 1));
        }
        self.steps.set(self.steps.get() + 1);
        Ok(())
    }
}

/// The durable content of a drive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Store {
    /// Files by path.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Folders (besides the root).
    pub dirs: BTreeSet<String>,
}

/// An in-memory folder at a pretend `location` (used for
/// [`Drive::relation_to`]: `/a` contains `/a/b`).
#[derive(Debug, Clone)]
pub struct MemDrive {
    location: String,
    store: Rc<RefCell<Store>>,
    power: Rc<Power>,
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

impl MemDrive {
    /// An empty folder.
    #[must_use]
    pub fn new(location: &str, power: Rc<Power>) -> Self {
        Self {
            location: location.trim_end_matches('/').to_owned(),
            store: Rc::new(RefCell::new(Store::default())),
            power,
        }
    }

    /// Another handle on the same folder (same store and power).
    #[must_use]
    pub fn alias(&self) -> Self {
        self.clone()
    }

    /// A copy of the durable state.
    #[must_use]
    pub fn snapshot(&self) -> Store {
        self.store.borrow().clone()
    }

    /// The same durable state, on a fresh drive with `power`.
    #[must_use]
    pub fn reboot(&self, power: Rc<Power>) -> Self {
        Self { location: self.location.clone(), store: Rc::new(RefCell::new(self.snapshot())), power }
    }

    /// Direct access for tests that tamper with files (no power step).
    pub fn put(&self, path: &str, data: &[u8]) {
        self.store.borrow_mut().files.insert(path.to_owned(), data.to_vec());
    }

    /// Direct access for tests.
    #[must_use]
    pub fn get(&self, path: &str) -> Option<Vec<u8>> {
        self.store.borrow().files.get(path).cloned()
    }

    /// Direct removal for tests (no power step).
    pub fn delete(&self, path: &str) {
        self.store.borrow_mut().files.remove(path);
    }

    fn dir_exists(&self, dir: &str) -> bool {
        dir.is_empty() || self.store.borrow().dirs.contains(dir)
    }
}

impl Drive for MemDrive {
    fn describe(&self) -> String {
        self.location.clone()
    }

    async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, IoError> {
        self.power.check(path)?;
        Ok(self.get(path))
    }

    async fn write_atomic(&self, path: &str, data: &[u8]) -> Result<(), IoError> {
        self.power.check(path)?;
        if !self.dir_exists(parent(path)) {
            return Err(IoError::new(IoErrorKind::Other, path, "no such folder"));
        }
        let tmp = format!("{path}{TEMP_SUFFIX}");
        self.power.step(&tmp)?;
        self.put(&tmp, data);
        self.power.step(path)?;
        let mut s = self.store.borrow_mut();
        let bytes = s.files.remove(&tmp).unwrap_or_default();
        s.files.insert(path.to_owned(), bytes);
        Ok(())
    }

    async fn list(&self, dir: &str) -> Result<Option<Vec<Entry>>, IoError> {
        self.power.check(dir)?;
        if !self.dir_exists(dir) {
            return Ok(None);
        }
        let s = self.store.borrow();
        let mut out: Vec<Entry> = s
            .files
            .keys()
            .filter(|p| parent(p) == dir)
            .map(|p| Entry { name: p.rsplit('/').next().unwrap_or(p).to_owned(), is_dir: false })
            .chain(
                s.dirs
                    .iter()
                    .filter(|d| parent(d) == dir)
                    .map(|d| Entry { name: d.rsplit('/').next().unwrap_or(d).to_owned(), is_dir: true }),
            )
            .collect();
        out.sort();
        Ok(Some(out))
    }

    async fn remove(&self, path: &str) -> Result<(), IoError> {
        self.power.check(path)?;
        if self.get(path).is_none() {
            return Ok(());
        }
        self.power.step(path)?;
        self.delete(path);
        Ok(())
    }

    async fn create_dir(&self, path: &str) -> Result<(), IoError> {
        self.power.check(path)?;
        if self.dir_exists(path) {
            return Ok(());
        }
        self.power.step(path)?;
        self.store.borrow_mut().dirs.insert(path.to_owned());
        Ok(())
    }

    async fn relation_to(&self, other: &Self) -> Result<Relation, IoError> {
        let (a, b) = (&self.location, &other.location);
        Ok(if a == b {
            Relation::Same
        } else if a.starts_with(&format!("{b}/")) {
            Relation::InsideOther
        } else if b.starts_with(&format!("{a}/")) {
            Relation::ContainsOther
        } else {
            Relation::Distinct
        })
    }
}
