// Briefing pack status: polls the progress endpoint while the pack is being prepared and
// reloads the page when it is finished. Without JavaScript the page says to reload it.
"use strict";
(function () {
  var box = document.getElementById("pack-status");
  if (!box || box.getAttribute("data-active") !== "yes") { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { return; }
        if (bar) { bar.value = state.progress; bar.textContent = state.progress + "%"; }
        if (state.finished) { window.location.reload(); } else { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1500);
})();
