// Quotas pages: the print button of the village notice (no inline script: the CSP allows only 'self').
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".print-button").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});
