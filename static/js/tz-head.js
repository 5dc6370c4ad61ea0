// Runs in <head> before the first paint. Records the browser's IANA timezone and 12/24-hour
// clock in cookies the server reads, so every page after the first renders in the guest's time
// without a reload; marks the page as scripted for CSS.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  function read(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }
  function write(name, value) {
    document.cookie = name + "=" + encodeURIComponent(value) + "; path=/; max-age=31536000; SameSite=Lax";
  }
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    // "tzb" is what the browser says now; "tz" is a zone the guest picked on a page and wins.
    if (zone && read("tzb") !== zone) write("tzb", zone);
    if (!read("clock")) {
      var cycle = new Intl.DateTimeFormat(undefined, { hour: "numeric" }).resolvedOptions().hourCycle;
      write("clock", cycle === "h11" || cycle === "h12" ? "12" : "24");
    }
  } catch (error) { /* old browsers: the server's defaults stand */ }
})();
