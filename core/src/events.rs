//! Watching a long run. Apply, rollouts and drills each report what happens
//! as a stream of their own events, to one kind of receiver: an
//! [`Observer`] of that event type (the CLI prints lines, bars or JSON from
//! them; tests record them).

/// Receives the events of a run, in order.
pub trait Observer<E>: Send + Sync {
    /// Called for each event, in order.
    fn event(&self, event: &E);
}

/// Ignores every event, of any run.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullObserver;

impl<E> Observer<E> for NullObserver {
    fn event(&self, _event: &E) {}
}
