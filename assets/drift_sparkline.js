/* A tiny SVG sparkline for the Drift page's feature table (dash-ag-grid cell renderer).
 * The value is {values: [...], threshold: number, pvalue: bool}; points past the threshold
 * (at or above it for distances, below it for p-values) are drawn red. */
(function () {
    var components = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});
    components.DriftSparkline = function (props) {
        var spec = props.value || {};
        var values = spec.values || [];
        var h = React.createElement;
        if (values.length < 2) {
            return h("span", {className: "text-muted small"}, values.length ? "one period" : "");
        }
        var width = 120, height = 24, pad = 2;
        var all = values.concat(spec.threshold == null ? [] : [spec.threshold]);
        var low = Math.min.apply(null, all), high = Math.max.apply(null, all);
        var span = high - low || 1;
        var x = function (i) { return pad + (i * (width - 2 * pad)) / (values.length - 1); };
        var y = function (v) { return height - pad - ((v - low) * (height - 2 * pad)) / span; };
        var points = values.map(function (v, i) { return x(i).toFixed(1) + "," + y(v).toFixed(1); });
        var past = function (v) {
            if (spec.threshold == null) { return false; }
            return spec.pvalue ? v < spec.threshold : v >= spec.threshold;
        };
        var children = [h("polyline", {key: "line", points: points.join(" "), fill: "none",
                                       stroke: "currentColor", strokeWidth: 1.2})];
        if (spec.threshold != null) {
            children.push(h("line", {key: "limit", x1: pad, x2: width - pad, y1: y(spec.threshold),
                                     y2: y(spec.threshold), stroke: "#adb5bd", strokeDasharray: "2,2"}));
        }
        values.forEach(function (v, i) {
            if (past(v)) {
                children.push(h("circle", {key: "p" + i, cx: x(i), cy: y(v), r: 1.8, fill: "#dc3545"}));
            }
        });
        return h("svg", {width: width, height: height, role: "img", className: "portal-sparkline",
                         "aria-label": "statistic over time: " + values.join(", ")}, children);
    };
})();
