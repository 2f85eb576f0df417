// Refreshes a dashboard page's numbers without reloading it: every few seconds it fetches the JSON named by
// <main data-poll="…"> and writes its `live` values into the elements whose data-key matches (and, with
// data-class-prefix, into their class), sets the class of those whose data-class-key matches, and puts its
// `html` values (server-rendered, already escaped) into the elements whose data-html-key matches.
(function () {
  "use strict";

  var PERIOD_MS = 5000;
  var main = document.querySelector("main[data-poll]");
  if (!main || !window.fetch) {
    return;
  }
  var url = main.getAttribute("data-poll");
  var state = document.querySelector("[data-refresh-state]");

  function show(text) {
    if (state) {
      state.textContent = text;
    }
  }

  function setClass(element, prefix, value) {
    Array.prototype.slice.call(element.classList).forEach(function (name) {
      if (name.indexOf(prefix) === 0) {
        element.classList.remove(name);
      }
    });
    element.classList.add(prefix + value);
  }

  function apply(data) {
    var live = data.live || {};
    var html = data.html || {};
    document.querySelectorAll("[data-key]").forEach(function (element) {
      var key = element.getAttribute("data-key");
      if (!Object.prototype.hasOwnProperty.call(live, key)) {
        return;
      }
      var value = live[key];
      var text = value === null || value === undefined || value === "" ? "—" : String(value);
      if (element.hasAttribute("data-hide-empty")) {
        element.hidden = !value;
        text = value ? String(value) : "";
      }
      if (element.textContent !== text) {
        element.textContent = text;
      }
      var prefix = element.getAttribute("data-class-prefix");
      if (prefix) {
        setClass(element, prefix, text);
      }
    });
    document.querySelectorAll("[data-class-key]").forEach(function (element) {
      var key = element.getAttribute("data-class-key");
      if (Object.prototype.hasOwnProperty.call(live, key)) {
        setClass(element, element.getAttribute("data-class-prefix"), String(live[key]));
      }
    });
    document.querySelectorAll("[data-html-key]").forEach(function (element) {
      var key = element.getAttribute("data-html-key");
      // Rows someone has ticked stay as they are until the choice is used or cleared.
      if (typeof html[key] === "string" && !element.querySelector("input:checked")) {
        element.innerHTML = html[key];
      }
    });
  }

  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        apply(data);
        show(" · updated " + new Date().toLocaleTimeString());
      })
      .catch(function (error) {
        show(" · refresh failed (" + error.message + ")");
      })
      .then(function () {
        window.setTimeout(tick, PERIOD_MS);
      });
  }

  window.setTimeout(tick, PERIOD_MS);
})();
