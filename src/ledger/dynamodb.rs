//! A ledger in a DynamoDB table, shared by every replica. Each state change is
//! one conditional write, so two replicas can never both hold a live claim on
//! an object. Table: partition key `object` (string); `expires_at` (number,
//! Unix seconds) is the end of a claim's lease or of a done record's TTL and
//! can be the table's TTL attribute.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, KeysAndAttributes,
    PutRequest, ScalarAttributeType, WriteRequest,
};

use super::{Claim, Ledger, LedgerError, counted_key, now_secs};

/// A ledger in a DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoLedger {
    client: Client,
    table: String,
}

fn err(operation: &'static str, object: &str, e: impl std::error::Error) -> LedgerError {
    LedgerError {
        operation,
        object: object.to_string(),
        message: DisplayErrorContext(e).to_string(),
    }
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn is_condition_failure<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    matches!(e, SdkError::ServiceError(se) if se.err().code() == Some("ConditionalCheckFailedException"))
}

impl DynamoLedger {
    /// The table `table`, reached with `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// A client from the standard AWS configuration chain; honours `AWS_ENDPOINT_URL`.
    pub async fn client_from_env() -> Client {
        Client::new(&crate::aws::shared_config().await)
    }

    /// Creates the table (on-demand billing). Production tables come from Terraform; this is for tests and trials.
    pub async fn create_table(&self) -> Result<(), LedgerError> {
        let build = |e: aws_sdk_dynamodb::error::BuildError| err("create table", &self.table, e);
        self.client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("object")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(build)?,
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("object")
                    .key_type(KeyType::Hash)
                    .build()
                    .map_err(build)?,
            )
            .send()
            .await
            .map_err(|e| err("create table", &self.table, e))?;
        Ok(())
    }

    fn item(
        object: &str,
        owner: &str,
        done: bool,
        expires_at: u64,
    ) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("object".to_string(), s(object)),
            ("owner".to_string(), s(owner)),
            ("done".to_string(), AttributeValue::Bool(done)),
            ("expires_at".to_string(), n(expires_at)),
        ])
    }
    /// Extends one claim; true when it is no longer `owner`'s.
    async fn renew_one(&self, o: &str, owner: &str, until: u64) -> Result<bool, LedgerError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("object", s(o))
            .update_expression("SET #e = :until")
            .condition_expression("#d = :false AND #w = :me")
            .expression_attribute_names("#d", "done")
            .expression_attribute_names("#w", "owner")
            .expression_attribute_names("#e", "expires_at")
            .expression_attribute_values(":until", n(until))
            .expression_attribute_values(":false", AttributeValue::Bool(false))
            .expression_attribute_values(":me", s(owner))
            .send()
            .await;
        match update {
            Ok(_) => Ok(false),
            Err(e) if is_condition_failure(&e) => Ok(true),
            Err(e) => Err(err("renew", o, e)),
        }
    }

    /// Marks one object done; true when another owner had claimed it meanwhile.
    async fn commit_one(&self, o: &str, owner: &str, until: u64) -> Result<bool, LedgerError> {
        let put = |conditional: bool| {
            let req = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(Self::item(o, owner, true, until)));
            if conditional {
                req.condition_expression("attribute_not_exists(#o) OR #w = :me")
                    .expression_attribute_names("#o", "object")
                    .expression_attribute_names("#w", "owner")
                    .expression_attribute_values(":me", s(owner))
            } else {
                req
            }
        };
        match put(true).send().await {
            Ok(_) => Ok(false),
            Err(e) if is_condition_failure(&e) => {
                // Our records were exported: the object is done whoever claimed it since.
                put(false).send().await.map_err(|e| err("commit", o, e))?;
                Ok(true)
            }
            Err(e) => Err(err("commit", o, e)),
        }
    }
}

/// Runs `op` over every object, sixteen at a time (one conditional write each);
/// returns the objects for which it returned true.
async fn concurrently<F, Fut>(objects: &[String], op: F) -> Result<Vec<String>, LedgerError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<bool, LedgerError>> + Send + 'static,
{
    let mut flagged = Vec::new();
    for chunk in objects.chunks(16) {
        let mut set = tokio::task::JoinSet::new();
        for o in chunk {
            let (fut, o) = (op(o.clone()), o.clone());
            set.spawn(async move { fut.await.map(|flag| (o, flag)) });
        }
        while let Some(joined) = set.join_next().await {
            let (o, flag) = joined.map_err(|e| err("write", "", e))??;
            if flag {
                flagged.push(o);
            }
        }
    }
    Ok(flagged)
}

#[async_trait]
impl Ledger for DynamoLedger {
    async fn claim(
        &self,
        object: &str,
        owner: &str,
        lease: Duration,
    ) -> Result<Claim, LedgerError> {
        let now = now_secs();
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::item(
                object,
                owner,
                false,
                now + lease.as_secs(),
            )))
            .condition_expression("attribute_not_exists(#o) OR #e <= :now")
            .expression_attribute_names("#o", "object")
            .expression_attribute_names("#e", "expires_at")
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        match put {
            Ok(_) => Ok(Claim::Claimed),
            Err(e) if is_condition_failure(&e) => {
                let got = self
                    .client
                    .get_item()
                    .table_name(&self.table)
                    .key("object", s(object))
                    .consistent_read(true)
                    .send()
                    .await
                    .map_err(|e| err("claim", object, e))?;
                let done = got
                    .item
                    .as_ref()
                    .and_then(|i| i.get("done"))
                    .is_some_and(|d| matches!(d, AttributeValue::Bool(true)));
                Ok(if done { Claim::Done } else { Claim::Busy })
            }
            Err(e) => Err(err("claim", object, e)),
        }
    }

    async fn renew(
        &self,
        objects: &[String],
        owner: &str,
        lease: Duration,
    ) -> Result<Vec<String>, LedgerError> {
        let until = now_secs() + lease.as_secs();
        let (this, owner) = (self.clone(), owner.to_string());
        concurrently(objects, move |o| {
            let (this, owner) = (this.clone(), owner.clone());
            async move { this.renew_one(&o, &owner, until).await }
        })
        .await
    }

    async fn commit(
        &self,
        objects: &[String],
        owner: &str,
        ttl: Duration,
    ) -> Result<Vec<String>, LedgerError> {
        let until = now_secs() + ttl.as_secs();
        let (this, owner) = (self.clone(), owner.to_string());
        concurrently(objects, move |o| {
            let (this, owner) = (this.clone(), owner.clone());
            async move { this.commit_one(&o, &owner, until).await }
        })
        .await
    }

    async fn note_counted(&self, names: &[String], ttl: Duration) -> Result<(), LedgerError> {
        let until = now_secs() + ttl.as_secs();
        // BatchWriteItem takes 25 puts; unprocessed ones are sent again.
        for chunk in names.chunks(25) {
            let mut requests: Vec<WriteRequest> = Vec::new();
            for name in chunk {
                let put = PutRequest::builder()
                    .set_item(Some(Self::item(&counted_key(name), "", true, until)))
                    .build()
                    .map_err(|e| err("note counted", name, e))?;
                requests.push(WriteRequest::builder().put_request(put).build());
            }
            for _ in 0..5 {
                if requests.is_empty() {
                    break;
                }
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, requests)
                    .send()
                    .await
                    .map_err(|e| err("note counted", &self.table, e))?;
                requests = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(&self.table))
                    .unwrap_or_default();
            }
            if !requests.is_empty() {
                return Err(err(
                    "note counted",
                    &self.table,
                    std::io::Error::other("writes left unprocessed after 5 attempts"),
                ));
            }
        }
        Ok(())
    }

    async fn counted(&self, names: &[String]) -> Result<Vec<String>, LedgerError> {
        let now = now_secs();
        let mut found = Vec::new();
        // BatchGetItem takes 100 keys; unprocessed ones are asked again.
        for chunk in names.chunks(100) {
            let mut keys: Vec<HashMap<String, AttributeValue>> = chunk
                .iter()
                .map(|n| HashMap::from([("object".to_string(), s(&counted_key(n)))]))
                .collect();
            for _ in 0..5 {
                if keys.is_empty() {
                    break;
                }
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(keys))
                    .build()
                    .map_err(|e| err("counted", &self.table, e))?;
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(|e| err("counted", &self.table, e))?;
                for item in out
                    .responses
                    .and_then(|mut r| r.remove(&self.table))
                    .unwrap_or_default()
                {
                    let live = matches!(item.get("expires_at"), Some(AttributeValue::N(v)) if v.parse::<u64>().is_ok_and(|t| t > now));
                    if let (true, Some(AttributeValue::S(key))) = (live, item.get("object"))
                        && let Some(name) = key.strip_prefix("counted:")
                    {
                        found.push(name.to_string());
                    }
                }
                keys = out
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&self.table))
                    .map(|k| k.keys)
                    .unwrap_or_default();
            }
        }
        Ok(found)
    }

    async fn release(&self, object: &str, owner: &str) -> Result<(), LedgerError> {
        let delete = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("object", s(object))
            .condition_expression("#d = :false AND #w = :me")
            .expression_attribute_names("#d", "done")
            .expression_attribute_names("#w", "owner")
            .expression_attribute_values(":false", AttributeValue::Bool(false))
            .expression_attribute_values(":me", s(owner))
            .send()
            .await;
        match delete {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Ok(()),
            Err(e) => Err(err("release", object, e)),
        }
    }
}
