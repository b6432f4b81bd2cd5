-- Issue 14: the trace context of the transaction that wrote an outbox row (W3C traceparent and tracestate, as in the
-- event's CloudEvents extension attributes), so that the relay's send is a span of that trace. Null for rows written
-- outside a trace and for rows from before.
ALTER TABLE outbox ADD COLUMN traceparent text, ADD COLUMN tracestate text;
