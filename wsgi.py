"""WSGI entry point: `waitress-serve --call salesweb:create_app` or `wsgi:app`."""

from salesweb import create_app

app = create_app()
