//! The configuration file (TOML): one section per concern, every field
//! optional with a documented default. `deploy/example.toml` shows them all.
//! Any field can be overridden from the environment:
//! `TRAILFLOW_SECTION__FIELD=value` (e.g. `TRAILFLOW_SOURCE__QUEUE_URL`).

mod archive;
mod daemon;
mod lookups;

pub use archive::ArchiveConfig;

pub use daemon::{
    DaemonConfig, DirectoryConfig, ExportConfig, LedgerConfig, OtlpConfig, SourceConfig, SqsConfig,
};
pub use lookups::{Cluster, Lookups, NodeSubnet, ServicePort, SubnetAz, VpcEndpoint};

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this configuration.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A value is out of range.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// The root configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Windows, series limits and saved queries.
    pub engine: EngineConfig,
    /// Facts about your environment the metrics need.
    pub lookups: Lookups,
    /// Where objects come from.
    pub source: SourceConfig,
    /// The record of counted objects.
    pub ledger: LedgerConfig,
    /// Where metrics go.
    pub export: ExportConfig,
    /// The service's limits, endpoints and timings.
    pub daemon: DaemonConfig,
    /// The Parquet archive of every decoded record (off by default).
    pub archive: ArchiveConfig,
}

/// The metric engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    /// A window closes when it holds at least this many CloudTrail records.
    pub window_max_rows: usize,
    /// A window closes when it holds at least this many flow-log records. Flow-log rows are
    /// small and every window pays a fixed cost (planning every query), so their windows
    /// are larger for about the same memory.
    pub window_max_flow_rows: usize,
    /// A window closes when it has been open this long, in seconds.
    pub window_max_age_secs: u64,
    /// Label sets kept per metric with their own values; past it, the values of the metric's
    /// foldable labels (ARNs, interfaces) become `other` (see `docs/metrics.md`).
    pub series_limit: usize,
    /// How long after a CloudTrail digest's end its log files must have been counted, in
    /// seconds (late deliveries); files still missing then are reported.
    pub digest_grace_secs: u64,
    /// Directory of metric queries to use instead of the ones built into the binary.
    pub queries_dir: Option<PathBuf>,
}

fn default_window_max_rows() -> usize {
    25_000
}

fn default_window_max_flow_rows() -> usize {
    200_000
}

fn default_window_max_age_secs() -> u64 {
    30
}

fn default_series_limit() -> usize {
    2_000
}

fn default_digest_grace_secs() -> u64 {
    7_200
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            window_max_rows: default_window_max_rows(),
            window_max_flow_rows: default_window_max_flow_rows(),
            window_max_age_secs: default_window_max_age_secs(),
            series_limit: default_series_limit(),
            digest_grace_secs: default_digest_grace_secs(),
            queries_dir: None,
        }
    }
}

impl Config {
    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: name.clone(),
            source,
        })?;
        Self::parse(&name, &text, std::env::vars())
    }

    /// Parses a configuration's text, applies `TRAILFLOW_A__B=value` overrides from `env`, validates.
    pub fn parse(
        name: &str,
        text: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let parse_err = |message: String| ConfigError::Parse {
            path: name.to_string(),
            message,
        };
        let mut root: toml::Table = toml::from_str(text).map_err(|e| parse_err(e.to_string()))?;
        let mut overrides: Vec<(String, String)> = env
            .into_iter()
            // Variables of the CLI and the tests share the prefix but have no section.
            .filter(|(var, _)| var.starts_with("TRAILFLOW_") && var.contains("__"))
            .collect();
        // A `kind` override comes first: switching a section to another kind drops the file's
        // fields of that section (they belong to the other kind), then the other overrides apply.
        overrides.sort_by_key(|(var, _)| !var.ends_with("__KIND"));
        for (var, value) in overrides {
            let path = &var["TRAILFLOW_".len()..];
            override_field(&mut root, path, &value)
                .map_err(|m| parse_err(format!("{var}: {m}")))?;
        }
        let config: Config = root
            .try_into()
            .map_err(|e: toml::de::Error| parse_err(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks ranges and formats.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.source.validate().map_err(ConfigError::Invalid)?;
        self.daemon.validate().map_err(ConfigError::Invalid)?;
        self.archive.validate().map_err(ConfigError::Invalid)?;
        if self.ledger.ttl_hours() == 0 {
            return Err(ConfigError::Invalid(
                "ledger.ttl_hours must be at least 1".into(),
            ));
        }
        let e = &self.engine;
        for (name, rows) in [
            ("window_max_rows", e.window_max_rows),
            ("window_max_flow_rows", e.window_max_flow_rows),
        ] {
            if rows == 0 || rows > 50_000_000 {
                return Err(ConfigError::Invalid(format!(
                    "engine.{name} must be 1..=50000000, not {rows}"
                )));
            }
        }
        if e.window_max_age_secs == 0 || e.window_max_age_secs > 3600 {
            return Err(ConfigError::Invalid(format!(
                "engine.window_max_age_secs must be 1..=3600, not {}",
                e.window_max_age_secs
            )));
        }
        if e.series_limit == 0 || e.series_limit > 1_000_000 {
            return Err(ConfigError::Invalid(format!(
                "engine.series_limit must be 1..=1000000, not {}",
                e.series_limit
            )));
        }
        self.lookups.validate().map_err(ConfigError::Invalid)?;
        Ok(())
    }
}

/// Sets `a.b.c` (from `A__B__C`) to `value`, read as a TOML value when it is one
/// (number, boolean, array), as a string otherwise.
fn override_field(root: &mut toml::Table, path: &str, value: &str) -> Result<(), String> {
    let keys: Vec<String> = path.split("__").map(|k| k.to_ascii_lowercase()).collect();
    let (last, parents) = keys.split_last().ok_or("empty name")?;
    let mut table = root;
    for k in parents {
        let entry = table
            .entry(k.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        table = entry
            .as_table_mut()
            .ok_or_else(|| format!("`{k}` is not a section"))?;
    }
    let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_string()));
    if last == "kind" && table.get("kind").is_some_and(|k| *k != parsed) {
        table.clear();
    }
    table.insert(last.clone(), parsed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_config_parses_and_bad_ones_are_rejected() {
        let example =
            Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("deploy/example.toml");
        let config = Config::load(&example).unwrap();
        assert!(!config.lookups.subnet_azs.is_empty());

        assert!(
            toml::from_str::<Config>(
                "[engine]
window_rows = 5"
            )
            .is_err(),
            "unknown fields are errors"
        );
        let bad: Config = toml::from_str("[engine]\nseries_limit = 0").unwrap();
        assert!(bad.validate().is_err());
        let bad: Config =
            toml::from_str("[[lookups.node_subnets]]\ncidr = \"10.0.0.0/99\"").unwrap();
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("10.0.0.0/99")
        );
        assert_eq!(Config::default().engine.series_limit, 2_000);
    }

    #[test]
    fn environment_overrides_fields_and_sections() {
        let env = [
            ("TRAILFLOW_SOURCE__KIND", "sqs"),
            ("TRAILFLOW_SOURCE__QUEUE_URL", "http://127.0.0.1:1/q"),
            ("TRAILFLOW_SOURCE__RECEIVERS", "3"),
            ("TRAILFLOW_DAEMON__HEALTH_LISTEN", "127.0.0.1:9"),
            ("TRAILFLOW_LOG", "ignored: no section"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let c = Config::parse("t.toml", "[engine]\nseries_limit = 7\n", env).unwrap();
        assert_eq!(c.engine.series_limit, 7);
        let SourceConfig::Sqs(sqs) = &c.source else {
            panic!("source is {:?}", c.source)
        };
        assert_eq!(
            (sqs.queue_url.as_str(), sqs.receivers, sqs.max_messages),
            ("http://127.0.0.1:1/q", 3, 10)
        );
        assert_eq!(c.daemon.health_listen, "127.0.0.1:9");

        let bad = [(
            "TRAILFLOW_SOURCE__MAX_MESSAGES".to_string(),
            "11".to_string(),
        )];
        let e = Config::parse(
            "t.toml",
            "[source]\nkind = \"sqs\"\nqueue_url = \"u\"\n",
            bad,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("source.max_messages must be 1..=10"),
            "{e}"
        );
        // Switching the kind drops the file's fields of the other kind.
        let switched = [
            ("TRAILFLOW_EXPORT__KIND".to_string(), "file".to_string()),
            ("TRAILFLOW_EXPORT__PATH".to_string(), "/tmp/x".to_string()),
        ];
        let c = Config::parse(
            "t.toml",
            "[export]\nkind = \"console\"\nformat = \"ndjson\"\n",
            switched,
        )
        .unwrap();
        assert_eq!(
            c.export,
            ExportConfig::File {
                path: "/tmp/x".into()
            }
        );
        let unknown = Config::parse(
            "t.toml",
            "[source]\nkind = \"directory\"\nqueue_url = \"u\"\n",
            [],
        );
        assert!(
            unknown.is_err(),
            "a field of another source kind is an error"
        );
    }
}
