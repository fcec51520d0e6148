// The console's only script (CSP: script-src 'self'). Everything works without it;
// it submits the language switch on change, shows the fields of the chosen request
// kind, narrows a long list of checkboxes as one types, opens the print dialog for a
// receipt and moves a job's progress bar.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

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
  });

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
