"""Importers of products, exchange rates and deals for core.importing (upload page and `flask import`).

Products are matched by name. Deals are matched by their external id: new ones are built by the
model's own rules (opened, booked, won or lost) and written in bulk, as history (their stage
history says "import"), with their audit rows alongside; a deal that exists already is moved
through the services (move_deal, win_deal, lose_deal), so its exit criteria hold on this path
too. Users and teams are imported by auth (`auth.importers`).
"""

from salesweb.core import importing
from salesweb.pipeline.importers.deals import DealImporter
from salesweb.pipeline.importers.products import ProductImporter
from salesweb.pipeline.importers.rates import RateImporter

importing.register("products", ProductImporter())
importing.register("deals", DealImporter())
importing.register("rates", RateImporter())
