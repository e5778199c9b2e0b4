// The console's only script: follows the live feed, re-fetches the part of the page that
// changed, counts down acknowledgement deadlines, and draws the privacy curtain.
(function () {
  "use strict";
  var body = document.body;

  // A page restored from the back/forward cache after signing out must not show a case.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.reload(); }
  });

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function duration(seconds) {
    var minutes = Math.floor(Math.max(0, seconds) / 60);
    if (minutes < 60) { return minutes + " min"; }
    if (minutes < 48 * 60) { return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min"; }
    return Math.floor(minutes / 1440) + " d";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var left = (Date.parse(el.getAttribute("data-due")) - now) / 1000;
      if (left > 0) {
        var m = Math.floor(left / 60), s = Math.floor(left % 60);
        el.textContent = m + ":" + pad(s);
        el.classList.remove("overdue");
      } else {
        el.textContent = (body.getAttribute("data-overdue-text") || "Overdue") + " " + duration(-left);
        el.classList.add("overdue");
      }
    });
    document.querySelectorAll(".age[data-since]").forEach(function (el) {
      el.textContent = duration((now - Date.parse(el.getAttribute("data-since"))) / 1000);
    });
  }
  tick();
  setInterval(tick, 1000);

  // Privacy curtain: hides the screen at once and signs out; only signing in again brings it back.
  function curtain() {
    var shield = document.getElementById("curtain");
    var main = document.getElementById("main");
    if (main) { main.innerHTML = ""; }
    if (shield) { shield.hidden = false; }
    document.title = "…";
    var csrf = body.getAttribute("data-csrf");
    if (csrf) {
      fetch("/console/sign-out", {
        method: "POST", credentials: "same-origin", redirect: "manual",
        headers: { "X-CSRF-Token": csrf, "X-Console-Background": "1" }
      }).finally(function () { window.location.replace("/console/sign-in"); });
    }
  }
  var button = document.getElementById("curtain-button");
  if (button) { button.addEventListener("click", curtain); }
  document.addEventListener("keydown", function (event) {
    if (event.altKey && (event.key === "k" || event.key === "K")) { event.preventDefault(); curtain(); }
  });

  if (body.getAttribute("data-live") !== "true" || !window.EventSource) { return; }

  // Live banner: Live while the stream is open; Reconnecting for a short while after it
  // drops; then "Stale since hh:mm", the time of the last moment the page was known current.
  var banner = document.getElementById("live-banner");
  var lastGood = new Date();
  var downSince = null;
  function show(state) {
    if (!banner) { return; }
    banner.className = "banner " + state;
    if (state === "live") { banner.textContent = body.getAttribute("data-live-text"); }
    else if (state === "reconnecting") { banner.textContent = body.getAttribute("data-reconnecting-text"); }
    else { banner.textContent = body.getAttribute("data-stale-text") + " " + pad(lastGood.getHours()) + ":" + pad(lastGood.getMinutes()); }
    banner.setAttribute("data-state", state);
  }
  setInterval(function () {
    if (downSince && Date.now() - downSince > 10000) { show("stale"); }
  }, 1000);

  // Re-fetches this page and swaps in the parts the server renders live.
  var pending = null;
  function refresh() {
    if (pending) { return; }
    pending = setTimeout(function () {
      fetch(window.location.pathname + window.location.search, {
        credentials: "same-origin", headers: { "X-Console-Background": "1" }, cache: "no-store"
      }).then(function (response) {
        if (response.redirected || response.status === 401) { window.location.replace("/console/sign-in?expired=1"); return null; }
        return response.ok ? response.text() : null;
      }).then(function (html) {
        pending = null;
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ["queue", "case-live", "timeline", "referral", "dashboard"].forEach(function (id) {
          var now = document.getElementById(id), next = fresh.getElementById(id);
          if (now && next) { now.replaceWith(next); }
        });
        // Buttons (claim, release) follow who holds the case now.
        var actionsNow = document.querySelector(".actions"), actionsNext = fresh.querySelector(".actions");
        if (actionsNow && actionsNext) { actionsNow.replaceWith(actionsNext); }
        document.title = fresh.title;
        tick();
      }).catch(function () { pending = null; });
    }, 150);
  }

  var caseElement = document.getElementById("case");
  var reference = caseElement ? caseElement.getAttribute("data-reference") : null;
  var source = new EventSource("/console/events?since=" + encodeURIComponent(body.getAttribute("data-since") || ""));
  source.addEventListener("open", function () {
    var wasDown = downSince !== null;
    downSince = null;
    lastGood = new Date();
    show("live");
    if (wasDown) { refresh(); }
  });
  source.addEventListener("error", function () {
    if (downSince === null) { downSince = Date.now(); lastGood = new Date(); }
    show(Date.now() - downSince > 10000 ? "stale" : "reconnecting");
    if (source.readyState === EventSource.CLOSED) {
      // The server refused the stream (signed out): the sign-in page says why.
      window.location.replace("/console/sign-in?expired=1");
    }
  });
  source.addEventListener("case", function (event) {
    lastGood = new Date();
    var change = {};
    try { change = JSON.parse(event.data); } catch (e) { return; }
    if (!reference || change.reference === reference) { refresh(); }
  });
  source.addEventListener("reset", function () { refresh(); });
  source.addEventListener("signed-out", function () { window.location.replace("/console/sign-in?expired=1"); });
})();
