-- Face checks through WeChat 人脸核身 (the mini-program) share face_verifications with Tencent FaceID's: the
-- verify_id is the key, the browser hash is that of the mini-program user's openid, and the out_seq_no kaowu
-- gave WeChat is needed to ask for the verdict. NULL for FaceID checks.
ALTER TABLE face_verifications ADD COLUMN out_seq_no TEXT;
