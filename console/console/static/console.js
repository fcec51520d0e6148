// The console's only script (CSP: script-src 'self'). Everything works without it;
// it submits the language switch on change, shows the fields of the chosen request
// kind, narrows a long list of checkboxes as one types, opens the print dialog for a
// receipt, moves a job's progress bar, sends a form gone back to with the key it was
// sent with before (sentBefore) and fills in a repair's work order once it is opened
// (awaitOrder).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // A form gone back to (the browser's Back: the page is no-store, so it is loaded anew with a
  // new Idempotency-Key, and the browser puts back what was typed) and sent again as it was made
  // its record twice (a desk's request, a visitor, a payment: a probe in Chromium). Each send is
  // kept in this tab's sessionStorage: a hash of the form's page and place, one of its values
  // (never the page's address, whose query may name a plate or a flat, nor the values) and its
  // key. A form on a page reached by Back or Forward, sent with the values it was sent with from
  // that page before, goes with that earlier key: the API answers the first record
  // (Idempotent-Replayed) and makes nothing. A form opened anew (a link, a reload, the page a
  // send leads to) keeps its own key: a deliberate new record is made. A form marked
  // data-new-each-time (the gate's entries and exits: the same plate leaves again on another
  // visit) keeps its own key always; the gate's state refuses a second exit with no entry.
  var SENT_KEPT = 20;

  function wentBack() {
    var entries = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation") : [];
    if (entries.length) { return entries[0].type === "back_forward"; }
    return !!(window.performance && performance.navigation && performance.navigation.type === 2);
  }

  function formPlace(form) {
    // the page, the form's address and its place among the page's forms of that address (a list's
    // rows come and go above its new-row form: its place among all forms moved), hashed: a page's
    // query may name a plate (the gate's ?plate=) or a flat (the desk's ?building=&unit=&room=)
    var action = form.getAttribute("action");
    var same = Array.prototype.filter.call(document.forms, function (f) { return f.getAttribute("action") === action; });
    return hashOf(location.pathname + location.search + "|" + action + "|" + same.indexOf(form));
  }

  function valuesHash(form, submitter) {
    var text = "";
    new FormData(form).forEach(function (value, name) {
      if (name === "csrf_token" || name === "idempotency_key") { return; }
      text += name + "\u0000" + (typeof value === "string" ? value : value.name + "/" + value.size) + "\u0001";
    });
    // the button pressed is what a form of two buttons sends (a complaint judged justified or
    // not): gone back to and the other pressed, it is another sending, under its own key
    if (submitter && submitter.name) { text += submitter.name + "\u0000" + submitter.value + "\u0001"; }
    return hashOf(text);
  }

  function hashOf(text) {
    // cyrb53: enough to tell one page's or form's text from another's; the text itself stays untold
    var h1 = 0xdeadbeef, h2 = 0x41c6ce57;
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (h2 >>> 0).toString(16) + (h1 >>> 0).toString(16);
  }

  // kept as lines of the place's hash, the values' and the key, tab-separated
  function sentForms() {
    var kept;
    try { kept = sessionStorage.getItem("sent-forms") || ""; } catch (e) { return []; }
    return kept.split("\n").filter(Boolean).map(function (line) {
      var parts = line.split("\t");
      return {place: parts[0], hash: parts[1], key: parts[2]};
    });
  }

  function keepSent(sent) {
    var lines = sent.slice(-SENT_KEPT).map(function (s) { return [s.place, s.hash, s.key].join("\t"); });
    try { sessionStorage.setItem("sent-forms", lines.join("\n")); } catch (e) { /* full, or off */ }
  }

  function sentBefore(event) {
    var form = event.target, key = form.elements && form.elements.idempotency_key;
    if (!key || !key.value || key.length) { return; }  // no key, or several (not one form's)
    var place = formPlace(form), hash = valuesHash(form, event.submitter), sent = sentForms();
    var earlier = sent.filter(function (s) { return s.place === place && s.hash === hash; })[0];
    if (earlier && wentBack() && !form.hasAttribute("data-new-each-time")) { key.value = earlier.key; }
    sent = sent.filter(function (s) { return s !== earlier; }).concat([{place: place, hash: hash, key: key.value}]);
    keepSent(sent);
  }

  document.addEventListener("submit", sentBefore);

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });

    var kind = document.querySelector("select[data-kind-switch]");
    if (kind) {
      var showKind = function () {
        document.querySelectorAll("fieldset.for-kind").forEach(function (set) {
          set.hidden = set.getAttribute("data-kind") !== kind.value;
        });
      };
      kind.addEventListener("change", showKind);
      showKind();
    }

    // a part of a form that belongs to a ticked box (抢险类别 beside 紧急维修): hidden, and not sent,
    // while the box is not ticked
    document.querySelectorAll("[data-shown-with]").forEach(function (part) {
      var box = document.getElementById(part.getAttribute("data-shown-with"));
      if (!box) { return; }
      var follow = function () {
        part.hidden = !box.checked;
        part.querySelectorAll("select, input").forEach(function (field) { field.disabled = !box.checked; });
      };
      box.addEventListener("change", follow);
      follow();
    });

    // a long list of checkboxes (a user's estates among a thousand): narrowed as one types;
    // hidden boxes keep their state and are sent with the form
    document.querySelectorAll("input[data-filter-choices]").forEach(function (box) {
      var labels = box.parentNode.querySelectorAll(".choice-list label");
      box.addEventListener("input", function () {
        var wanted = box.value.trim().toLowerCase();
        labels.forEach(function (label) {
          label.hidden = wanted !== "" && label.textContent.toLowerCase().indexOf(wanted) < 0;
        });
      });
    });

    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });

    // a job that had ended when the page was made is shown by the page itself (its result labelled)
    var job = document.querySelector("[data-job][data-job-reload]");
    if (job) { pollJob(job); }

    var awaited = document.querySelector("[data-await-order]");
    if (awaited) { awaitOrder(awaited); }
  });

  // A repair just registered: maintenance opens its work order a moment later. Its part of the
  // page (a polite live region: the number is read out, no focus moves) is read again from its
  // own small page every two seconds, put in place once it names the order, and then no more;
  // after AWAIT_TRIES reads the note says to read the page again later, and the reading stops.
  var AWAIT_TRIES = 15;
  function awaitOrder(part) {
    var tries = 0;
    var tick = function () {
      fetch(part.getAttribute("data-await-order"), {credentials: "same-origin", headers: {"Accept": "text/html"}})
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("work-order");
          if (fresh && !fresh.hasAttribute("data-await-order")) {
            part.removeAttribute("data-await-order");
            part.innerHTML = fresh.innerHTML;
            return;
          }
          again();
        })
        .catch(again);
    };
    var again = function () {
      tries += 1;
      if (tries >= AWAIT_TRIES) {
        var note = part.querySelector("[data-await-note]");
        if (note) { note.textContent = part.getAttribute("data-await-gave-up"); }
        return;
      }
      window.setTimeout(tick, 2000);
    };
    window.setTimeout(tick, 2000);
  }

  function pollJob(panel) {
    var bar = panel.querySelector("progress");
    var status = panel.querySelector("[data-job-status]");
    var count = panel.querySelector("[data-job-count]");
    var tick = function () {
      fetch(panel.getAttribute("data-job"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.json(); })
        .then(function (job) {
          if (job.error && !job.status) { status.textContent = job.error; return; }
          var total = job.total === null || job.total === undefined ? null : job.total;
          bar.max = total || 1;
          bar.value = total ? job.done : 0;
          status.textContent = job.status_label;
          count.textContent = job.done + " / " + (total === null ? "?" : total);
          if (job.status === "succeeded" || job.status === "failed") {
            if (job.status === "succeeded") { bar.value = bar.max; }
            // the page shows the result server-side, labelled (the raw JSON was shown here, in
            // cents and English keys: found by a probe), and what the job found (rejected import rows)
            window.location.reload();
            return;
          }
          window.setTimeout(tick, 1000);
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    };
    tick();
  }
})();
