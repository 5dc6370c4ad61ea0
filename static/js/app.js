// Page behaviour, all progressive: every page works without it. No inline scripts (CSP).
(function () {
  "use strict";
  var narrow = function () { return window.matchMedia("(max-width: 44rem)").matches; };

  // --- copy buttons: data-copy="#selector" or data-copy-text="..." ---------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy], [data-copy-text]");
    if (!button) return;
    var text = button.getAttribute("data-copy-text");
    var source = text === null ? document.querySelector(button.getAttribute("data-copy")) : null;
    if (text === null) { if (!source) return; text = source.value || source.textContent; }
    var label = button.textContent;
    var done = function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else if (source && source.select) {
      source.select(); document.execCommand("copy"); done();
    }
  });

  // --- a second click must not send a second booking: disable the button once sent -----------
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[method=post]")) return;
    setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
    }, 0);
  });

  // --- auto-submitting controls (replace inline onchange handlers) ----------------------------
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]")) event.target.form.requestSubmit();
  });

  function onReady() {
    focusFirstError();
    placeCalendarItems(document);
    setUpCalendarToggle();
    setUpUndo();
    setUpHoursEditor();
    setUpTimezonePicker();
    setUpZoneFields();
    setUpEventTypeDrag();
    refreshPickerForBrowserZone();
  }
  document.addEventListener("DOMContentLoaded", onReady);

  // A form sent back with errors: put the keyboard on the first field to fix.
  function focusFirstError() {
    var invalid = document.querySelector("main [aria-invalid=true]");
    if (invalid) { invalid.focus(); return; }
    // A form page refused as a whole (e.g. the time was just taken): read the reason first.
    if (!document.querySelector("[data-focus-first-error]")) return;
    var alert = document.querySelector("main .alert--error[role=alert]");
    if (alert) { alert.setAttribute("tabindex", "-1"); alert.focus(); }
  }

  // --- guest picker: focus stays where the guest is; the result is announced -----------------
  var pendingFocus = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var trigger = event.detail.elt;
    pendingFocus = trigger && trigger.getAttribute ? trigger.getAttribute("data-focus-key") : null;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var picker = document.getElementById("picker");
    if (!picker || !event.detail.target) return;
    var status = document.getElementById("picker-status");
    if (status) status.textContent = picker.getAttribute("data-announce") || "";
    setUpTimezonePicker();
    var key = pendingFocus;
    pendingFocus = null;
    if (key === "day") {
      var selected = picker.querySelector(".picker-day--selected");
      if (selected) selected.focus();
      if (narrow()) {
        var heading = document.getElementById("picker-slots-heading");
        if (heading) heading.scrollIntoView({ block: "start", behavior: "smooth" });
      }
    } else if (key === "prev" || key === "next") {
      var same = picker.querySelector("[data-focus-key=" + key + "]");
      (same || document.getElementById("picker-month")).focus();
    }
  });

  // First visit straight to a booking page: the server had no zone cookie yet and drew the
  // host's zone. The head script has set it now: redraw only the picker (no page reload).
  function refreshPickerForBrowserZone() {
    var area = document.querySelector("[data-picker-area][data-zone-source=host]");
    if (!area || !window.htmx) return;
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (error) { return; }
    if (!zone || zone === area.getAttribute("data-zone")) return;
    redrawPickerArea();
  }

  // Redraws the picker area at the page's current address without losing the guest's work:
  // a keyboard guest keeps their place (the same control in the new picker, never the page
  // top); a zone being typed is left alone; a guest who moved meanwhile (a day, a month) gets
  // their move first, and the redraw then follows at the address they moved to.
  function redrawPickerArea() {
    var place = null;
    var moved = false;
    var redrawn = false;
    var pending = [];  // the guest's own picker requests still under way
    var onRequest = function (event) {
      var from = event.detail.elt;
      if (from && from.id !== "picker-area" && from.closest && from.closest("#picker-area")) {
        moved = true;
        pending.push(event.detail.xhr);
      }
    };
    var onDone = function (event) {
      var index = pending.indexOf(event.detail.xhr);
      if (index >= 0) pending.splice(index, 1);
      if (moved && redrawn && !pending.length) { stopListening(); redrawPickerArea(); }
    };
    var beforeSwap = function (event) {
      if (!event.detail.target || event.detail.target.id !== "picker-area") return;
      var typed = document.getElementById("tz-input");
      if (moved || typed && (typed.value !== typed.defaultValue ||
                             typed.getAttribute("aria-expanded") === "true")) {
        event.detail.shouldSwap = false;
        return;
      }
      var current = document.activeElement;
      place = current && event.detail.target.contains(current) ? focusPlace(current) : null;
    };
    // Straight after the swap, before the next key press can land on the page top.
    var afterSwap = function (event) {
      var fresh = event.target;
      if (!place || fresh.id !== "picker-area") return;
      var match = Array.prototype.filter.call(
        fresh.querySelectorAll("a[href], button, input:not([type=hidden]), select"),
        function (el) { return focusPlace(el) === place; })[0];
      place = null;
      if (match && document.activeElement !== match) match.focus();
    };
    var stopListening = function () {
      document.removeEventListener("htmx:beforeRequest", onRequest);
      document.removeEventListener("htmx:afterRequest", onDone);
      document.removeEventListener("htmx:beforeSwap", beforeSwap);
      document.removeEventListener("htmx:afterSwap", afterSwap);
    };
    document.addEventListener("htmx:beforeRequest", onRequest);
    document.addEventListener("htmx:afterRequest", onDone);
    document.addEventListener("htmx:beforeSwap", beforeSwap);
    document.addEventListener("htmx:afterSwap", afterSwap);
    window.htmx.ajax("GET", window.location.href, { target: "#picker-area", swap: "outerHTML" })
      .then(function () {
        redrawn = true;
        if (!moved) { stopListening(); return; }
        // Follow the guest's move once their own requests are answered.
        if (!pending.length) { stopListening(); redrawPickerArea(); }
      });
  }
  // Names a control by what it is, not by the node: its id, else its role in the picker and text.
  function focusPlace(el) {
    if (el.id) return "#" + el.id;
    return (el.getAttribute("data-focus-key") || el.tagName) + ":" + el.textContent.trim();
  }

  // --- timezone combobox ---------------------------------------------------------------------
  var zoneCache = null;
  function zoneEntries() {
    if (zoneCache) return zoneCache;
    var names = [];
    try { names = Intl.supportedValuesOf("timeZone"); } catch (error) { names = []; }
    var now = new Date();
    zoneCache = names.map(function (name) {
      var parts = {};
      try {
        new Intl.DateTimeFormat("en-GB", { timeZone: name, timeZoneName: "shortOffset", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
          .formatToParts(now).forEach(function (part) { parts[part.type] = part.value; });
      } catch (error) { return null; }
      var city = name.split("/").pop().replace(/_/g, " ");
      var region = name.indexOf("/") > 0 ? name.split("/")[0].replace(/_/g, " ") : "";
      return {
        name: name, city: city, region: region,
        offset: parts.timeZoneName || "GMT", time: (parts.hour || "") + ":" + (parts.minute || ""),
        search: (name + " " + city + " " + (parts.timeZoneName || "")).toLowerCase().replace(/_/g, " ")
      };
    }).filter(Boolean);
    return zoneCache;
  }
  function zoneLabel(entry) { return entry.city + " (" + entry.offset + ") · " + entry.time; }

  function zoneLabelOf(name) {
    var found = zoneEntries().filter(function (entry) { return entry.name === name; })[0];
    return found ? zoneLabel(found) : name;
  }

  // A text box becomes a combobox of readable zones; the IANA name goes in a hidden input
  // that takes over the box's name. onChoose(name) runs after a choice.
  function makeZoneCombobox(input, onChoose) {
    var form = input.form;
    var base = input.id || "zone";
    var list = document.createElement("ul");
    list.id = base + "-list";
    list.className = "tz-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Timezones");
    list.hidden = true;
    input.parentNode.insertBefore(list, input.nextSibling);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = input.name;
    hidden.value = input.getAttribute("data-zone") || "";
    input.removeAttribute("name");
    form.appendChild(hidden);
    var shown = [];
    var active = -1;
    var original = input.value;

    function render(query) {
      var words = query.toLowerCase().split(/\s+/).filter(Boolean);
      shown = zoneEntries().filter(function (entry) {
        return words.every(function (word) { return entry.search.indexOf(word) !== -1; });
      }).slice(0, 60);
      list.innerHTML = "";
      shown.forEach(function (entry, index) {
        var item = document.createElement("li");
        item.id = base + "-option-" + index;
        item.className = "tz-option";
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.dataset.zone = entry.name;
        var name = document.createElement("span");
        name.textContent = entry.city + (entry.region ? ", " + entry.region : "");
        var meta = document.createElement("span");
        meta.className = "tz-option-meta";
        meta.textContent = entry.offset + " · " + entry.time;
        item.appendChild(name);
        item.appendChild(meta);
        list.appendChild(item);
      });
      active = -1;
      list.hidden = shown.length === 0;
      input.setAttribute("aria-expanded", shown.length ? "true" : "false");
      input.removeAttribute("aria-activedescendant");
    }
    function highlight(index) {
      var items = list.children;
      if (!items.length) return;
      if (active >= 0 && items[active]) items[active].setAttribute("aria-selected", "false");
      active = (index + items.length) % items.length;
      items[active].setAttribute("aria-selected", "true");
      items[active].scrollIntoView({ block: "nearest" });
      input.setAttribute("aria-activedescendant", items[active].id);
    }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function choose(index) {
      var entry = shown[index];
      if (!entry) return;
      input.value = zoneLabel(entry);
      original = input.value;
      hidden.value = entry.name;
      close();
      onChoose(entry.name);
    }
    input.addEventListener("focus", function () { input.select(); });
    input.addEventListener("input", function () { render(input.value); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); if (list.hidden) render(input.value === original ? "" : input.value); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Enter") { if (!list.hidden && active >= 0) { event.preventDefault(); choose(active); } else if (!list.hidden && shown.length) { event.preventDefault(); choose(0); } }
      else if (event.key === "Escape") { if (!list.hidden) event.preventDefault(); close(); input.value = original; input.select(); }
    });
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      var item = event.target.closest("[role=option]");
      if (item) choose(Array.prototype.indexOf.call(list.children, item));
    });
    // Typed text that was not chosen is dropped: the last chosen zone stays.
    input.addEventListener("blur", function () { setTimeout(function () { close(); if (hidden.value) input.value = original; }, 150); });
    return {
      set: function (name) { hidden.value = name; input.value = zoneLabelOf(name); original = input.value; }
    };
  }

  function setUpTimezonePicker() {
    var input = document.getElementById("tz-input");
    if (!input || input.hasAttribute("role")) return;
    var form = input.form;
    makeZoneCombobox(input, function (name) {
      document.cookie = "tz=" + encodeURIComponent(name) + "; path=/; max-age=31536000; SameSite=Lax";
      form.requestSubmit();
    });
    form.addEventListener("submit", function () {
      if (document.activeElement && document.activeElement.name === "clock") {
        document.cookie = "clock=" + document.activeElement.value + "; path=/; max-age=31536000; SameSite=Lax";
      }
    });
  }

  // The host's forms (settings, weekly hours, a booking for a guest): the same picker, which
  // only fills the field; the form's own Save sends it. On first set-up (the zone still
  // UTC) it starts from the browser's zone.
  function setUpZoneFields() {
    document.querySelectorAll("input[data-zone-picker]").forEach(function (input) {
      if (input.hasAttribute("role")) return;
      var wrapper = document.createElement("div");
      wrapper.className = "tz-combo";
      input.parentNode.insertBefore(wrapper, input);
      wrapper.appendChild(input);
      var picker = makeZoneCombobox(input, function () {});
      var prefill = input.form && input.form.hasAttribute("data-prefill-timezone");
      var zone;
      try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (error) { zone = ""; }
      if (prefill && input.getAttribute("data-zone") === "UTC" && zone && zone !== "UTC" &&
          zoneEntries().some(function (entry) { return entry.name === zone; })) {
        picker.set(zone);
      }
    });
  }

  // --- event types: drag by the handle to reorder (the arrows stay, for keyboards) ----------
  function setUpEventTypeDrag() {
    var list = document.querySelector("[data-et-order]");
    if (!list) return;
    var status = document.getElementById("et-order-status");
    function items() { return Array.prototype.slice.call(list.querySelectorAll("[data-et-id]")); }
    function ids() { return items().map(function (item) { return item.getAttribute("data-et-id"); }); }
    function syncArrows() {
      var all = items();
      all.forEach(function (item, index) {
        var up = item.querySelector("[data-et-up]");
        var down = item.querySelector("[data-et-down]");
        if (up) up.disabled = index === 0;
        if (down) down.disabled = index === all.length - 1;
      });
    }
    function save(moved, before) {
      var token = document.querySelector("[name=csrfmiddlewaretoken]");
      var body = ids().map(function (id) { return "order=" + encodeURIComponent(id); }).join("&");
      fetch(list.getAttribute("data-et-order"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": token ? token.value : "" },
        body: body
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        var place = items().indexOf(moved) + 1;
        status.textContent = "Moved " + moved.getAttribute("data-et-title") + " to place " + place + " of " + items().length + ".";
      }).catch(function () {
        before.forEach(function (id) { list.appendChild(list.querySelector("[data-et-id='" + id + "']")); });
        syncArrows();
        status.textContent = "The new order could not be saved. Reload the page and try again.";
      });
    }
    list.addEventListener("pointerdown", function (event) {
      var handle = event.target.closest("[data-et-drag]");
      if (!handle || event.button > 0) return;
      event.preventDefault();
      var dragged = handle.closest("[data-et-id]");
      var before = ids();
      // Listened for on the document: moving the item in the list drops a pointer capture.
      dragged.classList.add("et-item--dragging");
      function move(moveEvent) {
        var next = null;
        items().some(function (item) {
          if (item === dragged) return false;
          var box = item.getBoundingClientRect();
          if (moveEvent.clientY < box.top + box.height / 2) { next = item; return true; }
          return false;
        });
        if (next !== dragged.nextElementSibling) list.insertBefore(dragged, next);
      }
      function end() {
        document.removeEventListener("pointermove", move);
        document.removeEventListener("pointerup", end);
        document.removeEventListener("pointercancel", end);
        dragged.classList.remove("et-item--dragging");
        syncArrows();
        if (ids().join() !== before.join()) save(dragged, before);
      }
      document.addEventListener("pointermove", move);
      document.addEventListener("pointerup", end);
      document.addEventListener("pointercancel", end);
    });
  }

  // --- host calendar ---------------------------------------------------------------------------
  // Positions come as data-* (no style attributes under CSP); CSSOM writes are allowed.
  function placeCalendarItems(root) {
    root.querySelectorAll("[data-top][data-height]").forEach(function (item) {
      item.style.top = item.getAttribute("data-top") + "%";
      item.style.height = item.getAttribute("data-height") + "%";
    });
    var scroller = root.querySelector("[data-scroll-hour]");
    if (scroller) {
      var hour = parseFloat(scroller.getAttribute("data-scroll-hour"));
      var body = scroller.querySelector(".cal-col-body");
      if (body) scroller.scrollTop = body.offsetHeight * hour / 24;
    }
  }
  function setUpCalendarToggle() {
    var toggle = document.querySelector("[data-cal-toggle]");
    if (!toggle) return;
    var target = document.querySelector(toggle.getAttribute("data-cal-toggle"));
    var apply = function () { target.classList.toggle("cal-hide-off", !toggle.checked); };
    toggle.addEventListener("change", apply);
    apply();
  }

  // --- undo bar: offered for a few seconds, then gone ----------------------------------------
  function setUpUndo() {
    document.querySelectorAll("[data-undo-seconds]").forEach(function (bar) {
      var seconds = parseInt(bar.getAttribute("data-undo-seconds"), 10) || 10;
      setTimeout(function () { bar.remove(); }, seconds * 1000);
    });
  }

  // --- weekly hours editor ---------------------------------------------------------------------
  function setUpHoursEditor() {
    var editor = document.querySelector("[data-hours-editor]");
    if (!editor) return;
    var template = document.getElementById("hours-range-template");
    function syncDay(day) {
      var on = day.querySelector("[data-day-toggle]").checked;
      day.querySelector("[data-ranges]").hidden = !on;
      day.querySelector("[data-off]").hidden = on;
      day.querySelectorAll("[data-ranges] input").forEach(function (input) { input.disabled = !on; });
      if (on && !day.querySelector("[data-range]")) addRange(day, "09:00", "17:00");
    }
    function addRange(day, start, end) {
      var node = template.content.firstElementChild.cloneNode(true);
      var weekday = day.getAttribute("data-day");
      var label = day.getAttribute("data-day-label");
      node.querySelectorAll("input").forEach(function (input) {
        input.name = input.name.replace("WEEKDAY", weekday);
        input.setAttribute("aria-label", input.getAttribute("aria-label").replace("DAY", label));
      });
      node.querySelector("[data-start]").value = start;
      node.querySelector("[data-end]").value = end;
      node.querySelector("[data-remove]").setAttribute("aria-label", "Remove this range of " + label);
      day.querySelector("[data-range-list]").appendChild(node);
      return node;
    }
    editor.addEventListener("change", function (event) {
      if (event.target.matches("[data-day-toggle]")) syncDay(event.target.closest("[data-day]"));
    });
    editor.addEventListener("click", function (event) {
      var day = event.target.closest("[data-day]");
      if (event.target.closest("[data-add]")) {
        var last = day.querySelectorAll("[data-end]");
        var from = last.length ? last[last.length - 1].value || "13:00" : "09:00";
        var hour = Math.min(parseInt(from, 10) + 1, 23);
        var node = addRange(day, from, (hour < 10 ? "0" : "") + hour + ":" + from.slice(3));
        node.querySelector("[data-start]").focus();
      } else if (event.target.closest("[data-remove]")) {
        var range = event.target.closest("[data-range]");
        var toggle = day.querySelector("[data-day-toggle]");
        range.remove();
        if (!day.querySelector("[data-range]")) { toggle.checked = false; syncDay(day); toggle.focus(); }
        else day.querySelector("[data-add]").focus();
      } else if (event.target.closest("[data-copy-apply]")) {
        var panel = event.target.closest("details");
        var ranges = Array.prototype.map.call(day.querySelectorAll("[data-range]"), function (range) {
          return [range.querySelector("[data-start]").value, range.querySelector("[data-end]").value];
        });
        var on = day.querySelector("[data-day-toggle]").checked;
        panel.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
          var target = editor.querySelector("[data-day='" + box.value + "']");
          if (!target || target === day) return;
          target.querySelectorAll("[data-range]").forEach(function (node) { node.remove(); });
          target.querySelector("[data-day-toggle]").checked = on && ranges.length > 0;
          ranges.forEach(function (pair) { addRange(target, pair[0], pair[1]); });
          syncDay(target);
          box.checked = false;
        });
        panel.open = false;
        panel.querySelector("summary").focus();
      }
    });
    editor.querySelectorAll("[data-day]").forEach(function (day) {
      var toggle = day.querySelector("[data-day-toggle]");
      day.querySelector("[data-ranges]").hidden = !toggle.checked;
      day.querySelector("[data-off]").hidden = toggle.checked;
    });
  }

  // Menus made of <details>: Escape or a click elsewhere closes them.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = event.target.closest && event.target.closest("details[data-menu][open]");
    if (menu) { menu.open = false; menu.querySelector("summary").focus(); }
  });
})();
