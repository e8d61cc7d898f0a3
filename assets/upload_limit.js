/*
 * Size limits for dcc.Upload: a file over the limit is dropped by the component without a word,
 * so any element marked data-max-bytes says so itself, in the element named by data-limit-target.
 */
(function () {
    "use strict";

    function megabytes(bytes) {
        return (bytes / 1000000).toFixed(1) + " MB";
    }

    function check(zone, files) {
        var target = document.getElementById(zone.getAttribute("data-limit-target"));
        if (!target || !files || !files.length) { return; }
        var limit = parseInt(zone.getAttribute("data-max-bytes"), 10);
        var file = files[0];
        if (file.size <= limit) {
            target.textContent = "";
            target.className = "";
            return;
        }
        target.textContent = "Nothing was stored: " + file.name + " is " + megabytes(file.size) +
            ", over this page's limit of " + megabytes(limit) + ". " + (zone.getAttribute("data-limit-hint") || "");
        target.className = "alert alert-danger portal-upload-error mt-2";
    }

    function zoneOf(node) {
        return node && node.closest ? node.closest("[data-max-bytes]") : null;
    }

    // Capture phase: the component's own handlers must not be able to swallow the event first.
    document.addEventListener("change", function (event) {
        var zone = zoneOf(event.target);
        if (zone && event.target.files) { check(zone, event.target.files); }
    }, true);
    document.addEventListener("drop", function (event) {
        var zone = zoneOf(event.target);
        if (zone && event.dataTransfer) { check(zone, event.dataTransfer.files); }
    }, true);
})();
