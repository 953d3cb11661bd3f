-- Background jobs, claimed by any node's workers (issue 6). A claim is a lease: a job whose worker died is
-- claimed again once its lease runs out, so none is lost; the lease owner alone may settle it, so none is
-- settled twice. Failures are retried later (run_after) and, after too many, left dead for an admin to see.
CREATE TABLE jobs (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    -- What the job is about (an account id for identity checks).
    subject         TEXT NOT NULL,
    -- queued | running | done | dead
    state           TEXT NOT NULL,
    attempts        BIGINT NOT NULL,
    run_after       BIGINT NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX jobs_ready ON jobs (state, run_after);

-- 实名核验: the national two-factor check (name + ID number) of each account, as the candidate sees it.
CREATE TABLE identity_checks (
    account_id      TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    -- pending (待核验) | passed (核验通过) | failed (核验不通过) | manual (需人工核查)
    state           TEXT NOT NULL,
    -- The service's result code (IdCardVerification's Result) and request id, for the 考点's review.
    result_code     TEXT,
    request_id      TEXT,
    updated_at      BIGINT NOT NULL
);
