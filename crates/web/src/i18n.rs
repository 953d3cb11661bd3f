//! Words shown to people: Simplified Chinese first, English on request. Errors travel as stable machine codes
//! (`id_number.checksum`) and become sentences only here, so the mini-program can translate them too.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag.starts_with("zh") {
            Some(Lang::Zh)
        } else if tag.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The first supported language in an `Accept-Language` header; Chinese when none is.
    pub fn from_accept_language(header: &str) -> Lang {
        header.split(',').find_map(|part| Lang::from_tag(part.split(';').next().unwrap_or(""))).unwrap_or_default()
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// The sentence for an error code; `detail` fills in specifics such as the rejected character.
pub fn error_message(code: &str, detail: Option<&str>, lang: Lang) -> String {
    let (zh, en) = match code {
        "username.required" => ("请填写用户名。", "Please enter a username."),
        "username.too_short" => ("用户名至少 4 个字符。", "The username needs at least 4 characters."),
        "username.too_long" => ("用户名最多 32 个字符。", "The username can have at most 32 characters."),
        "username.format" => (
            "用户名须以英文字母开头，只能包含英文字母、数字和下划线。",
            "The username must start with a letter and contain only letters, digits and underscores.",
        ),
        "username.taken" => ("该用户名已被使用，请换一个。", "This username is taken; please choose another."),
        "password.required" => ("请填写密码。", "Please enter a password."),
        "password.too_short" => ("密码至少 8 位。", "The password needs at least 8 characters."),
        "password.too_long" => ("密码最多 128 位。", "The password can have at most 128 characters."),
        "password.too_simple" => (
            "密码须包含大写字母、小写字母、数字、符号中的至少三类。",
            "The password needs at least three of: upper-case letters, lower-case letters, digits, symbols.",
        ),
        "password.common" => ("该密码过于常见，容易被猜中，请换一个。", "This password is too common; please choose another."),
        "password.contains_id_number" => ("密码不能包含证件号码。", "The password must not contain your ID number."),
        "password.contains_birth_date" => ("密码不能包含出生日期。", "The password must not contain your date of birth."),
        "password.contains_username" => ("密码不能包含用户名。", "The password must not contain your username."),
        "password.char_not_allowed" => ("密码含有不允许的控制字符。", "The password contains control characters."),
        "password.confirmation_mismatch" => ("两次输入的密码不一致。", "The two passwords do not match."),
        "password.current_wrong" => ("当前密码不正确。", "The current password is wrong."),
        "password.unchanged" => ("新密码不能与当前密码相同。", "The new password must differ from the current one."),
        "name.required" => ("请填写姓名。", "Please enter your name."),
        "name.too_long" => ("姓名过长（最多 50 个字）。", "The name is too long (at most 50 characters)."),
        "name.char_not_allowed" => ("姓名中含有不允许的字符", "The name contains a character that is not allowed"),
        "name.latin_needs_pinyin_flag" => (
            "姓名中有英文字母：若因生僻字无法输入而用拼音代替，请勾选“姓名中有无法输入的字，已用拼音代替”；否则请使用“生僻字”按钮选择汉字。",
            "The name contains Latin letters: if pinyin stands for a character you cannot enter, tick the pinyin box; otherwise pick the character with the rare-character button.",
        ),
        "name.dot_position" => (
            "“·”只能用在姓名各部分之间，不能在开头、结尾或连续出现。",
            "“·” may only stand between parts of a name, not at the start, the end or twice in a row.",
        ),
        "id_type.required" => ("请选择证件类型。", "Please choose an ID type."),
        "id_type.unknown" => ("不支持该证件类型。", "This ID type is not supported."),
        "id_number.required" => ("请填写证件号码。", "Please enter the ID number."),
        "id_number.too_long" => ("证件号码过长。", "The ID number is too long."),
        "id_number.length" => ("身份证号码应为 18 位。", "The ID number must have 18 characters."),
        "id_number.format" => ("证件号码格式不正确，请对照证件核对。", "The ID number format is wrong; please check it against the document."),
        "id_number.region" => ("证件号码的地区码不正确。", "The region code of the ID number is wrong."),
        "id_number.birth_date" => ("证件号码中的出生日期不正确。", "The date of birth in the ID number is not a valid date."),
        "id_number.checksum" => (
            "证件号码校验位不正确，请逐位核对（末位 X 可小写）。",
            "The ID number's check character is wrong; please check each digit.",
        ),
        "id_number.hmt_region" => (
            "港澳台居民居住证号码应以 810000、820000 或 830000 开头。",
            "A residence permit number for Hong Kong, Macao or Taiwan residents starts with 810000, 820000 or 830000.",
        ),
        "id_number.hmt_region_needs_permit" => (
            "以 81、82、83 开头的号码是港澳台居民居住证，请选择证件类型“港澳台居民居住证”。",
            "Numbers starting 81/82/83 belong to residence permits; please choose that ID type.",
        ),
        "id_number.taken" => (
            "该证件已注册过账号。请直接登录；忘记密码可通过“找回密码”；如非本人注册，请联系所在考点考试管理机构。",
            "An account already exists for this ID. Please log in or recover your password; if you did not register it, contact your exam site.",
        ),
        "security_question.required" => ("请选择或填写密码找回问题。", "Please choose or write a security question."),
        "security_question.too_short" => ("密码找回问题至少 4 个字。", "The security question needs at least 4 characters."),
        "security_question.too_long" => ("密码找回问题最多 50 个字。", "The security question can have at most 50 characters."),
        "security_question.char_not_allowed" => ("密码找回问题含有不允许的字符。", "The security question contains characters that are not allowed."),
        "security_answer.required" => ("请填写密码找回答案。", "Please enter the security answer."),
        "security_answer.too_short" => ("答案至少 2 个字。", "The answer needs at least 2 characters."),
        "security_answer.too_long" => ("答案最多 50 个字。", "The answer can have at most 50 characters."),
        "security_answer.char_not_allowed" => ("答案含有不允许的字符。", "The answer contains characters that are not allowed."),
        "consent.notice_required" => ("请先阅读并同意“特别提示”。", "Please read and accept the special notice first."),
        "consent.privacy_required" => (
            "请先同意个人信息（含敏感个人信息）处理规则。",
            "Please agree to the processing of your personal (including sensitive) information.",
        ),
        "confirm.name_mismatch" => ("再次输入的姓名与第一次不一致，请核对。", "The name differs from your first entry."),
        "confirm.id_type_mismatch" => ("再次选择的证件类型与第一次不一致，请核对。", "The ID type differs from your first entry."),
        "confirm.id_number_mismatch" => ("再次输入的证件号码与第一次不一致，请核对。", "The ID number differs from your first entry."),
        "registration.expired" => (
            "确认步骤已超时，请重新填写注册信息。",
            "The confirmation step timed out; please fill in the registration form again.",
        ),
        "login.required" => ("请填写用户名或证件号码及密码。", "Please enter your username or ID number and password."),
        "login.invalid_credentials" => ("用户名/证件号码或密码不正确。", "Wrong username/ID number or password."),
        "recovery.face_expired" => ("人脸核验已过期或不是从本浏览器发起的，请重新开始。", "The face check has expired or was not started in this browser; please start again."),
        "recovery.face_failed" => ("人脸核验未通过，密码未重置。可以重试，或携带身份证到考点办理。", "The face check did not pass; nothing was changed. Try again, or visit your exam site with your ID card."),
        "recovery.face_no_account" => ("没有使用该居民身份证号和姓名注册的考生账号。", "No candidate account is registered with this resident ID number and name."),
        "faceid.unavailable" => ("人脸核验服务暂时不可用，请稍后再试。", "Face verification is unavailable right now; please try again later."),
        "faceid.not_configured" => ("本平台未开通人脸核验找回密码。", "Face verification is not available on this site."),
        "recovery.identifier_invalid" => ("用户名或证件号码不正确。", "That is not a username or ID number."),
        "recovery.answer_wrong" => ("安全问题答案不正确。", "The answer is not right."),
        "recovery.code_invalid" => (
            "重置码无效或已过期（15 分钟内有效，只能使用一次），请重新回答安全问题。",
            "The reset code is invalid or has expired (it works once, for 15 minutes); please answer the question again."
        ),
        "passkey.name_required" => ("请为通行密钥起个名字，例如“我的手机”。", "Give the passkey a name, such as “My phone”."),
        "passkey.name_too_long" => ("通行密钥名称不能超过 30 个字。", "A passkey name has at most 30 characters."),
        "passkey.name_invalid" => ("通行密钥名称含有不允许的字符。", "The passkey name contains characters that are not allowed."),
        "passkey.limit" => ("每个账号最多 10 个通行密钥，请先删除不用的。", "An account holds at most 10 passkeys; remove one you no longer use first."),
        "passkey.already_registered" => ("这个通行密钥已经添加过了。", "This passkey has been added already."),
        "passkey.response_invalid" => ("设备返回的通行密钥数据无法识别，请重试。", "The device's passkey answer could not be read; please try again."),
        "passkey.ceremony_expired" => ("操作已超时（5 分钟内有效），请重试。", "That took too long (5 minutes at most); please try again."),
        "passkey.verification_failed" => ("通行密钥验证未通过，未添加。请确认设备已开启面容、指纹或 PIN 验证后重试。", "The passkey could not be verified and was not added. Make sure your device checks your face, fingerprint or PIN, and try again."),
        "passkey.unknown" => ("该通行密钥不能登录本平台（可能已被删除），请用密码登录。", "This passkey cannot log in here (it may have been removed); log in with your password."),
        "passkey.not_found" => ("没有这个通行密钥，可能已经删除。", "No such passkey; it may have been removed already."),
        "reauth.required" => ("为保护账号安全，请先重新输入密码确认身份（15 分钟内有效）。", "To protect your account, confirm it is you with your password first (valid for 15 minutes)."),
        "passkey.not_configured" => ("本平台未开通通行密钥。", "Passkeys are not available on this site."),
        "session.not_found" => ("没有这个登录会话，可能已经退出。", "No such session; it may have ended already."),
        "login.locked" => (
            "密码错误次数过多，已暂时锁定，期间即使密码正确也无法登录。请稍后再试，或使用“忘记密码”找回",
            "Too many wrong attempts: logging in is locked for now, even with the right password. Try again later, or use “Forgot password”"
        ),
        "auth.required" => ("请先登录。", "Please log in first."),
        "csrf.invalid" => (
            "页面已过期，请刷新后重新提交（您填写的内容已保留）。",
            "The page expired; please submit again (what you entered is kept).",
        ),
        "request.malformed" => ("请求格式不正确。", "The request is malformed."),
        "request.field_type" => ("字段类型不正确。", "A field has the wrong type."),
        "request.too_large" => ("提交的内容过大。", "The request is too large."),
        "request.unsupported_media_type" => ("请以 JSON 格式提交（Content-Type: application/json）。", "Please send JSON (Content-Type: application/json)."),
        "request.not_found" => ("页面或接口不存在。", "Not found."),
        "request.method_not_allowed" => ("不支持该请求方法。", "Method not allowed."),
        "request.timeout" => ("请求处理超时，请稍后重试。", "The request timed out; please try again."),
        "rare_chars.query" => ("请输入拼音（1–12 个字母），例如 yan。", "Enter pinyin (1–12 letters), e.g. yan."),
        "idempotency.key_invalid" => ("Idempotency-Key 须为 1–128 个可见 ASCII 字符。", "Idempotency-Key must be 1–128 visible ASCII characters."),
        "idempotency.key_reused" => ("该 Idempotency-Key 已用于另一请求。", "This Idempotency-Key was used for a different request."),
        "idempotency.in_progress" => ("相同请求正在处理中，请稍后重试。", "The same request is still being processed; retry shortly."),
        "education.level_unknown" => ("请选择学历层次。", "Please choose the level of education."),
        "education.school_required" => ("请填写学校名称。", "Please enter the school."),
        "education.major_required" => ("请填写专业。", "Please enter the major."),
        "education.text_too_long" => ("最多 60 个字。", "At most 60 characters."),
        "education.text_invalid" => ("含有不允许的字符。", "Contains characters that are not allowed."),
        "education.date_required" => ("请填写年月。", "Please enter the month."),
        "education.date_format" => ("年月格式应为 2019-06。", "Enter the month as 2019-06."),
        "education.graduated_before_enrolled" => ("毕业时间不能早于入学时间。", "Graduation cannot be before enrolment."),
        "education.graduated_in_future" => ("毕业时间不能晚于本月。", "Graduation cannot be in the future."),
        "education.degree_unknown" => ("请选择学位。", "Please choose the degree."),
        "education.degree_required_for_number" => ("填写学位证书编号时请选择学位。", "Choose the degree that goes with the degree certificate number."),
        "education.limit_reached" => (
            "最多只能保存 5 条学历学位信息，已保存的记录不能删除。",
            "At most 5 education records can be saved, and saved records cannot be deleted.",
        ),
        "diploma_number.digits" => ("学历证书编号只能是数字。", "The diploma number has digits only."),
        "diploma_number.length" => ("学历证书编号应为 18 位（2002 年以前的为 17 位）。", "The diploma number has 18 digits (17 before 2002)."),
        "diploma_number.school_type" => ("学历证书编号第 6 位（办学类型）应为 1、5、6 或 7。", "Digit 6 of the diploma number (type of schooling) must be 1, 5, 6 or 7."),
        "diploma_number.level" => ("学历证书编号第 11–12 位（培养层次）应为 01、02、04、05 或 06。", "Digits 11–12 of the diploma number (level) must be 01, 02, 04, 05 or 06."),
        "diploma_number.level_mismatch" => ("学历证书编号中的培养层次与所选学历层次不一致。", "The level in the diploma number differs from the chosen level."),
        "diploma_number.year_mismatch" => ("学历证书编号第 7–10 位（毕业年份）与毕业时间不一致。", "Digits 7–10 of the diploma number (year) differ from the graduation year."),
        "degree_number.length" => ("学位证书编号应为 16 位（成人教育学士为 C 加 16 位）。", "The degree number has 16 characters (17 with the adult-education C)."),
        "degree_number.format" => ("学位证书编号格式不正确。", "The degree number format is wrong."),
        "degree_number.level_mismatch" => ("学位证书编号第 6 位（学位级别）与所选学位不一致。", "Digit 6 of the degree number (degree level) differs from the chosen degree."),
        "degree_number.year_mismatch" => ("学位证书编号中的年份与毕业时间相差过大。", "The year in the degree number is too far from the graduation year."),
        "chsi.code_required" => ("请填写学信网在线验证码。", "Please enter the CHSI report code."),
        "chsi.code_format" => ("在线验证码为 12–16 位字母或数字（见验证报告右下角）。", "The report code has 12–16 letters or digits (bottom right of the report)."),
        "chsi.expired" => ("该在线验证报告已过期，请登录学信网延长有效期后重试。", "This report has expired; extend it on CHSI and try again."),
        "chsi.invalid" => ("此在线验证码无效，请核对后重新输入。", "This report code is not valid; please check it."),
        "chsi.closed" => ("该在线验证报告已关闭，请在学信网重新开通后重试。", "This report was closed; reopen it on CHSI and try again."),
        "chsi.captcha" => (
            "学信网暂时要求人工验证，无法自动核验。请稍后再试，或先手工录入（不影响报名）。",
            "CHSI asks for a manual check right now; try again later, or enter the record by hand (it does not stop your application).",
        ),
        "chsi.unavailable" => ("暂时无法连接学信网，请稍后再试。", "CHSI cannot be reached right now; please try again later."),
        "chsi.name_mismatch" => ("验证报告上的姓名与您的注册姓名不一致，不能添加他人的学历。", "The name on the report differs from yours; you cannot add someone else's education."),
        "chsi.not_eligible" => (
            "该学历不能通过学信网核验（仅限 2001 年以来的专科及以上学历），请手工录入。",
            "This education cannot be verified through CHSI (only higher education from 2001 on); enter it by hand.",
        ),
        "chsi.level_not_supported" => ("该报告的学历层次不能通过学信网添加，请手工录入。", "This report's level cannot be added through CHSI; enter it by hand."),
        "chsi.report_incomplete" => ("验证报告信息不完整，请手工录入。", "The report is incomplete; enter the record by hand."),
        "chsi.already_added" => ("该学历已通过学信网添加过。", "This education was already added through CHSI."),
        "photo.required" => ("请选择要上传的照片文件。", "Please choose a photo file to upload."),
        "photo.format" => ("照片须为 JPEG 或 PNG 图片（按文件内容判断，与文件名无关）。", "The photo must be a JPEG or PNG image (judged by its content, not its name)."),
        "photo.corrupt" => ("图片文件已损坏或不完整，请重新导出原始照片后上传。", "The image file is damaged or incomplete; export the original again and upload it."),
        "photo.upload_too_large" => ("照片文件过大，超过了照片要求中的上限。", "The file is larger than the photo requirements allow."),
        "photo.too_many_pixels" => ("图片像素过多，请上传普通相机或手机拍摄的原始照片。", "The image has too many pixels; upload an ordinary camera or phone original."),
        "photo.too_small" => (
            "照片尺寸过小：原图像素低于照片要求，或人脸太小，无法不经放大裁剪为一寸照。请上传原始照片。",
            "The photo is too small: the original has fewer pixels than required, or the face is too small to crop a one-inch photo without enlarging it. Upload the original.",
        ),
        "photo.file_too_small" => ("照片文件过小，请上传未经压缩的原始照片（见照片要求）。", "The file is too small; upload the uncompressed original (see the requirements)."),
        "photo.no_face" => ("未检测到人脸，请上传正面免冠、五官清晰的证件照。", "No face was found; upload a frontal, bareheaded ID photo with the face clearly visible."),
        "photo.several_faces" => ("检测到多张人脸，照片中只能有本人。", "Several faces were found; only you may be in the photo."),
        "photo.face_near_edge" => ("人脸太靠近照片边缘，无法裁剪为一寸照，请让头部位于画面中央并留出空间。", "The face is too close to the edge to crop a one-inch photo; centre the head and leave space around it."),
        "photo.background" => ("背景不是白色，请在白色背景前拍摄。", "The background is not white; take the photo in front of a white background."),
        "photo.too_dark" => ("照片过暗，请在光线充足处重新拍摄。", "The photo is too dark; take it again in good light."),
        "photo.blurred" => ("照片模糊，请对焦清晰后重新拍摄。", "The photo is blurred; take it again in focus."),
        "photo.output_size" => ("无法将照片压缩到规定的文件大小，请换一张照片。", "The photo cannot be compressed to the required size; try another photo."),
        "photo.locked" => (
            "您已提交报名，照片已锁定，不能再修改。如需更换，请联系报考考点的考试管理机构。",
            "You have submitted an application, so your photo is locked. To change it, contact the exam authority of your site.",
        ),
        "photo.not_found" => ("尚未上传照片。", "No photo has been uploaded yet."),
        "wechat.unavailable" => ("暂时无法连接微信，请稍后再试。", "WeChat cannot be reached right now; please try again later."),
        "wechat.not_configured" => ("本平台未配置微信公众号。", "No WeChat official account is configured."),
        "wechat.not_bound" => (
            "该微信未绑定考生账号。请先用用户名和密码登录，在“微信绑定与关注”页面绑定本人微信后再用微信登录。",
            "This WeChat is not bound to a candidate account. Log in with your password and bind it on the WeChat page first."
        ),
        "wechat.code_required" => ("缺少微信登录凭证（code）。", "The WeChat login code is missing."),
        "wechat.code_invalid" => ("微信登录凭证无效或已使用，请重新登录。", "The WeChat login code is invalid or was used; please start again."),
        "wechat.login_state" => (
            "登录请求已失效或不是从本浏览器发起的，请重新用微信登录。",
            "This login was not started in this browser or has expired; please start again."
        ),
        "wechat.login_refused" => ("您在微信中取消了授权，未登录。", "You declined in WeChat; you are not logged in."),
        "reason.required" => ("请填写操作原因（至少 2 个字）。", "Please give the reason (at least 2 characters)."),
        "reason.too_long" => ("原因最多 500 个字。", "The reason can have at most 500 characters."),
        "reason.char_not_allowed" => ("原因中含有不允许的控制字符。", "The reason contains control characters."),
        "field.required" => ("此项必填。", "This field is required."),
        "field.too_long" => ("内容过长", "Too long"),
        "field.char_not_allowed" => ("含有不允许的控制字符。", "Contains control characters."),
        "site.code_format" => ("考点代码为 4 位数字。", "A site code has 4 digits."),
        "site.code_province" => ("考点代码须以本考区代码开头", "The site code must start with your province's code"),
        "site.code_taken" => ("该考点代码已存在。", "A site with this code exists."),
        "site.required" => ("请选择所在考点。", "Please choose your exam site."),
        "site.unknown" => ("没有这个考点，请从列表中选择。", "No such site; choose one from the list."),
        "site.change_pending" => (
            "您有待处理的注册信息修改申请，处理完成前不能更换考点。",
            "You have a correction request waiting; the site cannot change until it is decided.",
        ),
        "correction.unchanged" => ("申请修改的信息与现登记信息相同，请填写更正后的内容。", "The values are the same as registered; enter the corrected ones."),
        "correction.site_required" => ("请先选择所在考点，修改申请将由该考点审核。", "Choose your exam site first; it reviews the request."),
        "correction.already_open" => ("您已有一份待处理的修改申请，请等待考点处理。", "You already have a request waiting for the exam site."),
        "correction.decided" => ("该申请已处理，不能重复处理。", "This request was decided already."),
        "application.no_plan" => ("本年度考试计划尚未发布，暂不能报名。", "This year's exam plan is not published yet; applications are not open."),
        "application.checklist_incomplete" => ("报名前须完成：上传照片、添加学历、绑定并关注微信、实名核验通过。", "Before applying: upload a photo, add education, bind and follow WeChat, and pass the identity check."),
        "application.window_closed" => ("不在本考区网上报名时间内。", "Outside your province's application window."),
        "application.review_window_closed" => ("不在审核时间内。", "Outside the review window."),
        "application.transition_not_allowed" => ("报名当前的状态不允许此操作。", "The application's state does not allow this."),
        "application.changed_meanwhile" => ("报名状态刚刚发生了变化，请刷新后重试。", "The application changed a moment ago; refresh and try again."),
        "application.not_editable" => ("报名已提交或已审核，不能修改；如需修改请先撤回（审核开始前）。", "The application is submitted or decided; withdraw it first (before review starts) to change it."),
        "application.already_applied" => ("您本年度已报名该考试，每人每年每项考试只能报名一次。", "You have already applied for this exam this year."),
        "application.exam_unknown" => ("请选择考试。", "Choose an exam."),
        "application.province_unknown" => ("请选择本年度参加报名的考区。", "Choose a province taking part this year."),
        "application.site_unknown" => ("请选择所选考区内的考点。", "Choose an exam site in the chosen province."),
        "application.specialty_unknown" => ("请选择所选考试的专业。", "Choose a specialty of the chosen exam."),
        "application.work_unit_required" => ("请填写工作单位。", "Enter your employer."),
        "application.work_unit_format" => ("工作单位不能超过 60 个字，且不能含控制字符。", "The employer can be at most 60 characters, without control characters."),
        "application.started_work_required" => ("请填写参加工作时间。", "Enter when you started work."),
        "application.started_work_format" => ("参加工作时间格式应为 年-月，如 2019-07。", "Enter the month you started work as year-month, e.g. 2019-07."),
        "application.started_work_future" => ("参加工作时间不能晚于本月。", "The start of work cannot be after this month."),
        "application.education_not_recorded" => ("最高学历须从您已添加的学历中选择。", "Choose your highest education from the records you added."),
        "application.title_unknown" => ("请选择已取得的资格级别，或选择“无”。", "Choose the qualification you hold, or none."),
        "application.certificate_required" => ("已取得资格的，请填写资格证书编号。", "Enter the certificate number of the qualification you hold."),
        "application.certificate_format" => ("证书编号不超过 30 位，只能包含字母、数字和“-”。", "The certificate number is at most 30 letters, digits or hyphens."),
        "application.photo_missing" => ("请先上传报名照片。", "Upload your photo first."),
        "application.photo_not_confirmed" => ("请确认报名照片。", "Confirm your photo."),
        "application.not_eligible" => ("不符合所报级别的报考条件，不能提交。", "You do not meet the conditions for this level, so it cannot be submitted."),
        "application.files_required" => ("本考区要求上传证明材料，请上传后再提交。", "Your province asks for supporting files; upload them before submitting."),
        "application.file_empty" => ("请选择要上传的文件。", "Choose a file to upload."),
        "application.file_too_large" => ("每个文件不能超过 2 MB。", "Each file can be at most 2 MB."),
        "application.file_type" => ("证明材料须为 PDF 或 JPEG 文件（按文件内容判断）。", "Supporting files must be PDF or JPEG (judged by content)."),
        "application.too_many_files" => ("每份报名最多上传 5 个文件。", "At most 5 files per application."),
        "review.reason_required" => ("请填写原因，考生会看到。", "Give the reason; the candidate reads it."),
        "review.reason_format" => ("原因不能超过 300 个字。", "The reason can be at most 300 characters."),
        "announcement.required" => ("请填写此项。", "Fill this in."),
        "announcement.char_not_allowed" => ("不能含控制字符（标题不能换行）。", "No control characters (and no line breaks in the title)."),
        "announcement.exam_year" => ("请填写考试年度，如 2027。", "Enter the exam year, e.g. 2027."),
        "announcement.may_not_publish" => ("考点管理员不能发布公告，请联系考区管理员。", "Site admins cannot publish notices; ask your province admin."),
        "announcement.withdrawn_already" => ("该公告已撤下。", "This notice was already withdrawn."),
        "plan.may_not_edit" => ("考点管理员不能修改考试计划。", "Site admins cannot change the exam plan."),
        "plan.may_not_upload" => ("只有全国管理员可以导入计划文件。", "Only national admins can import a plan file."),
        "plan.changed_meanwhile" => ("计划刚被他人修改，请查看最新版本后重新修改。", "Someone changed the plan meanwhile; look at the newest revision and make your change again."),
        "plan.file_type" => ("请选择 .yaml、.yml 或 .csv 计划文件（UTF-8，不超过 512 KB）。", "Choose a .yaml, .yml or .csv plan file (UTF-8, at most 512 KB)."),
        "plan.file_invalid" => ("计划文件有错误，未做任何更改：", "The plan file has problems; nothing was changed:"),
        "plan.moment" => ("请填写北京时间，如 2027-01-05 08:00。", "Enter a Beijing time, e.g. 2027-01-05 08:00."),
        "plan.window_order" => ("结束时间应晚于开始时间。", "The window must close after it opens."),
        "plan.window_required" => ("全国默认时间不能为空。", "The defaults cannot be empty."),
        "plan.window_sequence" => ("时间顺序不对：缴费、准考证打印、考试、成绩查询须依次在报名之后开始", "Out of order: payment, tickets, exam and scores must open in that order after applications"),
        "plan.province_not_in_plan" => ("该考区不在本年度计划中。", "That province is not in this year's plan."),
        "application.form_not_ready" => ("报名提交后才能打印申请表。", "The form can be printed once the application is submitted."),
        "document.fonts_missing" => ("申请表暂时无法生成（服务器缺少字体），请稍后再试。", "The form cannot be made right now (fonts are missing on the server); try again later."),
        "document.render_failed" => ("申请表暂时无法生成，请稍后再试。", "The form cannot be made right now; try again later."),
        "review.qr_forged" => ("二维码无法验证：不是本系统打印的申请表，或已被改动。请核对考生证件并手工输入报名号。", "The QR code does not verify: not printed by this system, or altered. Check the candidate's ID and type the number."),
        "review.number_format" => ("请输入报名号（数字），或扫描申请表上的二维码。", "Enter the application number (digits), or scan the QR code on the form."),
        "review.bulk_state" => ("批量通过只能用于“已提交”或“审核中”的报名，请先按状态筛选。", "Bulk approval only works on submitted or under-review applications; filter by state first."),
        "review.bulk_count_changed" => ("筛选结果的数量已变化，请核对新的数量后再确认", "The number of matching applications changed; check the new count and confirm again"),
        "review.bulk_too_many" => ("一次最多批量通过 2000 份报名，请缩小筛选范围。", "At most 2000 applications can be approved at once; narrow the filter."),
        "attachment.required" => ("请上传证件或《考生注册信息修改申请表》的扫描件或照片。", "Please attach a scan or photo of the document or the correction form."),
        "attachment.too_large" => ("附件不能超过 2 MB。", "The attachment can be at most 2 MB."),
        "attachment.type" => ("附件须为 JPEG、PNG 图片或 PDF 文件（按文件内容判断）。", "The attachment must be a JPEG, PNG or PDF file (judged by its content)."),
        "admin.totp_wrong" => ("验证码不正确或已使用，请输入身份验证器上当前显示的 6 位数字。", "The code is wrong or was used; enter the 6 digits your authenticator shows now."),
        "admin.may_not_create" => ("您的级别不能创建管理员或考点。", "Your level cannot create admins or sites."),
        "admin.region_invalid" => ("请选择您负责范围内的地区。", "Choose a region within your own."),
        "identity.outcome_invalid" => ("请选择核查结果。", "Please choose the result."),
        "account.locked_by_authority" => (
            "此账号已被考试管理机构锁定，暂时不能登录。请携带本人有效身份证件联系所在考点。",
            "This account was locked by the exam authority. Take your ID document to your exam site.",
        ),
        "storage.unavailable" => ("文件存储暂时不可用，请稍后再试。", "File storage is unavailable right now; please try again later."),
        "service.busy" => ("当前访问人数较多，请稍后再试。", "The service is busy; please try again shortly."),
        _ => ("系统繁忙，请稍后再试。", "Something went wrong; please try again later."),
    };
    let text = lang.pick(zh, en);
    match detail {
        Some(detail) if code == "name.char_not_allowed" => match lang {
            Lang::Zh => format!("{text}：“{detail}”。"),
            Lang::En => format!("{text}: “{detail}”."),
        },
        Some(max) if code == "field.too_long" => match lang {
            Lang::Zh => format!("{text}，最多 {max} 个字。"),
            Lang::En => format!("{text}: at most {max} characters."),
        },
        Some(province) if code == "site.code_province" => match lang {
            Lang::Zh => format!("{text}（{province}）。"),
            Lang::En => format!("{text} ({province})."),
        },
        Some(minutes) if code == "login.locked" => match lang {
            Lang::Zh => format!("{text}（约 {minutes} 分钟后解除）。"),
            Lang::En => format!("{text} (about {minutes} minutes)."),
        },
        Some(detail) if code == "plan.window_sequence" => {
            let (province, before) = detail.split_once('|').unwrap_or((detail, ""));
            match lang {
                Lang::Zh => format!("{text}（考区 {province}：不应早于{before}开始）。"),
                Lang::En => format!("{text} (province {province})."),
            }
        }
        Some(count) if code == "review.bulk_count_changed" => match lang {
            Lang::Zh => format!("{text}（现为 {count} 份）。"),
            Lang::En => format!("{text} (now {count})."),
        },
        None if code == "login.locked" => format!("{text}{}", lang.pick("。", ".")),
        _ => text.to_string(),
    }
}
