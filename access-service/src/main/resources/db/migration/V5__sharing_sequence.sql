-- Issue 12: sharing changes of one gallery are serialised on its gallery_view row, and every published sharing state
-- (GallerySharingChanged) carries a number from this sequence that consumers compare: an older state never overwrites
-- a newer one, whatever order the events arrive in. A database sequence, so that the numbers keep growing across the
-- deletion and re-creation of a gallery of the same id.
CREATE SEQUENCE sharing_state_seq;
ALTER TABLE gallery_view ADD COLUMN sharing_sequence bigint;
