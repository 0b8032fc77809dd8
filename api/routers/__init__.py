"""One router per resource: task pages and decisions, documents, the outbox."""
