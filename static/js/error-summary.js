// A refused form: its error summary at the top of the page takes the focus (the `autofocus`
// attribute does it without this script), and each of its links puts the focus in the field
// it names, scrolled to the middle of the screen, clear of the sticky Save bar.
(function () {
  var summary = document.getElementById("error-summary");
  if (!summary) return;
  if (document.activeElement !== summary) summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) return;
    event.preventDefault();
    field.scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
    history.replaceState(null, "", link.hash);
  });
})();
