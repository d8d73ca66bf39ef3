use arrow::array::{Array, AsArray};
use arrow::datatypes::{Int32Type, Int64Type, TimestampSecondType};
use arrow::record_batch::RecordBatch;

use super::*;
use crate::decode::{DecodeOptions, Output};

fn decode_chunks(chunks: &[&[u8]], options: &DecodeOptions) -> Output {
    let mut out = Output::new(100);
    let mut d = FlowLogDecoder::new(options, chunks.iter().map(|c| c.len()).next().unwrap_or(0));
    for c in chunks {
        d.push(c, &mut out);
    }
    d.finish(&mut out);
    out.batches
        .iter()
        .for_each(|(_, b)| crate::schema::columns::tests::assert_valid(b));
    out
}

fn decode(text: &str) -> Output {
    let whole = decode_chunks(&[text.as_bytes()], &DecodeOptions::default());
    // Any split point gives the same rows and errors.
    for cut in (0..text.len()).step_by(7) {
        let (a, b) = text.as_bytes().split_at(cut);
        let split = decode_chunks(&[a, b], &DecodeOptions::default());
        assert_eq!(split.errors.details, whole.errors.details, "cut at {cut}");
        assert_eq!(rows(&split), rows(&whole), "cut at {cut}");
    }
    whole
}

fn rows(out: &Output) -> usize {
    out.batches.iter().map(|(_, b)| b.num_rows()).sum()
}

fn one_batch(out: &Output) -> &RecordBatch {
    assert_eq!(out.batches.len(), 1, "{:?}", out.errors);
    &out.batches[0].1
}

fn text(b: &RecordBatch, col: &str, row: usize) -> Option<String> {
    let c = b.column_by_name(col).unwrap().as_string::<i32>();
    c.is_valid(row).then(|| c.value(row).to_string())
}

fn int32(b: &RecordBatch, col: &str, row: usize) -> Option<i32> {
    let c = b.column_by_name(col).unwrap().as_primitive::<Int32Type>();
    c.is_valid(row).then(|| c.value(row))
}

const V2: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n";

#[test]
fn default_header_typed_columns() {
    let out = decode(&format!(
        "{V2}2 123456789010 eni-1 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n"
    ));
    let b = one_batch(&out);
    assert_eq!(b.schema(), crate::schema::flowlog::schema());
    assert_eq!(int32(b, "dstport", 0), Some(22));
    assert_eq!(
        b.column_by_name("bytes")
            .unwrap()
            .as_primitive::<Int64Type>()
            .value(0),
        4249
    );
    let start = b
        .column_by_name("start")
        .unwrap()
        .as_primitive::<TimestampSecondType>();
    assert_eq!(start.value(0), 1_418_530_010);
    assert_eq!(text(b, "action", 0).as_deref(), Some("ACCEPT"));
    assert_eq!(
        text(b, "vpc_id", 0),
        None,
        "fields the header lacks are null"
    );
}

#[test]
fn no_header_means_default_v2() {
    let out = decode("2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 443 6 1 40 1 2 REJECT OK\n");
    let b = one_batch(&out);
    assert_eq!(int32(b, "dstport", 0), Some(443));
    assert_eq!(text(b, "action", 0).as_deref(), Some("REJECT"));
}

#[test]
fn nodata_lines_are_kept_with_nulls() {
    let out = decode(&format!(
        "{V2}2 123456789010 eni-1 - - - - - - - 1431280876 1431280934 - NODATA\n"
    ));
    let b = one_batch(&out);
    assert_eq!(text(b, "log_status", 0).as_deref(), Some("NODATA"));
    assert_eq!(text(b, "srcaddr", 0), None);
    assert_eq!(int32(b, "dstport", 0), None);
    assert_eq!(text(b, "action", 0), None);
}

#[test]
fn custom_order_ipv6_and_v5_fields() {
    let out = decode(
        "srcaddr dstport flow-direction traffic-path pkt-dst-aws-service reject-reason version\r\n\
         2001:db8::1 443 egress 8 S3 BPA 8\r\n",
    );
    let b = one_batch(&out);
    assert_eq!(text(b, "srcaddr", 0).as_deref(), Some("2001:db8::1"));
    assert_eq!(text(b, "flow_direction", 0).as_deref(), Some("egress"));
    assert_eq!(
        text(b, "reject_reason", 0).as_deref(),
        Some("BPA"),
        "CRLF stripped"
    );
    assert_eq!(int32(b, "traffic_path", 0), Some(8));
    assert_eq!(int32(b, "version", 0), Some(8));
}

#[test]
fn bad_lines_are_counted_with_line_numbers_and_the_rest_kept() {
    let out = decode(&format!(
        "{V2}2 1 eni-1 a b 1 2 6 1 1 1 2 ACCEPT OK\n\
         2 1 eni-1 a b 1\n\
         2 1 eni-1 a b 1 70000 6 1 1 1 2 ACCEPT OK\n\
         2 1 eni-1 a b 1 2 6 -5 1 1 2 ACCEPT OK\n\
         2 1 eni-1 a b x 2 6 1 1 1 2 ACCEPT OK\n\
         2 1 eni-1 a b 1 2 6 1 1 1 2 REJECT OK\n"
    ));
    assert_eq!(rows(&out), 2);
    let msgs: Vec<String> = out.errors.details.iter().map(|e| e.to_string()).collect();
    assert_eq!(msgs.len(), 4, "{msgs:?}");
    assert_eq!(msgs[0], "line 3: expected 14 fields, found 6");
    assert!(
        msgs[1].starts_with("line 4: field `dstport`: 70000 is out of range"),
        "{}",
        msgs[1]
    );
    assert!(
        msgs[2].starts_with("line 5: field `packets`: -5 is out of range"),
        "{}",
        msgs[2]
    );
    assert!(
        msgs[3].starts_with("line 6: field `srcport`: `x` is not a number"),
        "{}",
        msgs[3]
    );
}

#[test]
fn unknown_header_fields_become_text_columns() {
    let out = decode("version tgw-id dstport\n2 tgw-123 443\n");
    let b = one_batch(&out);
    assert_eq!(text(b, "tgw_id", 0).as_deref(), Some("tgw-123"));
    assert_eq!(
        b.num_columns(),
        crate::schema::flowlog::KNOWN_FIELDS.len() + 1
    );
    assert_eq!(out.errors.count, 0, "an unknown field is not an error");
}

#[test]
fn a_new_header_mid_file_switches_layout() {
    let out = decode(&format!(
        "{V2}2 1 eni-1 a b 1 2 6 1 1 1 2 ACCEPT OK\n{V2}2 1 eni-2 a b 1 2 6 1 1 1 2 ACCEPT OK\n\
         version dstport action\n2 10250 REJECT\n"
    ));
    assert_eq!(out.errors.count, 0);
    assert_eq!(rows(&out), 3);
    let last = &out.batches.last().unwrap().1;
    assert_eq!(int32(last, "dstport", 0), Some(10250));
}

#[test]
fn huge_headers_and_long_lines_are_bounded() {
    let names: Vec<String> = (0..200)
        .map(|i| {
            format!(
                "field-{}",
                char::from(b'a' + (i % 26) as u8)
                    .to_string()
                    .repeat(i / 26 + 1)
            )
        })
        .collect();
    let out = decode(&format!("version {}\n", names.join(" ")));
    assert!(
        out.errors
            .details
            .iter()
            .any(|e| e.message.contains("unknown fields")),
        "{:?}",
        out.errors
    );

    let options = DecodeOptions {
        max_line_bytes: 200,
        ..Default::default()
    };
    let long = format!(
        "{V2}{}\n2 1 eni-1 a b 1 2 6 1 1 1 2 ACCEPT OK\n",
        "9".repeat(5000)
    );
    let chunks: Vec<&[u8]> = long.as_bytes().chunks(64).collect();
    let out = decode_chunks(&chunks, &options);
    assert_eq!(rows(&out), 1);
    assert_eq!(
        out.errors.details[0].to_string(),
        "line 2: line longer than 200 bytes skipped"
    );
}

#[test]
fn batches_are_cut_at_batch_rows() {
    let options = DecodeOptions {
        batch_rows: 2,
        ..Default::default()
    };
    let line = "2 1 eni-1 a b 1 2 6 1 1 1 2 ACCEPT OK\n";
    let out = decode_chunks(&[format!("{V2}{}", line.repeat(5)).as_bytes()], &options);
    let sizes: Vec<usize> = out.batches.iter().map(|(_, b)| b.num_rows()).collect();
    assert_eq!(sizes, vec![2, 2, 1]);
}

#[test]
fn numbers_parse_strictly() {
    assert_eq!(parse_number(b"-"), Ok(None));
    assert_eq!(parse_number(b"0"), Ok(Some(0)));
    assert_eq!(parse_number(b"-12"), Ok(Some(-12)));
    assert_eq!(parse_number(b"1e3"), Err(()));
    assert_eq!(parse_number(b""), Err(()));
    assert_eq!(parse_number(b"9999999999999999999"), Err(()));
}

#[test]
fn numbers_parse_like_the_standard_library() {
    // Every length, every byte at every position, and values around each power of ten.
    let mut tokens: Vec<Vec<u8>> = Vec::new();
    for len in 1..=19 {
        let base: Vec<u8> = (0..len).map(|i| b'0' + ((i * 7 + 3) % 10) as u8).collect();
        tokens.push(base.clone());
        for pos in 0..len {
            for b in 0..=255u8 {
                let mut t = base.clone();
                t[pos] = b;
                tokens.push(t);
            }
        }
    }
    for p in 0..18 {
        let v = 10u64.pow(p);
        for x in [v - 1, v, v + 1, v * 9, 1_700_000_000 + v] {
            tokens.push(x.to_string().into_bytes());
            tokens.push(format!("-{x}").into_bytes());
        }
    }
    tokens.push(b"999999999999999999".to_vec());
    tokens.push(b"000000000000000001".to_vec());
    for t in &tokens {
        let expected = match std::str::from_utf8(t) {
            Ok("-") => Ok(None),
            Ok(s)
                if t.len() <= 18 + usize::from(t.first() == Some(&b'-'))
                    && s.trim_start_matches('-')
                        .bytes()
                        .all(|b| b.is_ascii_digit())
                    && s.trim_start_matches('-').len()
                        == s.len() - usize::from(s.starts_with('-'))
                    && !s.trim_start_matches('-').is_empty() =>
            {
                s.parse::<i64>().map(Some).map_err(|_| ())
            }
            _ => Err(()),
        };
        assert_eq!(
            parse_number(t),
            expected,
            "{:?}",
            String::from_utf8_lossy(t)
        );
    }
}

#[test]
fn comments_after_a_hash_are_ignored() {
    let out = decode(
        "srcaddr dstaddr\n10.0.0.1 10.0.0.2 #traffic to the NAT gateway\n# a whole-line comment\n",
    );
    assert_eq!(out.errors.count, 0, "{:?}", out.errors);
    assert_eq!(rows(&out), 1);
}

#[test]
fn fields_split_at_spaces_at_every_offset() {
    for prefix in 0..9 {
        let line = format!("{}a bb  ccc {}z", " ".repeat(prefix), "d".repeat(prefix));
        let mut got = Vec::new();
        split_fields(line.as_bytes(), &mut got);
        let words: Vec<&str> = got.iter().map(|&(s, e)| &line[s..e]).collect();
        let expected: Vec<&str> = line.split(' ').filter(|w| !w.is_empty()).collect();
        assert_eq!(words, expected, "{line:?}");
    }
    let mut got = Vec::new();
    split_fields(b"", &mut got);
    assert!(got.is_empty());
}

#[test]
fn invalid_utf8_spoils_only_its_own_text() {
    // Content is checked for UTF-8 a chunk at a time; a bad byte must not cost its neighbours.
    let mut content = format!("{V2}2 1 eni-1 a b 1 2 6 1 1 1 2 ACCEPT OK\n").into_bytes();
    content.extend_from_slice(b"2 1 eni-\xff a b 1 2 6 1 1 1 2 ACCEPT OK\n");
    content.extend_from_slice(b"2 1 eni-3 a b 1 2 6 1 1 1 2 REJECT OK\n");
    for cut in 0..content.len() {
        let (a, b) = content.split_at(cut);
        let out = decode_chunks(&[a, b], &DecodeOptions::default());
        assert_eq!(out.errors.count, 0, "cut at {cut}");
        let b = one_batch(&out);
        let enis: Vec<_> = (0..3).map(|r| text(b, "interface_id", r)).collect();
        assert_eq!(
            enis,
            [Some("eni-1"), Some("eni-\u{fffd}"), Some("eni-3")].map(|s| s.map(String::from)),
            "cut at {cut}"
        );
        assert_eq!(text(b, "action", 2).as_deref(), Some("REJECT"));
    }
}

#[test]
fn a_column_selection_fills_only_its_columns_and_keeps_rows_and_errors() {
    let text = "version tgw-id dstport action srcaddr packets start\n\
         2 tgw-1 443 ACCEPT 10.0.0.1 5 1700000000\n\
         2 tgw-2 x REJECT 10.0.0.2 5 1700000000\n\
         2 tgw-3 10250 REJECT - 7 1700000001\n\
         2 tgw-4 22 REJECT 10.0.0.4 99999999999999999999 1700000001\n";
    let schema = crate::schema::flowlog::schema();
    let kept = ["dstport", "action", "start"];
    let selection = crate::decode::ColumnSelection::all().only(
        LogKind::FlowLog,
        kept.iter().map(|c| schema.index_of(c).unwrap()),
    );
    let options = DecodeOptions {
        columns: selection,
        ..DecodeOptions::default()
    };
    let full = decode(text);
    let selected = decode_chunks(&[text.as_bytes()], &options);
    // A bad number is an error in a column that is not selected as in one that is.
    assert_eq!(selected.errors.details, full.errors.details);
    assert_eq!(selected.errors.count, 2);
    let (full, selected) = (one_batch(&full), one_batch(&selected));
    // Restricting the full batch afterwards (the daemon does, once an object is archived)
    // gives the batch the selection decodes.
    assert_eq!(
        options.columns.restrict(LogKind::FlowLog, full.clone()),
        *selected
    );
    assert_eq!(selected.num_rows(), 2);
    // The canonical schema, without the unknown field's column.
    assert_eq!(selected.schema(), schema);
    for (i, field) in schema.fields().iter().enumerate() {
        let column = selected.column(i);
        if kept.contains(&field.name().as_str()) {
            assert_eq!(
                column,
                full.column_by_name(field.name()).unwrap(),
                "{}",
                field.name()
            );
        } else {
            assert_eq!(column.null_count(), 2, "{} is not selected", field.name());
        }
    }
}
