//! The whole-document path (`decode_whole`) against the record-by-record path: the same rows
//! and errors for every input, and a decline wherever only the splitter can be exact.

use std::path::{Path, PathBuf};

use super::CloudTrailDecoder;
use crate::decode::gzip::ContentReader;
use crate::decode::{DecodeOptions, Output};

/// Decodes `content` record by record, and through `decode_whole` (falling back when it
/// declines); asserts both give the same output and returns whether the whole path decoded.
fn both_paths_agree(name: &str, content: &[u8]) -> bool {
    both_paths_agree_with(name, content, &DecodeOptions::default())
}

/// [`both_paths_agree`] with `options`.
fn both_paths_agree_with(name: &str, content: &[u8], options: &DecodeOptions) -> bool {
    let options = options.clone();
    let mut split = Output::new(100);
    let mut d = CloudTrailDecoder::new(&options, content.len());
    d.push(content, &mut split);
    d.finish(&mut split);

    let mut whole = Output::new(100);
    let mut d = CloudTrailDecoder::new(&options, content.len());
    let taken = d.decode_whole(content, &mut whole);
    if !taken {
        assert!(
            whole.batches.is_empty() && whole.errors.count == 0,
            "{name}: a decline emits nothing"
        );
        d.push(content, &mut whole);
    }
    d.finish(&mut whole);
    for (_, batch) in whole.batches.iter().chain(&split.batches) {
        crate::schema::columns::tests::assert_valid(batch);
    }
    assert_eq!(whole.errors.details, split.errors.details, "{name}");
    assert_eq!(whole.errors.count, split.errors.count, "{name}");
    assert_eq!(whole.batches, split.batches, "{name}");
    taken
}

fn content_of(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    ContentReader::new(&bytes, Default::default())
        .read_to_end()
        .unwrap()
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else if path.to_string_lossy().ends_with(".json")
            || path.to_string_lossy().ends_with(".json.gz")
        {
            out.push(path);
        }
    }
}

#[test]
fn the_samples_take_the_whole_path_with_the_same_rows() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut files = Vec::new();
    files_under(&root, &mut files);
    let cloudtrail: Vec<_> = files
        .iter()
        .filter(|p| p.to_string_lossy().contains("/CloudTrail/"))
        .collect();
    assert!(cloudtrail.len() >= 3, "{files:?}");
    for path in cloudtrail {
        let name = path.display().to_string();
        assert!(
            both_paths_agree(&name, &content_of(path)),
            "{name} declined"
        );
    }
}

#[test]
fn the_corpus_gives_the_same_rows_on_both_paths() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.exists() {
        // The contract of tests/common/skip.rs: a visible SKIPPED line, a failure under CI.
        let line = "SKIPPED: the_corpus_gives_the_same_rows_on_both_paths: ../shared/corpus is absent beside the checkout";
        assert!(std::env::var_os("CI").is_none(), "{line} (CI is set)");
        let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("{line}\n").as_bytes());
        return;
    }
    let mut files = Vec::new();
    files_under(&corpus, &mut files);
    let mut taken = 0;
    for path in &files {
        let content = content_of(path);
        if content.trim_ascii_start().starts_with(b"{") {
            taken += usize::from(both_paths_agree(&path.display().to_string(), &content));
        }
    }
    // Ten corpus files are CloudTrail log files of plain events; the other `Records` files
    // are S3, SNS and SQS notifications and Insights events, which the splitter handles.
    assert!(taken >= 10, "only {taken} corpus files took the whole path");
}

const EVENT: &str = r#"{"eventVersion":"1.08","eventTime":"2026-11-27T10:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","userIdentity":{"type":"AWSService"},"requestParameters":{"roleArn":"arn:aws:iam::111122223333:role/x"},"responseElements":{"credentials":{"sessionToken":"SECRET"}}}"#;

#[test]
fn inputs_only_the_splitter_handles_exactly_are_declined() {
    let nest = |depth: usize| {
        format!(
            r#"{{"eventName":"x","eventTime":"2026-11-27T10:00:00Z","requestParameters":{}1{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        )
    };
    let limit = crate::decode::SplitLimits::default().max_depth as usize;
    let declined = [
        format!("{{\"Records\":[{EVENT}]}}\n{{\"Records\":[{EVENT}]}}"),
        format!("{{\"Records\":[{EVENT}],\"other\":1}}"),
        format!("{{\"Records\":[{EVENT},42,{{\"hello\":\"world\"}}]}}"),
        format!("{{\"Records\":[{EVENT},{{\"eventName\":\"x\",\"bad\":tru}}]}}"),
        format!("{{\"Records\":[{EVENT}]"),
        format!("\u{feff}{{\"Records\":[{EVENT}]}}"),
        format!("{{\"Records\":[{}]}}", nest(limit + 1)),
        format!("{{\"Records\":[{}]}}", nest(limit - 1)),
        format!(
            "{{\"Records\":[{{\"detail-type\":\"AWS API Call via CloudTrail\",\"detail\":{EVENT}}}]}}"
        ),
        format!("{{\"Records\":{EVENT}}}"),
        EVENT.to_string(),
    ];
    for (i, text) in declined.iter().enumerate() {
        assert!(
            !both_paths_agree(&format!("case {i}"), text.as_bytes()),
            "case {i} taken"
        );
    }
    let taken = [
        format!("{{\"Records\":[{EVENT},{EVENT}]}}"),
        "{\"Records\":[]}".to_string(),
        format!("  \n{{ \"Records\" : [ {EVENT} ] }}\n"),
        format!("{{\"Records\":[{}]}}", nest(limit - 3)),
    ];
    for (i, text) in taken.iter().enumerate() {
        assert!(
            both_paths_agree(&format!("taken {i}"), text.as_bytes()),
            "taken {i} declined"
        );
    }
}

/// A gzip log file is parsed in its inflated buffer, which the parse overwrites (strings are
/// unescaped in place): a decline after the parse must inflate the file again. Every case gives
/// what the same text, not compressed (parsed from a copy), gives.
#[test]
fn a_file_parsed_where_it_was_inflated_decodes_like_its_plain_text() {
    use crate::decode::{KindHint, decode_object};
    let escaped = r#"{"eventVersion":"1.08","eventTime":"2026-11-27T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","userAgent":"quote \" backslash \\ e-acute \u00e9","requestParameters":{"key":"a\nb\/c"}}"#;
    let cases = [
        // Taken.
        format!("{{\"Records\":[{escaped},{EVENT}]}}"),
        // Declined after the parse, which unescaped the strings in place.
        format!("{{\"Records\":[{escaped},42]}}"),
        format!("{{\"Records\":[{escaped}],\"other\":1}}"),
        format!("{{\"Records\":[{escaped},{{\"eventName\":\"x\",\"bad\":tru}}]}}"),
        // Declined before it.
        format!("[{escaped}]"),
        format!("\u{feff}{{\"Records\":[{escaped}]}}"),
    ];
    let options = DecodeOptions::default();
    let key = "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/27/x.json";
    for (i, text) in cases.iter().enumerate() {
        let plain = decode_object(key, text.as_bytes(), KindHint::CloudTrail, &options);
        let gz = crate::synth::gzip(text.as_bytes());
        let inflated = decode_object(&format!("{key}.gz"), &gz, KindHint::CloudTrail, &options);
        assert_eq!(inflated.batches, plain.batches, "case {i}");
        assert_eq!(inflated.errors.details, plain.errors.details, "case {i}");
        assert_eq!(inflated.errors.count, plain.errors.count, "case {i}");
        assert_eq!(inflated.content_bytes, plain.content_bytes, "case {i}");
        assert!(i >= 4 || inflated.rows() > 0, "case {i} decoded nothing");
    }
}

/// A document of more records than a batch holds is checked whole before any is appended (a
/// batch may go out before the last record is read); one of fewer is appended as it is read and
/// taken back at a decline. Either way the rows, and their cut into batches, are the splitter's.
#[test]
fn documents_longer_than_a_batch_are_checked_before_they_are_appended() {
    let options = DecodeOptions {
        batch_rows: 3,
        ..DecodeOptions::default()
    };
    let records = |n: usize, tail: &str| {
        let mut all = vec![EVENT; n].join(",");
        all.push_str(tail);
        format!("{{\"Records\":[{all}]}}")
    };
    for (n, tail, taken) in [
        (2, "", true),
        (3, "", true),
        (7, "", true),
        (2, ",42", false),
        (5, ",42", false),
        (2, r#",{"detail-type":"x","detail":{}}"#, false),
    ] {
        let name = format!("{n} events{tail}");
        let text = records(n, tail);
        assert_eq!(
            both_paths_agree_with(&name, text.as_bytes(), &options),
            taken,
            "{name}"
        );
    }
}
