//! The state of every delivery (one SQS message, or one file of the directory
//! source) from receipt to its verdict. A delivery announces objects; each
//! object ends in exactly one terminal state; the verdict follows from them:
//!
//! | objects | verdict |
//! | --- | --- |
//! | all committed (exported, then recorded in the ledger) or duplicates | delete the message |
//! | any failed or busy (claimed by another replica) | abandon: leave the message for redrive |
//! | the message was lost (visibility could not be extended) | forget: it is someone else's now |

use std::collections::HashMap;

use tokio::sync::OwnedSemaphorePermit;

use crate::source::{ObjectSpec, QueueMessage};

/// Identifies a delivery inside this process.
pub type DeliveryId = u64;

/// An object of a delivery: (delivery, index among its objects).
pub type Handle = (DeliveryId, usize);

/// What arrived: a message and its objects, or a file.
#[derive(Debug)]
pub struct Delivery {
    /// The SQS message, when there is one.
    pub message: Option<QueueMessage>,
    /// The notification envelope (`file` for the directory source).
    pub envelope: &'static str,
    /// The objects announced.
    pub objects: Vec<ObjectSpec>,
    /// Holds a place among the in-flight messages until the verdict.
    pub permit: Option<OwnedSemaphorePermit>,
}

impl Delivery {
    /// The SQS message id, for logs (`None` for a file).
    pub fn message_id(&self) -> Option<String> {
        self.message.as_ref().map(|m| m.id.clone())
    }
}

/// Where an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjState {
    /// Being claimed, fetched or decoded.
    Working,
    /// Its records are in a window that has not been exported yet.
    Windowed,
    /// Exported and recorded as done in the ledger.
    Committed,
    /// Counted before (the ledger said done): nothing to do.
    Duplicate,
    /// Could not be fetched or decoded.
    Failed,
    /// Another replica holds a live claim on it.
    Busy,
    /// Removed before export because its message was lost.
    Dropped,
}

impl ObjState {
    fn is_terminal(self) -> bool {
        !matches!(self, ObjState::Working | ObjState::Windowed)
    }
}

/// What to do with a delivery whose objects all reached a terminal state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Delete the message.
    Delete,
    /// Leave the message: it comes back after its visibility timeout, and the DLQ's redrive policy decides.
    Abandon,
    /// Nothing to do with the queue (a lost message, or a file).
    Forget,
}

/// A tracked delivery.
#[derive(Debug)]
pub struct Tracked {
    /// The delivery.
    pub delivery: Delivery,
    /// State per object.
    pub states: Vec<ObjState>,
    /// Ledger key per object, once claimed.
    pub claims: Vec<Option<String>>,
    /// True once the message's visibility could not be extended.
    pub lost: bool,
    /// Room each decoded object holds in the decoded bytes' budget, given back when the object
    /// reaches its terminal state (not with the verdict: a message that announces more objects
    /// than the budget holds would wait on itself).
    pub held: Vec<Option<OwnedSemaphorePermit>>,
}

impl Tracked {
    /// The verdict, once every object is terminal.
    pub fn verdict(&self) -> Option<Verdict> {
        if !self.states.iter().all(|s| s.is_terminal()) {
            return None;
        }
        Some(if self.lost || self.delivery.message.is_none() {
            Verdict::Forget
        } else if self
            .states
            .iter()
            .all(|s| matches!(s, ObjState::Committed | ObjState::Duplicate))
        {
            Verdict::Delete
        } else {
            Verdict::Abandon
        })
    }
}

/// Every delivery in flight.
#[derive(Debug, Default)]
pub struct Tracker {
    next: DeliveryId,
    map: HashMap<DeliveryId, Tracked>,
}

impl Tracker {
    /// Starts tracking a delivery; its objects are `Working`.
    pub fn add(&mut self, delivery: Delivery) -> DeliveryId {
        self.next += 1;
        let n = delivery.objects.len();
        self.map.insert(
            self.next,
            Tracked {
                delivery,
                states: vec![ObjState::Working; n],
                claims: vec![None; n],
                lost: false,
                held: (0..n).map(|_| None).collect(),
            },
        );
        self.next
    }

    /// The delivery, if still tracked.
    pub fn get(&self, id: DeliveryId) -> Option<&Tracked> {
        self.map.get(&id)
    }

    /// The delivery, if still tracked.
    pub fn get_mut(&mut self, id: DeliveryId) -> Option<&mut Tracked> {
        self.map.get_mut(&id)
    }

    /// Holds an object's room in the decoded bytes' budget until its terminal state.
    pub fn hold(&mut self, (id, i): Handle, room: OwnedSemaphorePermit) {
        if let Some(slot) = self.map.get_mut(&id).and_then(|t| t.held.get_mut(i)) {
            *slot = Some(room);
        }
    }

    /// The room (KiB) an object holds in the decoded bytes' budget.
    pub fn held_kib(&self, (id, i): Handle) -> usize {
        self.map
            .get(&id)
            .and_then(|t| t.held.get(i)?.as_ref())
            .map_or(0, |room| room.num_permits())
    }

    /// Sets an object's state (and its claim, when given); a terminal state gives the object's
    /// room in the decoded bytes' budget back.
    pub fn set(&mut self, (id, i): Handle, state: ObjState, claim: Option<String>) {
        if let Some(t) = self.map.get_mut(&id) {
            if let Some(s) = t.states.get_mut(i) {
                *s = state;
            }
            if state.is_terminal()
                && let Some(room) = t.held.get_mut(i)
            {
                *room = None;
            }
            if let Some(c) = claim
                && let Some(slot) = t.claims.get_mut(i)
            {
                *slot = Some(c);
            }
        }
    }

    /// Stops tracking a delivery.
    pub fn remove(&mut self, id: DeliveryId) -> Option<Tracked> {
        self.map.remove(&id)
    }

    /// Objects still being fetched or decoded, over all deliveries.
    pub fn working(&self) -> usize {
        self.map
            .values()
            .flat_map(|t| &t.states)
            .filter(|s| **s == ObjState::Working)
            .count()
    }

    /// Deliveries tracked.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when nothing is tracked.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::ObjectRef;

    fn delivery(objects: usize, message: bool) -> Delivery {
        Delivery {
            message: message.then(|| QueueMessage {
                id: "m".into(),
                receipt: "r".into(),
                body: String::new(),
                sent_at: None,
                receive_count: 1,
            }),
            envelope: "s3",
            objects: (0..objects)
                .map(|i| ObjectSpec::S3(ObjectRef::new("b", format!("k{i}"))))
                .collect(),
            permit: None,
        }
    }

    #[test]
    fn verdicts_follow_the_object_states() {
        let mut t = Tracker::default();
        let id = t.add(delivery(2, true));
        assert_eq!(t.working(), 2);
        assert_eq!(t.get(id).unwrap().verdict(), None);
        t.set((id, 0), ObjState::Windowed, Some("b/k0#e".into()));
        t.set((id, 1), ObjState::Duplicate, None);
        assert_eq!(
            t.get(id).unwrap().verdict(),
            None,
            "a windowed object is not exported yet"
        );
        t.set((id, 0), ObjState::Committed, None);
        assert_eq!(t.get(id).unwrap().verdict(), Some(Verdict::Delete));
        assert_eq!(t.get(id).unwrap().claims[0].as_deref(), Some("b/k0#e"));

        let id = t.add(delivery(2, true));
        t.set((id, 0), ObjState::Committed, None);
        t.set((id, 1), ObjState::Failed, None);
        assert_eq!(
            t.get(id).unwrap().verdict(),
            Some(Verdict::Abandon),
            "never delete a failing message"
        );
        t.set((id, 1), ObjState::Busy, None);
        assert_eq!(t.get(id).unwrap().verdict(), Some(Verdict::Abandon));
        t.get_mut(id).unwrap().lost = true;
        assert_eq!(t.get(id).unwrap().verdict(), Some(Verdict::Forget));

        let id = t.add(delivery(1, false));
        t.set((id, 0), ObjState::Committed, None);
        assert_eq!(
            t.get(id).unwrap().verdict(),
            Some(Verdict::Forget),
            "files have no message"
        );
        assert_eq!(t.len(), 3);
        t.remove(id);
        assert_eq!(t.len(), 2);
    }
}
