"""Extension singletons, initialised in create_app."""

from babel.support import NullTranslations, Translations
from flask_babel import Babel, Domain, get_locale
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class CatalogDomain(Domain):
    """Finds the catalog folder zh_CN for the locale Babel spells zh_Hans_CN."""

    _loaded: dict[str, Translations] = {}

    def get_translations(self):
        locale = get_locale()
        if locale is None:
            return NullTranslations()
        key = f"{locale.language}_{locale.territory}" if locale.territory else locale.language
        if key not in self._loaded:
            translations = Translations()
            for directory in self.translation_directories:
                translations.merge(Translations.load(directory, [key, locale.language], "messages"))
            self._loaded[key] = translations
        return self._loaded[key]


class SaleswebBabel(Babel):
    _domain: CatalogDomain | None = None

    @property
    def domain_instance(self) -> CatalogDomain:
        if self._domain is None:
            self._domain = CatalogDomain(domain="messages")
        return self._domain


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = SaleswebBabel()
htmx = HTMX()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
