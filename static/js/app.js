// Small page helpers: copy buttons, one submit per form, timezone pre-fill on onboarding.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.value || source.textContent;
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      source.select && source.select();
      document.execCommand("copy");
      done();
    }
  });
  // A second click must not send a second booking: disable the button once a form is sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[method=post]")) return;
    setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });
  // The Content-Security-Policy forbids inline handlers and style attributes: selects that
  // submit on change say so with data-autosubmit, and calendar items carry their position
  // (percent of the day) in data-top / data-height, applied here through the CSSOM.
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });
  function placeCalendarItems(root) {
    root.querySelectorAll("[data-top][data-height]").forEach(function (item) {
      item.style.top = item.getAttribute("data-top") + "%";
      item.style.height = item.getAttribute("data-height") + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { placeCalendarItems(document); });
  document.addEventListener("htmx:afterSwap", function (event) { placeCalendarItems(event.target); });
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-prefill-timezone]");
    if (!form) return;
    var select = form.querySelector("select[name=timezone]");
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (error) { return; }
    if (!select || !zone || select.value !== "UTC") return;
    var known = Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
    if (known) select.value = zone;
  });
})();
