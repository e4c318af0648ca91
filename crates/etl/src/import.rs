//! Importing the eight CSV files of the original dataset into a store.
//!
//! Files are read in load order (parents first; files of independent tables at the same time,
//! one per core), each on a blocking thread that parses and checks every row and sends batches
//! through a small channel to the store's bulk loader, so memory holds a few batches and the id
//! indexes whatever the size of the files. A row that does not parse, breaks a rule or points
//! at a row that does not exist goes to the rejects file with its file, line and reason (each
//! file's rejects together, in load order); the rest loads.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use atelier_core::load::{BulkLoader, Phase};
use atelier_core::tables::{Batch, ProductRow, Row, Table, WithRow};
use atelier_core::{Store, StoreError};
use indicatif::{MultiProgress, ProgressBar};
use tokio::sync::mpsc;

use crate::files::{self, Reason};
use crate::ids::{IdMap, IdSet};

/// What to import and how.
#[derive(Debug, Clone)]
pub struct ImportSettings {
    /// The folder holding the CSV files.
    pub dir: PathBuf,
    /// Replace what the store holds (otherwise a store with data is refused).
    pub replace: bool,
    /// Where rejected rows are written, as CSV `file,line,reason`.
    pub rejects: PathBuf,
    /// Rows per batch sent to the store.
    pub batch_rows: usize,
    /// How many files are read at once (at least one), each once its parents' files are:
    /// [`readers_for_this_machine`] keeps every core busy.
    pub readers: usize,
}

/// One reader per core.
pub fn readers_for_this_machine() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileReport {
    /// The table.
    pub table: Table,
    /// The file read, if there was one.
    pub path: Option<PathBuf>,
    /// Rows loaded.
    pub loaded: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// Seconds from the first byte read to the last row loaded.
    pub seconds: f64,
}

/// The outcome of an import.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    /// One entry per table, in load order.
    pub files: Vec<FileReport>,
    /// Products created because `product.csv` was absent and other files named them.
    pub stub_products: u64,
    /// The store's finishing steps.
    pub phases: Vec<Phase>,
    /// The whole import.
    pub seconds: f64,
}

impl ImportReport {
    /// Rows rejected in all files.
    pub fn rejected(&self) -> u64 {
        self.files.iter().map(|f| f.rejected).sum()
    }
}

/// Why an import stopped. Bad rows never stop it; these do.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// None of the eight files is in the folder.
    #[error("no Atelier CSV file (product.csv, reviews.csv, questions.csv, ...) in {0}")]
    NoFiles(PathBuf),
    /// A file's header is not the expected one.
    #[error("{file}: the header is {found:?}, expected {expected:?}")]
    Header {
        /// The file.
        file: PathBuf,
        /// Its first line.
        found: String,
        /// The expected columns.
        expected: String,
    },
    /// Reading a file or writing the rejects failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a file's rows are checked against: the ids of the files read before it, shared by
/// every reader, and its own table's ids so far.
struct Known {
    /// The ids of each table whose file has been read (empty for one not read, or absent).
    read: Vec<Arc<Ids>>,
    /// The ids of the table being read.
    own: Ids,
    /// Without `product.csv`, the products created from the ids that other files name; files
    /// are then read one at a time, each taking these from the one before.
    stubs: Option<Stubs>,
}

/// Products created because `product.csv` is absent.
#[derive(Default)]
struct Stubs {
    ids: IdSet,
    created: u64,
}

/// The ids of one table.
enum Ids {
    /// Just the ids.
    Set(IdSet),
    /// Each id with its product, for a table whose rows are the parents of a table with two
    /// or more parents (a characteristic's rating names a characteristic and a review, which
    /// must be of the same product).
    Map(IdMap),
}

impl Ids {
    /// Empty ids for `table`, mapped to their products where a child needs them.
    fn empty(table: Table) -> Self {
        let mapped = table != Table::Products
            && Table::ALL.iter().any(|child| {
                let parents: Vec<Table> = child.describe().parents().map(|(_, p)| p).collect();
                parents.len() > 1 && parents.contains(&table)
            });
        if mapped { Ids::Map(IdMap::default()) } else { Ids::Set(IdSet::default()) }
    }
}

/// A parent that a row points at, and the product that parent belongs to.
struct ParentOf {
    table: Table,
    id: i64,
    product: i64,
}

impl Known {
    /// Checks that the row `id` of `parent` exists, and returns its product where known.
    /// Without `product.csv`, a product that does not exist yet is created in `batch`.
    fn parent(&mut self, parent: Table, id: i64, batch: &mut Batch) -> Result<Option<i64>, Reason> {
        let missing = || format!("{} {id} does not exist", parent.describe().noun);
        if let (Table::Products, Some(stubs)) = (parent, &mut self.stubs) {
            if stubs.ids.insert(id) {
                stubs.created += 1;
                batch.products.push(stub_product(id));
            }
            return Ok(Some(id));
        }
        match &*self.read[parent as usize] {
            Ids::Set(set) if parent == Table::Products => {
                set.contains(id).then_some(Some(id)).ok_or_else(missing)
            }
            Ids::Set(set) => set.contains(id).then_some(None).ok_or_else(missing),
            Ids::Map(map) => map.get(id).map(Some).ok_or_else(missing),
        }
    }

    /// Records `id` of the table being read, of `product` where known; false if it is already
    /// there.
    fn insert(&mut self, id: i64, product: Option<i64>) -> bool {
        match &mut self.own {
            Ids::Set(set) => set.insert(id),
            Ids::Map(map) => map.insert(id, product.unwrap_or_default()),
        }
    }
}

/// The product created for an id that other files name when there is no `product.csv`.
fn stub_product(id: i64) -> ProductRow {
    ProductRow { id, name: format!("Product {id}"), default_price: "0".into(), ..ProductRow::default() }
}

/// Parses one record of `R`'s file (`present` columns wide, the `position`th), checks that its
/// parents exist and agree on the product, and that its id is new, and adds it to `batch`.
fn accept<R: Row>(
    record: &csv::ByteRecord,
    present: usize,
    position: u64,
    known: &mut Known,
    batch: &mut Batch,
) -> Result<(), Reason> {
    let row: R = files::read_row(record, present, position)?;
    let mut product: Option<ParentOf> = None;
    let description = R::TABLE.describe();
    // Two products named directly (a related product) are two products, not a disagreement.
    let products_named = description.parents().filter(|&(_, table)| table == Table::Products).count();
    for (column, table) in description.parents() {
        let id = row.key(column).unwrap_or_default();
        let Some(of) = known.parent(table, id, batch)? else { continue };
        if table == Table::Products && products_named > 1 {
            continue;
        }
        match &product {
            Some(first) if first.product != of => {
                return Err(format!(
                    "{} {} is of product {} but {} {id} is of product {of}",
                    first.table.describe().noun,
                    first.id,
                    first.product,
                    table.describe().noun,
                ));
            }
            Some(_) => {}
            None => product = Some(ParentOf { table, id, product: of }),
        }
    }
    if !known.insert(row.id(), product.map(|p| p.product)) {
        return Err(format!("duplicate id {}", row.id()));
    }
    R::rows_mut(batch).push(row);
    Ok(())
}

/// How a file's records are accepted: [`accept`] for its table's row type.
type Accept = fn(&csv::ByteRecord, usize, u64, &mut Known, &mut Batch) -> Result<(), Reason>;

struct AcceptFor;

impl WithRow for AcceptFor {
    type Output = Accept;

    fn run<R: Row>(self) -> Accept {
        accept::<R>
    }
}

/// Finds the file of `table` in `dir` under any of its names.
fn find(dir: &Path, table: Table) -> Option<PathBuf> {
    table.describe().files.iter().map(|name| dir.join(name)).find(|p| p.is_file())
}

/// What a reader sends the loader: batches of its file's rows, then what it found.
enum FromReader {
    Rows(Box<Batch>),
    Done(Table, Box<Result<FileRead, ImportError>>),
}

/// What reading one file found.
struct FileRead {
    /// Its table's ids, which its children's rows are checked against.
    ids: Ids,
    /// The products created, when they are (passed on to the next file).
    stubs: Option<Stubs>,
    /// Its rejected rows, in a file of their own until they are gathered in load order.
    rejects: csv::Writer<File>,
    loaded: u64,
    rejected: u64,
}

/// A file being read.
struct Reading {
    table: Table,
    path: PathBuf,
    started: Instant,
    thread: tokio::task::JoinHandle<()>,
}

/// Imports the CSV files in `settings.dir` into `store`.
pub async fn import(store: &dyn Store, settings: &ImportSettings) -> Result<ImportReport, ImportError> {
    let started = Instant::now();
    // The headers are checked before the store's writer is taken.
    let files = files_in(settings)?;
    let loader = store.bulk_loader(settings.replace).await?;
    load(files, loader, settings, started).await
}

/// Imports the CSV files in `settings.dir` through `loader`, a load already started.
pub async fn import_into(
    loader: Box<dyn BulkLoader>,
    settings: &ImportSettings,
) -> Result<ImportReport, ImportError> {
    let started = Instant::now();
    load(files_in(settings)?, loader, settings, started).await
}

/// Each file of `settings.dir`, in load order, with how many of its table's columns it holds.
fn files_in(settings: &ImportSettings) -> Result<Vec<(Table, PathBuf, usize)>, ImportError> {
    let paths: Vec<(Table, Option<PathBuf>)> =
        Table::ALL.iter().map(|&t| (t, find(&settings.dir, t))).collect();
    if paths.iter().all(|(_, path)| path.is_none()) {
        return Err(ImportError::NoFiles(settings.dir.clone()));
    }
    let mut files = Vec::new();
    for (table, path) in paths {
        if let Some(path) = path {
            let present = check_header(&path, table)?;
            files.push((table, path, present));
        }
    }
    Ok(files)
}

/// Reads `waiting`, the files in load order, into `loader`.
///
/// A file is read once the files of its table's parents are, up to `settings.readers` files
/// at a time (the reviews and the questions, say, are independent of each other), so that
/// parsing and checking rows keeps every core busy beside the store's writing. Every reader
/// sends its batches down one channel to the loader, and says when its file is done after its
/// last batch, so the loader hears of a table's end only once all its rows are loaded.
async fn load(
    mut waiting: Vec<(Table, PathBuf, usize)>,
    mut loader: Box<dyn BulkLoader>,
    settings: &ImportSettings,
    started: Instant,
) -> Result<ImportReport, ImportError> {
    let mut reports: Vec<FileReport> = Table::ALL
        .iter()
        .map(|&table| FileReport { table, path: None, loaded: 0, rejected: 0, seconds: 0.0 })
        .collect();
    let rejects_path = settings.rejects.clone();
    let io = |source| ImportError::Io { path: rejects_path.clone(), source };
    let mut rejects = csv::Writer::from_path(&settings.rejects).map_err(|e| io(e.into()))?;
    rejects.write_record(["file", "line", "reason"]).map_err(|e| io(e.into()))?;
    let mut file_rejects: Vec<Option<csv::Writer<File>>> = Table::ALL.iter().map(|_| None).collect();

    let no_products = !waiting.iter().any(|(table, ..)| *table == Table::Products);
    // Without product.csv every file may create products: one file at a time.
    let readers = if no_products { 1 } else { settings.readers.max(1) };
    let mut stubs = no_products.then(Stubs::default);
    let mut ids: Vec<Arc<Ids>> = Table::ALL.iter().map(|&table| Arc::new(Ids::empty(table))).collect();
    let (sender, mut receiver) = mpsc::channel::<FromReader>(4);
    let bars = MultiProgress::new();
    let mut reading: Vec<Reading> = Vec::new();
    loop {
        while reading.len() < readers {
            // A parent's file is read once it is neither waiting nor being read (or is absent).
            let unread = |table: Table| {
                waiting.iter().any(|(t, ..)| *t == table) || reading.iter().any(|r| r.table == table)
            };
            let ready = |(table, ..): &(Table, PathBuf, usize)| {
                table.describe().parents().all(|(_, parent)| !unread(parent))
            };
            let Some(next) = waiting.iter().position(ready) else { break };
            let (table, path, present) = waiting.remove(next);
            let known = Known { read: ids.clone(), own: Ids::empty(table), stubs: stubs.take() };
            let own_rejects = csv::Writer::from_writer(tempfile::tempfile().map_err(io)?);
            let (sender, file, bars, batch_rows) =
                (sender.clone(), path.clone(), bars.clone(), settings.batch_rows.max(1));
            let thread = tokio::task::spawn_blocking(move || {
                let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    read_file(table, (&file, present), known, own_rejects, &sender, batch_rows, &bars)
                }))
                .unwrap_or_else(|_| Err(StoreError::Internal("the CSV reader panicked".into()).into()));
                let _ = sender.blocking_send(FromReader::Done(table, Box::new(read)));
            });
            reading.push(Reading { table, path, started: Instant::now(), thread });
        }
        if reading.is_empty() {
            break;
        }
        let step = match receiver.recv().await {
            Some(FromReader::Rows(batch)) => loader.load(*batch).await.map_err(ImportError::from),
            Some(FromReader::Done(table, read)) => {
                let at = reading.iter().position(|r| r.table == table).expect("a file being read");
                let done = reading.swap_remove(at);
                let _ = done.thread.await;
                match *read {
                    Ok(read) => {
                        ids[table as usize] = Arc::new(read.ids);
                        stubs = stubs.or(read.stubs);
                        file_rejects[table as usize] = Some(read.rejects);
                        reports[table as usize] = FileReport {
                            table,
                            path: Some(done.path),
                            loaded: read.loaded,
                            rejected: read.rejected,
                            seconds: done.started.elapsed().as_secs_f64(),
                        };
                        loader.table_done(table).await.map_err(ImportError::from)
                    }
                    Err(e) => Err(e),
                }
            }
            None => Err(StoreError::Internal("the CSV readers stopped".into()).into()),
        };
        if let Err(e) = step {
            // Stop the other readers (their sends now fail) before reporting the error.
            drop(receiver);
            for other in reading {
                let _ = other.thread.await;
            }
            return Err(e);
        }
    }
    // Each file's rejects after the header, in load order.
    let mut all = rejects.into_inner().map_err(|e| io(e.into_error()))?;
    for own in file_rejects.into_iter().flatten() {
        let mut own = own.into_inner().map_err(|e| io(e.into_error()))?;
        own.seek(SeekFrom::Start(0)).map_err(io)?;
        std::io::copy(&mut own, &mut all).map_err(io)?;
    }
    let phases = loader.finish().await?;
    Ok(ImportReport {
        files: reports,
        stub_products: stubs.map_or(0, |stubs| stubs.created),
        phases,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Counts `rows` accepted rows of file `name` handed to the store, for `atelier_import_rows_total`
/// (the load commits them all at its end, or none).
fn rows_imported(name: &str, rows: usize) {
    metrics::counter!("atelier_import_rows_total", "file" => name.to_owned(), "outcome" => "accepted")
        .increment(rows as u64);
}

/// Reads one file on a blocking thread, sending batches of accepted rows and writing rejects.
fn read_file(
    table: Table,
    (path, present): (&Path, usize),
    mut known: Known,
    mut rejects: csv::Writer<File>,
    sender: &mpsc::Sender<FromReader>,
    batch_rows: usize,
    bars: &MultiProgress,
) -> Result<FileRead, ImportError> {
    let io = |source: std::io::Error| ImportError::Io { path: path.to_owned(), source };
    let size = std::fs::metadata(path).map_err(io)?.len();
    let started = Instant::now();
    let progress = bars.add(crate::progress::bar(size, "bytes"));
    let name = table.describe().file();
    progress.set_message(name);
    let file = File::open(path).map_err(io)?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(
        without_bom(BufReader::with_capacity(1 << 20, Counted { inner: file, progress: progress.clone() }))
            .map_err(io)?,
    );
    let mut record = csv::ByteRecord::new();
    let (mut loaded, mut rejected) = (0_u64, 0_u64);
    let mut batch = Batch::default();
    let accept = table.with_row(AcceptFor);
    let mut first = true;
    // The reader counts lines outside quotes only; a quoted field's line breaks are added here
    // so that reported lines are the lines an editor shows.
    let mut quoted_breaks = 0_u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) if first => first = false, // the header, checked before the import began
            Ok(true) => {
                let line = record.position().map_or(0, csv::Position::line) + quoted_breaks;
                quoted_breaks += memchr::memchr_iter(b'\n', record.as_slice()).count() as u64;
                match accept(&record, present, loaded + rejected + 1, &mut known, &mut batch) {
                    Ok(()) => loaded += 1,
                    Err(reason) => {
                        rejected += 1;
                        metrics::counter!("atelier_import_rows_total", "file" => name.to_owned(), "outcome" => "rejected")
                            .increment(1);
                        rejects.write_record([name, &line.to_string(), &reason]).map_err(|e| io(e.into()))?;
                    }
                }
                if batch.len() >= batch_rows {
                    rows_imported(name, batch.len());
                    if sender.blocking_send(FromReader::Rows(Box::new(std::mem::take(&mut batch)))).is_err() {
                        break; // the loader failed; the import reports its error
                    }
                    let rate = loaded as f64 / started.elapsed().as_secs_f64().max(1e-3);
                    progress.set_message(format!("{name}: {loaded} rows, {rate:.0} rows/s"));
                }
            }
            Err(e) => {
                rejected += 1;
                let line = e.position().map_or(0, csv::Position::line) + quoted_breaks;
                rejects
                    .write_record([name, &line.to_string(), &format!("unreadable row: {e}")])
                    .map_err(|e| io(e.into()))?;
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    return Err(io(std::io::Error::other(e.to_string())));
                }
            }
        }
    }
    if !batch.is_empty() {
        rows_imported(name, batch.len());
        let _ = sender.blocking_send(FromReader::Rows(Box::new(batch)));
    }
    progress.finish_and_clear();
    Ok(FileRead { ids: known.own, stubs: known.stubs, rejects, loaded, rejected })
}

/// Checks the first line of `path` against the columns of `table`, ignoring a byte-order
/// mark, case and spaces around names, and returns how many of them the file holds.
fn check_header(path: &Path, table: Table) -> Result<usize, ImportError> {
    let io = |source| ImportError::Io { path: path.to_owned(), source };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(without_bom(BufReader::new(File::open(path).map_err(io)?)).map_err(io)?);
    let mut header = csv::StringRecord::new();
    let found = match reader.read_record(&mut header) {
        Ok(true) => header.iter().map(|c| c.trim().to_ascii_lowercase()).collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    files::columns_in_header(table.describe().columns, &found).ok_or_else(|| ImportError::Header {
        file: path.to_owned(),
        found: found.join(","),
        expected: table.describe().headers().collect::<Vec<_>>().join(","),
    })
}

/// Skips a UTF-8 byte-order mark at the start of `reader`.
fn without_bom<R: BufRead>(mut reader: R) -> std::io::Result<R> {
    if reader.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    Ok(reader)
}

/// A reader that moves a progress bar by the bytes it reads.
struct Counted {
    inner: File,
    progress: ProgressBar,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.inc(n as u64);
        Ok(n)
    }
}
