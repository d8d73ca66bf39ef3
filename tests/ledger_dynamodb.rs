//! The DynamoDB ledger keeps the same contract as the embedded ones, against
//! moto's DynamoDB (conditional writes included).
// Test code: a panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::moto::Moto;

#[tokio::test]
async fn dynamodb_ledger_keeps_the_contract() {
    let Some(moto) = Moto::start() else { return };
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("eu-west-1"))
        .endpoint_url(&moto.endpoint)
        .credentials_provider(aws_sdk_dynamodb::config::SharedCredentialsProvider::new(
            aws_sdk_dynamodb::config::Credentials::new("testing", "testing", None, None, "tests"),
        ))
        .build();
    let ledger = trailflow::ledger::DynamoLedger::new(
        aws_sdk_dynamodb::Client::new(&config),
        "ledger-contract",
    );
    ledger.create_table().await.unwrap();
    trailflow::ledger::contract::check(&ledger).await;
}
