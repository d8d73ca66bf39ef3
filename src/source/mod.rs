//! Where objects come from. Knows AWS, not Arrow: S3 event notifications in
//! every envelope, the SQS queue behind a small trait, S3 reads, and a local
//! directory source.

pub mod notification;
pub mod s3;

pub use notification::{Envelope, Notification, NotificationError, ObjectRef};
pub mod queue;
pub mod sqs;

pub use queue::{EntryFailure, Queue, QueueError, QueueMessage};
pub mod directory;
pub mod fetch;
#[cfg(any(test, feature = "test-support"))]
pub mod memory;

pub use fetch::{FetchError, Fetched, Fetcher, ObjectSpec};
