// The booking assistant's chat: use the browser's timezone unless the page was given one,
// and put the cursor back in the message box after each answer.
(function () {
  "use strict";
  function detectTimezone(root) {
    var form = root.querySelector("[data-assistant-detect-timezone]");
    if (!form) return;
    var select = form.querySelector("select[name=timezone]");
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (error) { return; }
    if (!select || !zone) return;
    var known = Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
    if (known) select.value = zone;
    form.removeAttribute("data-assistant-detect-timezone");
  }
  document.addEventListener("DOMContentLoaded", function () { detectTimezone(document); });
  document.addEventListener("htmx:afterSwap", function (event) {
    var chat = document.getElementById("assistant-chat");
    if (!chat) return;
    var box = chat.querySelector("textarea[name=message]");
    if (box) box.focus();
    var turns = chat.querySelectorAll(".assistant-turn");
    if (turns.length) turns[turns.length - 1].scrollIntoView({block: "nearest"});
  });
})();
