"""Enterprise analytics portal: Dash pages, REST API, embeds and reports over scikit-learn models.

The top level holds the wiring only: the app factory (``app``), the CLI (``cli``), settings
(``config``), the extensions and ``Services`` that bind them, component ids, logging, and the
start-up steps that cap native thread pools. Everything else lives in a package named after
its feature, whose ``__init__`` says what it holds and what it may import.

May import: nothing at package level; ``portal.app`` is imported explicitly (``from portal.app
import create_app``), so reading settings never loads Dash or numpy.
"""
