-- Issue 14: the trace context (W3C traceparent) of the event that planned a job, so that the copy, which runs later on
-- a worker, continues that trace (and ReplicaCompleted carries it on). Null for jobs from before and untraced events.
ALTER TABLE replica_job ADD COLUMN traceparent text;
