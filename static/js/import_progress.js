// Polls an import's status while it is checked or committed, then reloads the page to show the result.
(function () {
  "use strict";
  var box = document.querySelector(".import-progress[data-status-url]");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("import-progress");
  var text = document.getElementById("import-progress-text");
  var status = document.getElementById("import-status");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (bar) { bar.value = data.percent; bar.textContent = data.percent + "%"; }
        if (text) { text.textContent = data.rows_processed + " / " + data.rows_total; }
        if (status) { status.textContent = data.status_display; }
        if (data.running) { window.setTimeout(poll, 1000); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
