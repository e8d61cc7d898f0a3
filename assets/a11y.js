/* Accessibility repairs for components we do not render ourselves (Dash, Plotly, Bootstrap).
 *
 * - Dash 4's dropdown gives keyboard focus to an aria-hidden proxy input that forwards it to the
 *   dropdown's button, so a screen reader is told the focused element is hidden. The button itself
 *   becomes the tab stop (it opens with Enter or the arrow keys) and the proxy leaves the tab order.
 * - Slider thumbs, a range slider's number inputs, dcc.Upload's file input and progress bars render
 *   without a name; each takes the text of the label that names its component.
 * - Plotly charts are announced as figures named by their title and axes (role="figure" may hold
 *   the chart's own toolbar buttons; role="img" may not).
 * Runs again whenever Dash redraws part of the page.
 */
(function () {
  'use strict';

  function labelText(element) {
    var owner = element.closest('[id]');
    while (owner) {
      var label = document.querySelector('label[for="' + CSS.escape(owner.id) + '"]');
      if (label && label.textContent.trim()) {
        return label.textContent.trim();
      }
      owner = owner.parentElement && owner.parentElement.closest('[id]');
    }
    return '';
  }

  function name(element, fallback) {
    if (element.getAttribute('aria-label') || element.getAttribute('aria-labelledby')) {
      return;
    }
    var text = labelText(element) || fallback;
    if (text) {
      element.setAttribute('aria-label', text);
    }
  }

  function chartName(chart) {
    var title = chart.querySelector('.gtitle');
    var axes = Array.prototype.map.call(chart.querySelectorAll('.xtitle, .ytitle'), function (axis) {
      return axis.textContent.trim();
    }).filter(Boolean);
    var text = (title ? title.textContent.trim() : 'Chart') + (axes.length ? ' (' + axes.join(' by ') + ')' : '');
    return 'Chart: ' + text;
  }

  function repair() {
    document.querySelectorAll('.dash-dropdown-focus-target').forEach(function (proxy) {
      if (proxy.tabIndex !== -1) {
        proxy.tabIndex = -1;
      }
      var button = proxy.nextElementSibling;
      if (button && button.tagName === 'BUTTON' && !button.disabled && button.tabIndex !== 0) {
        button.tabIndex = 0;
      }
    });
    document.querySelectorAll('.dash-slider-thumb, .dash-range-slider-input').forEach(function (control) {
      name(control, 'Value');
    });
    document.querySelectorAll('input[type="file"]').forEach(function (input) {
      name(input, 'Choose a file to upload');
    });
    document.querySelectorAll('[role="progressbar"]').forEach(function (bar) {
      name(bar, 'Progress');
    });
    document.querySelectorAll('.js-plotly-plot').forEach(function (chart) {
      chart.setAttribute('role', 'figure');
      var text = chartName(chart);
      if (chart.getAttribute('aria-label') !== text) {
        chart.setAttribute('aria-label', text);
      }
    });
  }

  var pending = false;
  function schedule() {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        repair();
      });
    }
  }

  function start() {
    repair();
    new MutationObserver(schedule).observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ['tabindex', 'class'],
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
