// "Copy link" and "Send…" (the Web Share API) for the host's link. Without this script the
// link is still on the page as text and as SMS, Telegram and WhatsApp links.
(function () {
  var copy = document.querySelector("[data-copy]");
  if (copy && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      var input = document.getElementById(copy.dataset.copy);
      navigator.clipboard.writeText(input.value).then(function () {
        var done = document.querySelector("[data-copied]");
        if (done) done.hidden = false;
      }, function () { input.select(); });
    });
  }
  var share = document.querySelector("[data-share-url]");
  if (share && navigator.share) {
    share.hidden = false;
    share.addEventListener("click", function () {
      navigator.share({ text: share.dataset.shareText, url: share.dataset.shareUrl }).catch(function () {});
    });
  }
})();
