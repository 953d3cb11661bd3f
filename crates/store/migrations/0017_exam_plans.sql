-- The exam plan of each exam year (issue 7). A plan is small reference data, read on every application and
-- written a few times a year, so each revision is kept whole, as the JSON of the validated plan: an import or a
-- console edit replaces the year's plan atomically by adding a revision, and every earlier revision stays as
-- the history of what applied when. The 考点 it lists are also written to `sites`, which scopes admins.
CREATE TABLE exam_plan_revisions (
    exam_year   BIGINT NOT NULL,
    revision    BIGINT NOT NULL,
    document    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    -- The admin (or `kaowu import plan`) who made it, and why.
    created_by  TEXT NOT NULL,
    note        TEXT NOT NULL,
    PRIMARY KEY (exam_year, revision)
);
