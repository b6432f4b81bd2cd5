-- Issue 12: the sequence number of the sharing state a share_view row holds (GallerySharingChanged.sequence): a state
-- is applied only over an older one, so a late, redelivered or replayed event never brings back a removed share.
-- Null for a state published before sequences existed.
ALTER TABLE share_view ADD COLUMN sequence bigint;
