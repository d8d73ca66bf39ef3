"""moto's server, with DynamoDB's conditional writes made atomic.

moto serves each request on its own thread, and its DynamoDB `PutItem` and `UpdateItem` read
the item, evaluate the condition and then write, with no lock between: two concurrent claims of
one object can both pass `attribute_not_exists(object)`. Real DynamoDB applies a conditional
write atomically, and the shared ledger relies on that (docs/delivery.md, "Several replicas").
This launcher serves DynamoDB requests one at a time and everything else (S3, SQS long polls)
concurrently, as `moto_server` does. Same arguments as `moto_server`; exits with status 3 when
moto is not installed.
"""

import sys
import threading

try:
    import moto.server
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
except ImportError as e:
    print(f"moto is not installed: {e}", file=sys.stderr)
    sys.exit(3)


class AtomicDynamoDB(DomainDispatcherApplication):
    """Dispatches as moto does; DynamoDB requests (JSON protocol, `X-Amz-Target:
    DynamoDB_20120810.*`) run under one lock, body included."""

    _lock = threading.Lock()

    def __call__(self, environ, start_response):
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return super().__call__(environ, start_response)
        with self._lock:
            return list(super().__call__(environ, start_response))


moto.server.DomainDispatcherApplication = AtomicDynamoDB

if __name__ == "__main__":
    moto.server.main()
