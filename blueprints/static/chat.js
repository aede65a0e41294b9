// Mounts the ChatKit web component (<openai-chatkit>) on the chat and transcript pages.
//
// The page hands its data over as JSON in <script type="application/json" id="chatkit-options">
// (no inline script). This file must run before the CDN <script> tag so that it hears that
// script's `error` event; if the element is still undefined after the host's
// data-load-timeout-ms, the page says so and the server-rendered history keeps working.
(function () {
  "use strict";

  var THREAD_ID = /^cthr_[A-Za-z0-9_-]{1,128}$/;
  var DEFAULT_TIMEOUT_MS = 8000;

  var dataBlock = document.getElementById("chatkit-options");
  var host = document.querySelector("[data-chatkit-host]");
  if (!dataBlock || !host) {
    return;
  }
  var config = JSON.parse(dataBlock.textContent || "{}");
  var notice = host.querySelector("[data-chatkit-notice]");
  var element = host.querySelector("openai-chatkit");
  var timeoutMs = parseInt(host.getAttribute("data-load-timeout-ms"), 10);
  if (!(timeoutMs > 0)) {
    timeoutMs = DEFAULT_TIMEOUT_MS;
  }
  var started = false;
  var failed = false;

  // Hosted ChatKit talks to OpenAI only: the local emulator serves the saved history alone.
  if (config.liveChatOff) {
    failed = true;
    showNotice(config.liveChatOff);
    return;
  }

  function showNotice(message) {
    notice.textContent = message;
    notice.classList.add("notice", "notice--warn");
    host.classList.add("live-chat--unavailable");
  }

  function clearNotice() {
    notice.textContent = "";
    notice.classList.remove("notice", "notice--warn");
    host.classList.remove("live-chat--unavailable");
  }

  function unavailable() {
    if (started || failed) {
      return;
    }
    failed = true;
    showNotice(
      "The live chat could not be loaded: you may be offline, or the chat service is blocked " +
        "on this network. Your saved conversations still work."
    );
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") || "" : "";
  }

  // Resolves to the bare client secret; throws on any failure, as ChatKit expects.
  async function getClientSecret(current) {
    var response = await fetch(config.sessionUrl, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify({ current_client_secret: typeof current === "string" ? current : null }),
    });
    var body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    if (!response.ok) {
      if (response.status === 401) {
        showNotice("Your sign-in has ended. Reload the page to sign in again.");
      }
      var message = body && body.error && body.error.message;
      throw new Error(message || "The chat session could not start (HTTP " + response.status + ").");
    }
    if (!body || typeof body.client_secret !== "string" || body.client_secret === "") {
      throw new Error("The chat session answer held no client secret.");
    }
    return body.client_secret;
  }

  function pathFor(threadId) {
    var path =
      typeof threadId === "string" && THREAD_ID.test(threadId)
        ? config.threadUrl + threadId
        : config.startUrl;
    return path + (config.urlQuery || "");
  }

  function markCurrent(threadId) {
    var links = document.querySelectorAll("a[data-thread-id]");
    for (var i = 0; i < links.length; i += 1) {
      if (links[i].getAttribute("data-thread-id") === threadId) {
        links[i].setAttribute("aria-current", "page");
      } else {
        links[i].removeAttribute("aria-current");
      }
    }
  }

  // The URL follows the open thread, so that a reload resumes it.
  function onThreadChange(event) {
    var threadId = event.detail ? event.detail.threadId : null;
    var path = pathFor(threadId);
    if (window.location.pathname + window.location.search !== path) {
      window.history.replaceState({ threadId: threadId }, "", path);
    }
    markCurrent(threadId);
  }

  function colorScheme() {
    var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    return dark ? "dark" : "light";
  }

  function start() {
    started = true;
    window.clearTimeout(timer);
    if (failed) {
      failed = false;
      clearNotice();
    }
    element.addEventListener("chatkit.thread.change", onThreadChange);
    element.addEventListener("chatkit.error", function (event) {
      var error = event.detail && event.detail.error;
      console.warn("ChatKit error:", error);
    });
    var options = Object.assign({}, config.options, {
      api: { getClientSecret: getClientSecret },
      initialThread: config.initialThread || null,
      theme: { colorScheme: colorScheme() },
    });
    element.setOptions(options);
    markCurrent(config.initialThread || null);
  }

  // Errors of a <script> do not bubble, but they can be heard while capturing.
  document.addEventListener(
    "error",
    function (event) {
      var target = event.target;
      if (target && target.tagName === "SCRIPT" && target.hasAttribute("data-chatkit-script")) {
        unavailable();
      }
    },
    true
  );
  var timer = window.setTimeout(unavailable, timeoutMs);
  if (!window.customElements) {
    unavailable();
    return;
  }
  window.customElements.whenDefined("openai-chatkit").then(start);
})();
