// The sign-in popup's last page: tell the embedded chat frames on this origin, then close.
(function () {
  "use strict";

  var block = document.getElementById("embed-data");
  var data = JSON.parse((block && block.textContent) || "{}");
  if ("BroadcastChannel" in window && data.channel) {
    var channel = new BroadcastChannel(data.channel);
    channel.postMessage({ type: "signed-in" });
    channel.close();
  }
  // Only when the opener survived (it does not under COOP same-origin): same origin only.
  if (window.opener) {
    try {
      window.opener.postMessage({ type: "chatkit-bff:popup-signed-in" }, window.location.origin);
    } catch (error) {
      // The opener is elsewhere now; the channel above reached the frame.
    }
  }
  window.setTimeout(function () {
    window.close();
  }, 150);
})();
