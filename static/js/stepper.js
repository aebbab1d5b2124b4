// The -/+ buttons of the bed-count form change the number in place. Without this script the
// same buttons post the form and the server adjusts the number, so nothing depends on it.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-step]");
  if (!button) return;
  var input = document.getElementById(button.dataset.target);
  if (!input) return;
  event.preventDefault();
  var value = parseInt(input.value, 10);
  if (isNaN(value)) value = 0;
  input.value = Math.max(0, value + parseInt(button.dataset.step, 10));
  input.dispatchEvent(new Event("change", { bubbles: true }));
});
