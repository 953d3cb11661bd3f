"""wechatpy (an independent implementation of the official account's protocol, from PyPI) as an oracle for
kaowu's callback: wechatpy builds and encrypts pushes that kaowu must accept, and decrypts and verifies kaowu's
replies; kaowu must refuse tampered signatures, another appid's messages and replays.

It also checks the website login: kaowu sends the browser exactly where wechatpy's WeChatOAuth.qrconnect_url
says, and wechatpy's OAuth client exchanges a code at the demo's simulated WeChat.

Usage: oracle.py BASE_URL APPID TOKEN ENCODING_AES_KEY WEB_APPID WEB_SECRET
       (a `kaowu demo` in safe mode; scripts/wechat-oracle.sh)
"""

import hashlib
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.oauth import WeChatOAuth
from wechatpy.utils import check_signature

base, appid, token, aes_key, web_appid, web_secret = sys.argv[1:7]
crypto = WeChatCrypto(token, aes_key, appid)
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def url_signature(timestamp, nonce):
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def post(query, body):
    request = urllib.request.Request(
        f"{base}/wechat/callback?{urllib.parse.urlencode(query)}", data=body.encode(), method="POST",
        headers={"Content-Type": "text/xml"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def event_xml(openid, event, key=None):
    extra = f"<EventKey><![CDATA[{key}]]></EventKey><Ticket><![CDATA[T]]></Ticket>" if key else ""
    return (f"<xml><ToUserName><![CDATA[gh_kaowu]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event>{extra}</xml>")


def send_encrypted(plain_xml, nonce, with_crypto=crypto, tamper=False):
    timestamp = str(int(time.time()))
    envelope = parse_message_envelope(with_crypto.encrypt_message(plain_xml, nonce, timestamp))
    msg_signature = envelope["MsgSignature"]
    if tamper:
        msg_signature = "0" * 40
    query = {"signature": url_signature(timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
             "encrypt_type": "aes", "msg_signature": msg_signature}
    body = f"<xml><ToUserName><![CDATA[gh_kaowu]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
    return timestamp, post(query, body)


def parse_message_envelope(xml):
    import xmltodict
    return xmltodict.parse(xml)["xml"]


# 1. URL verification, checked the way wechatpy checks a signature.
timestamp, nonce = str(int(time.time())), "1357"
signature = url_signature(timestamp, nonce)
check_signature(token, signature, timestamp, nonce)  # wechatpy agrees with our computation
with urllib.request.urlopen(f"{base}/wechat/callback?" + urllib.parse.urlencode(
        {"signature": signature, "timestamp": timestamp, "nonce": nonce, "echostr": "oracle-echo"})) as response:
    check(response.read().decode() == "oracle-echo", "URL verification echoes echostr")

# 2. A follow by QR code, encrypted by wechatpy: kaowu accepts it; wechatpy decrypts and verifies the reply.
timestamp, (status, reply) = send_encrypted(event_xml("oORACLE1", "subscribe", "qrscene_oracle"), "2468")
check(status == 200, f"encrypted subscribe accepted (HTTP {status})")
try:
    envelope = parse_message_envelope(reply)
    plain = crypto.decrypt_message(reply, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
    message = parse_message(plain)
    check(message.type == "text" and message.source == "gh_kaowu" and message.target == "oORACLE1",
          "the reply decrypts under wechatpy and goes from the account to the follower")
    check(getattr(message, "content", "").find("绑定") >= 0, "the reply says how to bind")
except (InvalidSignatureException, InvalidAppIdException, KeyError) as error:
    check(False, f"wechatpy verifies kaowu's reply ({error!r})")

# 3. Refusals.
_, (status, _) = send_encrypted(event_xml("oORACLE2", "subscribe"), "1111", tamper=True)
check(status == 403, f"a tampered msg_signature is refused (HTTP {status})")
other = WeChatCrypto(token, aes_key, "wx0000000000000000")
_, (status, _) = send_encrypted(event_xml("oORACLE3", "subscribe"), "2222", with_crypto=other)
check(status == 403, f"a message for another appid is refused (HTTP {status})")
old = str(int(time.time()) - 3600)
query = {"signature": url_signature(old, "3333"), "timestamp": old, "nonce": "3333"}
status, _ = post(query, event_xml("oORACLE4", "subscribe"))
check(status == 403, f"a replay an hour old is refused (HTTP {status})")


# 4. Website login (open platform): the redirect kaowu builds is wechatpy's, and wechatpy's OAuth client
#    understands the simulated WeChat's answers.
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


browser = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor())


def location(url, data=None):
    try:
        browser.open(url, data=data)
    except urllib.error.HTTPError as answer:
        if answer.code in (302, 303):
            return answer.headers["Location"]
        raise
    raise AssertionError(f"{url} did not redirect")


to_wechat = location(f"{base}/login/wechat/web")
state = urllib.parse.parse_qs(urllib.parse.urlsplit(to_wechat).query)["state"][0]
oauth = WeChatOAuth(web_appid, web_secret, f"{base}/login/wechat/callback", scope="snsapi_login", state=state)
oauth.OAUTH_BASE_URL = f"{base}/sim/wechat/connect/"
oauth.API_BASE_URL = f"{base}/sim/wechat/"
check(to_wechat == oauth.qrconnect_url, f"kaowu's qrconnect redirect is wechatpy's ({to_wechat})")
waiting = urllib.parse.urljoin(to_wechat, location(to_wechat.split("#")[0]))
uuid = urllib.parse.parse_qs(urllib.parse.urlsplit(waiting).query)["uuid"][0]
form = urllib.parse.urlencode({"openid": "oSIMUSER0000000000000000003", "uuid": uuid, "decision": "allow"}).encode()
location(f"{base}/sim/wechat/phone/web-login", data=form)
back = urllib.parse.urlsplit(location(waiting))
returned = urllib.parse.parse_qs(back.query)
check(back.path == "/login/wechat/callback" and returned["state"] == [state], "WeChat returns to kaowu's callback with the state")
answer = oauth.fetch_access_token(returned["code"][0])
check(answer["openid"].startswith("o") and answer["openid"] != "oSIMUSER0000000000000000003" and answer.get("unionid"),
      "wechatpy exchanges the code: the website app's own openid, and the unionid")
check(oauth.get_user_info()["unionid"] == answer["unionid"], "wechatpy reads the user info")

if failures:
    sys.exit(f"{len(failures)} oracle check(s) failed")
