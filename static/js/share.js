// "Share or copy the link" buttons (data-share-url): the phone's share sheet (Web Share) where
// it has one, else the clipboard. Hidden without JavaScript: the link is printed beside them.
(function () {
  var buttons = document.querySelectorAll("[data-share-url]");
  if (!(navigator.share || navigator.clipboard)) return;
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var url = button.dataset.shareUrl;
      if (navigator.share) {
        navigator.share({ url: url, title: document.title }).catch(function () {});
      } else {
        navigator.clipboard.writeText(url).then(function () {
          button.textContent = button.dataset.copied;
        });
      }
    });
  });
})();
