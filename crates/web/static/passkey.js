// 通行密钥: runs the WebAuthn ceremonies for the account page (add a passkey) and the login page (log in with
// one, no username typed). The server makes and checks every challenge; this script only carries its options to
// the browser's passkey prompt and the answer back, as JSON, with the page's CSRF token in a header.
(function () {
  "use strict";
  var zh = document.documentElement.lang !== "en";
  function t(zhText, enText) { return zh ? zhText : enText; }

  var supported = !!(window.PublicKeyCredential && navigator.credentials);

  function fromBase64url(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(base64 + "===".slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }
  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer), raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function withIds(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: fromBase64url(c.id) }); });
  }
  // Browsers without the WebAuthn JSON helpers (older Safari, Firefox) get the same conversion by hand.
  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    return Object.assign({}, json, {
      challenge: fromBase64url(json.challenge),
      user: Object.assign({}, json.user, { id: fromBase64url(json.user.id) }),
      excludeCredentials: withIds(json.excludeCredentials),
    });
  }
  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    return Object.assign({}, json, { challenge: fromBase64url(json.challenge), allowCredentials: withIds(json.allowCredentials) });
  }
  function credentialJson(credential) {
    if (typeof credential.toJSON === "function") return credential.toJSON();
    var r = credential.response, response = { clientDataJSON: toBase64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toBase64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
      if (r.getAuthenticatorData) response.authenticatorData = toBase64url(r.getAuthenticatorData());
      if (r.getPublicKey && r.getPublicKey()) response.publicKey = toBase64url(r.getPublicKey());
      if (r.getPublicKeyAlgorithm) response.publicKeyAlgorithm = r.getPublicKeyAlgorithm();
    } else {
      response.authenticatorData = toBase64url(r.authenticatorData);
      response.signature = toBase64url(r.signature);
      response.userHandle = r.userHandle ? toBase64url(r.userHandle) : null;
    }
    return {
      id: credential.id, rawId: toBase64url(credential.rawId), type: credential.type, response: response,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
    };
  }

  async function post(url, csrf, body) {
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf, "Accept-Language": document.documentElement.lang },
      body: JSON.stringify(body || {}),
    });
    var answer = await response.json().catch(function () { return {}; });
    if (!response.ok) throw new Error(answer.message || t("操作失败，请重试。", "That did not work; please try again."));
    return answer;
  }

  // Passkeys belong to one domain (the RP ID); on another address of the same server the browser refuses them.
  function wrongHost(rpId) {
    var host = location.hostname;
    return rpId && host !== rpId && !host.endsWith("." + rpId);
  }
  function wrongHostMessage(rpId) {
    var address = location.protocol + "//" + rpId + (location.port ? ":" + location.port : "") + location.pathname;
    return t("通行密钥只能在 " + address + " 使用，请用这个地址打开本页。", "Passkeys work only at " + address + "; open this page there.");
  }
  function ceremonyMessage(error) {
    if (error && error.name === "NotAllowedError") return t("已取消，或设备未完成验证。", "Cancelled, or the device did not confirm it is you.");
    if (error && error.name === "InvalidStateError") return t("这台设备上已经有本账号的通行密钥。", "This device already holds a passkey for this account.");
    return (error && error.message) || t("操作失败，请重试。", "That did not work; please try again.");
  }

  var register = document.querySelector("[data-passkey-register]");
  if (register) {
    var addButton = document.getElementById("passkey-add-button");
    var status = document.getElementById("passkey-status");
    if (!supported) {
      status.textContent = t("此浏览器不支持通行密钥，请换用较新的浏览器或手机。", "This browser does not support passkeys; use a newer browser or phone.");
    } else {
      addButton.disabled = false;
      register.addEventListener("submit", async function (event) {
        event.preventDefault();
        var name = document.getElementById("passkey-name").value.trim();
        if (!name) {
          status.className = "error";
          status.textContent = t("请为通行密钥起个名字，例如“我的手机”。", "Give the passkey a name, such as “My phone”.");
          return;
        }
        addButton.disabled = true;
        status.className = "";
        status.textContent = t("请在设备的提示中确认（面容、指纹或 PIN）…", "Confirm on your device (face, fingerprint or PIN)…");
        try {
          var options = await post("/me/passkeys/options", register.dataset.csrf);
          if (wrongHost(options.rp && options.rp.id)) throw new Error(wrongHostMessage(options.rp.id));
          var credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
          status.textContent = t("正在保存…", "Saving…");
          var saved = await post("/me/passkeys", register.dataset.csrf, { name: name, credential: credentialJson(credential) });
          window.location.assign(saved.next);
        } catch (error) {
          status.className = "error";
          status.textContent = ceremonyMessage(error);
          addButton.disabled = false;
        }
      });
    }
  }

  var login = document.querySelector("[data-passkey-login]");
  if (login && supported) {
    login.hidden = false;
    var loginButton = document.getElementById("passkey-login-button");
    var loginStatus = document.getElementById("passkey-status");
    loginButton.addEventListener("click", async function () {
      loginButton.disabled = true;
      loginStatus.className = "";
      loginStatus.textContent = t("请在设备的提示中选择通行密钥…", "Choose your passkey in your device's prompt…");
      try {
        var options = await post("/login/passkey/options", login.dataset.csrf);
        if (wrongHost(options.rpId)) throw new Error(wrongHostMessage(options.rpId));
        var credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
        loginStatus.textContent = t("正在登录…", "Logging in…");
        var done = await post("/login/passkey", login.dataset.csrf, { credential: credentialJson(credential) });
        window.location.assign(done.next);
      } catch (error) {
        loginStatus.className = "error";
        loginStatus.textContent = ceremonyMessage(error);
        loginButton.disabled = false;
      }
    });
  }
})();
