// chatkit-bff embed script for a product's own pages:
//
//   <script src="https://chat.example.com/embed.js" data-app="support" data-target="#chat" async></script>
//
// Puts the app's chat in an iframe inside the target element (sized to it) and re-dispatches
// the frame's messages on the target as DOM CustomEvents: "chatkit-bff:ready",
// "chatkit-bff:signed-in" and "chatkit-bff:thread-change" (event.detail.threadId). Messages are
// accepted only from the chat's own origin and from the frame this script inserted.
(function () {
  "use strict";

  var EVENTS = ["chatkit-bff:ready", "chatkit-bff:signed-in", "chatkit-bff:thread-change"];
  var script = document.currentScript;
  if (!script || !script.src) {
    return;
  }
  var bff = new URL(script.src).origin;
  var app = script.getAttribute("data-app") || "default";
  var selector = script.getAttribute("data-target") || "";
  var title = script.getAttribute("data-title") || "Chat";

  function frameUrl() {
    var url = new URL("/apps/" + encodeURIComponent(app) + "/embed", bff);
    url.searchParams.set("origin", window.location.origin);
    return url.toString();
  }

  function mount() {
    var target = selector ? document.querySelector(selector) : null;
    if (!target) {
      console.warn("chatkit-bff embed: no element matches data-target " + JSON.stringify(selector));
      return;
    }
    var frame = document.createElement("iframe");
    frame.title = title;
    frame.src = frameUrl();
    frame.setAttribute("allow", "clipboard-write");
    frame.style.width = "100%";
    frame.style.height = "100%";
    frame.style.border = "0";
    frame.style.display = "block";

    window.addEventListener("message", function (event) {
      if (event.origin !== bff || event.source !== frame.contentWindow) {
        return;
      }
      var message = event.data;
      if (!message || EVENTS.indexOf(message.type) < 0) {
        return;
      }
      var detail = {};
      if (message.type === "chatkit-bff:thread-change") {
        var threadId = message.detail && message.detail.threadId;
        detail.threadId = typeof threadId === "string" ? threadId : null;
      } else if (message.type === "chatkit-bff:ready") {
        detail.signedIn = Boolean(message.detail && message.detail.signedIn);
      }
      target.dispatchEvent(new CustomEvent(message.type, { detail: detail, bubbles: true }));
    });
    target.appendChild(frame);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
