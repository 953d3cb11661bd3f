-- The console for exam authorities (issue 6): regions, admin accounts with a second factor, their sessions,
-- candidates' correction requests, authority locks on accounts, and the audit log.

-- 考区: provinces (GB/T 2260 codes) and the 新疆生产建设兵团, which is a 考区 of its own.
CREATE TABLE provinces (
    code        TEXT PRIMARY KEY,
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    sort_order  INTEGER NOT NULL
);

INSERT INTO provinces (code, name_zh, name_en, sort_order) VALUES
    ('11', '北京市', 'Beijing', 1), ('12', '天津市', 'Tianjin', 2), ('13', '河北省', 'Hebei', 3),
    ('14', '山西省', 'Shanxi', 4), ('15', '内蒙古自治区', 'Inner Mongolia', 5), ('21', '辽宁省', 'Liaoning', 6),
    ('22', '吉林省', 'Jilin', 7), ('23', '黑龙江省', 'Heilongjiang', 8), ('31', '上海市', 'Shanghai', 9),
    ('32', '江苏省', 'Jiangsu', 10), ('33', '浙江省', 'Zhejiang', 11), ('34', '安徽省', 'Anhui', 12),
    ('35', '福建省', 'Fujian', 13), ('36', '江西省', 'Jiangxi', 14), ('37', '山东省', 'Shandong', 15),
    ('41', '河南省', 'Henan', 16), ('42', '湖北省', 'Hubei', 17), ('43', '湖南省', 'Hunan', 18),
    ('44', '广东省', 'Guangdong', 19), ('45', '广西壮族自治区', 'Guangxi', 20), ('46', '海南省', 'Hainan', 21),
    ('50', '重庆市', 'Chongqing', 22), ('51', '四川省', 'Sichuan', 23), ('52', '贵州省', 'Guizhou', 24),
    ('53', '云南省', 'Yunnan', 25), ('54', '西藏自治区', 'Tibet', 26), ('61', '陕西省', 'Shaanxi', 27),
    ('62', '甘肃省', 'Gansu', 28), ('63', '青海省', 'Qinghai', 29), ('64', '宁夏回族自治区', 'Ningxia', 30),
    ('65', '新疆维吾尔自治区', 'Xinjiang', 31), ('66', '新疆生产建设兵团', 'Xinjiang Production and Construction Corps', 32);

-- 考点: the local exam authorities candidates deal with in person. Codes are the province's two digits and two more.
CREATE TABLE sites (
    code            TEXT PRIMARY KEY,
    province_code   TEXT NOT NULL REFERENCES provinces (code),
    name            TEXT NOT NULL,
    address         TEXT NOT NULL,
    phone           TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX sites_province ON sites (province_code);

-- The candidate's 所在考点: where they turn for what only an authority can do (a forgotten password, a
-- correction). NULL until the candidate chooses; such accounts are seen by national admins only.
ALTER TABLE accounts ADD COLUMN site_code TEXT REFERENCES sites (code);
-- An authority's lock (考点 decision, with a reason in the audit log); NULL when not locked.
ALTER TABLE accounts ADD COLUMN locked_at BIGINT;
CREATE INDEX accounts_site ON accounts (site_code, created_at);
CREATE INDEX accounts_created ON accounts (created_at);

CREATE TABLE admins (
    id                      TEXT PRIMARY KEY,
    username                TEXT NOT NULL UNIQUE,
    display_name            TEXT NOT NULL,
    password_hash           TEXT NOT NULL,
    -- national | province | site
    role                    TEXT NOT NULL,
    province_code           TEXT REFERENCES provinces (code),
    site_code               TEXT REFERENCES sites (code),
    -- The TOTP secret (RFC 6238), AES-256-GCM sealed like ID numbers; NULL until the admin enrols.
    totp_ciphertext         BYTEA,
    totp_key_id             TEXT,
    -- The last time step whose code was accepted: a code is good once.
    totp_last_step          BIGINT NOT NULL DEFAULT 0,
    created_by              TEXT,
    created_at              BIGINT NOT NULL,
    disabled_at             BIGINT
);

-- Console sessions, apart from candidates': a password alone opens nothing but the second-factor step.
CREATE TABLE admin_sessions (
    token_hash          TEXT PRIMARY KEY,
    admin_id            TEXT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    second_factor_at    BIGINT,
    -- A TOTP secret shown for enrolment, sealed, until a code from it is confirmed.
    enrol_ciphertext    BYTEA,
    created_at          BIGINT NOT NULL,
    last_seen_at        BIGINT NOT NULL,
    idle_timeout_secs   BIGINT NOT NULL,
    absolute_expires_at BIGINT NOT NULL,
    client_ip           TEXT,
    user_agent          TEXT
);
CREATE INDEX admin_sessions_admin ON admin_sessions (admin_id);

-- 申请修改注册信息: a candidate asks their 考点 to correct name / ID type / ID number, with a reason and a scan.
CREATE TABLE correction_requests (
    id                      TEXT PRIMARY KEY,
    account_id              TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    site_code               TEXT NOT NULL REFERENCES sites (code),
    -- pending | approved | rejected
    state                   TEXT NOT NULL,
    new_name                TEXT NOT NULL,
    new_name_uses_pinyin    BOOLEAN NOT NULL,
    new_id_type             TEXT NOT NULL REFERENCES id_types (code),
    new_id_number_ciphertext BYTEA NOT NULL,
    new_id_number_key_id    TEXT NOT NULL,
    reason                  TEXT NOT NULL,
    attachment_key          TEXT NOT NULL,
    attachment_type         TEXT NOT NULL,
    decided_by              TEXT REFERENCES admins (id),
    decision_reason         TEXT,
    created_at              BIGINT NOT NULL,
    decided_at              BIGINT
);
CREATE INDEX correction_requests_queue ON correction_requests (site_code, state, created_at);
-- One open request per candidate at a time.
CREATE UNIQUE INDEX correction_requests_one_pending ON correction_requests (account_id) WHERE state = 'pending';

-- Every admin action: who, what, about whom, why, before and after. Append-only: the code has no path that
-- updates or deletes a row, and triggers (added per backend after migrations) refuse one anyway. ID numbers in
-- before/after are masked. The region columns say whose scope the entry falls in.
CREATE TABLE audit_log (
    id              TEXT PRIMARY KEY,
    at              BIGINT NOT NULL,
    admin_id        TEXT NOT NULL,
    admin_username  TEXT NOT NULL,
    admin_role      TEXT NOT NULL,
    action          TEXT NOT NULL,
    account_id      TEXT,
    province_code   TEXT,
    site_code       TEXT,
    reason          TEXT NOT NULL,
    before_state    TEXT,
    after_state     TEXT,
    client_ip       TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_account ON audit_log (account_id, at);
CREATE INDEX audit_log_admin ON audit_log (admin_id, at);
