// Show times in the guest's own timezone: on a booking page opened without ?tz=,
// pick the browser's zone and reload with it in the URL (so the choice is shareable).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-detect-timezone]");
    if (!form) return;
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    var select = form.querySelector("select[name=tz]");
    if (!zone || !select || select.value === zone) return;
    var known = Array.prototype.some.call(select.options, function (option) {
      return option.value === zone;
    });
    if (!known) return;
    var url = new URL(window.location.href);
    url.searchParams.set("tz", zone);
    url.searchParams.delete("date");
    window.location.replace(url.toString());
  });
})();
