-- flowscope metadata schema, version 5: where each run's data lives, and small blobs inline.

-- the address of the datastore the run was recorded with, when it was chosen explicitly
-- (--datastore, FLOWSCOPE_DATASTORE); NULL: the metadata store's own (every run before v5)
ALTER TABLE runs ADD COLUMN datastore TEXT;

-- the stored form (header and payload, base64) of an artifact's blob of at most
-- FLOWSCOPE_INLINE_BLOB_MAX bytes: a copy read with the listing; the datastore keeps the
-- blob too and stays the truth (NULL: a larger blob, or one recorded before v5)
ALTER TABLE artifacts ADD COLUMN inline_blob TEXT;
