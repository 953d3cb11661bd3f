// The security-question fields (registration, 修改安全问题): the custom question is only needed when "write my
// own" is chosen. The form works without this script; it only hides the field that does not apply.
(function () {
  "use strict";
  const choice = document.getElementById("security_question_choice");
  const custom = document.querySelector("[data-custom-question]");
  if (!choice || !custom) return;
  const sync = function () { custom.hidden = choice.value !== "custom"; };
  choice.addEventListener("change", sync);
  sync();
})();
