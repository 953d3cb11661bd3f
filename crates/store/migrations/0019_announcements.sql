-- 公告 (issue 7): notices national and province admins publish for an exam year, to all candidates
-- (province_code NULL) or to one 考区's. Withdrawn ones stay, stamped, as the record of what was shown when.
CREATE TABLE announcements (
    id            TEXT PRIMARY KEY,
    exam_year     BIGINT NOT NULL,
    province_code TEXT,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    published_at  BIGINT NOT NULL,
    published_by  TEXT NOT NULL,
    withdrawn_at  BIGINT
);
CREATE INDEX announcements_by_region ON announcements (province_code, published_at);
