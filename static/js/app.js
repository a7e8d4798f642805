/* Small progressive enhancements; every page works without them.
   User-facing words come from data-* attributes the (translated) templates set. */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  // Duty → agency and default type (request form).
  function wireDuty(root) {
    var duty = root.querySelector("select[data-duty-select]");
    if (!duty) return;
    var type = root.querySelector("#id_type");
    var agency = root.querySelector("#duty-agency");
    function sync(resetType) {
      var opt = duty.options[duty.selectedIndex];
      var name = opt && opt.dataset.agency;
      if (agency) agency.textContent = name || agency.dataset.empty || "";
      if (resetType && type && opt && opt.dataset.type) {
        type.value = opt.dataset.type;
        type.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
    duty.addEventListener("change", function () { sync(true); });
    sync(false);
  }

  // Refuse a file above the limit, or too many files, before anything is
  // uploaded: the message shows in the field's slot (data-upload-error-for,
  // next to the field) and the submit is stopped here. The request form is
  // `novalidate`, so the former setCustomValidity never stopped it, and its
  // message went to a slot the old selector could not find.
  function uploadProblem(input) {
    var files = input.files || [];
    var maxFiles = parseInt(input.dataset.maxFiles, 10);
    if (maxFiles && files.length > maxFiles) {
      return (input.dataset.tooMany || "%(count)s > %(limit)s")
        .replace("%(limit)s", maxFiles).replace("%(count)s", files.length);
    }
    var limit = parseFloat(input.dataset.maxMb) * 1024 * 1024;
    var bad = Array.prototype.filter.call(files, function (f) { return f.size > limit; });
    if (!bad.length) return "";
    return (input.dataset.tooLarge || "%(name)s > %(limit)s MB")
      .replace("%(name)s", bad.map(function (f) { return f.name; }).join(", "))
      .replace("%(limit)s", input.dataset.maxMb);
  }

  function showUploadProblem(input) {
    var msg = uploadProblem(input);
    input.setAttribute("aria-invalid", msg ? "true" : "false");
    var out = input.id && document.querySelector('[data-upload-error-for="' + input.id + '"]');
    if (out) out.textContent = msg;
    return msg;
  }

  function wireUploads(root) {
    root.addEventListener("change", function (ev) {
      var input = ev.target;
      if (input.matches && input.matches("input[type=file][data-max-mb]")) showUploadProblem(input);
    });
    root.addEventListener("submit", function (ev) {
      var bad = Array.prototype.filter.call(
        ev.target.querySelectorAll("input[type=file][data-max-mb]"), showUploadProblem);
      if (bad.length) {
        ev.preventDefault();
        ev.stopImmediatePropagation();
        bad[0].focus();
      }
    }, true);
  }

  // Ask before an irreversible step.
  function wireConfirm(root) {
    root.addEventListener("submit", function (ev) {
      var btn = ev.submitter;
      var text = (btn && btn.dataset.confirm) || ev.target.dataset.confirm;
      if (text && !window.confirm(text)) ev.preventDefault();
    }, true);
  }

  // Phone navigation: the menu button folds and unfolds it; Escape folds it
  // and gives the focus back to the button.
  function wireMenu(root) {
    var toggle = root.querySelector(".menu-toggle[aria-controls]");
    if (!toggle) return;
    var nav = document.getElementById(toggle.getAttribute("aria-controls"));
    function set(open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("open", open);
    }
    toggle.addEventListener("click", function () { set(toggle.getAttribute("aria-expanded") !== "true"); });
    root.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") { set(false); toggle.focus(); }
    });
  }

  // Lists become cards on a phone: each cell carries its column's header as
  // data-label (the stylesheet shows it), taken from the table's own <th> so
  // the two can never disagree. Spanned headers count once per spanned column.
  function labelCells(root) {
    root.querySelectorAll("table.stack").forEach(function (table) {
      var row = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
      if (!row) return;
      var labels = [];
      Array.prototype.forEach.call(row.cells, function (th) {
        for (var i = 0; i < (th.colSpan || 1); i++) labels.push(th.textContent.trim());
      });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (tr) {
          var col = 0;
          Array.prototype.forEach.call(tr.cells, function (td) {
            if (!td.hasAttribute("data-label") && td.colSpan === 1) td.setAttribute("data-label", labels[col] || "");
            col += td.colSpan || 1;
          });
        });
      });
    });
  }

  // Batch form: filter the case list, tick every visible case.
  function wireCasePicker(root) {
    var filter = root.querySelector("[data-case-filter]");
    if (!filter) return;
    var box = root.querySelector(filter.dataset.caseFilter);
    filter.addEventListener("input", function () {
      var text = filter.value.trim().toLowerCase();
      box.querySelectorAll("label").forEach(function (label) {
        label.hidden = text && label.textContent.toLowerCase().indexOf(text) < 0;
      });
    });
    root.querySelectorAll("[data-check-visible]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var on = btn.dataset.checkVisible === "on";
        box.querySelectorAll("label:not([hidden]) input[type=checkbox]").forEach(function (cb) { cb.checked = on; });
      });
    });
  }

  // Batch confirmation: post in the background and show the progress the
  // server records while the batch is written.
  function wireBatch(root) {
    var form = root.querySelector("form[data-batch-progress]");
    if (!form || !window.fetch) return;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var panel = root.querySelector("#batch-progress");
      var bar = panel.querySelector("progress");
      var label = panel.querySelector("[data-progress-label]");
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      panel.hidden = false;
      var stopped = false;
      function poll() {
        if (stopped) return;
        fetch(form.dataset.batchProgress, { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (job) {
            if (job && job.total) {
              bar.max = job.total; bar.value = job.done;
              label.textContent = job.done + " / " + job.total;
            }
            if (!stopped) setTimeout(poll, 500);
          })
          .catch(function () { if (!stopped) setTimeout(poll, 1000); });
      }
      setTimeout(poll, 300);
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                           headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) { stopped = true; window.location.assign(data.url); })
        .catch(function () {
          stopped = true; button.disabled = false;
          label.textContent = panel.dataset.failed || "Error";
        });
    });
  }

  // Print buttons (no inline handlers: the Content-Security-Policy allows none).
  function wirePrint(root) {
    root.addEventListener("click", function (ev) {
      var btn = ev.target.closest && ev.target.closest("[data-print]");
      if (btn) { ev.preventDefault(); window.print(); }
    });
  }

  // A link to #action-… opens that action's panel.
  function openTarget() {
    var id = window.location.hash.slice(1);
    var el = id && document.getElementById(id);
    if (el && el.tagName === "DETAILS") { el.open = true; el.scrollIntoView({ block: "start" }); }
  }

  onReady(function () {
    var root = document;
    openTarget();
    window.addEventListener("hashchange", openTarget);
    wireMenu(root);
    labelCells(root);
    document.body.addEventListener("htmx:afterSwap", function (ev) { labelCells(ev.target); });
    wireDuty(root);
    wireUploads(root);
    wireConfirm(root);
    wireCasePicker(root);
    wireBatch(root);
    wirePrint(root);
  });
})();
