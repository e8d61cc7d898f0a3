/*
 * Render-complete signal (a contract for screenshots, reports and embeds).
 *
 * document.body.dataset.portalReady is "true", and a "portal:ready" event has fired on
 * window, only when all of these hold at once and stay so for QUIET_MS:
 *   - no Dash callback request is in flight;
 *   - no element is marked loading by Dash (data-dash-is-loading) and no spinner is visible;
 *   - every Plotly graph on the page has finished drawing (plotly_afterplot) since its
 *     last update.
 * It is reset to "false" whenever a callback request starts. Dash has no such event itself
 * (plotly/dash#1467), which is why screenshot services elsewhere capture spinners.
 */
(function () {
    "use strict";
    var QUIET_MS = 150;
    var inFlight = 0;
    var timer = null;
    var CALLBACK_PATH = "/_dash-update-component";

    function setReady(value) {
        if (!document.body) { return; }
        var text = value ? "true" : "false";
        if (document.body.dataset.portalReady === text) { return; }
        document.body.dataset.portalReady = text;
        if (value) { window.dispatchEvent(new CustomEvent("portal:ready")); }
    }

    function visible(el) {
        return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    }

    function spinnerVisible() {
        var spinners = document.querySelectorAll(
            ".dash-spinner, .dash-default-spinner, ._dash-loading, .spinner-border, .spinner-grow"
        );
        for (var i = 0; i < spinners.length; i++) {
            if (visible(spinners[i])) { return true; }
        }
        return false;
    }

    function graphsDrawn() {
        var graphs = document.querySelectorAll(".js-plotly-plot");
        for (var i = 0; i < graphs.length; i++) {
            var graph = graphs[i];
            if (!graph.__portalWatched) {
                graph.__portalWatched = true;
                graph.__portalDrawn = !!graph._fullLayout;
                graph.on && graph.on("plotly_afterplot", function () {
                    this.__portalDrawn = true;
                    schedule();
                }.bind(graph));
            }
            if (!graph.__portalDrawn) { return false; }
        }
        return true;
    }

    function settled() {
        return inFlight === 0 &&
            !document.querySelector('[data-dash-is-loading="true"]') &&
            !spinnerVisible() &&
            !!document.querySelector("#react-entry-point > *") &&
            graphsDrawn();
    }

    function schedule() {
        if (timer) { clearTimeout(timer); }
        timer = setTimeout(function () {
            timer = null;
            if (settled()) { setReady(true); }
        }, QUIET_MS);
    }

    function isCallback(input) {
        var url = typeof input === "string" ? input : (input && input.url) || "";
        return url.indexOf(CALLBACK_PATH) !== -1;
    }

    var originalFetch = window.fetch;
    window.fetch = function (input) {
        if (!isCallback(input)) { return originalFetch.apply(this, arguments); }
        inFlight += 1;
        setReady(false);
        return originalFetch.apply(this, arguments).finally(function () {
            inFlight -= 1;
            schedule();
        });
    };

    function start() {
        setReady(false);
        new MutationObserver(function () {
            if (document.body.dataset.portalReady === "true" && !settled()) { setReady(false); }
            schedule();
        }).observe(document.body, { childList: true, subtree: true, attributes: true,
                                    attributeFilter: ["data-dash-is-loading", "class", "style"] });
        schedule();
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
}());
