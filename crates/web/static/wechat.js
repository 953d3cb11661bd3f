// 微信绑定与关注 and 微信扫码登录: ask the server every two seconds what became of the QR code, and show it
// without a reload (or, once logged in, go on). The server's answer is the truth; a missed poll only delays it.
(function () {
  "use strict";
  var figure = document.getElementById("bind-qr");
  var status = document.getElementById("bind-status");
  if (!figure || !status) return;
  var scene = figure.dataset.scene;
  var statusUrl = figure.dataset.statusUrl || "/me/wechat/status";
  var timer = setInterval(poll, 2000);
  async function poll() {
    try {
      var response = await fetch(statusUrl + "?scene=" + encodeURIComponent(scene), {
        headers: { "Accept": "application/json", "Accept-Language": document.documentElement.lang },
        credentials: "same-origin",
      });
      if (!response.ok) return;
      var answer = await response.json();
      if (answer.state === "waiting") return;
      clearInterval(timer);
      status.textContent = answer.message;
      status.dataset.state = answer.state;
      if (answer.redirect) {
        window.location.assign(answer.redirect);
        return;
      }
      if (answer.state === "bound" || answer.state === "following") {
        status.className = "success";
        figure.hidden = true;
      } else {
        status.className = "alert";
      }
    } catch (e) {
      // Network hiccup: the next poll tries again.
    }
  }
})();
