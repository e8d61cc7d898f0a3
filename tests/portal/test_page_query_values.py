"""Malformed URL query values never break a page: each falls back to its default, visibly."""

from __future__ import annotations

from layouts import PAGES


def _render(app, path: str, **query: str):
    page = next(p for p in PAGES if p.path == path)
    with app.server.test_request_context(path):
        return page.render(**query)


def _value(tree, component_id):
    found = [c for c in tree._traverse() if getattr(c, "id", None) == component_id]
    assert found, f"no component {component_id!r}"
    return found[0].value


def test_pqv001_performance_ignores_bad_numbers_versions_and_sources(app) -> None:
    tree = _render(
        app,
        "/performance",
        model="churn",
        threshold="abc",
        cost_fp="x",
        cost_fn="-inf",
        version="zz",
        source="bogus",
    )
    assert _value(tree, "perf-threshold") == 0.5
    assert _value(tree, "perf-cost-fp") == 1.0
    assert _value(tree, "perf-cost-fn") == 5.0
    assert _value(tree, "perf-version") is None
    assert _value(tree, "perf-source") == "reference"


def test_pqv002_unknown_model_names_fall_back_to_a_registered_one(app) -> None:
    for path in ("/performance", "/what-if", "/models", "/overview"):
        tree = _render(app, path, model="<script>alert(1)</script>")
        model_ids = [c.id for c in tree._traverse() if str(getattr(c, "id", "")).endswith("-model")]
        model_ids += [c.id for c in tree._traverse() if getattr(c, "id", None) == "models-select"]
        assert model_ids, path
        assert _value(tree, model_ids[0]) == "churn"


def test_pqv003_what_if_ignores_unknown_fields_and_keeps_bad_values_for_the_error_list(app) -> None:
    tree = _render(app, "/what-if", model="churn", **{"f.tenure_months": "ten", "f.no_such": "1"})
    assert _value(tree, {"type": "whatif-field", "feature": "tenure_months"}) == "ten"
    ids = [c.id for c in tree._traverse() if isinstance(getattr(c, "id", None), dict)]
    assert {"type": "whatif-field", "feature": "no_such"} not in ids


def test_pqv004_bad_or_unknown_versions_mean_the_active_one_on_every_model_page(app) -> None:
    for path, version_id in (
        ("/overview", "overview-version"),
        ("/what-if", "whatif-version"),
        ("/performance", "perf-version"),
    ):
        for raw in ("zz", "v99", "0", "-1", "1.5", "true", "9" * 30):
            tree = _render(app, path, model="churn", version=raw)
            assert _value(tree, version_id) is None, (path, raw)
        assert _value(_render(app, path, model="churn", version="v1"), version_id) == 1
