-- One version per Major.Minor.Patch of a definition. Names are canonical now (no leading zeros), so this holds by
-- itself; the index keeps it under concurrent creates (a second one is a 409) and serves keyset paging.
CREATE UNIQUE INDEX image_version_numbers ON image_version (definition_key, major, minor, patch);
