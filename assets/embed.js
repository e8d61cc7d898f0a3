/*
 * Embedded pages (/embed/<page>): tell the framing page how tall the content is, and keep
 * links that leave the embedded page out of the frame.
 *
 * The server marks an embed page's <body> with class "portal-embed" and lists the origins
 * allowed to frame it in data-portal-frame-ancestors (PORTAL_FRAME_ANCESTORS). Height
 * messages go only to those origins, never to "*":
 *   {type: "portal:embed-height", height: <CSS pixels>, page: "/overview"}
 */
(function () {
    "use strict";
    var body = document.body;
    if (!body || !body.classList.contains("portal-embed") || window.parent === window) { return; }

    // A link to another portal page would load it inside the frame without its token:
    // open it in a new tab instead. Runs before Dash's own link handler (capture phase).
    window.addEventListener("click", function (event) {
        var link = event.target && event.target.closest ? event.target.closest("a[href]") : null;
        if (!link || link.target === "_blank" || link.hasAttribute("download")) { return; }
        var url;
        try { url = new URL(link.getAttribute("href"), window.location.href); } catch (e) { return; }
        if (url.origin !== window.location.origin || url.pathname.indexOf("/embed/") === 0 ||
                url.pathname.indexOf("/export/") === 0) { return; }
        event.preventDefault();
        event.stopPropagation();
        window.open(url.href, "_blank", "noopener");
    }, true);

    function allowedOrigins() {
        var listed;
        try {
            listed = JSON.parse(body.getAttribute("data-portal-frame-ancestors") || "[]");
        } catch (e) {
            listed = [];
        }
        var origins = [];
        for (var i = 0; i < listed.length; i++) {
            if (listed[i] === "'self'") { origins.push(window.location.origin); }
            else if (/^https?:\/\//.test(listed[i])) { origins.push(listed[i]); }
        }
        return origins;
    }

    function parentOrigin() {
        // Chromium and Safari name the framing origin exactly; otherwise use the referrer's origin.
        if (window.location.ancestorOrigins && window.location.ancestorOrigins.length) {
            return window.location.ancestorOrigins[0];
        }
        try { return document.referrer ? new URL(document.referrer).origin : null; }
        catch (e) { return null; }
    }

    var origins = allowedOrigins();
    var parent = parentOrigin();
    // Aim at the parent's origin when it is allowed; when it cannot be known, at each allowed one
    // (the browser delivers only to a matching window).
    var targets = parent ? (origins.indexOf(parent) !== -1 ? [parent] : []) : origins;
    if (!targets.length) { return; }
    var page = body.getAttribute("data-portal-embed-page") || window.location.pathname;
    var lastHeight = -1;

    function contentHeight() {
        var entry = document.getElementById("react-entry-point") || body;
        return Math.ceil(Math.max(entry.scrollHeight, entry.getBoundingClientRect().height));
    }

    function post() {
        var height = contentHeight();
        if (height === lastHeight) { return; }
        lastHeight = height;
        var message = {type: "portal:embed-height", height: height, page: page};
        for (var i = 0; i < targets.length; i++) {
            try { window.parent.postMessage(message, targets[i]); } catch (e) { /* detached parent */ }
        }
    }

    var pending = false;
    function schedule() {
        if (pending) { return; }
        pending = true;
        window.requestAnimationFrame(function () { pending = false; post(); });
    }

    if (window.ResizeObserver) {
        var observer = new ResizeObserver(schedule);
        observer.observe(body);
        var entry = document.getElementById("react-entry-point");
        if (entry) { observer.observe(entry); }
    } else {
        window.addEventListener("resize", schedule);
        window.setInterval(schedule, 500);
    }
    window.addEventListener("portal:ready", schedule);
    window.addEventListener("load", schedule);
    schedule();
}());
