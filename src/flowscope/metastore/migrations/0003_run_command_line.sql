-- flowscope metadata schema, version 3: the command line that started each run, as the
-- user would type it again (NULL for runs recorded before this version).

ALTER TABLE runs ADD COLUMN command_line TEXT;
