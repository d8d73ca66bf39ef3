//! The DynamoDB ledger keeps the same contract as the embedded ones, against
//! moto's DynamoDB (conditional writes included).
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::moto::Moto;

#[tokio::test]
async fn dynamodb_ledger_keeps_the_contract() {
    let Some(moto) = Moto::start() else { return };
    let config = moto.sdk_config();
    let ledger = trailflow::ledger::DynamoLedger::new(
        aws_sdk_dynamodb::Client::new(&config),
        "ledger-contract",
    );
    ledger.create_table().await.unwrap();
    trailflow::ledger::contract::check(&ledger).await;
}

/// Ten replicas that receive the notifications of one object at the same moment: exactly one
/// claim wins, every time. (moto's own server lets two concurrent conditional writes both pass
/// now and then, mostly on a loaded machine: one trial in 150 of eight racers while a build ran;
/// `common/moto_server.py` makes them atomic, as DynamoDB's are.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_of_one_object_have_one_winner() {
    use std::time::Duration;
    use trailflow::ledger::{Claim, Ledger};

    let Some(moto) = Moto::start() else { return };
    let ledger = std::sync::Arc::new(trailflow::ledger::DynamoLedger::new(
        aws_sdk_dynamodb::Client::new(&moto.sdk_config()),
        "ledger-race",
    ));
    ledger.create_table().await.unwrap();
    for object in 0..60 {
        let key = format!("bucket/AWSLogs/{object}.json.gz#etag");
        let mut claims = tokio::task::JoinSet::new();
        for replica in 0..10 {
            let (ledger, key) = (ledger.clone(), key.clone());
            claims.spawn(async move {
                let owner = format!("replica-{replica}");
                ledger.claim(&key, &owner, Duration::from_secs(60)).await
            });
        }
        let outcomes: Vec<Claim> = claims
            .join_all()
            .await
            .into_iter()
            .map(|c| c.unwrap())
            .collect();
        let winners = outcomes.iter().filter(|c| **c == Claim::Claimed).count();
        assert_eq!(winners, 1, "{key}: {outcomes:?}");
    }
}
