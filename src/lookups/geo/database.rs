//! One opened geo database file: lookups and a description for `secast show geo`.

use std::fs::File;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use maxminddb::{MaxMindDbError, Mmap, PathElement, Reader};

use super::error::GeoError;
use super::info::GeoInfo;
use super::record::RawRecord;
use crate::util::net::canonical_ip;
use crate::util::time::format_utc;

/// Where the database's bytes live while it is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Residency {
    /// Memory-mapped (opt-in, `[geo] mmap = yes`): costs page cache, shared and evictable,
    /// not heap. The file must then be replaced by renaming a new file over it (as
    /// `geoipupdate`, `install` and `mv` do), never rewritten in place: truncating a mapped
    /// file makes the next lookup fault (SIGBUS).
    Mapped,
    /// Read into the heap (the default): immune to whatever happens to the file afterwards,
    /// at the cost of the file's size in memory (twice that during a reload).
    #[default]
    InMemory,
}

/// The bytes a [`Reader`] decodes from, whichever [`Residency`] was chosen.
enum Bytes {
    Mapped(Mmap),
    InMemory(Vec<u8>),
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(map) => map,
            Bytes::InMemory(vec) => vec,
        }
    }
}

/// An opened MaxMind DB file (GeoIP2/GeoLite2 or ip-location-db). Immutable once open, so one
/// instance is shared by every thread behind an `Arc`; reloading opens a new one.
pub struct GeoDb {
    reader: Reader<Bytes>,
    path: PathBuf,
    residency: Residency,
    /// The Reader keeps its bytes private, so their length is noted before handing them over.
    size: usize,
    /// Lookups whose record could not be decoded: a sign of a damaged file, shown by describe.
    decode_errors: AtomicU64,
}

impl std::fmt::Debug for GeoDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoDb")
            .field("path", &self.path)
            .field("residency", &self.residency)
            .finish_non_exhaustive()
    }
}

impl GeoDb {
    /// Opens `path` read into memory (see [`Residency::InMemory`]): nothing an admin does
    /// to the file afterwards can reach a lookup.
    pub fn open(path: &Path) -> Result<GeoDb, GeoError> {
        GeoDb::open_as(path, Residency::InMemory)
    }

    /// Opens `path`, mapped or read into memory. Only the header and metadata are checked
    /// here; a record damaged further in shows up as a failed lookup and in [`describe`].
    ///
    /// [`describe`]: GeoDb::describe
    pub fn open_as(path: &Path, residency: Residency) -> Result<GeoDb, GeoError> {
        let io_error = |source| GeoError::Io {
            path: path.to_owned(),
            source,
        };
        let bytes = match residency {
            Residency::Mapped => {
                let file = File::open(path).map_err(io_error)?;
                // SAFETY: the mapping is only read, and its contents are only ever decoded by
                // maxminddb, which bounds-checks every offset, so any bytes are memory-safe.
                // What stays outside our control is another process truncating the file while
                // it is mapped; Residency::Mapped documents that the file must be replaced by
                // rename, and Residency::InMemory exists for sites that cannot promise it.
                let map = unsafe { Mmap::map(&file) }.map_err(io_error)?;
                Bytes::Mapped(map)
            }
            Residency::InMemory => Bytes::InMemory(std::fs::read(path).map_err(io_error)?),
        };
        let size = bytes.as_ref().len();
        let reader = Reader::from_source(bytes).map_err(|e| match e {
            MaxMindDbError::Io(source) | MaxMindDbError::Mmap(source) => io_error(source),
            other => GeoError::Invalid {
                path: path.to_owned(),
                message: other.to_string(),
            },
        })?;
        Ok(GeoDb {
            reader,
            path: path.to_owned(),
            residency,
            size,
            decode_errors: AtomicU64::new(0),
        })
    }

    /// What the database knows about `ip`, or None for an address it has no record for.
    /// IPv4-mapped IPv6 (`::ffff:a.b.c.d`, as a dual-stack socket reports IPv4 peers) is looked
    /// up as the IPv4 address: not every database aliases the mapped range to its IPv4 tree.
    pub fn lookup(&self, ip: IpAddr) -> Option<GeoInfo> {
        let ip = canonical_ip(ip);
        if ip.is_ipv6() && self.reader.metadata().ip_version == 4 {
            return None;
        }
        let found = match self.reader.lookup(ip) {
            Ok(found) if found.has_data() => found,
            Ok(_) => return None,
            Err(_) => return self.decode_error(),
        };
        let record = match found.decode::<RawRecord>() {
            Ok(record) => record?,
            Err(_) => return self.decode_error(),
        };
        // MaxMind records for some networks (satellite, anycast) carry only the country the
        // network is registered in. Read only when needed: decoding it every time would add a
        // fifth of the lookup's cost.
        let registered_country = || {
            found
                .decode_path::<&str>(&[
                    PathElement::Key("registered_country"),
                    PathElement::Key("iso_code"),
                ])
                .ok()
                .flatten()
                .filter(|code| !code.is_empty())
                .map(str::to_owned)
        };
        record.into_info(registered_country)
    }

    fn decode_error(&self) -> Option<GeoInfo> {
        self.decode_errors.fetch_add(1, Ordering::Relaxed);
        None
    }

    /// The file this database was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The database's size in bytes (mapped or held in memory).
    pub fn size(&self) -> usize {
        self.size
    }

    /// `GeoLite2-City, built 2026-06-17 19:00:00 UTC, IPv6, 1234 nodes of 28 bits, 58.2 MiB
    /// mapped, /var/lib/GeoIP/GeoLite2-City.mmdb`, plus the count of undecodable records if any.
    pub fn describe(&self) -> String {
        let meta = self.reader.metadata();
        let built = i64::try_from(meta.build_epoch)
            .ok()
            .and_then(|secs| secs.checked_mul(1000))
            .map_or_else(|| format!("epoch {}", meta.build_epoch), format_utc);
        let mut out = format!(
            "{}, built {built}, IPv{}, {} nodes of {} bits, {} {}, {}",
            meta.database_type,
            meta.ip_version,
            meta.node_count,
            meta.record_size,
            mib(self.size()),
            match self.residency {
                Residency::Mapped => "mapped",
                Residency::InMemory => "in memory",
            },
            self.path.display()
        );
        let errors = self.decode_errors.load(Ordering::Relaxed);
        if errors > 0 {
            out.push_str(&format!(", {errors} undecodable records met"));
        }
        out
    }
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}
