// Share and copy buttons for links people pass on: the host's link, the hold slip, a request's
// status. Hidden without JavaScript: the link is always on the page as text (and the host's
// as SMS, Telegram and WhatsApp links).
// [data-copy="<field id>"] copies that field and shows [data-copied-notice].
// [data-share-url] opens the phone's share sheet (Web Share) where it has one; otherwise, if
// it has a data-copied label, copies the link and says so.
(function () {
  var copy = document.querySelector("[data-copy]");
  if (copy && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      var input = document.getElementById(copy.dataset.copy);
      navigator.clipboard.writeText(input.value).then(function () {
        var done = document.querySelector("[data-copied-notice]");
        if (done) done.hidden = false;
      }, function () { input.select(); });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-share-url]"), function (button) {
    var canCopy = navigator.clipboard && button.dataset.copied;
    if (!navigator.share && !canCopy) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var url = button.dataset.shareUrl;
      if (navigator.share) {
        var data = { url: url, title: document.title };
        if (button.dataset.shareText) data.text = button.dataset.shareText;
        navigator.share(data).catch(function () {});
      } else {
        navigator.clipboard.writeText(url).then(function () {
          button.textContent = button.dataset.copied;
        });
      }
    });
  });
})();
