//! The behaviour every ledger store must show: the unit tests run it against
//! the memory and redb stores, the integration tests against DynamoDB (moto). Test support:
//! compiled for tests and with the `test-support` feature only, never into the release binary.
//! A breach panics: that is the test's failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use super::{Claim, Ledger};

const LEASE: Duration = Duration::from_secs(60);
const TTL: Duration = Duration::from_secs(3600);

/// Claims, renewals, commits and releases by two owners over a few objects; panics on a breach.
pub async fn check(ledger: &dyn Ledger) {
    let (a, b) = ("replica-a", "replica-b");
    let (x, y) = ("bucket/x#e1".to_string(), "bucket/y#e1".to_string());
    assert_eq!(ledger.claim(&x, a, LEASE).await.unwrap(), Claim::Claimed);
    assert_eq!(
        ledger.claim(&x, a, LEASE).await.unwrap(),
        Claim::Busy,
        "a live claim is busy even for its owner: one process, two deliveries of one object"
    );
    assert_eq!(ledger.claim(&x, b, LEASE).await.unwrap(), Claim::Busy);
    assert!(
        ledger
            .renew(std::slice::from_ref(&x), a, LEASE)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ledger
            .renew(std::slice::from_ref(&x), b, LEASE)
            .await
            .unwrap(),
        std::slice::from_ref(&x),
        "b holds no claim"
    );
    assert!(
        ledger
            .commit(std::slice::from_ref(&x), a, TTL)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(ledger.claim(&x, a, LEASE).await.unwrap(), Claim::Done);
    assert_eq!(ledger.claim(&x, b, LEASE).await.unwrap(), Claim::Done);
    assert_eq!(
        ledger
            .renew(std::slice::from_ref(&x), a, LEASE)
            .await
            .unwrap(),
        std::slice::from_ref(&x),
        "done is no claim"
    );

    // An expired lease can be taken over; the first owner's late commit is reported as a conflict.
    assert_eq!(
        ledger.claim(&y, a, Duration::ZERO).await.unwrap(),
        Claim::Claimed
    );
    assert_eq!(ledger.claim(&y, b, LEASE).await.unwrap(), Claim::Claimed);
    assert_eq!(
        ledger
            .commit(std::slice::from_ref(&y), a, TTL)
            .await
            .unwrap(),
        std::slice::from_ref(&y)
    );
    assert_eq!(ledger.claim(&y, b, LEASE).await.unwrap(), Claim::Done);

    // Release frees a claim at once, but never a done record or another owner's claim.
    let z = "bucket/z#-".to_string();
    assert_eq!(ledger.claim(&z, a, LEASE).await.unwrap(), Claim::Claimed);
    ledger.release(&z, b).await.unwrap();
    assert_eq!(ledger.claim(&z, b, LEASE).await.unwrap(), Claim::Busy);
    ledger.release(&z, a).await.unwrap();
    assert_eq!(ledger.claim(&z, b, LEASE).await.unwrap(), Claim::Claimed);
    ledger.release(&x, a).await.unwrap();
    assert_eq!(ledger.claim(&x, b, LEASE).await.unwrap(), Claim::Done);

    // A done record expires after its TTL: the object may be counted again (a new delivery years later).
    let w = "bucket/w#-".to_string();
    assert_eq!(ledger.claim(&w, a, LEASE).await.unwrap(), Claim::Claimed);
    ledger
        .commit(std::slice::from_ref(&w), a, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(ledger.claim(&w, b, LEASE).await.unwrap(), Claim::Claimed);

    // Files noted as counted are found by name, by any owner, until their TTL ends; a name is
    // never confused with an object key.
    let files: Vec<String> = (0..130)
        .map(|i| format!("AWSLogs/1/CloudTrail/r/f{i}.json.gz"))
        .collect();
    ledger.note_counted(&files[..120], TTL).await.unwrap();
    ledger
        .note_counted(&files[120..121], Duration::ZERO)
        .await
        .unwrap();
    let mut found = ledger.counted(&files).await.unwrap();
    found.sort();
    let mut expected = files[..120].to_vec();
    expected.sort();
    assert_eq!(
        found, expected,
        "batches past 25 writes and 100 reads, expired left out"
    );
    assert!(
        ledger
            .counted(std::slice::from_ref(&x))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ledger.claim(&files[0], a, LEASE).await.unwrap(),
        Claim::Claimed
    );
}
