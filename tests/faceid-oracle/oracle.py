"""The Tencent Cloud SDK for Python (tencentcloud-sdk-python-faceid, from PyPI) as an independent oracle for
kaowu's FaceID simulator: the SDK signs its requests with TC3-HMAC-SHA256 and the simulator must accept them
(and refuse them under a wrong key); the SDK must understand the simulator's answers. kaowu's own client signs
the same way and is tested against the simulator in crates/integrations/tests/faceid.rs, so both directions
meet in one implementation of the check.

Usage: oracle.py HOST:PORT SECRET_ID SECRET_KEY   (a running `faceid-simulator`; scripts/faceid-oracle.sh)
"""

import json
import sys
import urllib.request

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.faceid.v20180301 import faceid_client, models

endpoint, secret_id, secret_key = sys.argv[1:4]
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def client(key=secret_key, sid=secret_id):
    http = HttpProfile(protocol="http", endpoint=endpoint)
    return faceid_client.FaceidClient(credential.Credential(sid, key), "", ClientProfile(httpProfile=http))


def id_card(name, number, with_client=None):
    request = models.IdCardVerificationRequest()
    request.from_json_string(json.dumps({"Name": name, "IdCard": number}))
    return (with_client or client()).IdCardVerification(request)


# 1. The SDK's signature is accepted, and its parser reads the verdicts.
answer = id_card("韦小宝", "110105199003071001")
check(answer.Result == "0" and answer.RequestId, f"a matching identity: Result {answer.Result}")
check(id_card("李四", "11010519900307101X").Result == "-1", "a registered number under another name: -1")
check(id_card("韦小宝", "11204416541220243X").Result == "-2", "Tencent's documentation example has a bad check character: -2")

# 2. A wrong key or an unknown SecretId is refused with Tencent's error codes, which the SDK raises.
for what, made, expected in [("a wrong key", client(key="wrong"), "AuthFailure.SignatureFailure"),
                             ("an unknown SecretId", client(sid="AKIDnobody"), "AuthFailure.SecretIdNotFound")]:
    try:
        id_card("韦小宝", "110105199003071001", with_client=made)
        check(False, f"{what} is refused")
    except TencentCloudSDKException as error:
        check(error.get_code() == expected, f"{what} is refused with {error.get_code()}")

# 3. The face-verification flow: DetectAuth, the tester's page, GetDetectInfoEnhanced.
request = models.DetectAuthRequest()
request.from_json_string(json.dumps({"RuleId": "1", "IdCard": "110105199003071001", "Name": "韦小宝",
                                     "RedirectUrl": "http://kaowu.test/done"}))
started = client().DetectAuth(request)
check(started.BizToken and "/verify?token=" in started.Url, "DetectAuth gives a BizToken and the page's address")
form = urllib.parse.urlencode({"token": started.BizToken, "result": "pass"}).encode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


try:
    urllib.request.build_opener(NoRedirect).open(f"http://{endpoint}/verify", data=form)
except urllib.error.HTTPError as redirect:
    check(redirect.code == 303 and redirect.headers["Location"].startswith("http://kaowu.test/done?token="),
          "the tester's pass sends the browser back with the token")
request = models.GetDetectInfoEnhancedRequest()
request.from_json_string(json.dumps({"BizToken": started.BizToken, "RuleId": "1", "InfoType": "0"}))
result = client().GetDetectInfoEnhanced(request)
check(result.Text.ErrCode == 0 and float(result.Text.Sim) >= 70 and result.Text.Name == "韦小宝",
      f"GetDetectInfoEnhanced reports the pass (ErrCode {result.Text.ErrCode}, Sim {result.Text.Sim})")

if failures:
    sys.exit(f"{len(failures)} oracle check(s) failed")
