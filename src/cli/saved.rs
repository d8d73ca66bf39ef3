//! Saved investigation queries (`queries/adhoc/*.sql`) for `trailflow query --saved`:
//! a header with name, description and parameters, and `${param}` or
//! `${param:default}` placeholders filled from `--param name=value`.

use std::collections::BTreeMap;

/// A parameter of a saved query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Its name.
    pub name: String,
    /// What to give.
    pub description: String,
}

/// One saved investigation query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedQuery {
    /// Name used with `--saved`.
    pub name: String,
    /// What it answers.
    pub description: String,
    /// Its parameters.
    pub params: Vec<Param>,
    /// SQL text with placeholders.
    pub sql: String,
}

impl SavedQuery {
    /// Parses a saved query file (the name defaults to the file name).
    pub fn parse(file: &str, sql: &str) -> SavedQuery {
        let mut name = file.trim_end_matches(".sql").to_string();
        let mut description = String::new();
        let mut params = Vec::new();
        for line in sql
            .lines()
            .map(str::trim)
            .take_while(|l| l.starts_with("--"))
        {
            let Some((key, value)) = line.trim_start_matches('-').split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "name" => name = value.to_string(),
                "description" => description = value.to_string(),
                "param" => {
                    let (n, d) = value.split_once('·').unwrap_or((value, ""));
                    params.push(Param {
                        name: n.trim().to_string(),
                        description: d.trim().to_string(),
                    });
                }
                _ => {}
            }
        }
        SavedQuery {
            name,
            description,
            params,
            sql: sql.to_string(),
        }
    }

    /// The SQL with every placeholder replaced; values are quoted for use inside SQL strings.
    pub fn render(&self, values: &BTreeMap<String, String>) -> Result<String, String> {
        let mut out = String::with_capacity(self.sql.len());
        let mut rest = self.sql.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("query `{}`: unclosed `${{`", self.name))?;
            let (name, default) = match after[..end].split_once(':') {
                Some((n, d)) => (n, Some(d)),
                None => (&after[..end], None),
            };
            let value = values
                .get(name)
                .map(String::as_str)
                .or(default)
                .ok_or_else(|| format!("query `{}` needs --param {name}=VALUE", self.name))?;
            out.push_str(&value.replace('\'', "''"));
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        if let Some(unknown) = values
            .keys()
            .find(|k| !self.params.iter().any(|p| &p.name == *k))
        {
            return Err(format!(
                "query `{}` has no parameter `{unknown}`",
                self.name
            ));
        }
        Ok(out)
    }
}

/// Parses `name=value` pairs.
pub fn parse_params(pairs: &[String]) -> Result<BTreeMap<String, String>, String> {
    pairs
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| format!("`{p}` is not name=value"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQL: &str = "-- name: top\n-- description: d\n-- param: eni · the interface\n-- param: limit · rows\nSELECT * FROM flowlog WHERE interface_id = '${eni}' LIMIT ${limit:20}";

    #[test]
    fn placeholders_are_filled_and_quoted() {
        let q = SavedQuery::parse("x.sql", SQL);
        assert_eq!(q.name, "top");
        assert_eq!(q.params.len(), 2);
        let sql = q
            .render(&parse_params(&["eni=eni-1' OR '1'='1".into()]).unwrap())
            .unwrap();
        assert!(
            sql.ends_with("interface_id = 'eni-1'' OR ''1''=''1' LIMIT 20"),
            "{sql}"
        );
        assert!(
            q.render(&BTreeMap::new())
                .unwrap_err()
                .contains("--param eni")
        );
        assert!(
            q.render(&parse_params(&["eni=a".into(), "nope=1".into()]).unwrap())
                .is_err()
        );
        assert!(parse_params(&["novalue".into()]).is_err());
    }
}
