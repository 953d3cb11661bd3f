// 报名照片: while the server checks and crops the upload (up to a second or two for a large original), show
// that it is working and keep the button from sending the same file twice. The form works without this.
(function () {
  "use strict";
  var form = document.getElementById("photo-form");
  if (!form) return;
  var input = document.getElementById("photo");
  var button = document.getElementById("photo-submit");
  var progress = document.getElementById("photo-progress");
  form.addEventListener("submit", function (event) {
    if (!input.files || input.files.length === 0) return;
    if (button.disabled) {
      event.preventDefault();
      return;
    }
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    progress.hidden = false;
  });
  // Coming back through the browser's history re-enables the form.
  window.addEventListener("pageshow", function () {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    progress.hidden = true;
  });
})();
