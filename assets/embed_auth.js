/*
 * Embeds carry their embed token on Dash's own requests (layout, dependencies, callbacks) as the
 * X-Portal-Embed-Token header, so the server can allow that page's callbacks without a session.
 * The Referer carries it too (Referrer-Policy: same-origin); the header also works when a browser
 * or proxy strips referrers. Only same-origin requests get it.
 */
(function () {
    "use strict";
    if (window.location.pathname.indexOf("/embed") !== 0 || !window.fetch) {
        return;
    }
    var original = window.fetch;
    window.fetch = function (resource, init) {
        var token = new URLSearchParams(window.location.search).get("token");
        var url = typeof resource === "string" ? resource : (resource && resource.url) || "";
        var target;
        try {
            target = new URL(url, window.location.href);
        } catch (e) {
            return original.apply(this, arguments);
        }
        if (token && target.origin === window.location.origin) {
            init = init || {};
            var headers = new Headers(init.headers || (resource && resource.headers) || {});
            headers.set("X-Portal-Embed-Token", token);
            init.headers = headers;
            return original.call(this, resource, init);
        }
        return original.apply(this, arguments);
    };
})();
