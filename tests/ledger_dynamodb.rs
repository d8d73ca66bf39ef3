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
