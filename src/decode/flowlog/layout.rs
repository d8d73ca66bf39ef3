//! The field layout of a flow-log file, read from its header line (or the
//! default version-2 format when there is none), and the typed column builders
//! that follow it.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use crate::schema::flowlog::{self, FieldType, KNOWN_FIELDS};

/// Most unknown header fields kept as extra text columns.
pub const MAX_EXTRA_FIELDS: usize = 32;

/// Where one header position goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// A published field (index into `KNOWN_FIELDS`).
    Known(usize),
    /// An unknown field kept as text (index into the extra columns).
    Extra(usize),
    /// A field that is dropped (duplicate, or past the extra-field limit).
    Skip,
}

/// A header's layout, shared, with the problems worth reporting about the header.
pub type HeaderLayout = (Arc<Layout>, Vec<String>);

/// The layout of the lines that follow a header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The header's field names, as written.
    pub names: Vec<String>,
    /// Where each position goes.
    pub slots: Vec<Slot>,
    /// Column names of the extra (unknown) fields.
    pub extras: Vec<String>,
    /// Positions of the numeric fields, with their index in `KNOWN_FIELDS`.
    pub numeric: Vec<(usize, usize)>,
    /// Positions of the text fields, known and extra, in header order.
    pub text: Vec<usize>,
}

impl Layout {
    /// Builds a layout from header names; returns problems worth reporting.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> (Layout, Vec<String>) {
        let mut problems = Vec::new();
        let mut seen = HashSet::new();
        let mut slots = Vec::with_capacity(names.len());
        let mut extras = Vec::new();
        let mut dropped_extras = 0usize;
        for name in names {
            let name = name.as_ref();
            if !seen.insert(name) {
                problems.push(format!(
                    "header repeats field `{name}`; the repeat is ignored"
                ));
                slots.push(Slot::Skip);
                continue;
            }
            match flowlog::known_field(name) {
                // Two spellings of one field (`account-id`, `account_id`) fill one column once.
                Some((i, _)) if slots.contains(&Slot::Known(i)) => {
                    problems.push(format!(
                        "header names field `{name}` twice (in two spellings); the repeat is ignored"
                    ));
                    slots.push(Slot::Skip);
                }
                Some((i, _)) => slots.push(Slot::Known(i)),
                None if extras.contains(&flowlog::extra_column_name(name)) => {
                    problems.push(format!(
                        "header field `{name}` has the same column name as an earlier one; the repeat is ignored"
                    ));
                    slots.push(Slot::Skip);
                }
                None if extras.len() < MAX_EXTRA_FIELDS => {
                    log_unknown_once(name);
                    slots.push(Slot::Extra(extras.len()));
                    extras.push(flowlog::extra_column_name(name));
                }
                None => {
                    dropped_extras += 1;
                    slots.push(Slot::Skip);
                }
            }
        }
        if dropped_extras > 0 {
            problems.push(format!(
                "header declares {} unknown fields; only the first {MAX_EXTRA_FIELDS} are kept",
                dropped_extras + MAX_EXTRA_FIELDS
            ));
        }
        let names = names.iter().map(|n| n.as_ref().to_string()).collect();
        let numeric = slots
            .iter()
            .enumerate()
            .filter_map(|(pos, slot)| match *slot {
                Slot::Known(k) if KNOWN_FIELDS[k].ty != FieldType::Text => Some((pos, k)),
                _ => None,
            })
            .collect();
        let text = slots
            .iter()
            .enumerate()
            .filter_map(|(pos, slot)| match *slot {
                Slot::Known(k) if KNOWN_FIELDS[k].ty == FieldType::Text => Some(pos),
                Slot::Extra(_) => Some(pos),
                _ => None,
            })
            .collect();
        (
            Layout {
                names,
                slots,
                extras,
                numeric,
                text,
            },
            problems,
        )
    }

    /// The default (version 2) layout, built once.
    pub fn default_v2() -> Arc<Layout> {
        static DEFAULT: OnceLock<Arc<Layout>> = OnceLock::new();
        DEFAULT
            .get_or_init(|| Arc::new(Layout::from_names(flowlog::DEFAULT_V2_FIELDS).0))
            .clone()
    }

    /// The layout of a header line with its problems, built once per distinct header: the
    /// objects of one flow log all repeat theirs, and building it (name lookups, sets) costs
    /// about a tenth of decoding a 50-line object.
    pub fn of_header(line: &str) -> HeaderLayout {
        /// Distinct headers remembered; past that (hostile input) layouts are built each time.
        const CACHED_HEADERS: usize = 256;
        if let Some(hit) = Layout::cached(line) {
            return hit;
        }
        let cache = header_cache();
        let names: Vec<&str> = line.split(' ').filter(|t| !t.is_empty()).collect();
        let (layout, problems) = Layout::from_names(&names);
        let built = (Arc::new(layout), problems);
        if let Ok(mut c) = cache.lock()
            && c.len() < CACHED_HEADERS
        {
            c.insert(line.to_string(), built.clone());
        }
        built
    }
}

impl Layout {
    /// The layout of a header line seen before (only header lines are remembered): lets the
    /// decoder skip `is_header`'s name lookups for the header every object of a flow log repeats.
    pub fn cached(line: &str) -> Option<HeaderLayout> {
        thread_local! {
            // The last header this thread met: one comparison instead of a lock and a hash.
            static LAST: RefCell<Option<(String, HeaderLayout)>> = const { RefCell::new(None) };
        }
        let last = |line: &str| {
            LAST.try_with(|last| {
                let last = last.try_borrow().ok()?;
                let (header, layout) = last.as_ref()?;
                (header == line).then(|| layout.clone())
            })
            .ok()
            .flatten()
        };
        if let Some(hit) = last(line) {
            return Some(hit);
        }
        let hit = header_cache().lock().ok()?.get(line).cloned()?;
        let _ = LAST.try_with(|last| {
            if let Ok(mut last) = last.try_borrow_mut() {
                *last = Some((line.to_string(), hit.clone()));
            }
        });
        Some(hit)
    }
}

fn header_cache() -> &'static Mutex<HashMap<String, HeaderLayout>> {
    static CACHE: OnceLock<Mutex<HashMap<String, HeaderLayout>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn log_unknown_once(name: &str) {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if seen.len() < 1024 && seen.insert(name.to_string()) {
        tracing::info!(field = name, "unknown flow-log field kept as a text column");
    }
}

/// True when a line is a header: every token is a field name (lowercase
/// letters and hyphens, or a published name) and at least one is published.
pub fn is_header(line: &[u8]) -> bool {
    let mut any_known = false;
    for token in line.split(|&b| b == b' ').filter(|t| !t.is_empty()) {
        let Ok(name) = std::str::from_utf8(token) else {
            return false;
        };
        if flowlog::known_field(name).is_some() {
            any_known = true;
        } else if !(token[0].is_ascii_lowercase()
            && token.iter().all(|&b| b.is_ascii_lowercase() || b == b'-'))
        {
            return false;
        }
    }
    any_known
}
