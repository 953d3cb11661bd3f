-- Exam applications (报名, issue 7): one per candidate, exam year and exam; every state change is an event.
CREATE TABLE applications (
    id                  TEXT PRIMARY KEY,
    -- 报名号: the exam year, the 考点 and eight random digits; printed on the 申请表 and typed at the 考点.
    number              TEXT NOT NULL UNIQUE,
    account_id          TEXT NOT NULL REFERENCES accounts (id),
    exam_year           BIGINT NOT NULL,
    exam_code           TEXT NOT NULL,
    province_code       TEXT NOT NULL REFERENCES provinces (code),
    site_code           TEXT NOT NULL REFERENCES sites (code),
    level_code          TEXT NOT NULL,
    specialty_code      TEXT NOT NULL,
    -- The subjects sat, a JSON array of subject codes in the exam's order.
    subjects            TEXT NOT NULL,
    work_unit           TEXT NOT NULL,
    started_work        TEXT NOT NULL,
    highest_education   TEXT NOT NULL,
    held_title          TEXT,
    title_certificate   TEXT,
    photo_confirmed     BOOLEAN NOT NULL DEFAULT FALSE,
    -- The eligibility verdict when last saved, with the explanation the candidate and the reviewer read.
    eligible            BOOLEAN NOT NULL,
    eligibility_code    TEXT NOT NULL,
    eligibility_zh      TEXT NOT NULL,
    eligibility_en      TEXT NOT NULL,
    state               TEXT NOT NULL,
    -- The reason of the last decision the candidate must read (reject, ask for more).
    decision_reason     TEXT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    submitted_at        BIGINT,
    UNIQUE (account_id, exam_year, exam_code)
);
-- The review queue: a 考点's applications by state, oldest submission first.
CREATE INDEX applications_queue ON applications (site_code, state, submitted_at);
CREATE INDEX applications_account ON applications (account_id, exam_year);

-- Every transition: who (candidate or admin), when, from which state to which, and why.
CREATE TABLE application_events (
    id              TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL REFERENCES applications (id),
    at              BIGINT NOT NULL,
    actor_kind      TEXT NOT NULL,
    actor_id        TEXT NOT NULL,
    actor_name      TEXT NOT NULL,
    from_state      TEXT,
    to_state        TEXT NOT NULL,
    reason          TEXT NOT NULL
);
CREATE INDEX application_events_by_application ON application_events (application_id, at);

-- Supporting files a province asks for, in the object store.
CREATE TABLE application_files (
    id              TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL REFERENCES applications (id),
    object_key      TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    bytes           BIGINT NOT NULL,
    uploaded_at     BIGINT NOT NULL
);
CREATE INDEX application_files_by_application ON application_files (application_id);
