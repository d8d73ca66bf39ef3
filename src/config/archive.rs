//! `[archive]`: where every decoded record is kept as Parquet for Athena, Trino or DuckDB.

use serde::{Deserialize, Serialize};

/// The Parquet archive of normalized records (off unless `url` is set).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArchiveConfig {
    /// Archive root: `s3://bucket/prefix` or `file:///path`. Unset: no archive.
    pub url: Option<String>,
    /// Target uncompressed size of a Parquet row group, in MiB.
    pub row_group_mib: usize,
    /// zstd level of the Parquet pages (1-22). 1 by default: level 3 cost a third more
    /// encoding time for files within 1% of the size (docs/performance.md).
    pub zstd_level: i32,
}

fn default_row_group_mib() -> usize {
    128
}

fn default_zstd_level() -> i32 {
    1
}

impl Default for ArchiveConfig {
    fn default() -> Self {
        Self {
            url: None,
            row_group_mib: default_row_group_mib(),
            zstd_level: default_zstd_level(),
        }
    }
}

impl ArchiveConfig {
    /// Checks the URL's scheme and the ranges.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(url) = &self.url
            && !(url.starts_with("s3://") && url.len() > "s3://".len()
                || url.starts_with("file://") && url.len() > "file://".len())
        {
            return Err(format!(
                "archive.url must be s3://bucket/prefix or file:///path, not `{url}`"
            ));
        }
        if self.row_group_mib == 0 || self.row_group_mib > 1024 {
            return Err(format!(
                "archive.row_group_mib must be 1..=1024, not {}",
                self.row_group_mib
            ));
        }
        if !(1..=22).contains(&self.zstd_level) {
            return Err(format!(
                "archive.zstd_level must be 1..=22, not {}",
                self.zstd_level
            ));
        }
        Ok(())
    }
}
